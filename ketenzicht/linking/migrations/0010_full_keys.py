"""The keys known to be over their cap (FullKey), and on PostgreSQL the triggers that forget them when
mentions' keys are deleted, changed or truncated: a key recorded as full is then only taken as full while
no mention holding it has gone. A statement that takes away more than FORGET_ALL key rows (a rebuild's
rewrite, a large purge) forgets every full key at once (the look-up finds them again), instead of
comparing millions of keys one by one."""

from django.db import migrations, models

FORGET_ALL = 100_000

DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS linking_full_keys_{event} ON linking_mentionkey;"
    for event in ("deleted", "updated", "truncated")
]
POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION linking_full_keys_forget() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone OFFSET {FORGET_ALL}) THEN
        DELETE FROM linking_fullkey;
    ELSE
        DELETE FROM linking_fullkey f USING (SELECT DISTINCT "key" FROM gone) g WHERE f."key" = g."key";
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""",
    """
CREATE OR REPLACE FUNCTION linking_full_keys_forget_all() RETURNS trigger AS $$
BEGIN
    DELETE FROM linking_fullkey;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""",
    *DROP_TRIGGERS,
    """CREATE TRIGGER linking_full_keys_deleted AFTER DELETE ON linking_mentionkey
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION linking_full_keys_forget();""",
    """CREATE TRIGGER linking_full_keys_updated AFTER UPDATE ON linking_mentionkey
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION linking_full_keys_forget();""",
    """CREATE TRIGGER linking_full_keys_truncated AFTER TRUNCATE ON linking_mentionkey
        FOR EACH STATEMENT EXECUTE FUNCTION linking_full_keys_forget_all();""",
]
POSTGRES_REVERSE = [
    *DROP_TRIGGERS,
    "DROP FUNCTION IF EXISTS linking_full_keys_forget();",
    "DROP FUNCTION IF EXISTS linking_full_keys_forget_all();",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite keeps every key's count (KeyCount); FullKey stays empty there
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("linking", "0009_mention_keys_unconstrained"),
    ]

    operations = [
        migrations.CreateModel(
            name="FullKey",
            fields=[
                ("key", models.BigIntegerField(primary_key=True, serialize=False)),
                ("over", models.PositiveIntegerField()),
            ],
        ),
        migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE)),
    ]
