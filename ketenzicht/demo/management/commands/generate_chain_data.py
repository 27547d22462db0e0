"""manage.py generate_chain_data: synthetic registrations (exchange format v1) plus their ground truth.

Thin: the work is `ketenzicht.demo.generator.generate`. Needs no database and touches none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ketenzicht.demo.generator import REGISTRATIONS_FILE, TRUTH_FILE, generate, load_params


class Command(BaseCommand):
    help = (
        "Write DIR/registrations.jsonl (exchange format v1) and DIR/truth.jsonl: N synthetic registrations "
        "with planted stalking patterns and confounders. The same seed gives the same bytes. "
        "No database needed."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--registrations", type=int, default=10_000, help="how many (default 10,000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
        parser.add_argument("--params", type=Path, default=None, help="parameter file (default: shipped)")
        parser.add_argument("--storylines", action="store_true", help="include the named demo storylines")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["registrations"]
        if n < 0:
            raise CommandError("--registrations must be 0 or more")
        try:
            params = load_params(options["params"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the parameters: {exc}") from exc
        out: Path = options["out"]
        columns = (
            TextColumn("generating"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, disable=options["no_progress"], transient=True) as bar:
            task = bar.add_task("registrations", total=n)
            result = generate(
                n,
                options["seed"],
                out,
                params,
                storylines=options["storylines"],
                progress=lambda done: bar.update(task, completed=done),
            )
        self.stdout.write(
            f"{result.registrations:,} registrations ({result.mentions:,} person mentions) in "
            f"{result.seconds:.1f} s: {out / REGISTRATIONS_FILE}\n"
            f"truth: {out / TRUTH_FILE} ({result.patterns} stalking patterns, {result.serials} serial "
            f"perpetrators, {result.confounders} confounders, {result.storylines} storyline registrations)"
        )
