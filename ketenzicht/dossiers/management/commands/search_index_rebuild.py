"""manage.py search_index_rebuild: rewrite the person search index from every linked mention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenzicht.console import progress_steps
from ketenzicht.dossiers.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rewrite the person search index (one row per surname key of every linked person mention)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=5_000, help="mentions per batch (default 5000)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        with progress_steps(disable=options["no_progress"]) as step:
            mentions, rows = search_index_rebuild(
                chunk=max(options["chunk"], 1), progress=lambda done, total: step("index", done, total)
            )
        self.stdout.write(f"{mentions} mentions indexed in {rows} search rows")
