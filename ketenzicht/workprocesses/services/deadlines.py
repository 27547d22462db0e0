"""Deadlines passed: the escalation of an overdue case to the role its process names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.ui.formats import deadline as deadline_text

from ..alerts import (
    ESCALATED_KIND,
    alert_raise,
)
from ..definitions import definition_of
from ..engine.machine import further_escalation
from ..models import Case, EventKind
from .store import deadline_overrides, event_append, fields_save

# An escalation alert names the state, when its deadline passed, and the role it goes to (gettext_noop:
# stored untranslated, shown in the reader's language).
ESCALATED_MESSAGE = gettext_noop(
    "Case %(case)s: the deadline of “%(state)s” passed on %(deadline)s; it is escalated to you (%(role)s)."
)
ESCALATED_AGAIN_MESSAGE = gettext_noop(
    "Case %(case)s is still overdue in “%(state)s” (deadline %(deadline)s); it is escalated further to you "
    "(%(role)s)."
)


def _escalate(case: Case, *, now: datetime, role: str, level: int) -> None:
    definition = definition_of(case.process_version)
    assert case.deadline_at is not None
    event_append(
        case,
        kind=EventKind.ESCALATED,
        actor=None,
        at=now,
        from_state=case.state,
        detail={"deadline_at": case.deadline_at.isoformat(), "escalate_to": role, "level": level},
    )
    alert_raise(
        kind=ESCALATED_KIND,
        message=ESCALATED_MESSAGE if level == 1 else ESCALATED_AGAIN_MESSAGE,
        organisation=case.organisation,
        case=case,
        role=role,
        params={
            "case": case.reference,
            "state": definition.states[case.state].label,
            "deadline": deadline_text(case.deadline_at),  # as the case page shows it
            "deadline_at": case.deadline_at.isoformat(),  # shown in the reader's language
            "role": role,
        },
        at=now,
    )


def deadlines_check(*, now: datetime | None = None, cases: Iterable[int] | None = None) -> list[Case]:
    """Escalate every open case whose deadline has passed and that was not escalated for it yet (to the
    state's `escalate_to`, with an alert to that role), and once more those still overdue the deadline's
    `then` term after that first escalation. One run takes a case one level at most: a case found far past
    its deadline goes to the first level's role now, the next level a later run, when the term has passed
    since. The cases escalated, in order. `cases`: only these (primary keys; a history written afterwards,
    the demo's, checks one case at a past `now`)."""
    now = now or timezone.now()
    escalated: list[Case] = []
    first = Case.objects.filter(closed_at__isnull=True, deadline_at__lte=now, escalated_at__isnull=True)
    again = Case.objects.filter(closed_at__isnull=True, escalate_again_at__lte=now)
    if cases is not None:
        only = list(cases)
        first, again = first.filter(pk__in=only), again.filter(pk__in=only)
    for level, due in ((1, first), (2, again)):
        for pk in due.values_list("pk", flat=True).order_by("deadline_at", "pk"):
            with transaction.atomic():
                case = (
                    Case.objects.select_for_update(of=("self",))
                    .select_related("process_version", "organisation")
                    .get(pk=pk)
                )
                if case.closed_at is not None or case.deadline_at is None or case.deadline_at > now:
                    continue
                if level == 1:
                    if case.escalated_at is not None:
                        continue
                    case.escalated_at = now
                    further = further_escalation(  # counted from now: one level per run, each its term
                        definition_of(case.process_version), case.state, now, case.data, deadline_overrides(),
                    )  # fmt: skip
                    case.escalate_again_at, case.escalate_again_to = further or (None, "")
                    fields_save(case, ["escalated_at", "escalate_again_at", "escalate_again_to"])
                    _escalate(case, now=now, role=case.escalate_to, level=1)
                else:
                    if case.escalate_again_at is None or case.escalate_again_at > now:
                        continue
                    if case.escalated_at is None or case.escalated_at >= now:
                        continue  # the first level was reached in this run (or a later one): its turn first
                    case.escalate_again_at = None
                    fields_save(case, ["escalate_again_at"])
                    _escalate(case, now=now, role=case.escalate_again_to, level=2)
                escalated.append(case)
    return escalated
