"""Every step of a safety assessment that changes what the police were told is fed back, not only the first
outcome: a line in the police case's history naming what changed (also on a closed police case), an alert
to whoever works the open police case (urgent when the unsafety became acute), once per step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from ketenzicht.insights.facts import day_of, facts_between
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.panel import feedback_note
from ketenzicht.veiligthuis.services import sync_notification
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent
from ketenzicht.workprocesses.services import case_assign_owner, case_reopen, case_take
from tests.patterns.helpers import BART, ILSE, take_in

pytestmark = pytest.mark.django_db

FEEDBACK_LINE = "feedback from Veilig Thuis"


def _notified(reference: str) -> tuple[Notification, Case]:
    """Bart towards Ilse taken in now: the notification it opened and the police case it feeds back to."""
    take_in(reference, BART, ILSE, registered_at=timezone.now().isoformat(timespec="seconds"))
    notification = Notification.objects.select_related("police_case", "case", "organisation").get()
    assert notification.police_case is not None
    return notification, notification.police_case


def _step(notification: Notification, actor: Any, transition: str, reason: str = "", **values: str) -> None:
    notification.case.refresh_from_db()
    case_take(notification.case, transition, actor=actor, expected_version=None, values=values, reason=reason)


def _lines(police_case: Case) -> list[CaseEvent]:
    return list(police_case.events.filter(detail__what=FEEDBACK_LINE).order_by("id"))


def test_a_changed_unsafety_is_fed_back_from_what_to_what_and_urgently_when_it_became_acute(
    make_user: Callable[..., Any],
) -> None:
    """The review: from "structurele onveiligheid" to "acute onveiligheid" after an earlier outcome, the
    police case's history said only "Onveiligheid: Acute onveiligheid", not that it changed, nor the new
    outcome."""
    notification, police_case = _notified("PL0600-VTL-1")
    screener = make_user("case_screener")
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    _step(notification, assessor, "start_investigation", unsafety="structural")
    _step(
        notification,
        assessor,
        "agree_conditions",
        unsafety="acute",
        safety_conditions="Geen contact met Ilse",
    )
    first, changed = _lines(police_case)
    assert first.reason.endswith("Onveiligheid: Structurele onveiligheid; Uitkomst: Eigen onderzoek.")
    assert "Onveiligheid gewijzigd van Structurele onveiligheid naar Acute onveiligheid" in changed.reason
    assert "Uitkomst gewijzigd van Eigen onderzoek naar Voorwaarden en vervolg" in changed.reason
    assert "Veiligheidsvoorwaarden: Geen contact met Ilse" in changed.reason
    assert changed.actor == assessor and notification.case.reference in changed.reason
    # Read in another language, the line names the change in its words.
    with translation.override("en"):
        english = feedback_note(changed.detail)
    assert english is not None and "Unsafety changed from Structural unsafety to Acute unsafety" in english
    # Urgent, to the queue of the police case without an owner: the acute alert, not a second feedback one.
    kinds = [a.kind for a in Alert.objects.filter(case=police_case).order_by("id")]
    assert kinds == ["vt_feedback", "vt_acute"]
    acute = Alert.objects.get(case=police_case, kind="vt_acute")
    assert (acute.role, acute.params["notification"]) == ("case_screener", notification.case.reference)
    assert acute.params["for_owner"] is True
    case_assign_owner(police_case, owner=screener, actor=screener, expected_version=None)
    acute.refresh_from_db()
    assert acute.recipient == screener


def test_every_later_outcome_alerts_the_police_case_owner_once_and_is_written_in_its_history(
    make_user: Callable[..., Any],
) -> None:
    notification, police_case = _notified("PL0600-VTL-2")
    owner = make_user("case_owner")
    case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None)
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    _step(notification, assessor, "start_investigation", unsafety="structural")
    _step(
        notification, assessor, "agree_conditions", reason="Minder ernstig dan gedacht.",
        unsafety="complex", safety_conditions="Hulpverlening",
    )  # fmt: skip
    _step(notification, assessor, "request_child_protection", reason="Kinderen in gevaar", unsafety="complex")
    alerts = list(Alert.objects.filter(case=police_case, kind="vt_feedback").order_by("id"))
    assert [a.recipient for a in alerts] == [owner, owner, owner]
    assert not Alert.objects.filter(case=police_case, kind="vt_acute").exists()
    lines = _lines(police_case)
    assert len(lines) == 3
    assert "Onveiligheid gewijzigd van Structurele onveiligheid naar Complexe problematiek" in lines[1].reason
    assert "Veiligheidsvoorwaarden: Hulpverlening" in lines[1].reason
    # The closing: the new outcome, the unsafety as it stands (unchanged), the conditions not told again.
    assert lines[2].reason.endswith(
        "Onveiligheid: Complexe problematiek; Uitkomst gewijzigd van Voorwaarden en vervolg naar Verzoek tot "
        "onderzoek aan de Raad voor de Kinderbescherming."
    )
    assert "Verzoek tot onderzoek" in alerts[2].params["feedback"]
    # The notification keeps the assessment's outcome, fed back when it first came.
    notification.refresh_from_db()
    assert (notification.outcome, notification.feedback_at) == ("investigation", lines[0].at)
    # The police case's page: the panel names the latest outcome beside it, the history each change.
    client = Client()
    client.force_login(owner)
    page = client.get(f"/zaken/{police_case.pk}/").content.decode()
    panel = page.split('data-testid="vt-feedback"')[1].split("</section>")[0]
    assert 'data-testid="vt-feedback-outcome">Eigen onderzoek<' in panel
    assert (
        'data-testid="vt-feedback-latest">Verzoek tot onderzoek aan de Raad voor de Kinderbescherming<'
        in panel
    )
    assert "Laatste uitkomst" in panel
    history = [r for r in page.split('data-testid="history-row"') if "Terugkoppeling van Veilig Thuis" in r]
    assert len(history) == 3
    assert any("Onveiligheid gewijzigd van Structurele onveiligheid naar Complexe" in r for r in history)


def test_a_repeated_save_of_the_same_outcome_feeds_back_nothing_twice(make_user: Callable[..., Any]) -> None:
    notification, police_case = _notified("PL0600-VTL-3")
    where = notification.organisation.code
    assessor, lead = make_user("vt_assessor", organisation=where), make_user("team_lead", organisation=where)
    _step(notification, assessor, "agree_conditions", unsafety="structural", safety_conditions="Geen contact")
    # Another change of the case, and the same change seen again: no step, nothing to tell.
    case_assign_owner(notification.case, owner=assessor, actor=assessor, expected_version=None)
    notification.case.refresh_from_db()
    sync_notification(None, case=notification.case)
    sync_notification(None, case=notification.case)
    assert len(_lines(police_case)) == 1 and Alert.objects.filter(kind="vt_feedback").count() == 1
    _step(notification, assessor, "end_involvement", reason="Afspraken nagekomen", unsafety="structural")
    assert len(_lines(police_case)) == 2 and Alert.objects.filter(kind="vt_feedback").count() == 2
    # Reopened, and ended again as before: the police know it already.
    case_reopen(notification.case, actor=lead, reason="Per abuis heropend.", expected_version=None)
    _step(notification, assessor, "end_involvement", reason="Afspraken nagekomen", unsafety="structural")
    assert len(_lines(police_case)) == 2 and Alert.objects.filter(kind="vt_feedback").count() == 2
    # Reopened, and the unsafety found otherwise then: that is told, from what the police knew.
    case_reopen(notification.case, actor=lead, reason="Nieuwe zorgen.", expected_version=None)
    _step(notification, assessor, "end_involvement", reason="Geen zorgen meer", unsafety="none")
    last = _lines(police_case)[-1]
    assert "Onveiligheid gewijzigd van Structurele onveiligheid naar Geen onveiligheid" in last.reason
    assert "Uitkomst" not in last.reason
    assert Alert.objects.filter(kind="vt_feedback").count() == 3


def test_a_change_on_a_closed_police_case_is_written_in_its_history_and_alerts_nobody(
    make_user: Callable[..., Any],
) -> None:
    """As acute unsafety on a closed police case alerts nobody (nobody works it), no change does; its history
    tells each, so whoever reads or reopens the case knows."""
    notification, police_case = _notified("PL0600-VTL-4")
    screener = make_user("case_screener")
    case_take(police_case, "no_further_action", actor=screener, expected_version=None, reason="Geen feit.")
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    _step(notification, assessor, "start_investigation", unsafety="structural")
    _step(notification, assessor, "agree_conditions", unsafety="acute", safety_conditions="Opvang")
    first, changed = _lines(police_case)
    assert "Uitkomst: Eigen onderzoek" in first.reason
    assert "Onveiligheid gewijzigd van Structurele onveiligheid naar Acute onveiligheid" in changed.reason
    assert not Alert.objects.filter(case=police_case).exists()
    police_case.refresh_from_db()
    assert police_case.closed_at is not None  # still closed: a line, nothing reopened


def test_the_figures_count_a_notification_with_several_outcomes_once(make_user: Callable[..., Any]) -> None:
    notification, _police_case = _notified("PL0600-VTL-5")
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    _step(notification, assessor, "start_investigation", unsafety="structural")
    _step(notification, assessor, "agree_conditions", unsafety="acute", safety_conditions="Geen contact")
    _step(notification, assessor, "request_child_protection", reason="Raad", unsafety="acute")
    day = day_of(notification.received_at)
    facts = [f for f in facts_between(day, day) if f.figure == "vt_notifications"]
    assert [f.part for f in facts] == ["first:in_time"]
