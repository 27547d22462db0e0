"""Blocking keys in a lean table (primary key (key, mention), no id) with a count per key, and the keys
of every stored mention written anew in the scheme of engine/keys.py (keys named by value kind, fewer per
mention), the counts recounted."""

import django.db.models.deletion
from django.db import migrations, models


def keys_refill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Every mention's blocking keys written anew from its stored features, and counted. A frozen copy of
    what it needs (plain SQL on the historical tables), so that this migration does not change when the
    linking services do. The keys themselves come from the pure engine (engine/keys.py) on purpose: stored
    keys must be the ones the running matcher looks up; a later change of the scheme rewrites them with
    `manage.py link_persons --rebuild`, not with this migration."""
    from ketenzicht.linking.engine.keys import blocking_keys
    from ketenzicht.linking.engine.mention_features import MentionFeatures as Features

    db = schema_editor.connection
    features = apps.get_model("linking", "MentionFeatures")
    keys_table = db.ops.quote_name(apps.get_model("linking", "MentionKey")._meta.db_table)
    counts_table = db.ops.quote_name(apps.get_model("linking", "KeyCount")._meta.db_table)
    insert = f'INSERT INTO {keys_table} ("key", mention_id) VALUES (%s, %s)'
    rows = features._default_manager.using(db.alias).order_by("pk").values_list("mention_id", "data")
    with db.cursor() as cursor:
        cursor.execute(f"DELETE FROM {keys_table}")
        batch: list[tuple[str, int]] = []
        for mention_id, data in rows.iterator(chunk_size=5000):
            batch.extend((key, mention_id) for key in blocking_keys(Features(**data)))
            if len(batch) >= 5000:
                cursor.executemany(insert, batch)
                batch.clear()
        if batch:
            cursor.executemany(insert, batch)
        cursor.execute(f"DELETE FROM {counts_table}")
        cursor.execute(
            f'INSERT INTO {counts_table} ("key", n) SELECT "key", COUNT(*) FROM {keys_table} GROUP BY "key"'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("linking", "0001_initial"),
        ("registrations", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="MentionKey"),
        migrations.CreateModel(
            name="MentionKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "key", "mention", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("key", models.CharField(max_length=200)),
                (
                    "mention",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="blocking_keys",
                        to="registrations.personmention",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="KeyCount",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("n", models.PositiveIntegerField()),
            ],
        ),
        migrations.RunPython(keys_refill, migrations.RunPython.noop),
    ]
