from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def withdraw_open_requests_of_decided_files(apps: Any, schema_editor: Any) -> None:
    """Requests still unanswered on a file decided before: withdrawn when the file was closed."""
    PartnerRequest = apps.get_model("prosecution", "PartnerRequest")
    ZsmFile = apps.get_model("prosecution", "ZsmFile")
    PartnerRequest.objects.filter(
        answered_at__isnull=True, withdrawn_at__isnull=True, file__closed_at__isnull=False
    ).update(withdrawn_at=Subquery(ZsmFile.objects.filter(pk=OuterRef("file_id")).values("closed_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("prosecution", "0002_alter_partnerrequest_partner"),
    ]

    operations = [
        migrations.AddField(
            model_name="partnerrequest",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(withdraw_open_requests_of_decided_files, migrations.RunPython.noop),
    ]
