from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "ketenzicht.dossiers"
    verbose_name = "Person search and dossiers"
