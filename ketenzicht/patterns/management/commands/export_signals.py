"""manage.py export_signals OUT.jsonl: every signal as one JSON object per line, to check against a truth."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.patterns.selectors import signal_export_lines


class Command(BaseCommand):
    help = (
        "Write every signal to OUT (JSON Lines): rule, severity, when and at which registration it first "
        "fired, and its registrations with the suspect and victim mention refs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the file to write (replaced only when complete)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise CommandError(f"{out}: folder {folder} does not exist")
        count = 0
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".part")
        except OSError as exc:
            raise CommandError(f"{out}: cannot write there ({exc.strerror})") from exc
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                for line in signal_export_lines():
                    stream.write(json.dumps(line, ensure_ascii=False) + "\n")
                    count += 1
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{count} signals written to {out}")
