"""Recording a screening on a case: both levels kept, corrections of the pre-answers kept, a raised level
with its reason, a lowered level waiting for a second person, and the case told the level and urgency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.screening.engine.scoring import Answer, ScoringError
from ketenzicht.screening.models import InstrumentVersion, Screening
from ketenzicht.screening.recording import screening_confirm, screening_decline, screening_record
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_open, case_take

pytestmark = pytest.mark.django_db

NO: dict[str, Answer] = {
    "threat_to_kill": False,
    "other_threats": False,
    "earlier_violence": False,
    "weapon": False,
    "breach_of_ban": False,
    "incidents_12_months": 0,
    "escalation": False,
    "stalking_pattern": False,
    "duration": "under_2_weeks",
    "turns_up": False,
    "watches": False,
    "third_parties": False,
    "property_damage": False,
    "recent_separation": False,
    "suicide_threat": False,
    "substance_use": False,
    "children_conflict": False,
    "victim_fear": False,
}


def _case(starter: User) -> Case:
    """An ex-partner stalking case whose screening `starter` started ("In screening"): these tests are about
    what a screening records (recording one on a case still "Nieuw" starts it: test_record_start.py)."""
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner dreigt",
        actor=None,
    )
    return case_take(case, "start_screening", actor=starter, expected_version=None)


def _open_instrument() -> InstrumentVersion:
    return InstrumentVersion.objects.get(code="ex_partner_stalking_open", version=1)


def test_a_screening_keeps_both_levels_the_corrections_and_tells_the_case(
    make_user: Callable[..., Any],
) -> None:
    screener = make_user("case_screener")
    case = _case(screener)
    answers = {**NO, "threat_to_kill": True, "weapon": True, "earlier_violence": True, "breach_of_ban": True}
    answers |= {"incidents_12_months": 3, "victim_fear": True}
    prefill = {
        "threat_to_kill": {"answer": True, "evidence": [11], "basis": "summary"},
        # nothing found in the registrations: the screener answers, which corrects nothing
        "weapon": {"answer": False, "evidence": [], "basis": "summary"},
        "incidents_12_months": {"answer": 2, "evidence": [11, 12], "basis": "count"},  # one more, she says
    }
    screening = screening_record(
        case=case, instrument=_open_instrument(), answers=answers, prefill=prefill, actor=screener
    )
    assert screening.status == Screening.Status.RECORDED
    assert screening.corrected == ["incidents_12_months"]
    assert screening.computed_level == screening.level == "high"  # 4+3+3+3+3+2 = 18 points
    case.refresh_from_db()
    assert case.data["screening_level"] == "high"
    assert case.data["urgency_suggested"] == "acute"  # high, with a threat to kill and a weapon
    recorded = case.events.get(kind="recorded")
    assert recorded.detail["screening"] == screening.pk


def test_raising_keeps_the_reason_and_lowering_waits_for_a_second_person(
    make_user: Callable[..., Any],
) -> None:
    screener, owner = make_user("case_screener"), make_user("case_owner")
    case = _case(screener)
    raised = screening_record(
        case=case,
        instrument=_open_instrument(),
        answers={**NO, "victim_fear": True},
        level="high",
        reason="slachtoffer vreest voor haar leven, verdachte is net vrijgekomen",
        actor=screener,
    )
    assert (raised.computed_level, raised.level, raised.status) == ("standard", "high", "recorded")
    assert raised.result["override"] == "raised"
    with pytest.raises(ScoringError, match="reason"):
        screening_record(case=case, instrument=_open_instrument(), answers=NO, level="high", actor=screener)

    lowered = screening_record(
        case=case,
        instrument=_open_instrument(),
        answers={**NO, "threat_to_kill": True, "weapon": True, "earlier_violence": True, "escalation": True},
        level="standard",
        reason="bedreiging in een ruzie over de omgang, door beiden ingetrokken",
        actor=screener,
    )
    assert (lowered.computed_level, lowered.level, lowered.status) == (
        "medium",
        "standard",
        "awaiting_second",
    )
    case.refresh_from_db()
    assert case.data["screening_level"] == "high"  # unchanged until a second person confirms
    with pytest.raises(Refused) as refused:
        screening_confirm(lowered, actor=screener)
    assert refused.value.code == "same_person"
    confirmed = screening_confirm(lowered, actor=owner)
    assert confirmed.status == "recorded" and confirmed.second_person == owner
    case.refresh_from_db()
    assert case.data["screening_level"] == "standard"
    assert Screening.objects.filter(case=case).count() == 2  # the trend: both kept


def test_a_lowered_level_is_announced_to_the_team_leads_until_a_second_person_answers(
    make_user: Callable[..., Any],
) -> None:
    screener, owner, lead = make_user("case_screener"), make_user("case_owner"), make_user("team_lead")
    case = _case(screener)
    answers = {**NO, "threat_to_kill": True, "weapon": True, "earlier_violence": True, "escalation": True}
    lowered = screening_record(
        case=case,
        instrument=_open_instrument(),
        answers=answers,
        level="standard",
        reason="bedreiging in een ruzie over de omgang, door beiden ingetrokken",
        actor=screener,
    )
    [alert] = alert_list_for_user(user=lead)
    assert "Risiconiveau verlaagd naar Standaard" in alert_text(alert) and alert.case_id == case.pk
    screening_decline(lowered, actor=owner, reason="de dreiging met een mes is niet ingetrokken")
    assert not alert_list_for_user(user=lead).exists()
    [told] = alert_list_for_user(user=screener)
    assert told.kind == "second_person_declined"
    assert (
        told.params["reason"] == "de dreiging met een mes is niet ingetrokken"
    )  # the reason, not a fixed text
    again = screening_record(
        case=case, instrument=_open_instrument(), answers=answers, level="standard",
        reason="bedreiging in een ruzie over de omgang, door beiden ingetrokken", actor=screener,
    )  # fmt: skip
    assert alert_list_for_user(user=lead).count() == 1
    screening_confirm(again, actor=lead)
    assert not alert_list_for_user(user=lead).exists()
    # The earlier decline, and now the confirmation (the screener learns the level counts).
    assert sorted(alert_list_for_user(user=screener).values_list("kind", flat=True)) == [
        "second_person_confirmed",
        "second_person_declined",
    ]


def test_a_declined_lowering_needs_a_reason_and_leaves_the_computed_level_on_the_case(
    make_user: Callable[..., Any],
) -> None:
    """A lowering not confirmed does not count: the instrument's result does (docs/reference/
    instrument-format.md; domain: a level may be raised, never silently lowered). The case gets the computed
    level and the urgency it suggests, as a screening without a lowering would; the history says who
    declined which step, and why."""
    screener, owner = make_user("case_screener"), make_user("case_owner")
    case = _case(screener)
    answers = {**NO, "threat_to_kill": True, "weapon": True, "earlier_violence": True, "escalation": True}
    lowered = screening_record(
        case=case, instrument=_open_instrument(), answers=answers, level="none", reason="geen zorgen",
        actor=screener,
    )  # fmt: skip
    assert (lowered.computed_level, lowered.level) == ("medium", "none")  # 4+3+3+3 = 13 points
    events = case.events.count()
    for blank in ("", "   "):
        with pytest.raises(Refused) as refused:
            screening_decline(lowered, actor=owner, reason=blank)
        assert refused.value.code == "reason"
    lowered.refresh_from_db()
    case.refresh_from_db()
    assert lowered.status == "awaiting_second" and lowered.second_person is None  # nothing half stored
    assert "screening_level" not in case.data and case.events.count() == events
    assert not alert_list_for_user(user=screener).exists()

    declined = screening_decline(lowered, actor=owner, reason="  Hij heeft een mes; niet verlagen.  ")
    assert (declined.status, declined.second_person, declined.declined_reason) == (
        "declined",
        owner,
        "Hij heeft een mes; niet verlagen.",
    )
    declined.refresh_from_db()
    assert declined.declined_reason == "Hij heeft een mes; niet verlagen."
    case.refresh_from_db()
    assert case.data["screening_level"] == "medium"  # the computed level
    assert case.data["urgency_suggested"] == "normal"  # what medium suggests
    line = case.events.order_by("-id").first()
    assert line is not None
    assert (line.kind, line.actor, line.reason) == ("declined", owner, "Hij heeft een mes; niet verlagen.")
    assert line.detail["step"] == "Risiconiveau verlaagd naar Geen zorgen"
    assert line.detail["proposed_by"] == screener.username and line.detail["screening"] == declined.pk
    assert line.detail["values"] == {"screening_level": "medium", "urgency_suggested": "normal"}
    [told] = alert_list_for_user(user=screener)
    assert "Hij heeft een mes; niet verlagen." in alert_text(told)
    with pytest.raises(Refused) as refused:  # answered once
        screening_decline(declined, actor=owner, reason="nogmaals")
    assert refused.value.code == "nothing_pending"


def test_a_confirmed_lowering_names_who_proposed_and_who_confirmed_it(make_user: Callable[..., Any]) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _case(screener)
    lowered = screening_record(
        case=case, instrument=_open_instrument(), answers={**NO, "threat_to_kill": True, "weapon": True},
        level="none", reason="beiden hebben afstand genomen", actor=screener,
    )  # fmt: skip
    screening_confirm(lowered, actor=lead)
    line = case.events.order_by("-id").first()
    assert line is not None and line.kind == "recorded" and line.actor == lead
    assert (line.detail["proposed_by"], line.detail["confirmed_by"]) == (screener.username, lead.username)
    assert line.detail["values"]["screening_level"] == "none"


def test_only_screening_roles_record_and_missing_answers_are_named(make_user: Callable[..., Any]) -> None:
    case = _case(make_user("team_lead"))
    with pytest.raises(Refused):
        screening_record(
            case=case, instrument=_open_instrument(), answers=NO, actor=make_user("police_registrar")
        )
    incomplete = {k: v for k, v in NO.items() if k != "weapon"}
    with pytest.raises(ScoringError, match="weapon"):
        screening_record(
            case=case, instrument=_open_instrument(), answers=incomplete, actor=make_user("case_screener")
        )


def test_the_case_page_shows_the_recorded_level_and_urgency_in_words(make_user: Callable[..., Any]) -> None:
    """The screening writes codes on its case ("high", "acute"); the case page and its history read them
    as the screener knows them."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    screener = make_user("case_screener")
    case = _case(screener)
    answers = {**NO, "threat_to_kill": True, "weapon": True, "earlier_violence": True, "breach_of_ban": True}
    answers |= {"incidents_12_months": 3, "victim_fear": True}  # high, as above
    screening_record(case=case, instrument=_open_instrument(), answers=answers, prefill={}, actor=screener)
    client = Client()
    client.force_login(screener)
    with translation.override("nl"):
        page = client.get(reverse("workprocesses:case-detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Niveau van de risicoscreening" in text and "Hoog" in text
    assert "Door de screening voorgestelde urgentie" in text and "Acuut" in text
    assert "urgency_suggested" not in text and ": high" not in text and ": acute" not in text
