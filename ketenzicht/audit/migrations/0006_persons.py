"""Persons per entry (AccessLogPerson), filled for the person entries written so far, and append-only like
the entries. Login results. Irreversible, like 0005: the audit app is never migrated back."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

from ketenzicht.audit.triggers import append_only_on

REFUSAL = (
    "The access log is append-only: migrating the audit app back below 0006_persons would drop the persons "
    "of its entries, so it is refused. See docs/reference/access-log.md."
)
BATCH = 5000


def backfill(apps, schema_editor):
    """One row per existing entry about a person (dossier views, search hits, merges, splits)."""
    entry_model = apps.get_model("audit", "AccessLogEntry")
    person_model = apps.get_model("audit", "AccessLogPerson")
    entries = entry_model.objects.filter(object_type="person").exclude(object_id="").order_by("id")
    last = 0
    while batch := list(entries.filter(id__gt=last).values_list("id", "object_id")[:BATCH]):
        last = batch[-1][0]
        person_model.objects.bulk_create(
            person_model(entry_id=entry_id, person_id=int(object_id))
            for entry_id, object_id in batch
            if object_id.isdigit()
        )


def triggers_on(apps, schema_editor):
    append_only_on(schema_editor.connection)


def refuse(apps, schema_editor):
    raise IrreversibleError(REFUSAL)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_refuse_replace'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslogentry',
            name='action',
            field=models.CharField(choices=[('view', 'view'), ('search', 'search'), ('create', 'create'), ('export', 'export'), ('list', 'list'), ('login', 'login'), ('logout', 'logout'), ('link', 'link decision'), ('merge', 'merge'), ('split', 'split'), ('rebuild', 'rebuild')], max_length=16),
        ),
        migrations.AlterField(
            model_name='accesslogentry',
            name='result',
            field=models.CharField(choices=[('shown', 'shown'), ('refused', 'refused'), ('stored', 'stored'), ('granted', 'granted')], max_length=16),
        ),
        migrations.CreateModel(
            name='AccessLogPerson',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person_id', models.BigIntegerField(db_index=True)),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='persons', to='audit.accesslogentry')),
            ],
            options={
                'verbose_name_plural': 'access log persons',
            },
        ),
        migrations.RunPython(backfill, refuse),
        migrations.RunPython(triggers_on, refuse),
    ]
