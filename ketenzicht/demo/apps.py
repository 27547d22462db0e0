from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ketenzicht.demo"
    verbose_name = "Demo data"

    def ready(self) -> None:
        from ketenzicht.workprocesses.rollouts import rollout_notes_register

        from .notes import DEMO_DEFAULT_NOTE, DEMO_PILOT_NOTE

        # The demo's roll-outs are shown with their notes in the reader's language.
        rollout_notes_register(DEMO_DEFAULT_NOTE, DEMO_PILOT_NOTE)
