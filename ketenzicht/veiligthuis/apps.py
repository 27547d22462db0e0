from django.apps import AppConfig


class VeiligThuisConfig(AppConfig):
    name = "ketenzicht.veiligthuis"
    label = "veiligthuis"
    verbose_name = "Veilig Thuis"

    def ready(self) -> None:
        from ketenzicht.audit.naming import by_field, object_naming_register

        from .models import Notification

        # The access log names a notification by its case's reference (its key is the case's).
        object_naming_register("vt_notification", *by_field(Notification, "case__reference"))

        from django.utils.translation import gettext_lazy as _

        from ketenzicht.workprocesses.alerts import alerts_settled_on_close_register
        from ketenzicht.workprocesses.headings import case_pairs_register
        from ketenzicht.workprocesses.labels import history_note_register, history_reader_register
        from ketenzicht.workprocesses.panels import (
            register_case_desk,
            register_case_panel,
            register_step_note,
        )
        from ketenzicht.workprocesses.references import register_reference_prefix
        from ketenzicht.workprocesses.signals import (
            case_changed,
            case_reopening,
            case_stepping,
            handoff_created,
        )

        from .panel import feedback_note, feedback_panel, notification_panel, vt_step_note
        from .selectors import handover_notes_for_reader, may_use_vt_desk, notification_case_pairs
        from .services import (
            FEEDBACK_WORDS,
            HANDOFF_KIND,
            OPEN_WORK_ALERT_KINDS,
            on_handoff,
            refuse_reopen,
            sync_notification,
        )
        from .steps import on_stepping

        handoff_created.connect(on_handoff, dispatch_uid="veiligthuis-handoff")
        case_changed.connect(sync_notification, dispatch_uid="veiligthuis-sync-case")
        case_reopening.connect(refuse_reopen, dispatch_uid="veiligthuis-reopen")
        case_stepping.connect(on_stepping, dispatch_uid="veiligthuis-step-rules")
        register_case_panel("veiligthuis", notification_panel)
        # A notification's heading names its pair as the inbox does, for the reader (not its stored title).
        case_pairs_register("veiligthuis", notification_case_pairs)
        register_case_panel("veiligthuis_feedback", feedback_panel)
        register_step_note(HANDOFF_KIND, vt_step_note)
        # A notification closed: what told its assessors of new police information asks nothing any more.
        alerts_settled_on_close_register(*OPEN_WORK_ALERT_KINDS)
        # The feedback's line in a police case's history, in the reader's language.
        history_note_register(FEEDBACK_WORDS, feedback_note)
        # A hand-off's line in a notification's history names its police case only to whoever may be told.
        history_reader_register(handover_notes_for_reader)
        register_case_desk(
            "vt_safety_assessment", "veiligthuis:inbox", _("Back to the Veilig Thuis inbox"), may_use_vt_desk
        )
        # A notification reads as one ("VT2026-000081"), apart from the police's cases ("Z2026-000075").
        register_reference_prefix("vt_safety_assessment", "VT")
