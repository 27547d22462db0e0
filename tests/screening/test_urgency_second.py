"""A decided urgency lower than the one the case would otherwise have (what the screening suggested) waits
for a team lead of the unit, as a lowered screening level does: the queue, the deadlines and the case keep
the higher urgency meanwhile; the team leads are alerted and the alert is settled when one answers; a
decline is told to the screener with its reason; a raise is taken at once; a newer screening or closing the
case makes the lowering count no longer; an answer against an older lock version is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from ketenzicht.screening.models import InstrumentVersion, ScreeningCase
from ketenzicht.screening.recording import screening_record
from ketenzicht.screening.selectors import queue_for_user
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import refusal_text
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.services import (
    ConcurrentEdit,
    case_confirm,
    case_decline,
    case_note,
    case_take,
    case_withdraw,
)
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.screening.test_desk import BRAM, HIGH_ANSWERS, NOOR, _days_ago, _english
from tests.screening.test_record import NO

pytestmark = pytest.mark.django_db

WHY = "Zij woont sinds gisteren bij haar ouders in Canada."


def _instrument() -> InstrumentVersion:
    return InstrumentVersion.objects.filter(code="ex_partner_stalking_open").latest("version")


def _two_cases(screener: Any) -> tuple[Case, Case]:
    """Two domestic-violence cases of one unit in screening: one the screening found acute (a threat to
    kill with a knife), one of a quarrel the screening found low."""
    take_in("PL0600-U-1", MARCO, LOTTE, registered_at=_days_ago(2), relation="partner",
            summary="Hij dreigde haar dood te maken met een mes.")  # fmt: skip
    take_in("PL0600-U-2", BRAM, NOOR, registered_at=_days_ago(1), relation="partner", summary="Ruzie.")
    acute, low = (row.case for row in ScreeningCase.objects.order_by("case_id"))
    screening_record(case=acute, instrument=_instrument(), answers=HIGH_ANSWERS, actor=screener)
    screening_record(case=low, instrument=_instrument(), answers=NO, actor=screener)
    for case in (acute, low):
        case.refresh_from_db()
        assert case.state == "screening"  # recording the screening started it
    assert (acute.data["urgency_suggested"], low.data["urgency_suggested"]) == ("acute", "low")
    return acute, low


def _lower(case: Case, screener: Any, urgency: str = "low") -> Case:
    return case_take(case, "screened", actor=screener, expected_version=case.lock_version,
                     values={"urgency": urgency}, reason=WHY)  # fmt: skip


def _queue(user: Any) -> list[int]:
    return [row.case_id for row in queue_for_user(user=user)]


def test_a_lowered_urgency_waits_for_a_team_lead_and_the_case_keeps_its_place(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, low = _two_cases(screener)
    deadline = acute.deadline_at
    assert _queue(lead) == [acute.pk, low.pk]

    # The step's form says so before a lower urgency is chosen, not only after.
    form = signed_in(screener).get(reverse("workprocesses:case-detail", args=[acute.pk])).content.decode()
    assert (
        "Een lagere keuze dan Acuut vraagt om een reden en wacht op bevestiging door een teamleider" in form
    )
    case = _lower(acute, screener)
    case.refresh_from_db()
    # Not taken: the step waits, the case has no lower urgency and keeps its deadline and its queue place.
    assert case.state == "screening" and "urgency" not in case.data and case.deadline_at == deadline
    assert case.pending is not None and case.pending["confirm_role"] == "team_lead"
    assert case.pending["lowered"] == {"urgency": {"from": "acute", "to": "low"}}
    assert ScreeningCase.objects.get(case=case).urgency == "acute"
    assert _queue(lead) == [acute.pk, low.pk]
    proposed = case.events.get(kind=EventKind.PROPOSED)
    assert proposed.actor == screener and proposed.reason == WHY and proposed.detail["lowered"]
    # The team leads are alerted, naming what is lowered; the screener is not.
    [alert] = alert_list_for_user(user=lead)
    assert alert.kind == "second_person" and alert.case == case
    assert "Screening afronden: Urgentie Acuut → Laag" in alert_text(alert)
    assert not alert_list_for_user(user=screener).exists()
    # The case page says the lowering waits, and for whom; only the team lead gets the form to answer it.
    detail = reverse("workprocesses:case-detail", args=[case.pk])
    for user, answers in ((lead, True), (screener, False)):
        html = _english(signed_in(user)).get(detail).content.decode()
        assert 'data-testid="pending-lowering"' in html
        assert "This lowers urgency from Acute to Low: a team lead of the unit must confirm" in html
        assert ('data-testid="confirm-form"' in html) is answers
    dutch = signed_in(lead).get(detail).content.decode()
    assert "Dit verlaagt urgentie van Acuut naar Laag: een teamleider van de eenheid moet dit" in dutch
    assert "verlaging voorgesteld: Urgentie van Acuut naar Laag" in dutch  # the history's proposed line
    assert "zou gaan: In screening →" in dutch  # not taken yet: what it would do
    assert "Wacht op bevestiging door een teamleider" in dutch  # whom it waits for, not "a second person"
    assert ">Verlaging bevestigen</button>" in dutch
    # The team lead's queue shows which case waits for them.
    queue = signed_in(lead).get(reverse("screening:queue")).content.decode()
    assert queue.count('data-testid="queue-waiting"') == 1 and "verlaging wacht op bevestiging" in queue
    # The screening panel's urgency (still acute) points to the waiting lowering.
    pointer = r'data-testid="urgency-lowering"><a[^>]*>Een verlaging naar [Ll]aag wacht op bevestiging'
    assert re.search(pointer, dutch)
    # Other steps wait too (closing excepted, below).
    with pytest.raises(Refused) as refused:
        _lower(case, screener, "normal")
    assert refused.value.code == "pending"


def test_only_a_team_lead_of_the_unit_other_than_the_proposer_answers_a_lowering(
    make_user: Callable[..., Any],
) -> None:
    screener, colleague = make_user("case_screener"), make_user("case_screener", "case_owner")
    proposer_lead, lead = make_user("team_lead"), make_user("team_lead")
    elsewhere = make_user("team_lead", organisation="zeeland-west-brabant")
    acute, _low = _two_cases(screener)
    case = _lower(acute, proposer_lead)
    for user, code in (
        (proposer_lead, "same_person"),
        (colleague, "confirm_role"),
        (elsewhere, "confirm_role"),
    ):
        with pytest.raises(Refused) as confirmed:
            case_confirm(case, actor=user, expected_version=None)
        with pytest.raises(Refused) as declined:
            case_decline(case, actor=user, expected_version=None, reason="nee")
        assert (confirmed.value.code, declined.value.code) == (code, code)
    case.refresh_from_db()
    assert case.pending and "urgency" not in case.data
    # Posted from the page by a colleague who is no team lead: refused in words, nothing taken.
    act = reverse("workprocesses:case-act", args=[case.pk])
    page = _english(signed_in(colleague)).post(
        act, {"action": "confirm", "confirm-lock_version": case.lock_version}
    )
    assert page.status_code == 422
    assert (
        "only a team lead of the case&#x27;s organisation, not the one who proposed it"
        in page.content.decode()
    )
    case_confirm(case, actor=lead, expected_version=case.lock_version)
    case.refresh_from_db()
    assert case.data["urgency"] == "low"


def test_a_team_lead_confirms_the_lowering_and_the_queue_follows(make_user: Callable[..., Any]) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, low = _two_cases(screener)
    case = _lower(acute, screener)
    act = reverse("workprocesses:case-act", args=[case.pk])
    answer = _english(signed_in(lead)).post(
        act, {"action": "confirm", "confirm-lock_version": case.lock_version}, follow=True
    )
    assert "Step confirmed." in answer.content.decode()
    case.refresh_from_db()
    assert case.state == "screened" and case.data["urgency"] == "low" and case.pending is None
    assert ScreeningCase.objects.get(case=case).urgency == "low"
    assert _queue(lead) == [low.pk, acute.pk]  # low in screening (suggested low), then the lowered one
    line = case.events.filter(kind=EventKind.TRANSITION, transition="screened").get()
    assert line.actor == lead and line.reason == WHY
    assert (line.detail["proposed_by"], line.detail["confirmed_by"]) == (screener.username, lead.username)
    assert not alert_list_for_user(user=lead).exists()  # the alert is settled
    settled = case.alerts.get(kind="second_person")
    assert settled.read_by == lead


def test_a_declined_lowering_leaves_the_case_as_it_was_and_tells_the_screener_why(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, low = _two_cases(screener)
    case = _lower(acute, screener)
    with pytest.raises(Refused) as refused:
        case_decline(case, actor=lead, expected_version=None, reason=" ")
    assert refused.value.code == "reason"
    case_decline(case, actor=lead, expected_version=case.lock_version, reason="Het mes is niet gevonden.")
    case.refresh_from_db()
    assert case.state == "screening" and "urgency" not in case.data and case.pending is None
    assert ScreeningCase.objects.get(case=case).urgency == "acute"
    assert _queue(lead) == [acute.pk, low.pk]
    line = case.events.get(kind=EventKind.DECLINED)
    assert line.actor == lead and line.reason == "Het mes is niet gevonden."
    assert line.detail["proposed_by"] == screener.username
    assert not alert_list_for_user(user=lead).exists()
    [told] = alert_list_for_user(user=screener)
    assert told.kind == "second_person_declined" and told.case == case
    assert "Het mes is niet gevonden." in alert_text(told)
    # The history's decline says what stays, not "lowered" (the walk read it as if it had been).
    page = signed_in(screener).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert "verlaging afgewezen: Urgentie blijft Acuut, niet Laag" in page


def test_a_raise_or_the_suggested_urgency_is_taken_at_once(make_user: Callable[..., Any]) -> None:
    """Also after a lowering was withdrawn: the screener then decides again, and a raise needs nobody."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, low = _two_cases(screener)
    case = _lower(low, screener, "low")  # the suggestion itself: no lowering
    assert case.state == "screened" and case.pending is None and case.data["urgency"] == "low"
    waiting = _lower(acute, screener, "high")
    assert waiting.pending and waiting.state == "screening"
    case_withdraw(waiting, actor=screener, expected_version=waiting.lock_version)
    waiting.refresh_from_db()
    raised = case_take(waiting, "screened", actor=screener, expected_version=waiting.lock_version,
                       values={"urgency": "acute"})  # fmt: skip
    assert raised.state == "screened" and raised.data["urgency"] == "acute" and raised.pending is None
    assert not alert_list_for_user(user=lead).exists()  # the withdrawn proposal's alert is settled too
    assert _queue(lead) == [acute.pk, low.pk]


