"""Reopening a closed case: only a team lead of the case's organisation, in a process that has one, with a
reason; back to the state before the step that closed it, with that state's deadline counted anew and its
escalation reset; one "reopened" line in the history; nothing stored when refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.services import user_set_active
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent
from ketenzicht.workprocesses.selectors import case_open_list, may_reopen
from ketenzicht.workprocesses.services import (
    ConcurrentEdit,
    case_assign_contact,
    case_assign_owner,
    case_open,
    case_record,
    case_reopen,
    case_take,
    deadlines_check,
)
from ketenzicht.workprocesses.views import _reopen_hint
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)
WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=AMSTERDAM)


def _at(day: int, hour: int = 0) -> datetime:
    """Midnight (or `hour`) in Amsterdam on a day of March 2026."""
    return datetime(2026, 3, day, hour, 0, tzinfo=AMSTERDAM)


def _open(process: str = "ex_partner_stalking", unit: str = "oost-brabant", **data: Any) -> Case:
    return case_open(
        process=process,
        organisation=Organisation.objects.get(code=unit),
        title="Ex-partner blijft bellen",
        actor=None,
        at=MONDAY,
        data=data or None,
    )


def _closed_in_screening(actor: Any) -> Case:
    """A case screening started on, closed with "Geen verdere actie" an hour later."""
    case = _open()
    case = case_take(case, "start_screening", actor=actor, expected_version=case.lock_version, at=MONDAY)
    return case_take(
        case,
        "no_further_action",
        actor=actor,
        expected_version=case.lock_version,
        reason="Geen strafbaar feit.",
        at=MONDAY + timedelta(hours=1),
    )


def _stored(case: Case) -> tuple[Any, ...]:
    """What a refused reopen must leave as it was."""
    case.refresh_from_db()
    return (case.state, case.closed_at, case.deadline_at, case.lock_version, case.events.count())


def test_a_team_lead_reopens_a_closed_case_into_the_state_before_the_step_that_closed_it(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _closed_in_screening(screener)
    assert case.state == "closed" and case.closed_at is not None and case.deadline_at is None
    assert may_reopen(case, lead) and not may_reopen(case, screener)
    closed_version = case.lock_version

    case = case_reopen(
        case,
        actor=lead,
        reason="  Nieuwe aangifte binnen, toch screenen.  ",
        expected_version=closed_version,
        at=WEDNESDAY,
    )
    case.refresh_from_db()
    assert (case.state, case.closed_at, case.lock_version) == ("screening", None, closed_version + 1)
    # "In screening" sets three working days, counted from the reopen (Wednesday): Monday ends at midnight.
    assert case.deadline_at == _at(10) and case.escalate_to == "team_lead"
    assert case in case_open_list(user=lead) and not may_reopen(case, lead)
    line = case.events.last()
    assert line is not None
    assert (line.kind, line.actor, line.from_state, line.to_state) == (
        "reopened",
        lead,
        "closed",
        "screening",
    )
    assert line.reason == "Nieuwe aangifte binnen, toch screenen." and line.at == WEDNESDAY
    assert line.process_version == "ex_partner_stalking v1"
    assert (
        line.detail["closed_by"] == "no_further_action" and line.detail["deadline_at"] == _at(10).isoformat()
    )
    # The history keeps the closing step; the reopened case takes steps again.
    assert list(case.events.values_list("kind", flat=True)) == [
        "opened",
        "owner",  # the first step made its screener the owner
        "transition",
        "transition",
        "reopened",
    ]
    case = case_take(case, "screened", actor=screener, expected_version=None, values={"urgency": "high"})
    assert case.state == "screened"


def test_the_deadline_is_counted_anew_from_the_case_s_values_and_the_installation_s_settings(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _open(process="dv_screening")
    case = case_take(case, "start_screening", actor=screener, expected_version=None, at=MONDAY)
    case = case_record(case, values={"screening_level": "high"}, actor=screener, expected_version=None)
    case = case_take(case, "screened", actor=screener, expected_version=None, values={"urgency": "acute"})
    case = case_take(case, "no_further_action", actor=screener, expected_version=None, reason="Vergissing.")
    assert case.closed_at is not None
    # An acute case decides within four hours ("dv_decide_acute"); this installation sets two.
    with override_settings(WORK_PROCESS_DEADLINES={"dv_decide_acute": {"amount": 2, "unit": "hours"}}):
        case = case_reopen(case, actor=lead, reason="Te vroeg gesloten.", expected_version=None, at=WEDNESDAY)
    assert case.state == "screened" and case.deadline_at == WEDNESDAY + timedelta(hours=2)


def test_the_escalation_is_reset_so_an_overdue_reopened_case_escalates_again(
    make_user: Callable[..., Any],
) -> None:
    """On the Veilig Thuis assessment, whose deadline escalates twice (the team lead, then the chain
    contact): its escalation before the close does not keep the reopened case from escalating."""
    vt = "vt-brabant-zuidoost"
    assessor, lead = make_user("vt_assessor", organisation=vt), make_user("team_lead", organisation=vt)
    case = _open(process="vt_safety_assessment", unit=vt)
    assert [c.pk for c in deadlines_check(now=_at(10, 9))] == [case.pk]  # five working days passed
    case.refresh_from_db()
    assert case.escalated_at == _at(10, 9) and case.escalate_again_to == "chain_contact"
    case = case_take(
        case,
        "end_involvement",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "none"},
        reason="Geen zorgen.",
        at=_at(10, 10),
    )
    assert case.escalate_again_to == "chain_contact"  # closing leaves the next level named

    case = case_reopen(case, actor=lead, reason="Melder belde opnieuw.", expected_version=None, at=_at(11, 9))
    case.refresh_from_db()
    assert (case.state, case.escalated_at, case.escalate_again_at, case.escalate_again_to) == (
        "received",
        None,
        None,
        "",
    )
    assert case.deadline_at == _at(19) and case.escalate_to == "team_lead"  # five working days from Wednesday
    assert deadlines_check(now=_at(18, 9)) == []
    assert [c.pk for c in deadlines_check(now=_at(19, 9))] == [case.pk]
    escalations = list(case.events.filter(kind="escalated").values_list("detail__level", "at"))
    assert escalations == [(1, _at(10, 9)), (1, _at(19, 9))]


def test_a_value_the_closing_step_recorded_by_itself_goes_back_to_what_it_was_before_it(
    make_user: Callable[..., Any],
) -> None:
    vt = "vt-brabant-zuidoost"
    assessor, lead = make_user("vt_assessor", organisation=vt), make_user("team_lead", organisation=vt)
    case = _open(process="vt_safety_assessment", unit=vt)
    case = case_take(
        case, "start_investigation", actor=assessor, expected_version=None, values={"unsafety": "structural"}
    )
    case = case_take(
        case,
        "end_involvement",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "structural"},
        reason="Onderzoek afgerond.",
    )
    assert case.data["outcome"] == "end"
    case = case_reopen(case, actor=lead, reason="Onderzoek loopt nog.", expected_version=None)
    assert case.state == "investigation"
    assert case.data["outcome"] == "investigation" and case.data["unsafety"] == "structural"
    line = case.events.last()
    assert line is not None and line.detail["withdrawn"] == {"outcome": "end"}
    assert line.detail["restored"] == {"outcome": "investigation"}
    # Ended straight from the receipt, the outcome had no value before: it is gone.
    other = _open(process="vt_safety_assessment", unit=vt)
    other = case_take(
        other,
        "end_involvement",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "none"},
        reason="Geen zorgen.",
    )
    other = case_reopen(other, actor=lead, reason="Toch beoordelen.", expected_version=None)
    assert "outcome" not in other.data and other.data["unsafety"] == "none" and other.state == "received"
    # Closed once more and reopened: the outcome withdrawn by the first reopen stays withdrawn.
    other = case_take(
        other,
        "hand_over_local",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "none", "handed_to": "Wijkteam Eindhoven"},
    )
    assert other.data["outcome"] == "local_care"
    other = case_reopen(other, actor=lead, reason="Wijkteam nam het niet op.", expected_version=None)
    assert "outcome" not in other.data and other.state == "received"


def test_a_case_closed_again_reopens_into_the_state_before_its_last_close(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _closed_in_screening(screener)
    case = case_reopen(case, actor=lead, reason="Nieuwe informatie.", expected_version=None, at=WEDNESDAY)
    case = case_record(case, values={"screening_level": "low"}, actor=screener, expected_version=None)
    case = case_take(case, "screened", actor=screener, expected_version=None, values={"urgency": "low"})
    case = case_take(case, "no_further_action", actor=screener, expected_version=None, reason="Laag risico.")
    case = case_reopen(case, actor=lead, reason="Slachtoffer meldt nieuwe bedreiging.", expected_version=None)
    assert case.state == "screened" and case.closed_at is None
    assert case.events.filter(kind="reopened").count() == 2


def test_a_value_recorded_after_the_reopen_counts_the_deadline_from_the_reopen(
    make_user: Callable[..., Any],
) -> None:
    """Entering a state by a reopen counts as entering it (the deadline that follows the urgency is counted
    again from then, not from when the case first entered the state)."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _closed_in_screening(screener)
    case = case_reopen(case, actor=lead, reason="Nieuwe informatie.", expected_version=None, at=WEDNESDAY)
    case = case_record(
        case, values={"urgency_provisional": "acute"}, actor=None, expected_version=None, at=WEDNESDAY
    )
    # Acute: four hours in screening, from the reopen (Wednesday 10:00), not from Monday's start.
    assert case.deadline_at == WEDNESDAY + timedelta(hours=4)


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (("case_screener", "oost-brabant"), "reopen_role"),
        (("case_owner", "oost-brabant"), "reopen_role"),
        (("team_lead", "zeeland-west-brabant"), "reopen_role"),  # a team lead of another unit
    ],
)
def test_only_a_team_lead_of_the_case_s_organisation_reopens(
    make_user: Callable[..., Any], who: tuple[str, str], code: str
) -> None:
    case = _closed_in_screening(make_user("case_screener"))
    before = _stored(case)
    role, unit = who
    with pytest.raises(Refused) as refused:
        case_reopen(
            case, actor=make_user(role, organisation=unit), reason="Waarom niet.", expected_version=None
        )
    assert refused.value.code == code
    assert _stored(case) == before


