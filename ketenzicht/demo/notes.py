"""The notes on the demo's roll-outs: English, written in the installation's language (`services`) and shown
in the reader's (registered in apps.py with `workprocesses.rollouts.rollout_notes_register`). A module of
their own, so that registering them at start-up loads nothing of the demo's generator."""

from django.utils.translation import gettext_noop

DEMO_DEFAULT_NOTE = gettext_noop(
    "demo: the register's cases open as its registrations came in, from its first day"
)
DEMO_PILOT_NOTE = gettext_noop("demo: pilot of the improved work process")
