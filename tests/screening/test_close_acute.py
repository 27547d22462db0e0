"""An acute case is not closed without action before its risk screening is recorded: the screening desk's
rule on "Afsluiten zonder actie" (ex-partner stalking version 2) and "Geen verdere actie" (version 1, DV
screening), refused when proposed (before a second person is asked, nothing stored), and shown on the case
page as a step that waits for the screening instead of a form that would only be refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.recording import screening_record
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_confirm, case_take
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.screening.test_desk import _days_ago, _pilot
from tests.screening.test_record import NO
from tests.screening.test_record_start import _instrument

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Een acute zaak wordt niet zonder actie gesloten voordat de risicoscreening is vastgelegd: vul eerst de "
    "risicoscreening in."
)
WAITING = (
    "wacht op de risicoscreening: een acute zaak wordt niet zonder actie gesloten voordat die is vastgelegd"
)


def _case(summary: str = "Hij dreigde haar dood te maken met een mes.") -> Case:
    take_in("PL0600-C-1", MARCO, LOTTE, registered_at=_days_ago(2), summary=summary)
    case = ScreeningCase.objects.get().case
    assert case.state == "new"
    return case


def _page(user: Any, case: Case) -> str:
    return signed_in(user).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()


def test_closing_an_acute_case_without_action_waits_for_its_screening(make_user: Callable[..., Any]) -> None:
    """Version 2, the knife threat of the demo: the owner's proposal is refused naming why and what to do,
    nothing is stored and nobody is asked to confirm; once the screening is recorded it may be proposed and
    a team lead confirms it."""
    _pilot()
    owner, screener, lead = make_user("case_owner"), make_user("case_screener"), make_user("team_lead")
    case = _case()
    assert case.process_version.version == 2 and case.data["urgency_provisional"] == "acute"
    lines, version = case.events.count(), case.lock_version

    with pytest.raises(Refused) as refused:
        case_take(case, "close_without_action", actor=owner, expected_version=None, reason="Geen feit.")
    assert (refused.value.code, refused.value.detail) == ("desk", "urgency")
    case.refresh_from_db()
    assert case.pending is None and case.state == "new" and case.closed_at is None
    assert (case.events.count(), case.lock_version) == (lines, version)

    screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
    case.refresh_from_db()
    case = case_take(case, "close_without_action", actor=owner, expected_version=None, reason="Geen feit.")
    assert case.pending is not None and case.pending["transition"] == "close_without_action"
    case = case_confirm(case, actor=lead, expected_version=None)
    assert case.state == "closed" and case.closed_at is not None


def test_no_further_action_on_an_acute_case_of_version_1_waits_for_its_screening(
    make_user: Callable[..., Any],
) -> None:
    owner = make_user("case_owner")
    case = _case()
    assert case.process_version.version == 1
    with pytest.raises(Refused) as refused:
        case_take(case, "no_further_action", actor=owner, expected_version=None, reason="Geen feit.")
    assert refused.value.code == "desk"
    case.refresh_from_db()
    assert case.state == "new" and case.closed_at is None


def test_a_case_that_is_not_acute_may_be_closed_without_action_before_its_screening(
    make_user: Callable[..., Any],
) -> None:
    owner = make_user("case_owner")
    case = _case(summary="Hij stuurde haar berichten over de kinderen.")
    assert case.data["urgency_provisional"] != "acute"
    case = case_take(case, "no_further_action", actor=owner, expected_version=None, reason="Geen feit.")
    assert case.state == "closed"


def test_the_case_page_shows_closing_an_acute_case_as_waiting_for_its_screening(
    make_user: Callable[..., Any],
) -> None:
    _pilot()
    owner, screener = make_user("case_owner"), make_user("case_screener")
    case = _case()
    page = _page(owner, case)
    assert 'data-testid="step-close_without_action"' not in page
    assert 'data-testid="waiting-close_without_action">Afsluiten zonder actie: ' + WAITING in page
    assert 'data-testid="step-start_screening"' in page  # the other steps stay offered

    # Sent anyway (a page shown before): refused in the desk's words, nothing stored.
    act = reverse("workprocesses:case-act", args=[case.pk])
    answer = signed_in(owner).post(
        act,
        {
            "action": "take",
            "transition": "close_without_action",
            "step-close_without_action-lock_version": case.lock_version,
            "step-close_without_action-reason": "Geen feit.",
            "step-close_without_action-confirm_final": "on",
        },
    )
    assert REFUSAL in answer.content.decode()
    case.refresh_from_db()
    assert case.pending is None and case.state == "new"

    screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
    page = _page(owner, case)
    assert 'data-testid="step-close_without_action"' in page
    assert 'data-testid="waiting-close_without_action"' not in page
