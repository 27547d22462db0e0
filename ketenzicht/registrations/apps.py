from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "ketenzicht.registrations"
    verbose_name = "Registrations"
