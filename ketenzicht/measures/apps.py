"""Protective measures (restraining order, behaviour order 509hh Sv, court measure 38v Sr, conditions, Aware
alarm) and their breaches, detected in intake through linking."""

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "ketenzicht.measures"
    label = "measures"
    verbose_name = "Protective measures"

    def ready(self) -> None:
        from ketenzicht.audit.naming import by_field, object_naming_register

        from .models import Measure

        object_naming_register("measure", *by_field(Measure, "reference"))  # the access log: "MR2026-000001"

        from ketenzicht.dossiers.panels import register_dossier_panel
        from ketenzicht.registrations.purposes import linked_purpose_register
        from ketenzicht.workprocesses.panels import register_case_panel

        from .panel import case_measures_panel, dossier_measures_panel
        from .purpose import MEASURE_PARAM, registration_purpose_of_measure

        register_case_panel("measures", case_measures_panel)
        from ketenzicht.workprocesses.labels import history_note_register, history_reader_register

        from .history import NOTE_NAME, case_note
        from .selectors import breach_lines_for_reader

        # A breach's line in a police case's history names its registration: only to whoever may see it.
        history_reader_register(breach_lines_for_reader)
        # A measure's lines in a police case's history (registered, extended, ended, breached) in the
        # reader's language.
        history_note_register(NOTE_NAME, case_note)
        register_dossier_panel("measures", dossier_measures_panel)
        # A breach registration opened from a measure's page is read under the measure.
        linked_purpose_register(MEASURE_PARAM, registration_purpose_of_measure)

        from ketenzicht.patterns.measure_breaches import breach_source_register

        from .pattern_facts import SOURCE, signals_after_breaches
        from .signals import breaches_stored

        # A breach is a registration of the pair its measure protects, named in it or not: the pattern
        # signals count it, and are computed again when breaches are stored.
        breach_source_register(SOURCE)
        breaches_stored.connect(signals_after_breaches, dispatch_uid="measures-breach-signals")
