"""The database triggers that make the access log append-only (installed by migration 0003).

`append_only_off` / `append_only_on` exist for one purpose: a test framework that empties every table after
a transactional test. The application never calls them.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_accesslogentry"

_POSTGRES_ON = f"""
CREATE OR REPLACE FUNCTION audit_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_access_log_no_update ON {TABLE};
DROP TRIGGER IF EXISTS audit_access_log_no_truncate ON {TABLE};
CREATE TRIGGER audit_access_log_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_append_only();
CREATE TRIGGER audit_access_log_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_access_log_append_only();
"""
_POSTGRES_OFF = f"""
DROP TRIGGER IF EXISTS audit_access_log_no_update ON {TABLE};
DROP TRIGGER IF EXISTS audit_access_log_no_truncate ON {TABLE};
"""
_SQLITE_ON = [
    "DROP TRIGGER IF EXISTS audit_access_log_no_update;",
    "DROP TRIGGER IF EXISTS audit_access_log_no_delete;",
    f"""CREATE TRIGGER audit_access_log_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER audit_access_log_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;""",
]
_SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS audit_access_log_no_update;",
    "DROP TRIGGER IF EXISTS audit_access_log_no_delete;",
]


def _statements(vendor: str, on: bool) -> list[str]:
    if vendor == "postgresql":
        return [_POSTGRES_ON if on else _POSTGRES_OFF]
    if vendor == "sqlite":
        return _SQLITE_ON if on else _SQLITE_OFF
    return []


def append_only_on(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, on=True):
            cursor.execute(statement)  # no parameters: '%' in the PL/pgSQL body is literal


def append_only_off(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, on=False):
            cursor.execute(statement)
