"""Every write path that could change or remove an access log entry is refused by the database, on SQLite and
on PostgreSQL (run the suite with DATABASE_URL for the second); and the audit app cannot be migrated back
below the migration that installs the triggers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.services import access_log_record
from ketenzicht.audit.triggers import append_only_off, append_only_on

pytestmark = pytest.mark.django_db

COLUMNS = (
    "id, at, actor_username, organisation_code, roles, action, object_type, object_id, purpose, result, "
    "origin, detail"
)
VALUES = "%s, %s, 'mallory', '', '', 'view', 'registration', '1', 'changed', 'shown', '', '{}'"
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite syntax")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL syntax")


def _entry() -> AccessLogEntry:
    return access_log_record(
        actor=None, action="view", object_type="registration", object_id=1, result="shown", purpose="test"
    )


def _sql(statement: str, *params: Any) -> Callable[[AccessLogEntry], None]:
    def run(entry: AccessLogEntry) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                statement, [entry.pk if p == "pk" else entry.at if p == "at" else p for p in params]
            )

    return run


RAW = {
    "update": _sql("UPDATE audit_accesslogentry SET purpose = 'changed' WHERE id = %s", "pk"),
    "delete": _sql("DELETE FROM audit_accesslogentry WHERE id = %s", "pk"),
    "upsert": _sql(
        f"INSERT INTO audit_accesslogentry ({COLUMNS}) VALUES ({VALUES}) "
        "ON CONFLICT (id) DO UPDATE SET purpose = excluded.purpose",
        "pk",
        "at",
    ),
}
SQLITE = {
    "insert or replace": _sql(
        f"INSERT OR REPLACE INTO audit_accesslogentry ({COLUMNS}) VALUES ({VALUES})", "pk", "at"
    ),
    "replace into": _sql(f"REPLACE INTO audit_accesslogentry ({COLUMNS}) VALUES ({VALUES})", "pk", "at"),
    "update or replace": _sql(
        "UPDATE OR REPLACE audit_accesslogentry SET purpose = 'changed' WHERE id = %s", "pk"
    ),
}
POSTGRES = {
    "truncate": _sql("TRUNCATE audit_accesslogentry, audit_accesslogperson"),
    "truncate persons": _sql("TRUNCATE audit_accesslogperson"),
    "truncate cascade": _sql("TRUNCATE audit_accesslogentry CASCADE"),
    "merge update": _sql(
        "MERGE INTO audit_accesslogentry t USING (SELECT %s::bigint AS id) s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET purpose = 'changed'",
        "pk",
    ),
    "merge delete": _sql(
        "MERGE INTO audit_accesslogentry t USING (SELECT %s::bigint AS id) s ON t.id = s.id "
        "WHEN MATCHED THEN DELETE",
        "pk",
    ),
}


def _save_existing(entry: AccessLogEntry) -> None:
    entry.purpose = "changed"
    entry.save()


def _bulk_update(entry: AccessLogEntry) -> None:
    entry.purpose = "changed"
    AccessLogEntry.objects.bulk_update([entry], ["purpose"])


def _bulk_create_over(entry: AccessLogEntry) -> None:
    copy = AccessLogEntry.objects.get(pk=entry.pk)
    copy.purpose = "changed"
    AccessLogEntry.objects.bulk_create(
        [copy], update_conflicts=True, unique_fields=["id"], update_fields=["purpose"]
    )


ORM = {
    "queryset update": lambda e: AccessLogEntry.objects.filter(pk=e.pk).update(purpose="changed"),
    "queryset delete": lambda e: AccessLogEntry.objects.filter(pk=e.pk).delete(),
    "instance delete": lambda e: e.delete(),
    "save of an existing row": _save_existing,
    "bulk_update": _bulk_update,
    "bulk_create with update_conflicts": _bulk_create_over,
}


def _assert_refused(write: Callable[[AccessLogEntry], None]) -> None:
    entry = _entry()
    other = _entry()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        write(entry)
    kept = AccessLogEntry.objects.filter(pk__in=[entry.pk, other.pk])
    assert sorted(kept.values_list("purpose", flat=True)) == ["test", "test"]
    assert AccessLogEntry.objects.get(pk=entry.pk).actor_username == "system"


@pytest.mark.parametrize("write", RAW.values(), ids=RAW.keys())
def test_raw_sql_cannot_change_or_remove_an_entry(write: Callable[[AccessLogEntry], None]) -> None:
    _assert_refused(write)


@sqlite_only
@pytest.mark.parametrize("write", SQLITE.values(), ids=SQLITE.keys())
def test_sqlite_replace_cannot_swap_an_entry(write: Callable[[AccessLogEntry], None]) -> None:
    _assert_refused(write)


@sqlite_only
def test_sqlite_replace_is_refused_with_recursive_triggers_on_too() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA recursive_triggers = ON")
    try:
        _assert_refused(SQLITE["replace into"])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA recursive_triggers = OFF")


@postgres_only
@pytest.mark.parametrize("write", POSTGRES.values(), ids=POSTGRES.keys())
def test_postgres_truncate_and_merge_are_refused(write: Callable[[AccessLogEntry], None]) -> None:
    _assert_refused(write)


@pytest.mark.parametrize("write", ORM.values(), ids=ORM.keys())
def test_orm_writes_cannot_change_or_remove_an_entry(write: Callable[[AccessLogEntry], None]) -> None:
    _assert_refused(write)


def test_new_entries_are_still_written_one_by_one_and_in_bulk() -> None:
    template = _fields(_entry())
    AccessLogEntry.objects.bulk_create([AccessLogEntry(**{**template, "purpose": "bulk"}) for _ in range(3)])
    assert AccessLogEntry.objects.filter(purpose="bulk").count() == 3


def _fields(entry: AccessLogEntry) -> dict[str, Any]:
    return {
        f.attname: getattr(entry, f.attname)
        for f in AccessLogEntry._meta.concrete_fields
        if f.attname != "id"
    }


def test_the_test_framework_switch_lifts_and_restores_every_trigger() -> None:
    """tests/conftest.py empties the tables after a transactional test between append_only_off and _on."""
    entry = _entry()
    append_only_off(connection)
    SQLITE["replace into"](entry) if connection.vendor == "sqlite" else RAW["update"](entry)
    assert AccessLogEntry.objects.get(pk=entry.pk).purpose == "changed"
    append_only_on(connection)
    _assert_refused(SQLITE["replace into"] if connection.vendor == "sqlite" else RAW["update"])


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_leaves_an_entry_for_the_teardown_to_empty() -> None:
    _entry()
    assert AccessLogEntry.objects.exists()


def test_after_that_teardown_the_triggers_are_back() -> None:
    assert not AccessLogEntry.objects.exists()
    _assert_refused(RAW["delete"])
    if connection.vendor == "sqlite":
        _assert_refused(SQLITE["insert or replace"])


@pytest.mark.django_db(transaction=True)
def test_the_audit_app_cannot_be_migrated_back_below_the_trigger_migration() -> None:
    try:
        with pytest.raises(IrreversibleError, match="append-only"):
            call_command("migrate", "audit", "0004", verbosity=0)
        _assert_refused(RAW["update"])
        if connection.vendor == "sqlite":
            _assert_refused(SQLITE["replace into"])
    finally:
        # Django unapplies the migrations above the refusing one before it refuses (0009 changes choices
        # only): apply them again, or later tests of this worker run on a half-migrated database.
        call_command("migrate", "audit", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


PERSON_WRITES = {
    "update": "UPDATE audit_accesslogperson SET person_id = 0 WHERE entry_id = %s",
    "delete": "DELETE FROM audit_accesslogperson WHERE entry_id = %s",
}


@pytest.mark.parametrize("statement", PERSON_WRITES.values(), ids=PERSON_WRITES.keys())
def test_the_persons_of_an_entry_cannot_be_changed_or_removed(statement: str) -> None:
    entry = access_log_record(actor=None, action="view", object_type="person", object_id=7, result="shown")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql(statement, "pk")(entry)
    assert list(entry.persons.values_list("person_id", flat=True)) == [7]


@sqlite_only
def test_the_persons_of_an_entry_cannot_be_replaced_on_sqlite() -> None:
    entry = access_log_record(actor=None, action="view", object_type="person", object_id=7, result="shown")
    row = entry.persons.get()
    replace = "REPLACE INTO audit_accesslogperson (id, entry_id, person_id) VALUES (%s, %s, 0)"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(replace, [row.pk, entry.pk])
    assert list(entry.persons.values_list("person_id", flat=True)) == [7]


def test_the_migration_gives_earlier_person_entries_their_person() -> None:
    """Entries written before migration 0006 had no persons rows; the migration adds them once."""
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("ketenzicht.audit.migrations.0006_persons").backfill
    earlier = AccessLogEntry.objects.create(
        **{**_fields(_entry()), "object_type": "person", "object_id": "42", "detail": {}}
    )
    assert not earlier.persons.exists()
    backfill(apps, None)
    assert list(earlier.persons.values_list("person_id", flat=True)) == [42]
