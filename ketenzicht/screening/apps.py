from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketenzicht.screening"
    label = "screening"
    verbose_name = "Risk screening"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from ketenzicht.organisations.signals import user_holdings
        from ketenzicht.patterns.signals import signals_reopened
        from ketenzicht.workprocesses.labels import recorded_missing_register, recorded_value_register
        from ketenzicht.workprocesses.panels import register_case_desk, register_case_panel
        from ketenzicht.workprocesses.signals import case_changed, case_reopening

        from .engine.instrument import LEVEL_LABELS
        from .forms import URGENCY_CHOICES
        from .panel import screening_level_missing, screening_panel
        from .receivers import (
            lapse_waiting_lowerings,
            refuse_second_open_case,
            sync_screening_case,
            tell_signal_reopened,
        )
        from .selectors import acute_held_by, may_use_screening_desk

        case_changed.connect(sync_screening_case, dispatch_uid="screening-sync-case")
        case_changed.connect(lapse_waiting_lowerings, dispatch_uid="screening-lapse-lowerings")
        case_reopening.connect(refuse_second_open_case, dispatch_uid="screening-reopen")
        signals_reopened.connect(tell_signal_reopened, dispatch_uid="screening-signal-reopened")
        user_holdings.connect(acute_held_by, dispatch_uid="screening-acute-held")
        register_case_panel("screening", screening_panel)
        for process in ("ex_partner_stalking", "dv_screening"):
            register_case_desk(
                process, "screening:queue", _("Back to the screening queue"), may_use_screening_desk
            )
        # What a recorded screening writes on its case, in words on the case page and in its history.
        recorded_value_register(
            "screening_level", _("Level of the risk screening"), {k.value: v for k, v in LEVEL_LABELS.items()}
        )
        recorded_value_register("urgency_suggested", _("Urgency suggested by the screening"), URGENCY_CHOICES)
        # Why a step waits for the screening level, in a screener's words (a lowering waiting or declined).
        recorded_missing_register("screening_level", screening_level_missing)
