from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketenzicht.screening"
    label = "screening"
    verbose_name = "Risk screening"
