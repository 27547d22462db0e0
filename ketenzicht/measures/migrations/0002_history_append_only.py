"""A measure's history is append-only: the database refuses UPDATE, DELETE, REPLACE (SQLite) and TRUNCATE
(PostgreSQL) on it. The SQL is this migration's own copy (ketenzicht/audit/append_only.py has the one tests
use); going back below this migration is refused, so the triggers cannot be lifted by a migration."""

from django.db import migrations

POSTGRES = ["\nCREATE OR REPLACE FUNCTION measure_history_append_only() RETURNS trigger AS $$\nBEGIN\n    RAISE EXCEPTION 'measure_history is append-only: % refused', TG_OP;\nEND;\n$$ LANGUAGE plpgsql;\n", 'DROP TRIGGER IF EXISTS measure_history_no_update ON measures_measureevent;', 'DROP TRIGGER IF EXISTS measure_history_no_truncate ON measures_measureevent;', 'CREATE TRIGGER measure_history_no_update BEFORE UPDATE OR DELETE ON measures_measureevent\n                FOR EACH ROW EXECUTE FUNCTION measure_history_append_only();', 'CREATE TRIGGER measure_history_no_truncate BEFORE TRUNCATE ON measures_measureevent\n                FOR EACH STATEMENT EXECUTE FUNCTION measure_history_append_only();']
SQLITE = ['DROP TRIGGER IF EXISTS measure_history_no_update;', 'DROP TRIGGER IF EXISTS measure_history_no_delete;', 'DROP TRIGGER IF EXISTS measure_history_no_replace;', "CREATE TRIGGER measure_history_no_update BEFORE UPDATE ON measures_measureevent\n                BEGIN SELECT RAISE(ABORT, 'measure_history is append-only: UPDATE refused'); END;", "CREATE TRIGGER measure_history_no_delete BEFORE DELETE ON measures_measureevent\n                BEGIN SELECT RAISE(ABORT, 'measure_history is append-only: DELETE refused'); END;", "CREATE TRIGGER measure_history_no_replace BEFORE INSERT ON measures_measureevent\n                WHEN EXISTS (SELECT 1 FROM measures_measureevent WHERE id = NEW.id)\n                BEGIN SELECT RAISE(ABORT, 'measure_history is append-only: REPLACE refused'); END;"]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = POSTGRES if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    # No reverse: migrating below this would lift the history's protection.
    operations = [migrations.RunPython(up)]
