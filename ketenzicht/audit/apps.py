from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketenzicht.audit"
    verbose_name = "Audit"
