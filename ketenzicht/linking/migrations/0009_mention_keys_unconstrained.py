"""MentionKey.mention without a database constraint: the keys are derived data, about twenty per mention,
and the check of each at every commit was two thirds of an import's constraint checks."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("linking", "0008_features_bsn_not_indexed"),
        ("registrations", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mentionkey",
            name="mention",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="blocking_keys",
                to="registrations.personmention",
            ),
        ),
    ]
