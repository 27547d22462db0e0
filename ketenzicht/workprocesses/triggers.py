"""The triggers that make a case's history append-only, for tests that must empty every table.

Migration 0002 keeps its own copy of this SQL (a migration never changes when code does); change both
together, with a new migration. The application never calls these functions.
"""

from __future__ import annotations

from typing import Any

TABLE = "workprocesses_caseevent"

_POSTGRES_ON = f"""
CREATE OR REPLACE FUNCTION workprocesses_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the case history is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS workprocesses_history_no_update ON {TABLE};
DROP TRIGGER IF EXISTS workprocesses_history_no_truncate ON {TABLE};
CREATE TRIGGER workprocesses_history_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION workprocesses_history_append_only();
CREATE TRIGGER workprocesses_history_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION workprocesses_history_append_only();
"""
_POSTGRES_OFF = f"""
DROP TRIGGER IF EXISTS workprocesses_history_no_update ON {TABLE};
DROP TRIGGER IF EXISTS workprocesses_history_no_truncate ON {TABLE};
"""
_SQLITE_ON = [
    "DROP TRIGGER IF EXISTS workprocesses_history_no_update;",
    "DROP TRIGGER IF EXISTS workprocesses_history_no_delete;",
    "DROP TRIGGER IF EXISTS workprocesses_history_no_replace;",
    f"""CREATE TRIGGER workprocesses_history_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the case history is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER workprocesses_history_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the case history is append-only: DELETE refused'); END;""",
    # REPLACE deletes the old row without firing delete triggers (recursive_triggers is off): refuse an
    # insert whose id exists.
    f"""CREATE TRIGGER workprocesses_history_no_replace BEFORE INSERT ON {TABLE}
        WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'the case history is append-only: REPLACE refused'); END;""",
]
_SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS workprocesses_history_no_update;",
    "DROP TRIGGER IF EXISTS workprocesses_history_no_delete;",
    "DROP TRIGGER IF EXISTS workprocesses_history_no_replace;",
]


def _statements(vendor: str, on: bool) -> list[str]:
    if vendor == "postgresql":
        return [_POSTGRES_ON if on else _POSTGRES_OFF]
    if vendor == "sqlite":
        return _SQLITE_ON if on else _SQLITE_OFF
    return []


def history_append_only_on(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, on=True):
            cursor.execute(statement)


def history_append_only_off(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, on=False):
            cursor.execute(statement)
