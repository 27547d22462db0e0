from django.apps import AppConfig


class VeiligThuisConfig(AppConfig):
    name = "ketenzicht.veiligthuis"
    label = "veiligthuis"
    verbose_name = "Veilig Thuis"

    def ready(self) -> None:
        from ketenzicht.workprocesses.panels import register_case_panel
        from ketenzicht.workprocesses.signals import case_changed, handoff_created

        from .panel import feedback_panel, notification_panel
        from .services import on_handoff, sync_notification

        handoff_created.connect(on_handoff, dispatch_uid="veiligthuis-handoff")
        case_changed.connect(sync_notification, dispatch_uid="veiligthuis-sync-case")
        register_case_panel("veiligthuis", notification_panel)
        register_case_panel("veiligthuis_feedback", feedback_panel)