def test_an_answer_against_an_older_lock_version_is_refused(make_user: Callable[..., Any]) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, _low = _two_cases(screener)
    with pytest.raises(ConcurrentEdit):  # proposed against a page shown before the screening started
        case_take(acute, "screened", actor=screener, expected_version=acute.lock_version - 1,
                  values={"urgency": "low"}, reason=WHY)  # fmt: skip
    case = _lower(acute, screener)
    shown = case.lock_version
    case_note(case, text="Slachtoffer belde terug.", actor=screener, expected_version=shown)
    with pytest.raises(ConcurrentEdit):
        case_confirm(case, actor=lead, expected_version=shown)
    with pytest.raises(ConcurrentEdit):
        case_decline(case, actor=lead, expected_version=shown, reason="nee")
    case.refresh_from_db()
    assert case.pending and "urgency" not in case.data
    assert alert_list_for_user(user=lead).count() == 1
    # From the page: told the case changed, nothing confirmed.
    act = reverse("workprocesses:case-act", args=[case.pk])
    page = _english(signed_in(lead)).post(act, {"action": "confirm", "confirm-lock_version": shown})
    assert page.status_code == 409
    case.refresh_from_db()
    assert case.pending and "urgency" not in case.data


def test_a_newer_screening_makes_a_waiting_lowering_count_no_longer(make_user: Callable[..., Any]) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, _low = _two_cases(screener)
    case = _lower(acute, screener)
    newer = screening_record(case=case, instrument=_instrument(), answers=HIGH_ANSWERS, actor=screener)
    case.refresh_from_db()
    assert case.pending is None and "urgency" not in case.data and case.state == "screening"
    assert not alert_list_for_user(user=lead).exists()
    line = case.events.get(kind=EventKind.RECORDED, detail__lapsed__isnull=False)
    assert (
        line.detail["screening"] == newer.pk and line.detail["what"] == "proposed lowering no longer counts"
    )
    assert line.detail["lapsed"] == "Screening afronden: Urgentie Acuut → Laag"
    with pytest.raises(Refused) as refused:
        case_confirm(case, actor=lead, expected_version=None)
    assert refused.value.code == "nothing_pending"
    html = (
        _english(signed_in(lead)).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    )
    assert "no longer waits for a second person: Complete screening: Urgency Acute → Low" in html
    assert case.events.filter(
        detail__lapsed="Screening afronden: Urgentie Acuut → Laag"
    ).exists()  # as stored


