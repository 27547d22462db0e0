"""manage.py detect_patterns: detect every pattern over the whole register and store the signals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenzicht.console import progress_steps
from ketenzicht.patterns.services import signals_detect_all


class Command(BaseCommand):
    help = (
        "Re-detect every pattern (possible stalking, escalation, repeat DV, serial perpetrator, mutual "
        "conflict) over all linked registrations; signals are updated, never duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_steps(disable=options["no_progress"]) as step:
            summary = signals_detect_all(progress=step)
        per_rule = ", ".join(f"{rule} {count}" for rule, count in sorted(summary.signals.items())) or "none"
        self.stdout.write(
            f"{summary.registrations} registrations looked at, {summary.events} in possible patterns; "
            f"signals: {per_rule}; {summary.created} new, {summary.updated} updated, "
            f"{summary.withdrawn} withdrawn; {summary.seconds:.1f} s"
        )
