"""Storing a change of a case: its history line (appended, never changed), its fields, and the lock
version that refuses a change made against an older state (ConcurrentEdit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection

from ketenzicht.db import Statement, insert_statements, quoted_table
from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import SYSTEM_ACTOR

from ..models import Case, CaseEvent, ProcessVersion


class ConcurrentEdit(Exception):
    """The case changed since the user loaded it: nothing was stored; reload and decide again."""


def deadline_overrides() -> Mapping[str, Mapping[str, Any]]:
    return getattr(settings, "WORK_PROCESS_DEADLINES", {})


def version_label(process_version: ProcessVersion) -> str:
    return f"{process_version.process} v{process_version.version}"


def event_new(case: Case, *, kind: str, actor: User | None, at: datetime, **fields: Any) -> CaseEvent:
    return CaseEvent(
        case=case,
        at=at,
        kind=kind,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        process_version=version_label(case.process_version),
        **fields,
    )


def event_append(case: Case, *, kind: str, actor: User | None, at: datetime, **fields: Any) -> CaseEvent:
    event = event_new(case, kind=kind, actor=actor, at=at, **fields)
    event.save(force_insert=True)
    return event


def statement_update(case: Case, names: Sequence[str]) -> Statement:
    """UPDATE of these fields of the case row (values prepared as the ORM prepares them)."""
    fields = [f for f in Case._meta.concrete_fields if f.name in names]
    assignments = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields]
    return f"UPDATE {quoted_table(Case)} SET {assignments} WHERE id = %s", [*values, case.pk]


def event_statements(*events: CaseEvent) -> list[Statement]:
    """History lines as plain INSERTs (their values prepared as the ORM prepares them), to go in one round
    trip with other statements."""
    fields = [f for f in CaseEvent._meta.concrete_fields if not f.primary_key]
    rows = [[f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields] for event in events]
    return insert_statements(quoted_table(CaseEvent), [str(f.column) for f in fields], rows)


def case_locked(case: Case, expected_version: int | None) -> Case:
    """The case row, locked for this transaction, if nobody changed it since `expected_version`."""
    # With its process version (every history line names it), locking the case row alone.
    current = Case.objects.select_for_update(of=("self",)).select_related("process_version").get(pk=case.pk)
    if expected_version is not None and current.lock_version != expected_version:
        raise ConcurrentEdit(case.reference)
    return current


def fields_save(case: Case, fields: list[str]) -> None:
    case.lock_version += 1
    case.save(update_fields=[*fields, "lock_version"])