def test_closing_the_case_makes_a_waiting_lowering_count_no_longer(make_user: Callable[..., Any]) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    acute, _low = _two_cases(screener)
    case = _lower(acute, screener)
    closed = case_take(case, "no_further_action", actor=screener, expected_version=case.lock_version,
                       reason="Aangifte ingetrokken.")  # fmt: skip
    assert closed.closed_at is not None and closed.pending is None and "urgency" not in closed.data
    assert not alert_list_for_user(user=lead).exists()
    line = closed.events.get(kind=EventKind.TRANSITION, transition="no_further_action")
    assert line.detail["lapsed"] == "Screening afronden: Urgentie Acuut → Laag"
    with pytest.raises(Refused) as refused:
        case_confirm(closed, actor=lead, expected_version=None)
    assert refused.value.code == "nothing_pending"


def test_a_lowering_nobody_could_confirm_is_refused_before_anything_is_stored(
    make_user: Callable[..., Any],
) -> None:
    # The walk: a unit without a team lead, or a team lead who is the unit's only one and lowers it himself,
    # left a proposal nobody could ever answer. It is refused at once; the case keeps the higher urgency.
    screener = make_user("case_screener")
    acute, _low = _two_cases(screener)
    before = (acute.lock_version, acute.events.count())
    with pytest.raises(Refused) as refused:
        _lower(acute, screener)
    assert refused.value.code == "no_confirmer" and refused.value.detail == "team_lead"
    acute.refresh_from_db()
    assert acute.pending is None and (acute.lock_version, acute.events.count()) == before
    with translation.override("nl"):
        assert "Niemand anders in uw organisatie is teamleider" in refusal_text("no_confirmer", "team_lead")
    lead = make_user("team_lead")  # the unit's only team lead cannot confirm his own lowering either
    with pytest.raises(Refused) as refused:
        _lower(acute, lead)
    assert refused.value.code == "no_confirmer"
    make_user("team_lead")  # with a second one, the lowering waits for him
    assert _lower(acute, lead).pending is not None


