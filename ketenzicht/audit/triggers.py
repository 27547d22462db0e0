"""The database triggers that make the access log append-only (installed by migrations 0003 and 0005).

Every table of the log refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL). On SQLite a row may also
not be inserted over an existing id: `INSERT OR REPLACE` / `REPLACE INTO` delete the old row without firing
delete triggers (unless `recursive_triggers` is on), so a BEFORE INSERT trigger refuses an id that exists.
PostgreSQL has no REPLACE; its upsert (`ON CONFLICT DO UPDATE`) and MERGE fire the update/delete triggers.

Triggers are installed on the log tables that exist, so an older migration installs what its tables need.

`append_only_off` / `append_only_on` exist for one purpose: a test framework that empties every table after
a transactional test. The application never calls them.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_accesslogentry"
# Every table of the log, with the prefix of its SQLite trigger names (those are global, not per table).
TABLES = {TABLE: "audit_access_log", "audit_accesslogperson": "audit_access_log_person"}

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_off(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS audit_access_log_no_update ON {table};
DROP TRIGGER IF EXISTS audit_access_log_no_truncate ON {table};
"""


def _postgres_on(table: str) -> str:
    return f"""{_postgres_off(table)}
CREATE TRIGGER audit_access_log_no_update BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_append_only();
CREATE TRIGGER audit_access_log_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_access_log_append_only();
"""


def _sqlite_off(prefix: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {prefix}_{event};" for event in ("no_update", "no_delete", "no_replace")]


def _sqlite_on(table: str, prefix: str) -> list[str]:
    return [
        *_sqlite_off(prefix),
        f"""CREATE TRIGGER {prefix}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {prefix}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;""",
        f"""CREATE TRIGGER {prefix}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only: REPLACE refused'); END;""",
    ]


def _statements(connection: Any, on: bool) -> list[str]:
    existing = set(connection.introspection.table_names())
    tables = {table: prefix for table, prefix in TABLES.items() if table in existing}
    if connection.vendor == "postgresql":
        statements = [_postgres_on(t) if on else _postgres_off(t) for t in tables]
        return [_POSTGRES_FUNCTION, *statements] if on else statements
    if connection.vendor == "sqlite":
        return [s for t, p in tables.items() for s in (_sqlite_on(t, p) if on else _sqlite_off(p))]
    return []


def append_only_on(connection: Any) -> None:
    statements = _statements(connection, on=True)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)  # no parameters: '%' in the PL/pgSQL body is literal


def append_only_off(connection: Any) -> None:
    statements = _statements(connection, on=False)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
