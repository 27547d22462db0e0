"""The access log refuses REPLACE on SQLite too: a BEFORE INSERT trigger refuses an id that already exists
(see ketenzicht/audit/triggers.py). This migration cannot be reversed: going back below it would lift the
append-only triggers of migration 0003 as well, and the log must never lose that protection."""

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError

from ketenzicht.audit.triggers import append_only_on

REFUSAL = (
    "The access log is append-only: migrating the audit app back below 0005_refuse_replace would lift "
    "the triggers that protect it, so it is refused. See docs/reference/access-log.md."
)


def up(apps, schema_editor):
    append_only_on(schema_editor.connection)


def down(apps, schema_editor):
    raise IrreversibleError(REFUSAL)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_alter_accesslogentry_action")]
    operations = [migrations.RunPython(up, down)]