def test_a_process_without_a_team_lead_is_not_reopened(make_user: Callable[..., Any]) -> None:
    """The ZSM file (the prosecutor's decisions) and the break-the-glass review (the privacy officer's)."""
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    zsm = case_open(
        process="zsm_file",
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        title="ZSM",
        actor=None,
    )
    with pytest.raises(Refused) as refused:
        case_reopen(zsm, actor=prosecutor, reason="Opnieuw.", expected_version=None)
    assert refused.value.code == "reopen_process"
    officer = make_user("privacy_officer", organisation="ketenzicht-beheer")
    review = case_open(
        process="break_glass_review",
        organisation=Organisation.objects.get(code="ketenzicht-beheer"),
        title="Doorbraak",
        actor=None,
    )
    with pytest.raises(Refused) as refused:
        case_reopen(review, actor=officer, reason="Opnieuw.", expected_version=None)
    assert refused.value.code == "reopen_process"
    assert not CaseEvent.objects.filter(kind="reopened").exists()


def test_an_open_case_is_not_reopened_and_a_reopen_says_why(make_user: Callable[..., Any]) -> None:
    lead = make_user("team_lead")
    case = _open()
    before = _stored(case)
    with pytest.raises(Refused) as refused:
        case_reopen(case, actor=lead, reason="Voor de zekerheid.", expected_version=None)
    assert refused.value.code == "not_closed" and _stored(case) == before
    closed = _closed_in_screening(make_user("case_screener"))
    before = _stored(closed)
    for blank in ("", "  \n "):
        with pytest.raises(Refused) as refused:
            case_reopen(closed, actor=lead, reason=blank, expected_version=closed.lock_version)
        assert refused.value.code == "reason"
    assert _stored(closed) == before


