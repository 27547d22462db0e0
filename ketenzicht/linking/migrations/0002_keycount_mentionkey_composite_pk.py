"""Blocking keys in a lean table (primary key (key, mention), no id) with a count per key, and the keys
of every stored mention written anew in the scheme of engine/keys.py (keys named by value kind, fewer per
mention), the counts recounted."""

import django.db.models.deletion
from django.db import migrations, models


def keys_refill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from ketenzicht.linking.services import keys_restore

    keys_restore(apps.get_model("linking", "MentionFeatures"), connection=schema_editor.connection)


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
