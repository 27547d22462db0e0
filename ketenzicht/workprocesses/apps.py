from django.apps import AppConfig


class WorkprocessesConfig(AppConfig):
    name = "ketenzicht.workprocesses"
    label = "workprocesses"
    verbose_name = "Work processes and cases"