def test_a_reopen_against_an_older_lock_version_is_refused_and_stores_nothing(
    make_user: Callable[..., Any],
) -> None:
    lead, other_lead = make_user("team_lead"), make_user("team_lead")
    case = _closed_in_screening(make_user("case_screener"))
    seen = case.lock_version
    case_reopen(case, actor=lead, reason="Nieuwe informatie.", expected_version=seen)
    after_first = _stored(case)
    with pytest.raises(ConcurrentEdit):  # a second tab, or a colleague who loaded the closed case too
        case_reopen(case, actor=other_lead, reason="Ik ook.", expected_version=seen)
    assert _stored(case) == after_first and case.events.filter(kind="reopened").count() == 1


def test_a_pair_s_newer_open_case_refuses_the_reopen_and_is_named(make_user: Callable[..., Any]) -> None:
    """Once a pair's case is closed, its next registration opens a new case (intake joins only an open
    one): reopening the old case then is refused, naming the new one to work on in."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    first = take_in("PL0600-RO-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    old = Case.objects.get(registrations=first, organisation__code="oost-brabant")
    old = case_take(old, "no_further_action", actor=screener, expected_version=None, reason="Geen feit.")
    second = take_in("PL0600-RO-2", MARCO, LOTTE, registered_at="2024-03-20T09:12:00+01:00")
    new = Case.objects.get(registrations=second, organisation__code="oost-brabant")
    assert new.pk != old.pk and new.closed_at is None
    before = _stored(old)
    with pytest.raises(Refused) as refused:
        case_reopen(old, actor=lead, reason="Nieuwe aangifte.", expected_version=None)
    assert (refused.value.code, refused.value.detail) == ("open_case", new.reference)
    assert _stored(old) == before
    # Once that one is closed too, the older one may be reopened (and the pair has one open case again).
    case_take(new, "no_further_action", actor=screener, expected_version=None, reason="Dubbel.")
    old = case_reopen(old, actor=lead, reason="Hier verder werken.", expected_version=None)
    assert old.closed_at is None and old.state == "new"


# --- who is told ------------------------------------------------------------------------------------------


def _henk(make_user: Callable[..., Any]) -> Any:
    lead = make_user("team_lead")
    lead.first_name, lead.last_name = "Henk", "Claassen"
    lead.save(update_fields=["first_name", "last_name"])
    return lead


def test_reopening_alerts_the_owner_and_the_victim_s_contact_with_who_why_and_the_new_deadline(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), _henk(make_user)
    owner, contact = make_user("case_owner"), make_user("case_screener")
    case = _open()
    case = case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    case = case_assign_contact(case, contact=contact, actor=owner, expected_version=None)
    case = case_take(case, "start_screening", actor=screener, expected_version=None, at=MONDAY)
    case = case_take(case, "no_further_action", actor=screener, expected_version=None, reason="Geen feit.")
    before = {u.pk: alert_list_for_user(user=u).count() for u in (owner, contact, lead)}

    case_reopen(case, actor=lead, reason="Nieuwe aangifte binnen.", expected_version=None, at=WEDNESDAY)

    for person in (owner, contact):
        [told] = alert_list_for_user(user=person).filter(kind="reopened")
        assert told.recipient == person and told.case == case
        text = alert_text(told)
        assert case.reference in text and "Henk Claassen" in text and "Nieuwe aangifte binnen." in text
        assert "09-03-2026, einde van de dag" in text and "In screening" in text
    assert alert_list_for_user(user=lead).count() == before[lead.pk]  # the team lead is not told


def test_the_team_lead_reopening_a_case_they_own_is_not_alerted(make_user: Callable[..., Any]) -> None:
    lead = make_user("team_lead")
    case = _open()
    case = case_assign_owner(case, owner=lead, actor=lead, expected_version=None)
    case = case_take(case, "no_further_action", actor=lead, expected_version=None, reason="Geen feit.")
    case_reopen(case, actor=lead, reason="Toch kijken.", expected_version=None)
    assert not Alert.objects.filter(kind="reopened").exists()


def test_a_case_without_an_active_owner_alerts_its_unit_s_screeners_not_nobody(
    make_user: Callable[..., Any],
) -> None:
    """Nobody owns it, or its owner left: the case is in the unit's queue, and the screeners who work that
    queue are told (a role alert); a screener of another unit is not."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    elsewhere = make_user("case_screener", organisation="zeeland-west-brabant")
    # Worked by a screener of another unit, who may not own it: it closed without an owner.
    unowned = _closed_in_screening(make_user("case_screener", organisation="zeeland-west-brabant"))
    assert unowned.owner is None
    case_reopen(unowned, actor=lead, reason="Nieuwe informatie.", expected_version=None, at=WEDNESDAY)
    [told] = alert_list_for_user(user=screener).filter(kind="reopened")
    assert told.recipient is None and told.role == "case_screener"
    assert "heeft geen eigenaar" in alert_text(told) and "Nieuwe informatie." in alert_text(told)
    assert not alert_list_for_user(user=elsewhere).exists()

    gone = make_user("case_owner")
    left = _open()
    left = case_assign_owner(left, owner=gone, actor=gone, expected_version=None)
    left = case_take(left, "no_further_action", actor=screener, expected_version=None, reason="Geen feit.")
    user_set_active(user=gone, active=False)
    case_reopen(left, actor=lead, reason="Slachtoffer belde.", expected_version=None)
    assert not Alert.objects.filter(case=left, recipient=gone).exists()
    assert alert_list_for_user(user=screener).filter(kind="reopened", case=left).count() == 1


