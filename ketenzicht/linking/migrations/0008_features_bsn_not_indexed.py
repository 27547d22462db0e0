"""MentionFeatures.bsn is read with the features, never searched by: its two indexes go."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("linking", "0007_keys_as_numbers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mentionfeatures",
            name="bsn",
            field=models.CharField(blank=True, max_length=9, null=True),
        ),
    ]
