"""What the police case was told of each notification, so that every later step that changes it is fed back
once. A notification fed back before this knew only that it was: what its case records now counts as told
(the police case's panel shows it), with its latest step, so that nothing is fed back again afterwards."""

from django.db import migrations, models

TOLD = ("unsafety", "outcome", "safety_conditions")


def told_so_far(apps, schema_editor):
    Notification = apps.get_model("veiligthuis", "Notification")
    CaseEvent = apps.get_model("workprocesses", "CaseEvent")
    fed_back = Notification.objects.filter(feedback_at__isnull=False, police_case__isnull=False)
    for notification in fed_back.select_related("case").iterator(chunk_size=500):
        step = (
            CaseEvent.objects.filter(case_id=notification.case_id, kind="transition")
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        )
        data = notification.case.data or {}
        told = {name: str(data.get(name) or "").strip() for name in TOLD if data.get(name)}
        Notification.objects.filter(pk=notification.pk).update(told={"step": step, **told})


class Migration(migrations.Migration):
    dependencies = [
        ("veiligthuis", "0003_taken_over_not_assessed"),
        ("workprocesses", "0011_alert_not_for"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="told",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(told_so_far, migrations.RunPython.noop),
    ]
