"""A case's history is append-only: the database refuses UPDATE, DELETE, REPLACE (SQLite) and TRUNCATE
(PostgreSQL) on it. The SQL is this migration's own copy (ketenzicht/audit/append_only.py has the one
tests use); going back below this migration is refused, so the triggers cannot be lifted by a migration."""

from django.db import migrations

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




def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [_POSTGRES_ON] if vendor == "postgresql" else _SQLITE_ON if vendor == "sqlite" else []
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("workprocesses", "0001_initial")]
    # No reverse: migrating below this would lift the history's protection.
    operations = [migrations.RunPython(up)]
