"""The breaches found before a breach disclosed its registration to the measure's district office (sharing
rules 2026.12.4, rule `om-measure-breach`): each gets its disclosure now, dated when the breach was found,
so the prosecutor can open what happened from the measure's page. One that exists already is kept."""

from django.db import migrations

PURPOSE = "measure_breach"  # ketenzicht.measures.services.DISCLOSURE_PURPOSE, as it was written here


def disclose(apps, schema_editor):
    Breach = apps.get_model("measures", "Breach")
    Disclosure = apps.get_model("registrations", "Disclosure")
    have = set(
        Disclosure.objects.filter(purpose=PURPOSE).values_list("registration_id", "organisation_id", "reference")
    )
    rows = []
    for breach in Breach.objects.select_related("measure").order_by("id").iterator():
        key = (breach.registration_id, breach.measure.district_office_id, breach.measure.reference)
        if key in have:
            continue
        have.add(key)
        rows.append(
            Disclosure(
                registration_id=breach.registration_id,
                organisation_id=breach.measure.district_office_id,
                purpose=PURPOSE,
                reference=breach.measure.reference,
                created_at=breach.detected_at,
            )
        )
    Disclosure.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_history_append_only"), ("registrations", "0002_disclosure")]
    operations = [migrations.RunPython(disclose, migrations.RunPython.noop)]
