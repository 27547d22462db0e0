"""A roll-out can be withdrawn before its first day (who, when, why). Two roll-outs of one process for one
organisation (or the default) from one day were accepted until now; of each such group the last one entered
is the one `version_for` chose, so it stays and the others are marked withdrawn here (the unique
constraints of 0010 then hold)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

REASON = "a second roll-out of the same day: the one entered last stands (migration 0009)"


def withdraw_doubles(apps, schema_editor):
    Rollout = apps.get_model("workprocesses", "Rollout")
    last: dict[tuple[str, int | None, object], int] = {}
    doubles: list[int] = []
    for pk, process, organisation_id, valid_from in Rollout.objects.order_by("id").values_list(
        "id", "process", "organisation_id", "valid_from"
    ):
        key = (process, organisation_id, valid_from)
        if key in last:
            doubles.append(last[key])
        last[key] = pk
    if doubles:
        Rollout.objects.filter(pk__in=doubles).update(withdrawn_at=timezone.now(), withdrawal_reason=REASON)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0006_posts"),
        ("workprocesses", "0008_event_withdrawn"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="rollout",
            name="withdrawal_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="rollout",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="rollout",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(withdraw_doubles, migrations.RunPython.noop),
    ]
