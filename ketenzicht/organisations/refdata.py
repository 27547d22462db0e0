"""Helpers for reference data kept as versioned files: content hashes, row errors, loaded versions."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .models import ReferenceDataVersion


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}, field '{self.field}': {self.reason}"


class ReferenceDataError(Exception):
    """Raised with every problem found in a reference data file; nothing of the file is stored then."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def content_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_csv(path: Path, aliases: dict[str, str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with header names mapped through `aliases` and values stripped."""
    aliases = {k.lower(): v for k, v in (aliases or {}).items()}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=_sniff_delimiter(path))
        header = [aliases.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            yield (
                reader.line_num,
                {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)},
            )


def _sniff_delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig") as handle:
        first = handle.readline()
    return ";" if first.count(";") > first.count(",") else ","


def record_version(dataset: str, version: str, digest: str) -> bool:
    """Store which version is loaded; True when it differs from what was loaded before."""
    current = ReferenceDataVersion.objects.filter(dataset=dataset).first()
    changed = current is None or current.content_hash != digest or current.version != version
    ReferenceDataVersion.objects.update_or_create(
        dataset=dataset, defaults={"version": version, "content_hash": digest}
    )
    return changed
