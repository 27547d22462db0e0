from django.apps import AppConfig


class ProsecutionConfig(AppConfig):
    name = "ketenzicht.prosecution"
    label = "prosecution"
    verbose_name = "ZSM and prosecution"

    def ready(self) -> None:
        from ketenzicht.workprocesses.panels import register_case_panel
        from ketenzicht.workprocesses.signals import case_changed, handoff_created

        from .feedback import sync_file
        from .panel import decision_panel, file_panel
        from .services import on_handoff

        handoff_created.connect(on_handoff, dispatch_uid="prosecution-handoff")
        case_changed.connect(sync_file, dispatch_uid="prosecution-sync-case")
        register_case_panel("zsm_file", file_panel)
        register_case_panel("zsm_decision", decision_panel)
