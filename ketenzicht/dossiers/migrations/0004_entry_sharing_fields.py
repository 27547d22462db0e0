"""Need-to-know without joins, and look-up keys per surname instead of per entry.

Each SearchEntry gets the fields of its registration that the sharing rules filter on (source, unit,
municipality) and the mention's valid BSN; the unused head/tail columns go. SearchKey rows now map a
look-up key to a surname key (one set per distinct surname, not per entry). On PostgreSQL the trigram
index moves from the entries to the (far fewer) distinct surname keys. Existing rows are filled in place, so the
index keeps working without a rebuild.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q

from ketenzicht.dossiers.engine.query import deletion_keys, sound_key
from ketenzicht.linking.engine.fields import normalise_bsn

OLD_TRIGRAM = "dossiers_se_surname_trgm"
TRIGRAM = "dossiers_sk_key_trgm"


def fill(apps: Any, schema_editor: Any) -> None:
    SearchEntry = apps.get_model("dossiers", "SearchEntry")
    SearchKey = apps.get_model("dossiers", "SearchKey")
    Registration = apps.get_model("registrations", "Registration")
    registration = Registration.objects.filter(mentions=models.OuterRef("mention_id"))
    SearchEntry.objects.update(
        source=models.Subquery(registration.values("source")[:1]),
        unit_id=models.Subquery(registration.values("unit_id")[:1]),
        municipality_id=models.Subquery(registration.values("municipality_id")[:1]),
    )
    with_bsn = SearchEntry.objects.exclude(mention__bsn="").values_list("pk", "mention__bsn")
    for pk, written in with_bsn.iterator(chunk_size=5_000):
        valid, _digits = normalise_bsn(written)
        if valid:
            SearchEntry.objects.filter(pk=pk).update(bsn=valid)
    names = SearchEntry.objects.values_list("surname_key", flat=True).distinct().order_by("surname_key")
    batch: list[Any] = []
    for name in names.iterator(chunk_size=5_000):
        batch.extend(SearchKey(key=k, surname_key=name) for k in {*deletion_keys(name), sound_key(name)})
        if len(batch) >= 10_000:
            SearchKey.objects.bulk_create(batch)
            batch = []
    SearchKey.objects.bulk_create(batch)


def trigram_forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_TRIGRAM}")
    # On the surname's own row only (key = surname_key): one row per surname, and an index that plain
    # equality look-ups on `key` cannot pick by mistake (trigram equality is slow for short keys).
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON dossiers_searchkey USING gin (surname_key gin_trgm_ops)"
        " WHERE key = surname_key"
    )


def trigram_backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_TRIGRAM} ON dossiers_searchentry USING gin (surname_key gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0003_search_keys"),
        ("organisations", "0001_initial"),
        ("registrations", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="searchentry", name="dossiers_se_surname"),
        migrations.RemoveIndex(model_name="searchentry", name="dossiers_se_phonetic"),
        migrations.RemoveIndex(model_name="searchentry", name="dossiers_se_head"),
        migrations.RemoveIndex(model_name="searchentry", name="dossiers_se_tail"),
        migrations.RemoveField(model_name="searchentry", name="head"),
        migrations.RemoveField(model_name="searchentry", name="tail"),
        migrations.AddField(
            model_name="searchentry",
            name="source",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="searchentry",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organisations.organisation",
            ),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organisations.municipality",
            ),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="bsn",
            field=models.CharField(blank=True, default="", max_length=9),
            preserve_default=False,
        ),
        migrations.DeleteModel(name="SearchKey"),
        migrations.CreateModel(
            name="SearchKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=100)),
                ("surname_key", models.CharField(max_length=100)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("key", "surname_key"), name="unique_search_key")],
            },
        ),
        migrations.RunPython(trigram_forwards, trigram_backwards),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(fields=["surname_key", "source", "unit"], name="dossiers_se_name_source"),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(condition=Q(("bsn", ""), _negated=True), fields=["bsn"], name="dossiers_se_bsn"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