def test_without_a_screening_the_registrations_urgency_is_the_floor(make_user: Callable[..., Any]) -> None:
    # The second walk: where the risk screening is optional (version 1), skipping it let a screener put a
    # case the registrations made urgent to a lower urgency alone, without a reason.
    screener, lead = make_user("case_screener"), make_user("team_lead")
    take_in("PL0600-U-P", MARCO, LOTTE, registered_at=_days_ago(1), relation="ex_partner",
            summary="Hij dreigde haar dood te maken met een mes.")  # fmt: skip
    case = ScreeningCase.objects.get().case
    case = case_take(case, "start_screening", actor=screener, expected_version=None)
    provisional = case.data["urgency_provisional"]
    assert provisional in ("acute", "high") and "urgency_suggested" not in case.data
    page = signed_in(screener).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert re.search(rf'<option value="{provisional}" selected>', page)  # it starts at the register's
    with pytest.raises(Refused) as refused:
        case_take(case, "screened", actor=screener, expected_version=None, values={"urgency": "low"})
    assert refused.value.code == "lowered"
    waiting = _lower(case, screener)
    assert waiting.pending is not None and waiting.pending["lowered"] == {
        "urgency": {"from": provisional, "to": "low"}
    }
    assert alert_list_for_user(user=lead).filter(kind="second_person").count() == 1


def test_a_screening_that_suggests_less_urgency_moves_the_case_only_when_confirmed(
    make_user: Callable[..., Any],
) -> None:
    """The second walk: the queue ranked a case at the screening's lower suggestion ("Laag") while the case
    page still said it was to be confirmed. Until the screener completes the screening the case keeps the
    registrations' urgency and its place; the page says what the screening suggests; confirming that
    suggestion then needs no team lead (the screening decides)."""
    screener = make_user("case_screener")
    make_user("team_lead")
    take_in("PL0600-U-S", MARCO, LOTTE, registered_at=_days_ago(1), relation="ex_partner",
            summary="Hij dreigde haar dood te maken met een mes.")  # fmt: skip
    case = ScreeningCase.objects.get().case
    provisional = case.data["urgency_provisional"]
    assert provisional in ("acute", "high")
    screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
    case.refresh_from_db()
    assert case.state == "screening"  # recording the screening started it
    assert case.data["urgency_suggested"] == "low"
    row = ScreeningCase.objects.get(case=case)
    assert row.urgency == provisional  # not yet lowered: the queue keeps the case where it was
    page = signed_in(screener).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    note = page.split('data-testid="urgency-suggested-lower"')[1].split("</span>")[0]
    assert "stelt laag voor" in note and "bevestig" in note
    case = case_take(
        case, "screened", actor=screener, expected_version=case.lock_version, values={"urgency": "low"}
    )
    assert case.pending is None and case.data["urgency"] == "low"  # the suggestion, confirmed: no team lead
    row.refresh_from_db()
    assert row.urgency == "low"
