"""On PostgreSQL: the pg_trgm extension and a trigram GIN index on the surname key, for typo-tolerant
surname search. Other databases keep the portable indexes of 0001 (see docs/search-and-dossier.md)."""

from typing import Any

from django.db import migrations

INDEX = "dossiers_se_surname_trgm"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON dossiers_searchentry USING gin (surname_key gin_trgm_ops)"
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
