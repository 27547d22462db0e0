from django.apps import AppConfig


class ProsecutionConfig(AppConfig):
    name = "ketenzicht.prosecution"
    label = "prosecution"
    verbose_name = "ZSM and prosecution"