def test_a_team_lead_who_screens_too_is_not_told_of_the_reopen_they_made_themselves(
    make_user: Callable[..., Any],
) -> None:
    # The queue's alert goes to the unit's screeners; the team lead who reopened it is one of them and knows.
    screener = make_user("case_screener")
    lead = make_user("team_lead", "case_screener")
    unowned = _closed_in_screening(screener)
    case_reopen(unowned, actor=lead, reason="Nieuwe informatie.", expected_version=None, at=WEDNESDAY)
    assert alert_list_for_user(user=screener).filter(kind="reopened", case=unowned).count() == 1
    assert not alert_list_for_user(user=lead).filter(kind="reopened").exists()


def test_the_owner_reads_the_reopen_on_the_alerts_page_in_dutch(make_user: Callable[..., Any]) -> None:
    lead, owner = _henk(make_user), make_user("case_owner")
    case = _open()
    case = case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    case = case_take(case, "no_further_action", actor=owner, expected_version=None, reason="Geen feit.")
    case_reopen(case, actor=lead, reason="Nieuwe aangifte binnen.", expected_version=None)
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("workprocesses:alerts")).content.decode()
    assert f"Zaak {case.reference} is heropend door Henk Claassen" in page
    assert "staat weer op “Nieuw”" in page and "Reden: Nieuwe aangifte binnen." in page
    assert "reopened by" not in page


