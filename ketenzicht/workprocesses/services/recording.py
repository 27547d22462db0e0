"""Recording on a case outside its steps: notes, values a desk records, and a case taken over by
another."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User

from ..definitions import definition_of
from ..engine.machine import Refused, state_deadline
from ..models import Case, EventKind
from ..signals import case_changed
from .steps import ALERTS_SETTLED, escalations_settle
from .store import ConcurrentEdit, case_locked, deadline_overrides, event_append, fields_save


def case_note(case: Case, *, text: str, actor: User, expected_version: int | None) -> Case:
    """A note adds a line to the history. It is refused (ConcurrentEdit) when the case changed since
    `expected_version` by anything but notes (a step, values, its people: the note may be about a case that
    is no longer as the writer saw it), and when it is the same note its writer just sent (a double click, a
    second tab); colleagues' notes meanwhile conflict with nothing. It raises the lock version: a step
    against the page before it (a second person's confirmation) is asked to read it first."""
    if not text.strip():
        raise Refused("note")
    with transaction.atomic():
        current = case_locked(case, None)
        last = current.events.order_by("-id").first()
        if (
            last is not None
            and last.kind == EventKind.NOTE
            and last.actor_id == actor.pk
            and last.reason == text.strip()
        ):
            raise ConcurrentEdit(current.reference)
        if expected_version is not None and current.lock_version != expected_version:
            # Every change since raised the lock version once, with one line of history: its lines.
            since = max(current.lock_version - expected_version, 0)
            kinds = set(current.events.order_by("-id").values_list("kind", flat=True)[:since])
            if expected_version > current.lock_version or kinds - {EventKind.NOTE}:
                raise ConcurrentEdit(current.reference)
        fields_save(current, [])
        event_append(current, kind=EventKind.NOTE, actor=actor, at=timezone.now(), reason=text.strip())
    return current


# The history line of a case that a hand-off joined instead of opening a case of its own (a desk's
# `case_record(..., what=HANDOFF_JOINED)`: Veilig Thuis's notification, the ZSM file).
HANDOFF_JOINED = gettext_noop("hand-off from the police added")


def case_record(
    case: Case,
    *,
    values: Mapping[str, Any],
    actor: User | None,
    expected_version: int | None,
    note: str = "",
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    declined: str = "",
    what: str = "",
    closed_too: bool = False,
) -> Case:
    """A desk records values on the case (e.g. the screening's level): they join `case.data`, where
    transitions that require them (`requires.recorded`) find them. One history line says what and why;
    `what` names what the desk recorded (an English text marked with gettext_noop, shown translated, e.g.
    "screening recorded"), else the line reads only "recorded by a desk".
    Actor None: the system records (e.g. a chain partner's information arrived). `declined`: the desk's
    step a second person declined (e.g. a lowered screening level), which this records the outcome of: the
    line is a decline, naming that step, by the actor, with `note` as its reason. `closed_too`: the line is
    written on a closed case too (what a chain partner told about it afterwards), when it records no values:
    a closed case's data stay as they were closed."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        if current.closed_at is not None and not (closed_too and not values and not declined):
            raise Refused("closed")
        current.data = {**current.data, **values}
        fields = ["data"]
        moved = deadline_after_record(current, values)
        if moved is not None:
            current.deadline_at, escalate_to = moved
            current.escalate_to = escalate_to or ""
            current.escalated_at = None
            current.escalate_again_at = None
            fields += ["deadline_at", "escalate_to", "escalated_at", "escalate_again_at"]
        fields_save(current, fields)
        settled = escalations_settle(current, at) if moved is not None else 0
        case_changed.send(sender=Case, case=current)
        event_append(
            current,
            kind=EventKind.DECLINED if declined else EventKind.RECORDED,
            actor=actor,
            at=at,
            reason=note,
            detail={
                **(detail or {}),
                **({"step": declined} if declined else {}),
                **({"what": what} if what and not declined else {}),
                "values": dict(values),
                **({"deadline_at": current.deadline_at.isoformat()} if moved and current.deadline_at else {}),
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
        )
    return current


# The history line of a case a desk closed because another case of the organisation took it over.
TAKEN_OVER = gettext_noop("taken over by another case")


def case_close_taken_over(
    case: Case, *, by: Case, actor: User | None, note: str, at: datetime | None = None
) -> Case:
    """A desk closes the case because `by`, a case of the same organisation, takes over what it was about
    (e.g. a Veilig Thuis notification that waited past its term without an assessment, when the police hand
    the same registration over again): the case goes to its process's final state without a step of its
    own, its history names `by` and why (`note`), and its unread escalations are settled. Refused
    (`closed`) when it is closed already, (`organisation`) when `by` is another organisation's."""
    at = at or timezone.now()
    if by.organisation_id != case.organisation_id:
        raise Refused("organisation")
    with transaction.atomic():
        current = case_locked(case, None)
        if current.closed_at is not None:
            raise Refused("closed")
        definition = definition_of(current.process_version)
        final = next(name for name, state in definition.states.items() if state.final)
        before = current.state
        current.state = final
        current.closed_at = at
        current.deadline_at = None
        current.escalate_to = ""
        current.escalate_again_at = None
        current.pending = None
        fields_save(
            current,
            ["state", "closed_at", "deadline_at", "escalate_to", "escalate_again_at", "pending"],
        )
        settled = escalations_settle(current, at)
        event_append(
            current,
            kind=EventKind.RECORDED,
            actor=actor,
            at=at,
            from_state=before,
            to_state=final,
            reason=note,
            detail={
                "what": TAKEN_OVER,
                "taken_over_by": by.reference,
                "values": {},
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
        )
        case_changed.send(sender=Case, case=current)
    return current


# The history lines by which a case enters a state (its deadline counts from the last of them).
ENTERED_BY = (EventKind.OPENED, EventKind.TRANSITION, EventKind.REOPENED)


def deadline_after_record(case: Case, values: Mapping[str, Any]) -> tuple[datetime | None, str | None] | None:
    """When recorded values change what the current state's deadline depends on (e.g. the urgency), its
    deadline counted again from when the case entered the state (opened, a step, or reopened into it); None
    when nothing changes."""
    definition = definition_of(case.process_version)
    depends = definition.states[case.state].deadline_by
    if depends is None or depends.field not in values:
        return None
    entered = (
        case.events.filter(to_state=case.state, kind__in=ENTERED_BY)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    ) or case.opened_at
    found = state_deadline(definition, case.state, entered, deadline_overrides(), case.data)
    return None if found[0] == case.deadline_at else found
