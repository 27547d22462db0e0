"""Opening cases: one, or a batch at once in two round trips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenzicht.db import Statement, execute_all, insert_statements, quoted_table
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration

from ..definitions import definition_of
from ..engine.machine import state_deadline
from ..models import Case, CaseEvent, EventKind
from ..references import case_reference
from ..rollouts import version_for, versions_remembered
from .store import deadline_overrides, event_new, event_statements


def case_open(
    *,
    process: str,
    organisation: Organisation,
    title: str,
    actor: User | None,
    at: datetime | None = None,
    persons: Iterable[Person] = (),
    registrations: Iterable[Registration] = (),
    data: Mapping[str, Any] | None = None,
) -> Case:
    """Open a case on the version rolled out for the organisation today; its history says which.

    Inside a caller's transaction it takes no savepoint of its own (intake opens cases in bulk): a caller
    that means to go on after a failure here keeps a savepoint of its own around it."""
    wanted = CaseToOpen(
        process=process,
        organisation=organisation,
        title=title,
        at=at,
        persons=tuple(person.pk for person in persons),
        registrations=tuple(registration.pk for registration in registrations),
        data=data,
    )
    return cases_open([wanted], actor=actor)[0]


@dataclass(frozen=True)
class CaseToOpen:
    """One case for `cases_open`: its process, organisation and title; the persons and registrations it is
    about (primary keys); its data; when it opens (None: now); what its "opened" line says besides (a desk's
    `detail`, e.g. its "desk_note")."""

    process: str
    organisation: Organisation
    title: str
    at: datetime | None = None
    persons: Sequence[int] = ()
    registrations: Sequence[int] = ()
    data: Mapping[str, Any] | None = None
    detail: Mapping[str, Any] | None = None


def opening_deadline(
    process: str, organisation: Organisation, at: datetime, data: Mapping[str, Any] | None = None
) -> datetime | None:
    """The deadline a case of `process` opened for `organisation` at `at` gets (as `cases_open` gives it),
    without opening one: for a desk deciding about a batch's cases before it opens them at once."""
    with versions_remembered():
        process_version = version_for(process, organisation, timezone.localdate(at))
    definition = definition_of(process_version)
    return state_deadline(definition, definition.initial, at, deadline_overrides(), data)[0]


def cases_open(wanted: Sequence[CaseToOpen], *, actor: User | None) -> list[Case]:
    """Open these cases, each as `case_open` opens one, in two round trips whatever their number (intake
    opens a batch's cases at once): one INSERT of the cases, then their references, persons, registrations
    and "opened" history lines. Raises NoProcessVersion, before writing anything, when a process is not
    rolled out for its organisation on the day. In the caller's transaction, without a savepoint of its own
    (see `case_open`)."""
    now = timezone.now()
    cases: list[Case] = []
    with versions_remembered():
        versions = [version_for(w.process, w.organisation, timezone.localdate(w.at or now)) for w in wanted]
    for number, (item, process_version) in enumerate(zip(wanted, versions, strict=True)):
        at = item.at or now
        definition = definition_of(process_version)
        due, escalate_to = state_deadline(definition, definition.initial, at, deadline_overrides(), item.data)
        cases.append(
            Case(
                # Unique until the primary key is known; then the reference it gives.
                reference=f"tmp-{now.timestamp()}-{number}",
                organisation=item.organisation,
                process_version=process_version,
                title=item.title[:300],
                state=definition.initial,
                deadline_at=due,
                escalate_to=escalate_to or "",
                opened_at=at,
                data=dict(item.data or {}),
            )
        )
    if not cases:
        return []
    with transaction.atomic(savepoint=False):
        Case.objects.bulk_create(cases)
        # A new case has no persons, registrations or history yet: plain inserts, without reading what is
        # there first (as `set` would).
        statements: list[Statement] = []
        persons: list[tuple[int, int]] = []
        registrations: list[tuple[int, int]] = []
        events: list[CaseEvent] = []
        for case, item in zip(cases, wanted, strict=True):
            case.reference = case_reference(item.process, case.opened_at, case.pk)
            statements.append(
                (f"UPDATE {quoted_table(Case)} SET reference = %s WHERE id = %s", [case.reference, case.pk])
            )
            persons += [(case.pk, pk) for pk in dict.fromkeys(item.persons)]
            registrations += [(case.pk, pk) for pk in dict.fromkeys(item.registrations)]
            events.append(
                event_new(
                    case,
                    kind=EventKind.OPENED,
                    actor=actor,
                    at=case.opened_at,
                    to_state=case.state,
                    detail={
                        **(item.detail or {}),
                        "version": case.process_version.version,
                        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
                    },
                )
            )
        statements += insert_statements(quoted_table(Case.persons.through), ["case_id", "person_id"], persons)
        statements += insert_statements(
            quoted_table(Case.registrations.through), ["case_id", "registration_id"], registrations
        )
        execute_all([*statements, *event_statements(*events)])
    return cases
