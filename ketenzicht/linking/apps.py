from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "ketenzicht.linking"
    verbose_name = "Person linking"
