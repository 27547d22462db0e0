from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketenzicht.screening"
    label = "screening"
    verbose_name = "Risk screening"

    def ready(self) -> None:
        from ketenzicht.workprocesses.panels import register_case_panel
        from ketenzicht.workprocesses.signals import case_changed

        from .panel import screening_panel
        from .receivers import sync_screening_case

        case_changed.connect(sync_screening_case, dispatch_uid="screening-sync-case")
        register_case_panel("screening", screening_panel)
