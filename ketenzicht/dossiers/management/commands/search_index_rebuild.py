"""manage.py search_index_rebuild: rewrite the person search index from every linked mention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ketenzicht.dossiers.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rewrite the person search index (one row per surname key of every linked person mention)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=5_000, help="mentions per batch (default 5000)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(stderr=True)
        with Progress(
            TextColumn("index"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=options["no_progress"] or not console.is_terminal,
        ) as progress:
            task = progress.add_task("index", total=None)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=max(total, 1))

            mentions, rows = search_index_rebuild(chunk=max(options["chunk"], 1), progress=step)
        self.stdout.write(f"{mentions} mentions indexed in {rows} search rows")
