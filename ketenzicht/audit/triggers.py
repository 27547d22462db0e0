"""The database triggers that make the access log append-only (installed by migrations 0003 and 0005).

Every table of the log refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL). On SQLite a row may also
not be inserted over an existing id: `INSERT OR REPLACE` / `REPLACE INTO` delete the old row without firing
delete triggers (unless `recursive_triggers` is on), so a BEFORE INSERT trigger refuses an id that exists.
PostgreSQL has no REPLACE; its upsert (`ON CONFLICT DO UPDATE`) and MERGE fire the update/delete triggers.

Triggers are installed on the log tables that exist, so an older migration installs what its tables need.

Retention (migration 0008): once `audit_accesslogpurge` exists, a DELETE of an entry (or of its person rows)
is refused unless the entry is older than the latest horizon recorded there. A horizon is recorded by the
retention purge before it deletes (`services.access_log_purge`); that table is append-only itself, and it
refuses a horizon less than FLOOR_DAYS before now, whatever the settings say. So no connection of the
application can delete an entry of the last FLOOR_DAYS days, or any entry the purge did not put behind a
horizon first.

`append_only_off` / `append_only_on` exist for one purpose: a test framework that empties every table after
a transactional test. The application never calls them.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_accesslogentry"
PERSON_TABLE = "audit_accesslogperson"
PURGE_TABLE = "audit_accesslogpurge"
# Every table of the log, with the prefix of its SQLite trigger names (those are global, not per table).
TABLES = {
    TABLE: "audit_access_log",
    PERSON_TABLE: "audit_access_log_person",
    PURGE_TABLE: "audit_access_log_purge",
}
# The access log keeps at least this many days, whatever the retention settings: the database refuses a
# purge horizon that is more recent.
FLOOR_DAYS = 365

# When a row may be deleted (SQLite; the PostgreSQL function below says the same): its entry lies before
# the latest horizon. A NULL (no horizon, no entry) refuses.
_HORIZON = f"(SELECT max(horizon) FROM {PURGE_TABLE})"
_SQLITE_PAST = {
    TABLE: f"OLD.at < {_HORIZON}",
    PERSON_TABLE: f"(SELECT e.at FROM {TABLE} e WHERE e.id = OLD.entry_id) < {_HORIZON}",
}

_POSTGRES_DELETE_PAST = f"""
CREATE OR REPLACE FUNCTION audit_access_log_delete_past() RETURNS trigger AS $$
DECLARE
    horizon timestamptz;
    entry_at timestamptz;
BEGIN
    SELECT max(p.horizon) INTO horizon FROM {PURGE_TABLE} p;
    IF TG_TABLE_NAME = '{PERSON_TABLE}' THEN
        SELECT e.at INTO entry_at FROM {TABLE} e WHERE e.id = OLD.entry_id;
    ELSE
        entry_at := OLD.at;
    END IF;
    IF horizon IS NULL OR entry_at IS NULL OR entry_at >= horizon THEN
        RAISE EXCEPTION 'the access log is append-only: DELETE refused (not behind a retention horizon)';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_access_log_purge_floor() RETURNS trigger AS $$
BEGIN
    IF NEW.horizon > now() - interval '{FLOOR_DAYS} days' THEN
        RAISE EXCEPTION 'the access log keeps at least {FLOOR_DAYS} days: horizon % refused', NEW.horizon;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

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
DROP TRIGGER IF EXISTS audit_access_log_no_delete ON {table};
DROP TRIGGER IF EXISTS audit_access_log_no_truncate ON {table};
DROP TRIGGER IF EXISTS audit_access_log_floor ON {table};
"""


def _postgres_on(table: str, *, horizon: bool) -> str:
    """`horizon`: the purge table exists, so an entry behind its latest horizon may be deleted."""
    past = horizon and table in _SQLITE_PAST
    update = "UPDATE" if past else "UPDATE OR DELETE"
    statements = f"""{_postgres_off(table)}
CREATE TRIGGER audit_access_log_no_update BEFORE {update} ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_append_only();
CREATE TRIGGER audit_access_log_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_access_log_append_only();
"""
    if past:
        statements += f"""CREATE TRIGGER audit_access_log_no_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_delete_past();
"""
    if table == PURGE_TABLE:
        statements += f"""CREATE TRIGGER audit_access_log_floor BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_purge_floor();
"""
    return statements


def _sqlite_off(prefix: str) -> list[str]:
    events = ("no_update", "no_delete", "no_replace", "floor")
    return [f"DROP TRIGGER IF EXISTS {prefix}_{event};" for event in events]


def _sqlite_on(table: str, prefix: str, *, horizon: bool) -> list[str]:
    past = _SQLITE_PAST.get(table) if horizon else None
    when = f"WHEN coalesce({past}, 0) = 0" if past else ""
    floor = (
        [
            f"""CREATE TRIGGER {prefix}_floor BEFORE INSERT ON {table}
            WHEN NEW.horizon > datetime('now', '-{FLOOR_DAYS} days')
            BEGIN SELECT RAISE(ABORT, 'the access log keeps at least {FLOOR_DAYS} days: horizon refused');
            END;"""
        ]
        if table == PURGE_TABLE
        else []
    )
    return [
        *_sqlite_off(prefix),
        f"""CREATE TRIGGER {prefix}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {prefix}_no_delete BEFORE DELETE ON {table} {when}
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;""",
        *floor,
        f"""CREATE TRIGGER {prefix}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only: REPLACE refused'); END;""",
    ]


def _statements(connection: Any, on: bool) -> list[str]:
    existing = set(connection.introspection.table_names())
    tables = {table: prefix for table, prefix in TABLES.items() if table in existing}
    horizon = PURGE_TABLE in tables
    if connection.vendor == "postgresql":
        statements = [_postgres_on(t, horizon=horizon) if on else _postgres_off(t) for t in tables]
        functions = [_POSTGRES_FUNCTION, _POSTGRES_DELETE_PAST] if horizon else [_POSTGRES_FUNCTION]
        return [*functions, *statements] if on else statements
    if connection.vendor == "sqlite":
        return [
            s
            for t, p in tables.items()
            for s in (_sqlite_on(t, p, horizon=horizon) if on else _sqlite_off(p))
        ]
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
