from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "ketenzicht.persons"
    verbose_name = "Persons"
