"""The test databases come from a migrated template (tests/database_template.py): it must hold every
migration, and a changed migration must make a new one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.database_template import SqliteTemplate, migrations_key


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied() -> None:
    """A template left over from older migrations would leave this plan non-empty."""
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_the_key_follows_the_migration_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    monkeypatch.setattr(apps, "get_app_configs", lambda: [SimpleNamespace(label="walk", path=str(tmp_path))])
    (folder / "0001_initial.py").write_text("operations = []\n")
    first = migrations_key()
    assert migrations_key() == first  # the same files, the same template
    (folder / "0001_initial.py").write_text("operations = ['changed']\n")
    changed = migrations_key()
    (folder / "0002_more.py").write_text("operations = []\n")
    added = migrations_key()
    assert len({first, changed, added}) == 3


def test_a_database_is_a_copy_of_the_template_and_migrated_without_clobbering(tmp_path: Path) -> None:
    built = tmp_path / "test-built.sqlite3"
    with sqlite3.connect(built) as database:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("CREATE TABLE migrated (name TEXT)")
        database.execute("INSERT INTO migrated VALUES ('0001_initial')")
    template = SqliteTemplate(str(built), "k1")
    (tmp_path / "test-template-old.sqlite3").write_text("an older template")
    template.save(SimpleNamespace(), str(built))
    assert sorted(path.name for path in tmp_path.glob("test-template-*")) == ["test-template-k1.sqlite3"]

    worker = tmp_path / "test-worker.sqlite3_gw1"
    worker.write_text("last run's database")
    calls: list[dict[str, Any]] = []

    def create(**arguments: Any) -> str:
        calls.append(arguments)
        return str(worker)

    creation = SimpleNamespace(_get_test_db_name=lambda: str(worker))
    assert template.create_from(creation, create, verbosity=0, serialize=False, keepdb=False) == str(worker)
    assert calls == [{"verbosity": 0, "serialize": False, "keepdb": True}]  # kept, so migrate finds it done
    with sqlite3.connect(worker) as database:
        assert database.execute("SELECT name FROM migrated").fetchall() == [("0001_initial",)]
