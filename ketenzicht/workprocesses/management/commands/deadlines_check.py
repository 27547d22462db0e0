"""manage.py deadlines_check: escalate every open case whose deadline has passed (run it from a scheduler,
e.g. every five minutes). Safe to repeat: a case is escalated once per deadline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenzicht.console import moment_option
from ketenzicht.workprocesses.services import deadlines_check


class Command(BaseCommand):
    help = "Escalate open cases whose deadline has passed, as their work process says. Safe to repeat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="check as if it were this moment (ISO 8601; for tests and replays)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment_option(options["now"])
        escalated = deadlines_check(now=now)
        for case in escalated:
            self.stdout.write(
                f"{case.reference}: overdue in state {case.state}, escalated "
                f"to {case.escalate_again_to if case.escalated_at != now else case.escalate_to}"
            )
        self.stdout.write(f"{len(escalated)} case(s) escalated")
