"""A closed safety assessment reopened by a Veilig Thuis team lead: the notification follows its case (open
again, in the inbox, with the new deadline); an outcome withdrawn with the close is fed back anew when the
next one is recorded; refused for a forwarded notification, and while the organisation has another open
notification of the same registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.veiligthuis.models import Notification, Origin
from ketenzicht.veiligthuis.selectors import inbox_for_user
from ketenzicht.veiligthuis.services import notification_forward, notification_open, registration_facts
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.services import case_reopen, case_take
from tests.patterns.helpers import BART, ILSE, take_in

pytestmark = pytest.mark.django_db


def _notified(reference: str) -> Notification:
    received = timezone.now() - timedelta(days=3)
    registration = take_in(reference, BART, ILSE, registered_at=received.isoformat(timespec="seconds"))
    return Notification.objects.select_related("case", "organisation").get(registration=registration)


def _end(notification: Notification, actor: Any) -> None:
    case_take(
        notification.case,
        "end_involvement",
        actor=actor,
        expected_version=None,
        values={"unsafety": "none"},
        reason="Geen zorgen over de veiligheid.",
    )


def test_a_reopened_notification_is_open_again_and_its_next_outcome_is_fed_back(
    make_user: Callable[..., Any],
) -> None:
    notification = _notified("PL0600-VTR-1")
    where = notification.organisation.code
    assessor, lead = make_user("vt_assessor", organisation=where), make_user("team_lead", organisation=where)
    police_case = notification.police_case
    assert police_case is not None
    _end(notification, assessor)
    notification.refresh_from_db()
    assert (notification.open, notification.outcome) == (False, "end") and notification.closed_at is not None
    fed_back = notification.feedback_at
    assert fed_back is not None and notification not in inbox_for_user(user=lead)

    case = case_reopen(
        notification.case, actor=lead, reason="Melder belde: nieuwe zorgen.", expected_version=None
    )
    notification.refresh_from_db()
    assert notification.open and notification.closed_at is None
    assert notification.deadline_at == case.deadline_at is not None and case.state == "received"
    # The outcome went with the close: none now; the protocol's feedback was given and stays given.
    assert (notification.outcome, notification.outcome_at, notification.feedback_at) == ("", None, fed_back)
    assert notification in inbox_for_user(user=lead)

    case_take(
        case,
        "agree_conditions",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "structural", "safety_conditions": "Geen contact met Ilse"},
    )
    notification.refresh_from_db()
    assert notification.outcome == "conditions" and notification.open
    told = police_case.events.filter(kind="recorded", detail__notification=case.reference)
    # The end, the reopen (test_police_told.py), then the conditions agreed after it.
    assert [line.detail["what"] for line in told.order_by("id")] == [
        "feedback from Veilig Thuis",
        "notification of Veilig Thuis reopened",
        "feedback from Veilig Thuis",
    ]
    last = told.order_by("id").last()
    assert last is not None and "Voorwaarden en vervolg" in last.reason


def test_a_forwarded_notification_is_not_reopened(make_user: Callable[..., Any]) -> None:
    notification = _notified("PL0600-VTR-2")
    where = notification.organisation.code
    assessor, lead = make_user("vt_assessor", organisation=where), make_user("team_lead", organisation=where)
    elsewhere = Organisation.objects.filter(kind="veilig_thuis").exclude(pk=notification.organisation_id)[0]
    notification_forward(notification, to=elsewhere, actor=assessor, reason="Slachtoffer is verhuisd.")
    with pytest.raises(Refused) as refused:
        case_reopen(notification.case, actor=lead, reason="Toch hier.", expected_version=None)
    assert (refused.value.code, refused.value.detail) == ("forwarded", elsewhere.name)
    notification.refresh_from_db()
    assert not notification.open and notification.case.closed_at is not None


def test_another_open_notification_of_the_registration_refuses_the_reopen(
    make_user: Callable[..., Any],
) -> None:
    """Once a notification closed, the police's hand-off of the same registration opens a new one: the
    organisation keeps one open notification per registration, so the old one is not reopened beside it."""
    notification = _notified("PL0600-VTR-3")
    where = notification.organisation.code
    assessor, lead = make_user("vt_assessor", organisation=where), make_user("team_lead", organisation=where)
    _end(notification, assessor)
    again = notification_open(
        facts=registration_facts([notification.registration_id])[notification.registration_id],
        organisation=notification.organisation,
        municipality=notification.municipality,
        origin=Origin.POLICE_CASE,
        actor=None,
        police_case=notification.police_case,
    )
    with pytest.raises(Refused) as refused:
        case_reopen(notification.case, actor=lead, reason="Hier verder.", expected_version=None)
    assert (refused.value.code, refused.value.detail) == ("open_case", again.case.reference)
    notification.refresh_from_db()
    assert not notification.open and again.open
