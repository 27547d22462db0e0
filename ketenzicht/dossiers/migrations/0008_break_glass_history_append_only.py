"""A break-the-glass access's history is append-only: the database refuses UPDATE, DELETE, REPLACE (SQLite)
and TRUNCATE (PostgreSQL) on it. The SQL is this migration's own copy (ketenzicht/audit/append_only.py has the
one tests use); going back below this migration is refused, so the triggers cannot be lifted by a migration."""

from django.db import migrations

POSTGRES = ["\nCREATE OR REPLACE FUNCTION break_glass_history_append_only() RETURNS trigger AS $$\nBEGIN\n    RAISE EXCEPTION 'break_glass_history is append-only: % refused', TG_OP;\nEND;\n$$ LANGUAGE plpgsql;\n", 'DROP TRIGGER IF EXISTS break_glass_history_no_update ON dossiers_breakglassevent;', 'DROP TRIGGER IF EXISTS break_glass_history_no_truncate ON dossiers_breakglassevent;', 'CREATE TRIGGER break_glass_history_no_update BEFORE UPDATE OR DELETE ON dossiers_breakglassevent\n                FOR EACH ROW EXECUTE FUNCTION break_glass_history_append_only();', 'CREATE TRIGGER break_glass_history_no_truncate BEFORE TRUNCATE ON dossiers_breakglassevent\n                FOR EACH STATEMENT EXECUTE FUNCTION break_glass_history_append_only();']
SQLITE = ['DROP TRIGGER IF EXISTS break_glass_history_no_update;', 'DROP TRIGGER IF EXISTS break_glass_history_no_delete;', 'DROP TRIGGER IF EXISTS break_glass_history_no_replace;', "CREATE TRIGGER break_glass_history_no_update BEFORE UPDATE ON dossiers_breakglassevent\n                BEGIN SELECT RAISE(ABORT, 'break_glass_history is append-only: UPDATE refused'); END;", "CREATE TRIGGER break_glass_history_no_delete BEFORE DELETE ON dossiers_breakglassevent\n                BEGIN SELECT RAISE(ABORT, 'break_glass_history is append-only: DELETE refused'); END;", "CREATE TRIGGER break_glass_history_no_replace BEFORE INSERT ON dossiers_breakglassevent\n                WHEN EXISTS (SELECT 1 FROM dossiers_breakglassevent WHERE id = NEW.id)\n                BEGIN SELECT RAISE(ABORT, 'break_glass_history is append-only: REPLACE refused'); END;"]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = POSTGRES if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0007_break_glass")]
    # No reverse: migrating below this would lift the history's protection.
    operations = [migrations.RunPython(up)]
