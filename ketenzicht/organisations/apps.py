from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "ketenzicht.organisations"
    verbose_name = "Organisations"
