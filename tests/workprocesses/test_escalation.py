"""Escalating an overdue case level by level: one run of the deadline check takes a case one level at most,
and the deadline's `then` term counts from the first escalation (docs/reference/work-process-format.md,
"Escalating further"), so a case found far past its deadline reaches the team lead first and the chain
contact only when the team lead has had that term."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.services import case_open, case_record, case_take, deadlines_check

pytestmark = pytest.mark.django_db

VT = "vt-brabant-noordoost"


def _at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Amsterdam in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=AMSTERDAM)


def _assessment() -> Case:
    """A Veilig Thuis assessment received Monday 2 March: five working days, so overdue from Tuesday 10
    March 00:00 (the team lead), then two working days more (the chain contact)."""
    case = case_open(
        process="vt_safety_assessment",
        organisation=Organisation.objects.get(code=VT),
        title="Melding huiselijk geweld",
        actor=None,
        at=_at(2, 9),
    )
    assert case.deadline_at == _at(10) and case.escalate_to == "team_lead"
    return case


def test_a_case_far_past_its_deadline_goes_one_level_per_run_the_next_after_its_own_term(
    make_user: Callable[..., Any],
) -> None:
    case = _assessment()
    lead = make_user("team_lead", organisation=VT)
    chain = make_user("chain_contact", organisation=VT)

    # First checked on Friday 20 March, long after the deadline and after deadline + two working days.
    assert [c.pk for c in deadlines_check(now=_at(20, 9))] == [case.pk]
    case.refresh_from_db()
    assert list(case.events.filter(kind="escalated").values_list("detail__level", "detail__escalate_to")) == [
        (1, "team_lead")
    ]
    assert [a.kind for a in alert_list_for_user(user=lead)] == ["escalated"]
    assert not alert_list_for_user(user=chain)
    # The chain contact's turn: two working days after the team lead was told (Monday 23, Tuesday 24).
    assert (case.escalated_at, case.escalate_again_at, case.escalate_again_to) == (
        _at(20, 9),
        _at(25),
        "chain_contact",
    )

    assert deadlines_check(now=_at(20, 9, 5)) == []  # the scheduler's next run: nothing new
    assert deadlines_check(now=_at(24, 23, 59)) == []
    assert not alert_list_for_user(user=chain)

    assert [c.pk for c in deadlines_check(now=_at(25, 0, 1))] == [case.pk]
    assert list(
        case.events.filter(kind="escalated").values_list("detail__level", "detail__escalate_to", "at")
    ) == [
        (1, "team_lead", _at(20, 9)),
        (2, "chain_contact", _at(25, 0, 1)),
    ]
    (alert,) = alert_list_for_user(user=chain)
    assert "nog steeds over de termijn" in alert_text(alert)  # said once the team lead really had a turn
    assert "nog steeds" not in alert_text(alert_list_for_user(user=lead).get())
    assert deadlines_check(now=_at(30, 9)) == []  # no third level


def test_a_prompt_check_keeps_the_process_s_terms(make_user: Callable[..., Any]) -> None:
    """Run when the deadline passes, the levels come as the process data says: the team lead at the
    deadline, the chain contact two working days later."""
    case = _assessment()
    assert [c.pk for c in deadlines_check(now=_at(10, 0, 1))] == [case.pk]
    case.refresh_from_db()
    assert case.escalate_again_at == _at(13)  # the escalation's day not counted: Wednesday 11, Thursday 12
    assert deadlines_check(now=_at(12, 23, 59)) == []
    assert [c.pk for c in deadlines_check(now=_at(13, 0, 1))] == [case.pk]


def test_the_command_names_the_role_each_case_went_to() -> None:
    case = _assessment()
    first, second = StringIO(), StringIO()
    call_command("deadlines_check", "--now", "2026-03-20T09:00", stdout=first)
    assert f"{case.reference}: overdue in state received, escalated to team_lead" in first.getvalue()
    assert "1 case(s) escalated" in first.getvalue()
    call_command("deadlines_check", "--now", "2026-03-25T09:00", stdout=second)
    assert f"{case.reference}: overdue in state received, escalated to chain_contact" in second.getvalue()


def test_an_escalation_is_settled_once_the_case_moves_on_and_its_history_says_so(
    make_user: Callable[..., Any],
) -> None:
    """The team lead's alert that a deadline passed asks nothing any more once a step gives the case a new
    deadline (or closes it): settled by the system, the step's history line counting it. One that is still
    overdue after a recorded value stays."""
    case = _assessment()
    lead = make_user("team_lead", organisation=VT)
    assessor = make_user("vt_assessor", organisation=VT)
    deadlines_check(now=_at(10, 9))
    [alert] = alert_list_for_user(user=lead)
    case_record(
        case, values={"unsafety": "structural"}, actor=assessor, expected_version=None, at=_at(10, 10)
    )
    alert.refresh_from_db()
    assert alert.read_at is None  # still overdue: the record did not move the deadline
    case = case_take(
        case,
        "start_investigation",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "structural"},
        at=_at(11, 9),
    )
    alert.refresh_from_db()
    assert alert.read_at == _at(11, 9) and alert.read_by is None
    assert not alert_list_for_user(user=lead)
    step = case.events.get(kind=EventKind.TRANSITION)
    assert step.detail["alerts_settled"] == 1
    client = Client()
    client.force_login(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):  # the request's English does not outlive the test
        page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert "1 alert settled: its reason no longer holds" in page
