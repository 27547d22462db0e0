from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketenzicht.screening"
    label = "screening"
    verbose_name = "Risk screening"

    def ready(self) -> None:
        from ketenzicht.workprocesses.signals import case_changed

        from .receivers import sync_screening_case

        case_changed.connect(sync_screening_case, dispatch_uid="screening-sync-case")
