"""Bulk import of an exchange-format file through the intake pipeline.

Streams the file in batches of `batch_size` lines; each batch goes through the intake pipeline in one
transaction (bulk inserts; should the database refuse them, each line is stored on its own), so a bad line
stores nothing and a crash loses at most the uncommitted batch, which a re-run stores (known source +
reference pairs are skipped). On PostgreSQL a batch's commit does not wait for the disk
(`db.commit_unflushed`): a crash of the server may also lose the batches committed in its last fraction of
a second, which a re-run stores likewise. Reports every bad line with its number, field and reason, and
goes on: a line that is not UTF-8, no JSON, nested too deep or holding a number too large is one rejected
line, never the end of the run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from ketenzicht.db import statistics_refresh
from ketenzicht.registrations.exchange import Problem, decode_json, printable
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.services import ReferenceCodes

from .pipeline import IntakeResult, intake_registrations


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


def _lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(line number, bytes read so far, bytes) for each non-blank line."""
    read = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            read += len(raw)
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark is no part of the line
            if raw.strip():
                yield number, read, raw


def _decode(number: int, raw: bytes) -> tuple[Any, list[LineError]]:
    """The line's data, or the one error that makes it no registration (not UTF-8, not JSON, ...)."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text ({exc.reason} at byte {exc.start + 1}); save the file as UTF-8"
        return None, [LineError(number, "(line)", reason)]
    try:
        return decode_json(text), []
    except Problem as problem:
        return None, [LineError(number, "(line)", printable(str(problem)))]


# The planner's statistics are refreshed when the import has grown the register by a quarter since they were
# last taken, and at least every this many registrations into an empty one.
STATISTICS_GROWTH = 0.25
STATISTICS_MIN = 1_000


@dataclass
class _Statistics:
    """When to refresh the planner's statistics during an import (`db.statistics_refresh`)."""

    size: int  # the register's size when they were last taken (as far as this import knows)
    stored: int = 0  # stored by this import since

    def after(self, stored: int) -> None:
        self.stored += stored
        if self.stored >= max(STATISTICS_MIN, STATISTICS_GROWTH * self.size):
            statistics_refresh()
            self.size += self.stored
            self.stored = 0


# Python's cyclic garbage collector, at its default thresholds (700, 10, 10), ran about 1,100 young, 100
# middle and 10 full collections per 2,000 registrations imported (a full one walks every object of the
# process: Django, the link model, the name caches), for garbage that reference counting frees anyway; an
# import ran about 15% faster without them (bench/README.md). While a file is imported: about 25, 2 and at
# most 1 per 2,000. It still runs.
IMPORT_COLLECTION_THRESHOLDS = (20_000, 20, 20)


@contextmanager
def collections_spaced() -> Iterator[None]:
    """Run the block with the garbage collector's thresholds at IMPORT_COLLECTION_THRESHOLDS, restored
    after."""
    before = gc.get_threshold()
    gc.set_threshold(*IMPORT_COLLECTION_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def import_file(
    path: Path,
    *,
    actor: Any = None,
    batch_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_error: Callable[[LineError], None] | None = None,
    historic: bool = False,
) -> ImportSummary:
    """Import the file's registrations `batch_size` at a time (None: KETENZICHT_IMPORT_BATCH_SIZE).
    `historic=True` (the demo's register): screening cases open at the moments the registrations were
    registered, not now (`intake_registrations`)."""
    batch_size = batch_size or settings.KETENZICHT_IMPORT_BATCH_SIZE
    summary = ImportSummary()
    codes = ReferenceCodes.load()
    statistics = _Statistics(Registration.objects.count())
    # (line number, decoded object, errors of a line that is no JSON): reported in line order at flush.
    batch: list[tuple[int, Any, list[LineError]]] = []

    def reject(errors: list[LineError]) -> None:
        summary.rejected += 1
        summary.errors.extend(errors)
        for error in errors:
            if on_error:
                on_error(error)

    def flush(read_bytes: int) -> None:
        if not batch:
            return
        decoded = [(number, data) for number, data, errors in batch if not errors]
        outcomes = iter(
            intake_registrations(
                actor=actor,
                items=[data for _, data in decoded],
                channel="import",
                origin=f"import {path.name}",
                codes=codes,
                durable=False,
                historic=historic,
            )
        )
        stored = summary.stored
        for number, _, errors in batch:
            if errors:
                reject(errors)
                continue
            outcome = next(outcomes)
            if isinstance(outcome, IntakeResult):
                summary.stored += outcome.created
                summary.already_present += not outcome.created
                summary.conflicts += outcome.conflict
            else:
                reject([LineError(number, e.field, e.reason) for e in outcome.errors])
        batch.clear()
        statistics.after(summary.stored - stored)
        if on_progress:
            on_progress(read_bytes)

    read_bytes = 0
    with collections_spaced():
        for number, read_bytes, raw in _lines(path):
            summary.read += 1
            data, errors = _decode(number, raw)
            batch.append((number, data, errors))
            if len(batch) >= batch_size:
                flush(read_bytes)
        flush(read_bytes)
    return summary
