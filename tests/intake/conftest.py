"""Transactional tests of the import (a killed run needs committed data that a subprocess sees) leave access
log entries; Django empties the tables after such a test, which the append-only triggers refuse. Around that
teardown the triggers are dropped and created again with the migration's own statements (as tests/e2e does for
live-server tests), so every other test keeps an append-only log."""

from __future__ import annotations

import importlib
from collections.abc import Generator
from pathlib import Path

import pytest

APPEND_ONLY_MIGRATION = "ketenzicht.audit.migrations.0003_append_only"


def _append_only_triggers(item: pytest.Item, direction: str, database: str | None = None) -> str | None:
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    name = str(connection.settings_dict["NAME"])
    if (database is not None and name != database) or "test" not in Path(name).name:
        return None  # not (or no longer) the test database: never touch the real one
    migration = importlib.import_module(APPEND_ONLY_MIGRATION)
    with item.config.stash[blocking_manager_key].unblock(), connection.schema_editor() as schema_editor:
        getattr(migration, direction)(None, schema_editor)
    return name


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return "transactional_db" in getattr(item, "fixturenames", ()) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    database = _append_only_triggers(item, "down") if _transactional(item) else None
    try:
        return (yield)
    finally:
        if database is not None:
            _append_only_triggers(item, "up", database)
