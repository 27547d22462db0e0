"""The action "purge": the retention purge's counts per source and kind (ketenzicht/retention). Choices only:
no change to the table (and so none to its triggers)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_persons"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accesslogentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "view"),
                    ("search", "search"),
                    ("create", "create"),
                    ("export", "export"),
                    ("list", "list"),
                    ("login", "login"),
                    ("logout", "logout"),
                    ("link", "link decision"),
                    ("merge", "merge"),
                    ("split", "split"),
                    ("rebuild", "rebuild"),
                    ("purge", "retention purge"),
                ],
                max_length=16,
            ),
        ),
    ]
