"""The police case that handed a registration over is told when Veilig Thuis reopens its notification or
forwards it to the Veilig Thuis of another region: one line in its history (open or closed, in the
installation's language, whatever language the page that did it was in), and while it is open one alert to
its owner or, with none, the role that works its unit's queue, as the feedback gets. Nothing is told twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from ketenzicht.organisations.models import Organisation
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import notification_forward, protocol_check, sync_notification
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent
from ketenzicht.workprocesses.services import case_assign_owner, case_reopen, case_take
from tests.patterns.helpers import BART, ILSE, take_in

pytestmark = pytest.mark.django_db

REOPENED = "notification of Veilig Thuis reopened"
FORWARDED = "notification of Veilig Thuis forwarded"


def _notified(reference: str, days_ago: int = 0) -> tuple[Notification, Case]:
    received = timezone.now() - timedelta(days=days_ago)
    take_in(reference, BART, ILSE, registered_at=received.isoformat(timespec="seconds"))
    notification = Notification.objects.select_related("police_case", "case", "organisation").get()
    assert notification.police_case is not None
    return notification, notification.police_case


def _lines(police_case: Case, what: str) -> list[CaseEvent]:
    return list(police_case.events.filter(detail__what=what).order_by("id"))


def _end(notification: Notification, assessor: Any) -> None:
    notification.case.refresh_from_db()
    case_take(
        notification.case, "end_involvement", actor=assessor, expected_version=None,
        values={"unsafety": "none"}, reason="Geen zorgen.",
    )  # fmt: skip


def test_a_reopened_notification_is_told_to_the_police_case_once(make_user: Callable[..., Any]) -> None:
    notification, police_case = _notified("PL0600-PT-1")
    where = notification.organisation.code
    assessor, lead = make_user("vt_assessor", organisation=where), make_user("team_lead", organisation=where)
    screener = make_user("case_screener")
    _end(notification, assessor)
    # Reopened from a page in English: the police case's line is a record, in the installation's language.
    with translation.override("en"):
        case_reopen(
            notification.case, actor=lead, reason="Nieuwe zorgen van de melder.", expected_version=None
        )
    [line] = _lines(police_case, REOPENED)
    reference = notification.case.reference
    assert line.reason == (
        f"{notification.organisation.name} heropende melding {reference}: haar veiligheidsbeoordeling gaat "
        "verder, en wat verandert wordt teruggekoppeld."
    )
    assert line.actor == lead and line.detail["notification"] == reference
    assert "Nieuwe zorgen" not in line.reason  # Veilig Thuis's own reason stays with Veilig Thuis
    [alert] = alert_list_for_user(user=screener).filter(kind="vt_reopened")  # nobody owns the police case
    assert (alert.case, alert.role, alert.params["for_owner"]) == (police_case, "case_screener", True)
    assert alert_text(alert) == (
        f"Zaak {police_case.reference}: {notification.organisation.name} heropende melding {reference}."
    )
    # Another change of the notification's case, the same change seen again: nothing told twice.
    case_assign_owner(notification.case, owner=assessor, actor=assessor, expected_version=None)
    notification.case.refresh_from_db()
    sync_notification(None, case=notification.case)
    assert len(_lines(police_case, REOPENED)) == 1
    assert Alert.objects.filter(kind="vt_reopened").count() == 1
    # Whoever takes the police case on gets the alert, as the feedback's; its page's history shows the line.
    case_assign_owner(police_case, owner=screener, actor=screener, expected_version=None)
    alert.refresh_from_db()
    assert alert.recipient == screener
    client = Client()
    client.force_login(screener)
    page = client.get(f"/zaken/{police_case.pk}/").content.decode()
    [row] = [r for r in page.split('data-testid="history-row"') if "Melding bij Veilig Thuis heropend" in r]
    assert line.reason in row
    # Closed and reopened again: that is news again, told once more.
    _end(notification, assessor)
    case_reopen(notification.case, actor=lead, reason="Toch weer zorgen.", expected_version=None)
    assert len(_lines(police_case, REOPENED)) == 2
    assert [a.recipient for a in Alert.objects.filter(kind="vt_reopened").order_by("id")] == [screener] * 2


def test_a_notification_forwarded_to_another_region_is_told_to_the_police_case_once(
    make_user: Callable[..., Any],
) -> None:
    notification, police_case = _notified("PL0600-PT-2", days_ago=20)
    protocol_check()  # no feedback within the term: the police case's queue is alerted
    assert Alert.objects.filter(kind="vt_no_feedback", read_at__isnull=True).count() == 1
    owner = make_user("case_owner")
    case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None)
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    to = Organisation.objects.get(code="vt-amsterdam-amstelland")
    with translation.override("en"):
        forwarded = notification_forward(notification, to=to, actor=assessor, reason="Slachtoffer verhuisd.")
    [line] = _lines(police_case, FORWARDED)
    assert line.reason == (
        f"{notification.organisation.name} stuurde melding {notification.case.reference} door naar {to.name} "
        f"(melding {forwarded.case.reference}): de terugkoppeling komt vandaar."
    )
    assert line.actor == assessor and "verhuisd" not in line.reason
    assert line.detail["alerts_settled"] == 1  # the feedback comes from the new notification now
    assert not Alert.objects.filter(kind="vt_no_feedback", read_at__isnull=True).exists()
    [alert] = alert_list_for_user(user=owner).filter(kind="vt_forwarded")
    assert alert.recipient == owner and to.name in alert_text(alert)
    assert forwarded.case.reference in alert_text(alert)
    # Seen again, nothing is told twice; nothing of the feedback was told for the forward.
    notification.refresh_from_db()
    sync_notification(None, case=notification.case)
    assert len(_lines(police_case, FORWARDED)) == 1
    assert Alert.objects.filter(case=police_case).exclude(kind="vt_no_feedback").count() == 1
    assert not _lines(police_case, "feedback from Veilig Thuis")


def test_a_closed_police_case_is_told_in_its_history_and_alerts_nobody(make_user: Callable[..., Any]) -> None:
    notification, police_case = _notified("PL0600-PT-3")
    screener = make_user("case_screener")
    case_take(police_case, "no_further_action", actor=screener, expected_version=None, reason="Geen feit.")
    where = notification.organisation.code
    assessor, lead = make_user("vt_assessor", organisation=where), make_user("team_lead", organisation=where)
    _end(notification, assessor)
    case_reopen(notification.case, actor=lead, reason="Nieuwe zorgen.", expected_version=None)
    to = Organisation.objects.get(code="vt-amsterdam-amstelland")
    notification.case.refresh_from_db()
    notification_forward(notification, to=to, actor=assessor, reason="Slachtoffer verhuisd.")
    assert len(_lines(police_case, REOPENED)) == len(_lines(police_case, FORWARDED)) == 1
    assert not Alert.objects.filter(case=police_case).exists()
    police_case.refresh_from_db()
    assert police_case.closed_at is not None
