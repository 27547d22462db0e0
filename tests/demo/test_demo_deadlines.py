"""The demo replays the deadline check as if the scheduler had run all along: each level of an overdue case
when it fell due, not every level at the load's moment."""

from __future__ import annotations

from datetime import datetime

import pytest

from ketenzicht.demo.deadlines import demo_deadlines_replay
from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_open

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=AMSTERDAM)


def _assessment(day: int) -> Case:
    return case_open(
        process="vt_safety_assessment",
        organisation=Organisation.objects.get(code="vt-brabant-noordoost"),
        title="Melding",
        actor=None,
        at=_at(day, 9),
    )


def test_each_level_is_dated_when_it_fell_due_and_a_repeat_adds_nothing() -> None:
    old, recent = _assessment(2), _assessment(16)  # deadlines: 10 March 00:00 and 24 March 00:00
    escalated = demo_deadlines_replay(now=_at(25, 9))
    assert [c.pk for c in escalated] == [old.pk, old.pk, recent.pk]
    levels = list(
        old.events.filter(kind="escalated").values_list("detail__level", "detail__escalate_to", "at")
    )
    # The team lead when the deadline passed; the chain contact two working days after that (11, 12 March).
    assert levels == [(1, "team_lead", _at(10)), (2, "chain_contact", _at(13))]
    # The recent one is due for its chain contact only on 26 March: not yet.
    assert list(recent.events.filter(kind="escalated").values_list("detail__level", "at")) == [(1, _at(24))]
    assert demo_deadlines_replay(now=_at(25, 9)) == []
