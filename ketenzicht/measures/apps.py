from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "ketenzicht.measures"
    label = "measures"
    verbose_name = "Protective measures"
