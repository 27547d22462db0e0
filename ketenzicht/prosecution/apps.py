import functools

from django.apps import AppConfig


class ProsecutionConfig(AppConfig):
    name = "ketenzicht.prosecution"
    label = "prosecution"
    verbose_name = "ZSM and prosecution"

    def ready(self) -> None:
        from ketenzicht.audit.naming import by_field, finder_of_names, object_naming_register
        from ketenzicht.organisations.models import Post

        from .models import ZsmFile
        from .selectors import post_log_names, request_ids_of_log_name, request_log_names

        # The access log names a ZSM file by its case's reference (its key is the case's), a post by what it
        # is and who holds it, a partner's request by the partner and the file; and finds each by that name.
        object_naming_register("zsm_file", *by_field(ZsmFile, "case__reference"))
        object_naming_register(
            "post",
            post_log_names,
            finder_of_names(post_log_names, lambda: Post.objects.values_list("pk", flat=True)),
        )
        object_naming_register("zsm_request", request_log_names, request_ids_of_log_name)

        from django.utils.translation import gettext_lazy as _

        from ketenzicht.organisations.signals import absence_changed
        from ketenzicht.veiligthuis.signals import notifications_opened
        from ketenzicht.workprocesses.alerts import alerts_settled_on_close_register
        from ketenzicht.workprocesses.headings import case_pairs_register
        from ketenzicht.workprocesses.labels import history_texts_register, recorded_missing_register
        from ketenzicht.workprocesses.panels import (
            register_case_desk,
            register_case_noun,
            register_case_panel,
            register_process_step_note,
            register_queue_lead,
            register_reason_required,
            register_stand_in,
            register_step_note,
            register_step_waiting,
        )
        from ketenzicht.workprocesses.references import register_reference_prefix
        from ketenzicht.workprocesses.signals import case_changed, case_stepping, handoff_created

        from .decisions import (
            WAITING_FOR,
            decision_reason_required,
            decision_step_note,
            decision_waiting,
            on_stepping,
            waiting_for,
        )
        from .feedback import sync_file, vt_notifications_opened
        from .panel import decision_panel, file_panel, zsm_step_note
        from .selectors import file_case_pairs, leads_zsm_table, may_use_zsm_desk
        from .services import (
            HANDOFF_KIND,
            OPEN_WORK_ALERT_KINDS,
            ROUTED_PRIMARY,
            ROUTED_SUBSTITUTE,
            on_absence_changed,
            on_handoff,
            stand_in_for_leaving,
        )

        handoff_created.connect(on_handoff, dispatch_uid="prosecution-handoff")
        case_changed.connect(sync_file, dispatch_uid="prosecution-sync-case")
        notifications_opened.connect(vt_notifications_opened, dispatch_uid="prosecution-vt-opened")
        case_stepping.connect(on_stepping, dispatch_uid="prosecution-decision-rules")
        absence_changed.connect(on_absence_changed, dispatch_uid="prosecution-absent-owner")
        register_stand_in("zsm_file", stand_in_for_leaving)  # a prosecutor who leaves: as when absent
        # A file's heading names its pair as the desk does, for the reader (not its stored title).
        case_pairs_register("prosecution", file_case_pairs)
        # The ZSM coordinator divides the office's files: they hand one over, as a team lead does elsewhere.
        register_queue_lead("zsm_file", leads_zsm_table, _("the ZSM coordinator"))
        register_case_panel("zsm_file", file_panel)
        register_case_panel("zsm_decision", decision_panel)
        register_step_note(HANDOFF_KIND, zsm_step_note)
        register_process_step_note("zsm_file", decision_step_note)
        register_reason_required("zsm_file", decision_reason_required)
        # A decision that waits for Veilig Thuis or the complaint says so before it is filled in, and its
        # refusal, if sent anyway, in the same words.
        register_step_waiting("zsm_file", decision_waiting)
        for name in WAITING_FOR:
            recorded_missing_register(name, functools.partial(waiting_for, name))
        register_case_desk("zsm_file", "prosecution:desk", _("Back to the ZSM table"), may_use_zsm_desk)
        # A file, as the ZSM table and the file's history lines call it, on its page's title and heading.
        register_case_noun("zsm_file", _("File"))
        # Its reference reads as a file of the table ("ZSM2026-000083"), apart from the police's cases.
        register_reference_prefix("zsm_file", "ZSM")
        # Why a file went to its prosecutor, on the line that made them its owner: in the reader's language.
        history_texts_register(ROUTED_PRIMARY, ROUTED_SUBSTITUTE)
        # A file finally decided: what told its prosecutor it waits for them asks nothing any more.
        alerts_settled_on_close_register(*OPEN_WORK_ALERT_KINDS)
        # A late request's alert names the partner by its code, worded when read: by its organisation's
        # name as registered (a proper name, the same in either language).
        from ketenzicht.workprocesses.alerts import alert_choices_register

        from .models import PARTNER_CHOICES
        from .selectors import partner_names

        alert_choices_register(PARTNER_CHOICES, lambda code: partner_names().get(code, code))
