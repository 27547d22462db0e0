from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "ketenzicht.ui"
    verbose_name = "Interface kit"
