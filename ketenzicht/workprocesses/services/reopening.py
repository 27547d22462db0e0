"""Reopening a closed case (what its closing took away is put back) and withdrawing a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenzicht.organisations.models import User

from ..alerts import (
    alert_reopened,
    alert_second_person_answered,
)
from ..definitions import definition_of
from ..engine.definition import Definition
from ..engine.machine import Refused, state_deadline
from ..models import Case, CaseEvent, EventKind
from ..selectors import (
    closing_step,
    queue_role,
    reopen_refusal,
)
from ..signals import case_changed, case_reopening
from .steps import pending_label, pending_of
from .store import case_locked, deadline_overrides, event_append, fields_save

# The history lines whose `detail["values"]` say what they recorded on the case; a reopen's
# `detail["restored"]` says what it put back (None: took away).
_RECORDING = (EventKind.TRANSITION, EventKind.RECORDED, EventKind.REGISTRATION, EventKind.REOPENED)


def _before_closing(case: Case, definition: Definition, closing: CaseEvent) -> dict[str, Any]:
    """The values the closing step recorded by itself (its `sets`, e.g. the outcome it stands for) as they
    were before it, by the history: name -> value, None for one no earlier line recorded."""
    step = definition.transition(closing.transition)
    names = set(step.sets) if step is not None else set()
    if not names:
        return {}
    before: dict[str, Any] = dict.fromkeys(names)
    earlier = case.events.filter(kind__in=_RECORDING, id__lt=closing.pk).order_by("id")
    for kind, detail in earlier.values_list("kind", "detail"):
        found = (detail or {}).get("restored" if kind == EventKind.REOPENED else "values") or {}
        before.update({name: value for name, value in found.items() if name in names})
    return before


def case_reopen(
    case: Case, *, actor: User, reason: str, expected_version: int | None, at: datetime | None = None
) -> Case:
    """A team lead of the case's organisation opens a closed case again, saying why (a process with the team
    lead among its roles: `selectors.reopenable`). The case goes back to the state it was in before the step
    that closed it (the last transition into a final state in its history), with the deadline that state
    sets counted anew from `at` (now) and its escalation reset, as entering the state sets them; values the
    closing step recorded by itself (its `sets`) go back to what they were before it. One "reopened" line in
    the history. A desk may refuse it (`signals.case_reopening`), e.g. when the pair has another open case to
    work on in. Raises Refused (`reopen_process`, `reopen_role`, `not_closed`, `reason`, `reopen_history`, or
    a desk's code) or ConcurrentEdit; nothing is stored then."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        refusal = reopen_refusal(current, actor)
        if refusal is not None:
            raise Refused(refusal)
        if current.closed_at is None:
            raise Refused("not_closed")
        if not reason.strip():
            raise Refused("reason")
        definition = definition_of(current.process_version)
        closing = closing_step(current)
        if closing is None or definition.states.get(closing.from_state) is None:
            raise Refused("reopen_history")
        target = closing.from_state
        case_reopening.send(sender=Case, case=current, to_state=target)
        restored = _before_closing(current, definition, closing)
        data = dict(current.data)
        for name, value in restored.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        withdrawn = {
            name: current.data.get(name) for name in restored if current.data.get(name) != data.get(name)
        }
        due, escalate_to = state_deadline(definition, target, at, deadline_overrides(), data)
        closed_at, final = current.closed_at, current.state
        current.state = target
        current.data = data
        current.deadline_at = due
        current.escalate_to = escalate_to or ""
        current.escalated_at = None
        current.escalate_again_at = None
        current.escalate_again_to = ""
        current.pending = None
        current.closed_at = None
        fields_save(
            current,
            [
                "state",
                "data",
                "deadline_at",
                "escalate_to",
                "escalated_at",
                "escalate_again_at",
                "escalate_again_to",
                "pending",
                "closed_at",
            ],
        )
        event_append(
            current,
            kind=EventKind.REOPENED,
            actor=actor,
            at=at,
            from_state=final,
            to_state=target,
            reason=reason.strip(),
            detail={
                "closed_at": closed_at.isoformat(),
                "closed_by": closing.transition,
                "deadline_at": due.isoformat() if due else None,
                **({"withdrawn": withdrawn, "restored": restored} if withdrawn else {}),
            },
        )
        alert_reopened(
            current,
            by=actor,
            state=definition.states[target].label,
            reason=reason.strip(),
            queue_role=queue_role(definition),
            at=at,
        )
        case_changed.send(sender=Case, case=current)
    return current


def case_withdraw(
    case: Case, *, actor: User, expected_version: int | None, at: datetime | None = None
) -> Case:
    """Whoever proposed a step that waits for a second person takes the proposal back (proposed by mistake,
    or overtaken): the case is as it was, the history says so, and the team leads' alert is settled."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        pending = pending_of(current)
        if pending.get("by") != actor.pk:
            raise Refused("not_proposer")
        current.pending = None
        fields_save(current, ["pending"])
        event_append(current, kind=EventKind.WITHDRAWN, actor=actor, at=at, transition=pending["transition"])
        alert_second_person_answered(
            current,
            step=pending_label(current, pending),
            actor=actor,
            proposer=None,
            declined_reason=None,
            at=at,
        )
    return current
