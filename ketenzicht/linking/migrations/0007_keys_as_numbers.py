"""The blocking keys are stored as numbers (`engine.keys.key_number`) instead of their text: the stored
keys are turned into their numbers in place (PostgreSQL computes them itself; SQLite through the Python
function), the columns become integers, and on the databases that keep key counts they are counted anew.
The stored fingerprints (`keys_digest`, now with how the keys are numbered) no longer match, so the next
rebuild writes every mention's keys once more. Back: the columns become text again and the fingerprints
are forgotten, so that the rebuild of the code before writes the keys as text."""

from django.db import migrations, models

from ketenzicht.linking.engine.keys import key_number, key_number_sql


def keys_to_numbers(apps, schema_editor):  # type: ignore[no-untyped-def]
    db = schema_editor.connection
    keys = db.ops.quote_name(apps.get_model("linking", "MentionKey")._meta.db_table)
    counts = db.ops.quote_name(apps.get_model("linking", "KeyCount")._meta.db_table)
    with db.cursor() as cursor:
        cursor.execute(f"DELETE FROM {counts}")  # counted anew below, where kept
        if db.vendor == "postgresql":
            number = key_number_sql('"key"', "postgresql")
        else:
            db.connection.create_function("ketenzicht_key_number", 1, lambda key: str(key_number(key)))
            number = 'ketenzicht_key_number("key")'
        cursor.execute(f'UPDATE {keys} SET "key" = CAST({number} AS text)')


def counts_recount(apps, schema_editor):  # type: ignore[no-untyped-def]
    db = schema_editor.connection
    if db.vendor == "postgresql":
        return  # PostgreSQL keeps no key counts (`features.key_counts_kept`)
    keys = db.ops.quote_name(apps.get_model("linking", "MentionKey")._meta.db_table)
    counts = db.ops.quote_name(apps.get_model("linking", "KeyCount")._meta.db_table)
    with db.cursor() as cursor:
        cursor.execute(f'INSERT INTO {counts} ("key", n) SELECT "key", COUNT(*) FROM {keys} GROUP BY "key"')


def fingerprints_forget(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("linking", "MentionFeatures").objects.update(keys_digest=None)


class Migration(migrations.Migration):
    dependencies = [("linking", "0006_mentionfeatures_keys_digest")]

    operations = [
        migrations.RunPython(keys_to_numbers, fingerprints_forget),
        migrations.AlterField(
            model_name="keycount",
            name="key",
            field=models.BigIntegerField(primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name="mentionkey",
            name="key",
            field=models.BigIntegerField(),
        ),
        migrations.RunPython(counts_recount, migrations.RunPython.noop),
    ]
