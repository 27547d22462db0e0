"""manage.py load_instrument FILE: load an instrument file, e.g. a licensed one supplied by its licence
holder. A file that does not validate is refused with every problem, each naming its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenzicht.screening.engine.instrument import InstrumentError
from ketenzicht.screening.instruments import instrument_load_file


class Command(BaseCommand):
    help = "Load a risk-screening instrument from a YAML file (docs/reference/instrument-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            instrument, created = instrument_load_file(path)
        except InstrumentError as exc:
            problems = "\n".join(f"  - {problem}" for problem in exc.problems)
            raise CommandError(f"{path}: instrument refused, nothing stored:\n{problems}") from exc
        holder = f", licence holder {instrument.licence.holder}" if instrument.licence.holder else ""
        self.stdout.write(
            f"instrument {instrument.code} v{instrument.version} ({instrument.licence.kind.value}{holder})"
            f"{' loaded' if created else ' already loaded (unchanged)'}, hash {instrument.content_hash[:12]}"
        )
