"""A close without action proposed while the case was not acute, and confirmed once its urgency became
acute: the confirmation runs the desk's rules as the step itself does, so it waits for the risk screening
too (refused in the desk's words, 422 on the page, nothing stored), and the case page says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.recording import screening_record
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_confirm, case_decline, case_take
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.screening.test_close_acute import REFUSAL, WAITING
from tests.screening.test_desk import _days_ago, _pilot
from tests.screening.test_record import NO
from tests.screening.test_record_start import _instrument

pytestmark = pytest.mark.django_db

KNIFE = "Hij dreigde haar dood te maken met een mes."
NOT_NOW = "Tot dan kan het niet worden bevestigd: wijs het af, of laat wie het voorstelde het intrekken."


def _proposed_then_acute(owner: Any) -> Case:
    """Version 2: a case that is not acute, its close without action proposed; then a knife threat of the
    pair joins it and makes it acute."""
    _pilot()
    take_in("PL0600-CC-1", MARCO, LOTTE, registered_at=_days_ago(3), summary="Berichten over de kinderen.")
    case = ScreeningCase.objects.get().case
    assert case.process_version.version == 2 and case.data.get("urgency_provisional") != "acute"
    case = case_take(case, "close_without_action", actor=owner, expected_version=None, reason="Geen feit.")
    assert case.pending is not None and case.pending["transition"] == "close_without_action"
    take_in("PL0600-CC-2", MARCO, LOTTE, registered_at=_days_ago(1), summary=KNIFE)
    case.refresh_from_db()
    assert case.data["urgency_provisional"] == "acute" and case.pending is not None
    return case


def test_confirming_a_close_without_action_after_the_case_became_acute_waits_for_its_screening(
    make_user: Callable[..., Any],
) -> None:
    owner, screener, lead = make_user("case_owner"), make_user("case_screener"), make_user("team_lead")
    case = _proposed_then_acute(owner)
    lines, version = case.events.count(), case.lock_version
    with pytest.raises(Refused) as refused:
        case_confirm(case, actor=lead, expected_version=None)
    assert (refused.value.code, refused.value.detail) == ("desk", "urgency")
    case.refresh_from_db()
    assert case.state == "new" and case.closed_at is None and case.pending is not None
    assert (case.events.count(), case.lock_version) == (lines, version)

    # The screener records the risk screening while the close waits (it starts the screening beside the
    # proposal): the team lead confirms it then, on the screened case.
    screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
    case.refresh_from_db()
    assert case.state == "screening" and case.pending is not None
    case = case_confirm(case, actor=lead, expected_version=None)
    assert case.state == "closed" and case.closed_at is not None


def test_a_declined_close_is_proposed_again_once_the_case_is_screened(make_user: Callable[..., Any]) -> None:
    owner, screener, lead = make_user("case_owner"), make_user("case_screener"), make_user("team_lead")
    case = _proposed_then_acute(owner)
    case = case_decline(case, actor=lead, expected_version=None, reason="Eerst de risicoscreening.")
    screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
    case.refresh_from_db()
    case = case_take(case, "close_without_action", actor=owner, expected_version=None, reason="Geen feit.")
    case = case_confirm(case, actor=lead, expected_version=None)
    assert case.state == "closed" and case.closed_at is not None


def test_the_case_page_says_the_pending_close_waits_for_the_screening_and_refuses_its_confirmation(
    make_user: Callable[..., Any],
) -> None:
    owner, lead = make_user("case_owner"), make_user("team_lead")
    case = _proposed_then_acute(owner)
    page = signed_in(lead).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    pending = page.split('data-testid="pending"')[1].split("</section>")[0]
    assert 'data-testid="pending-waiting">Afsluiten zonder actie: ' + WAITING + ". " + NOT_NOW in pending
    assert 'data-testid="confirm-form"' not in pending  # it would only be refused
    assert 'data-testid="decline-form"' in pending  # it may still be declined
    # The proposer reads the same, and may withdraw it.
    mine = signed_in(owner).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    mine = mine.split('data-testid="pending"')[1].split("</section>")[0]
    assert 'data-testid="pending-waiting">' in mine and 'data-testid="withdraw-form"' in mine
    assert "Een andere collega moet dit bevestigen" not in mine

    # Sent anyway (a page shown before the urgency changed): refused in the desk's words, nothing stored.
    answer = signed_in(lead).post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {
            "action": "confirm",
            "confirm-lock_version": case.lock_version,
            "confirm-confirm_final": "on",
        },
    )
    assert answer.status_code == 422
    assert REFUSAL in answer.content.decode()
    case.refresh_from_db()
    assert case.state == "new" and case.closed_at is None and case.pending is not None