def test_a_closed_case_tells_who_may_not_reopen_it_who_can(make_user: Callable[..., Any]) -> None:
    """The case owner (casusregisseur) sees closed cases of the unit but cannot reopen them: the case page
    names the unit's team leads to ask; the team lead gets the form instead."""
    owner = make_user("case_owner")
    case = _closed_in_screening(make_user("case_screener"))
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="reopen-hint"' in page and 'data-testid="reopen-form"' not in page
    assert "Alleen een teamleider van Politie eenheid Oost-Brabant kan deze afgesloten zaak heropenen" in page
    assert "die heeft er in Ketenzicht geen" in page  # no team lead in the unit yet

    lead = _henk(make_user)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert "vraag het aan Henk Claassen." in page
    client.force_login(lead)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert 'data-testid="reopen-form"' in page and 'data-testid="reopen-hint"' not in page


def test_a_closed_case_of_a_process_without_reopening_says_so() -> None:
    zsm = case_open(
        process="zsm_file",
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        title="ZSM",
        actor=None,
    )
    zsm.closed_at = MONDAY  # as closed (not stored): the hint depends on the process alone
    with translation.override("nl"):
        hint = _reopen_hint(zsm, definition_of(zsm.process_version))
    assert hint == "Een afgesloten zaak van dit werkproces kan niet worden heropend."
