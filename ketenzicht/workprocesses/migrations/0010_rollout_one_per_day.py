"""One roll-out that stands per process, organisation (or the national default) and first day: two
administrators rolling out at once cannot both store one (a unique index on PostgreSQL and SQLite alike)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workprocesses", "0009_rollout_withdrawal")]

    operations = [
        migrations.AddConstraint(
            model_name="rollout",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organisation__isnull", False), ("withdrawn_at__isnull", True)),
                fields=("process", "organisation", "valid_from"),
                name="rollout_one_per_organisation_day",
            ),
        ),
        migrations.AddConstraint(
            model_name="rollout",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organisation__isnull", True), ("withdrawn_at__isnull", True)),
                fields=("process", "valid_from"),
                name="rollout_one_default_per_day",
            ),
        ),
    ]
