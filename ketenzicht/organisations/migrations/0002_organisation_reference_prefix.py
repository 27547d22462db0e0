"""Organisation.reference_prefix, filled from the shipped organisations.csv for the organisations present,
so that references can be checked before `load_reference_data` runs again."""

import csv
from pathlib import Path

from django.db import migrations, models

ORGANISATIONS_CSV = Path(__file__).resolve().parents[1] / "data" / "organisations.csv"


def fill_prefixes(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    with ORGANISATIONS_CSV.open(encoding="utf-8-sig", newline="") as handle:
        prefixes = {row["code"]: row.get("reference_prefix", "") for row in csv.DictReader(handle)}
    for organisation in Organisation.objects.filter(code__in=list(prefixes)):
        organisation.reference_prefix = prefixes[organisation.code]
        organisation.save(update_fields=["reference_prefix"])


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="reference_prefix",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.RunPython(fill_prefixes, migrations.RunPython.noop),
    ]
