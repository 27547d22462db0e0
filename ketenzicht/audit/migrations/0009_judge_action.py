"""The action "judge": the privacy officer's judgement of a break-the-glass access (ketenzicht/dossiers).
Choices only: no change to the table (and so none to its triggers)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0008_access_log_retention"),
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
                    ("judge", "judge"),
                ],
                max_length=16,
            ),
        ),
    ]
