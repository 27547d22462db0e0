from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketenzicht.audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the login receivers)
