"""Bulk import of an exchange-format file through the intake pipeline.

Streams the file; every line is its own savepoint inside a batch transaction, so a bad line stores nothing
and a crash loses at most the uncommitted batch, which a re-run stores (known source + reference pairs are
skipped). Reports every bad line with its number, field and reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.services import ReferenceCodes, RegistrationInvalid, canonical_hash

from .pipeline import IntakeForbidden, intake_registration


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass
class ImportSummary:
    read: int = 0
    stored: int = 0
    already_present: int = 0
    conflicts: int = 0  # already present, but this line differs from what was stored
    rejected: int = 0
    errors: list[LineError] = field(default_factory=list)


def _lines(path: Path) -> Iterator[tuple[int, int, str]]:
    """(line number, bytes read so far, text) for each non-empty line."""
    read = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            read += len(raw)
            text = raw.decode("utf-8", errors="strict").strip() if raw.strip() else ""
            if text:
                yield number, read, text


def _decode(number: int, text: str) -> tuple[Any, list[LineError]]:
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [LineError(number, "(line)", f"not valid JSON: {exc.msg} at column {exc.colno}")]


def import_file(
    path: Path,
    *,
    actor: Any = None,
    batch_size: int = 200,
    on_progress: Callable[[int], None] | None = None,
    on_error: Callable[[LineError], None] | None = None,
) -> ImportSummary:
    summary = ImportSummary()
    codes = ReferenceCodes.load()
    batch: list[tuple[int, Any]] = []

    def reject(errors: list[LineError]) -> None:
        summary.rejected += 1
        summary.errors.extend(errors)
        for error in errors:
            if on_error:
                on_error(error)

    def flush(read_bytes: int) -> None:
        if not batch:
            return
        known = _known_hashes(batch)
        with transaction.atomic():
            for number, data in batch:
                key = (data.get("source"), data.get("reference")) if isinstance(data, dict) else None
                if key in known:
                    summary.already_present += 1
                    summary.conflicts += known[key] != canonical_hash(data)
                    continue
                try:
                    result = intake_registration(
                        actor=actor, data=data, channel="import", origin=f"import {path.name}", codes=codes
                    )
                except (RegistrationInvalid, IntakeForbidden) as exc:
                    reject([LineError(number, e.field, e.reason) for e in exc.errors])
                    continue
                if result.created:
                    summary.stored += 1
                    known[key] = canonical_hash(data)
                else:
                    summary.already_present += 1
                    summary.conflicts += result.conflict
        batch.clear()
        if on_progress:
            on_progress(read_bytes)

    read_bytes = 0
    try:
        for number, read_bytes, text in _lines(path):
            summary.read += 1
            data, errors = _decode(number, text)
            if errors:
                reject(errors)
                continue
            batch.append((number, data))
            if len(batch) >= batch_size:
                flush(read_bytes)
    except UnicodeDecodeError as exc:
        flush(read_bytes)
        raise ValueError(f"line {summary.read + 1}: the file is not UTF-8 ({exc.reason})") from exc
    flush(read_bytes)
    return summary


def _known_hashes(batch: list[tuple[int, Any]]) -> dict[Any, str]:
    keys = {
        (d["source"], d["reference"])
        for _, d in batch
        if isinstance(d, dict) and isinstance(d.get("source"), str) and isinstance(d.get("reference"), str)
    }
    if not keys:
        return {}
    rows = Registration.objects.filter(
        source__in={s for s, _ in keys}, reference__in={r for _, r in keys}
    ).values_list("source", "reference", "content_hash")
    return {(s, r): h for s, r, h in rows if (s, r) in keys}
