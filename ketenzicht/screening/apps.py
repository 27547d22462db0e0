from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ketenzicht.screening"
    label = "screening"
    verbose_name = "Risk screening"

    def ready(self) -> None:
        from ketenzicht.audit.naming import object_naming_register

        from .selectors import screening_log_names

        # The access log names a risk screening by its case and instrument.
        object_naming_register("screening", screening_log_names)

        from django.utils.text import capfirst
        from django.utils.translation import gettext_lazy as _

        from ketenzicht.measures.signals import breaches_stored
        from ketenzicht.organisations.signals import user_holdings
        from ketenzicht.patterns.signals import signals_reopened
        from ketenzicht.workprocesses.headings import case_pairs_register
        from ketenzicht.workprocesses.labels import (
            case_title_register,
            history_texts_register,
            recorded_missing_register,
            recorded_value_register,
        )
        from ketenzicht.workprocesses.panels import (
            register_assessing_states,
            register_case_desk,
            register_case_panel,
            register_process_step_note,
            register_step_waiting,
        )
        from ketenzicht.workprocesses.purpose import case_reads_register
        from ketenzicht.workprocesses.signals import (
            case_changed,
            case_registrations_joined,
            case_reopening,
            case_stepping,
        )

        from .forms import URGENCY_CHOICES
        from .labels import LEVELS
        from .panel import (
            case_pairs_of,
            case_title_words,
            manual_step_note,
            screening_level_missing,
            screening_panel,
        )
        from .receivers import (
            SCREENING_PROCESSES,
            join_pair_of_manual_case,
            join_pairs_of_breaches,
            lapse_waiting_lowerings,
            refuse_second_open_case,
            sync_screening_case,
            tell_signal_reopened,
        )
        from .recording import STARTED_BY_RECORDING
        from .selectors import acute_held_by, may_use_screening_desk, pair_history_ids
        from .services import case_rules
        from .steps import closing_waiting, on_stepping

        # An acute case is not closed without action before its risk screening is recorded.
        case_stepping.connect(on_stepping, dispatch_uid="screening-close-acute")
        case_changed.connect(sync_screening_case, dispatch_uid="screening-sync-case")
        case_changed.connect(lapse_waiting_lowerings, dispatch_uid="screening-lapse-lowerings")
        case_reopening.connect(refuse_second_open_case, dispatch_uid="screening-reopen")
        case_registrations_joined.connect(join_pair_of_manual_case, dispatch_uid="screening-manual-pair")
        signals_reopened.connect(tell_signal_reopened, dispatch_uid="screening-signal-reopened")
        breaches_stored.connect(join_pairs_of_breaches, dispatch_uid="screening-breach-pairs")
        user_holdings.connect(acute_held_by, dispatch_uid="screening-acute-held")
        register_case_panel("screening", screening_panel)
        # The titles of the cases the case rules open start with a reason's label: in the user's language.
        case_title_register(case_title_words)
        # The note of the start step a recorded screening took, in the reader's language.
        history_texts_register(STARTED_BY_RECORDING)
        # Their heading names the pair as the lists do, for the reader, not as the title was written.
        case_pairs_register("screening", case_pairs_of)
        # The pair's history on the case page links its registrations with the case as purpose.
        case_reads_register("screening-pair-history", pair_history_ids)
        for process in SCREENING_PROCESSES:
            register_case_desk(
                process, "screening:queue", _("Back to the screening queue"), may_use_screening_desk
            )
            register_assessing_states(process, lambda: case_rules().assessing_states)
            register_process_step_note(process, manual_step_note)
            register_step_waiting(process, closing_waiting)
        # What a recorded screening writes on its case, in words on the case page and in its history.
        # The levels as msgids (their Dutch is the engine's Level.label): "high concern" on an English page.
        recorded_value_register(
            "screening_level",
            _("Level of the risk screening"),
            {k.value: capfirst(v) for k, v in LEVELS.items()},
        )
        recorded_value_register("urgency_suggested", _("Urgency suggested by the screening"), URGENCY_CHOICES)
        # Why a step waits for the screening level, in a screener's words (a lowering waiting or declined).
        recorded_missing_register("screening_level", screening_level_missing)
        # A re-opened signal's alert names its rule by the rules file's name, worded when read.
        from ketenzicht.patterns.labels import rule_label
        from ketenzicht.workprocesses.alerts import alert_choices_register

        from .receivers import PATTERN_RULE

        alert_choices_register(PATTERN_RULE, rule_label)
