"""The demo's deadline check: its register is dated in the past, so the demo replays what the scheduler
(`deadlines_check` every few minutes) would have done had it run all along, instead of one run at the
load's moment."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min, QuerySet
from django.utils import timezone

from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import deadlines_check


def _next_moment(after: datetime | None, now: datetime) -> datetime | None:
    """The first moment after `after`, up to `now`, at which an open case falls due: its deadline (not
    escalated yet) or its next escalation level."""
    open_: QuerySet[Case] = Case.objects.filter(closed_at__isnull=True)
    first = open_.filter(deadline_at__lte=now, escalated_at__isnull=True)
    again = open_.filter(escalate_again_at__lte=now)
    if after is not None:
        first, again = first.filter(deadline_at__gt=after), again.filter(escalate_again_at__gt=after)
    moments = [
        first.aggregate(moment=Min("deadline_at"))["moment"],
        again.aggregate(moment=Min("escalate_again_at"))["moment"],
    ]
    return min((m for m in moments if m is not None), default=None)


def demo_deadlines_replay(*, now: datetime | None = None) -> list[Case]:
    """Run the deadline check at every moment an open case fell due, in order, up to `now`: each case
    overdue since long reaches its team lead when its deadline passed and, still overdue, the next level's
    role (e.g. the Veilig Thuis chain contact) the process's term after that, each dated then, as the
    history would read in production. One run at `now` would take each case one level only (the check's
    rule), all at one moment. Safe to repeat. The cases escalated, in order (a case twice for two levels)."""
    now = now or timezone.now()
    escalated: list[Case] = []
    moment = _next_moment(None, now)
    while moment is not None:
        escalated += deadlines_check(now=moment)
        moment = _next_moment(moment, now)
    return escalated + deadlines_check(now=now)  # what is due but could not go at its own moment
