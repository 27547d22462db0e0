"""A notification taken over by a new one had its close counted as its assessment (`assessed_at` stamped at
the take-over): no assessment came, so it has none."""

from django.db import migrations
from django.db.models import F


def clear(apps, schema_editor):
    Notification = apps.get_model("veiligthuis", "Notification")
    Notification.objects.filter(
        taken_over_by__isnull=False, assessed_at__isnull=False, assessed_at__gte=F("closed_at")
    ).update(assessed_at=None)


class Migration(migrations.Migration):
    dependencies = [("veiligthuis", "0002_handovers")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
