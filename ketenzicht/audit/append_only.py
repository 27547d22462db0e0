"""Append-only history tables: the SQL of the triggers that make the database refuse UPDATE, DELETE,
REPLACE (SQLite) and TRUNCATE (PostgreSQL) on one table: the histories of cases, signals, review items and
measures (the access log has its own, older copy of the same SQL).

A migration that installs these keeps its own copy of the statements (a migration never changes when code
does). `history_off` / `history_on` exist for one purpose: a test framework that empties every table after
a transactional test. The application never calls them."""

from __future__ import annotations

from typing import Any


def postgres_function(name: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{name} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def statements(vendor: str, table: str, name: str, *, on: bool) -> list[str]:
    """`name` prefixes the triggers (SQLite's trigger names are global) and names the PostgreSQL function."""
    if vendor == "postgresql":
        off = [
            f"DROP TRIGGER IF EXISTS {name}_no_update ON {table};",
            f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {table};",
        ]
        if not on:
            return off
        return [
            postgres_function(name),
            *off,
            f"""CREATE TRIGGER {name}_no_update BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {name}_append_only();""",
            f"""CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {name}_append_only();""",
        ]
    if vendor == "sqlite":
        off = [
            f"DROP TRIGGER IF EXISTS {name}_{event};" for event in ("no_update", "no_delete", "no_replace")
        ]
        if not on:
            return off
        return [
            *off,
            f"""CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{name} is append-only: UPDATE refused'); END;""",
            f"""CREATE TRIGGER {name}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{name} is append-only: DELETE refused'); END;""",
            # REPLACE deletes the old row without firing delete triggers: refuse an insert whose id exists.
            f"""CREATE TRIGGER {name}_no_replace BEFORE INSERT ON {table}
                WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
                BEGIN SELECT RAISE(ABORT, '{name} is append-only: REPLACE refused'); END;""",
        ]
    return []


# The append-only histories: table -> trigger name (the names their migrations installed).
HISTORIES = {
    "workprocesses_caseevent": "workprocesses_history",
    "patterns_signalevent": "signal_history",
    "linking_reviewitemevent": "review_item_history",
    "measures_measureevent": "measure_history",
    "dossiers_breakglassevent": "break_glass_history",
}


def _run(connection: Any, *, on: bool) -> None:
    with connection.cursor() as cursor:
        for table, name in HISTORIES.items():
            for statement in statements(connection.vendor, table, name, on=on):
                cursor.execute(statement)


def history_on(connection: Any) -> None:
    _run(connection, on=True)


def history_off(connection: Any) -> None:
    _run(connection, on=False)
