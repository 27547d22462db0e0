"""PostgreSQL keeps no KeyCount rows any more (`features.key_counts_kept`): the counts stored before are
emptied there, so no stale count is left behind. On the other databases nothing changes."""

from django.db import migrations


def counts_empty(apps, schema_editor):  # type: ignore[no-untyped-def]
    db = schema_editor.connection
    if db.vendor == "postgresql":
        table = db.ops.quote_name(apps.get_model("linking", "KeyCount")._meta.db_table)
        with db.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")


class Migration(migrations.Migration):
    dependencies = [("linking", "0004_review_item_events")]

    operations = [migrations.RunPython(counts_empty, migrations.RunPython.noop)]
