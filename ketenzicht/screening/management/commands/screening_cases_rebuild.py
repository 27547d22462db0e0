"""manage.py screening_cases_rebuild: open or update the screening cases over the whole register."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenzicht.console import progress_steps
from ketenzicht.screening.services import screening_cases_rebuild


class Command(BaseCommand):
    help = (
        "Open a screening case (or add to the pair's open case) for every registration the case rules name "
        "that is on no screening case yet, as intake does. Safe to repeat: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_steps(disable=options["no_progress"]) as step:
            summary = screening_cases_rebuild(progress=step)
        self.stdout.write(
            f"{summary.registrations} registrations looked at; {summary.opened} cases opened, "
            f"{summary.added} registrations added to open cases"
            + (
                f", {summary.not_rolled_out} pairs without a rolled-out process"
                if summary.not_rolled_out
                else ""
            )
            + f"; {summary.seconds:.1f} s"
        )
