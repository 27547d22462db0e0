"""Count the insight figures again: the years of the days marked stale since the last run (the default,
every few minutes in production), every year of the register (`--all`, nightly and after a linking
rebuild), or the years named (`--year 2025 --year 2026`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.insights.services import figures_refresh, register_years


class Command(BaseCommand):
    help = "Count the insight figures again (stale years by default, --all, or --year YYYY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="every year of the register")
        parser.add_argument("--year", type=int, action="append", default=[], help="a year to count again")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] and options["year"]:
            raise CommandError("--all and --year exclude each other")
        for year in options["year"]:
            if not 1900 <= year <= 2999:
                raise CommandError(f"--year: {year} is no year")
        years = register_years() if options["all"] else (options["year"] or None)
        result = figures_refresh(years=years)
        if not result.years:
            self.stdout.write("Insights: nothing stale to count.")
            return
        self.stdout.write(
            f"Insights: counted {', '.join(map(str, result.years))}: {result.facts} facts into "
            f"{result.cells} cells in {result.seconds:.1f} s."
        )
