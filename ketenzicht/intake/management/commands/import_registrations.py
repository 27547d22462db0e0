"""manage.py import_registrations FILE.jsonl: bulk import in exchange format v1."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from ketenzicht.intake.bulk import LineError, import_file
from ketenzicht.organisations.models import User
from ketenzicht.registrations.exchange import printable


class Command(BaseCommand):
    help = "Import registrations from an exchange-format (v1) JSON Lines file, through the intake pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="register as this user (with their rights); default: the system")
        parser.add_argument(
            "--errors-out", type=Path, help="write the rejected lines' errors here as JSON Lines"
        )
        parser.add_argument("--batch-size", type=int, default=settings.KETENZICHT_IMPORT_BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--user: no active user {options['user']!r}")
        console = Console(stderr=True)
        errors_out = options["errors_out"].open("w", encoding="utf-8") if options["errors_out"] else None

        def on_error(error: LineError) -> None:
            # printable: a control character in a rejected value (an ANSI escape) is shown, not obeyed
            text = escape(printable(str(error)))
            console.print(f"[red]rejected[/red] {text}", highlight=False, soft_wrap=True)
            if errors_out:
                errors_out.write(
                    json.dumps({"line": error.line, "field": error.field, "reason": error.reason}) + "\n"
                )

        progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=options["no_progress"] or not console.is_terminal,
        )
        try:
            with progress:
                task = progress.add_task(f"importing {path.name}", total=path.stat().st_size)
                summary = import_file(
                    path,
                    actor=actor,
                    batch_size=options["batch_size"],
                    on_progress=lambda done: progress.update(task, completed=done),
                    on_error=on_error,
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if errors_out:
                errors_out.close()
        self.stdout.write(
            f"read {summary.read}, stored {summary.stored}, already present {summary.already_present}, "
            f"rejected {summary.rejected}"
            + (f" ({summary.conflicts} already present with different content)" if summary.conflicts else "")
        )
        if summary.rejected:
            sys.exit(1)
