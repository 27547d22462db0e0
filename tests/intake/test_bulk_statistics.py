"""The bulk import refreshes the query planner's statistics as it grows the register: with statistics from
when the tables were small, PostgreSQL misjudged the batch statements by orders of magnitude (seconds of
JIT compilation and nested loops for a statement that runs in milliseconds; bench/import_growth.py)."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ketenzicht.intake import bulk, pipeline
from ketenzicht.linking.models import MentionKey
from ketenzicht.registrations.models import Registration

from .importfile import write_import_file

pytestmark = pytest.mark.django_db


def _planner_rows(table: str) -> float | None:
    """The number of rows the planner believes the table holds (None: never counted)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            return None if row is None or row[0] < 0 else float(row[0])
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        row = cursor.fetchone()
        return None if row is None else float(str(row[0]).split()[0])


def test_the_import_refreshes_the_statistics_each_time_it_has_grown_the_register_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = Registration._meta.db_table
    assert not Registration.objects.exists()
    # Small thresholds for a small file: at least 10 registrations, and as many as the register held.
    monkeypatch.setattr(bulk, "STATISTICS_MIN", 10)
    monkeypatch.setattr(bulk, "STATISTICS_GROWTH", 1.0)
    path = tmp_path / "registrations.jsonl"
    write_import_file(path, lines=56, bad=0)
    summary = bulk.import_file(path, batch_size=8)
    assert summary.stored == 56
    # Counted after 16 (the first 10 or more), then after 32 (16 more: as many as there were); the last 24
    # are fewer than the 32 the register held then.
    assert _planner_rows(table) == 32


def test_an_import_spaces_the_garbage_collections_and_restores_them_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, ...]] = []
    real = pipeline.intake_registrations

    def watched(**kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return real(**kwargs)

    monkeypatch.setattr(bulk, "intake_registrations", watched)
    path = tmp_path / "registrations.jsonl"
    write_import_file(path, lines=12, bad=0)
    before = gc.get_threshold()
    assert bulk.import_file(path, batch_size=5).stored == 12
    assert seen == [bulk.IMPORT_COLLECTION_THRESHOLDS] * 3 and seen[0] != before
    assert gc.get_threshold() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no visibility map to mark: its statistics refresh is ANALYZE only",
)
def test_outside_a_transaction_postgresql_also_marks_the_new_pages_all_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "STATISTICS_MIN", 10)
    monkeypatch.setattr(bulk, "STATISTICS_GROWTH", 1.0)
    path = tmp_path / "registrations.jsonl"
    write_import_file(path, lines=24, bad=0)
    assert not connection.in_atomic_block
    assert bulk.import_file(path, batch_size=12).stored == 24
    with connection.cursor() as cursor:
        # The blocking keys' pages: all visible, so the look-up reads them from the index alone.
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = %s", [MentionKey._meta.db_table]
        )
        pages, visible = cursor.fetchone()
    assert pages > 0 and visible == pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no synchronous_commit: a bulk batch commits there as any other does",
)
def test_a_bulk_batch_commits_without_waiting_for_the_disk_and_other_intake_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def watch(batch: list[pipeline.IntakeContext]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    monkeypatch.setattr(pipeline, "STEPS_AFTER_STORE", (*pipeline.STEPS_AFTER_STORE, watch))
    path, rest = tmp_path / "registrations.jsonl", tmp_path / "all.jsonl"
    write_import_file(rest, lines=11, bad=0)
    *lines, last = rest.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines), encoding="utf-8")
    assert not connection.in_atomic_block
    assert bulk.import_file(path, batch_size=4).stored == 10
    assert seen == ["off"] * 3  # every batch of the import
    # Each batch's own: after the import, and for a registration through a form or the API, commits wait.
    (outcome,) = pipeline.intake_registrations(actor=None, items=[json.loads(last)], channel="web")
    assert isinstance(outcome, pipeline.IntakeResult) and outcome.created
    assert seen[-1] == "on"
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
