"""The access log is append-only: the database itself refuses UPDATE and DELETE on it (and TRUNCATE on
PostgreSQL). The SQL lives in ketenzicht/audit/triggers.py; change it only together with a new migration."""

from django.db import migrations

from ketenzicht.audit.triggers import append_only_off, append_only_on


def up(apps, schema_editor):
    append_only_on(schema_editor.connection)


def down(apps, schema_editor):
    append_only_off(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(up, down)]
