"""Feedback to the police: acute unsafety counts as the protocol's feedback, dated by the step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import protocol_check
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.models import Alert, Case
from ketenzicht.workprocesses.services import case_assign_owner, case_take
from tests.patterns.helpers import BART, ILSE, take_in

pytestmark = pytest.mark.django_db


def _taken_in(reference: str, registered_at: str) -> Notification:
    """Bart towards Ilse taken in: the Veilig Thuis notification it opened, the only one."""
    take_in(reference, BART, ILSE, registered_at=registered_at)
    return Notification.objects.select_related("police_case", "case").get()


def _close(make_user: Callable[..., Any], police_case: Case) -> None:
    """A screener closes the police case meanwhile: no further action."""
    screener = make_user("case_screener")
    case_take(
        police_case, "no_further_action", actor=screener, expected_version=None, reason="Geen strafbaar feit."
    )


def _declare_acute(make_user: Callable[..., Any], notification: Notification) -> None:
    """An assessor of the notification's Veilig Thuis declares acute unsafety."""
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    case_take(
        notification.case, "declare_acute", actor=assessor, expected_version=None,
        values={"acute_actions": "Slachtoffer naar de opvang"},
    )  # fmt: skip


def test_acute_unsafety_is_feedback_dated_by_its_step(make_user) -> None:  # type: ignore[no-untyped-def]
    received = timezone.now() - timedelta(days=20)
    registration = take_in(
        "PL0600-VTF-1",
        BART,
        ILSE,
        registered_at=received.isoformat(timespec="seconds"),
        municipality="GM0796",
    )
    notification = Notification.objects.get(registration=registration)
    assert notification.police_case is not None and notification.feedback_due_at is not None
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    stepped = notification.received_at + timedelta(hours=3)
    case_take(
        notification.case,
        "declare_acute",
        actor=assessor,
        expected_version=None,
        values={"acute_actions": "Veiligheidsplan opgesteld."},
        at=stepped,
    )
    notification.refresh_from_db()
    assert notification.unsafety == "acute" and notification.outcome == ""
    assert notification.assessed_at == notification.feedback_at == stepped
    assert protocol_check() == []  # fed back in time: no "no feedback" alert


def test_feedback_settles_the_alert_that_it_did_not_come(make_user) -> None:  # type: ignore[no-untyped-def]
    """The police case owner's alert that no feedback came within the protocol's term asks nothing any more
    once it comes: settled by the system, and the feedback's line in the police case's history says so."""
    notification = _taken_in("PL0600-FB-9", (timezone.now() - timedelta(days=20)).isoformat())
    protocol_check()
    alert = Alert.objects.get(kind="vt_no_feedback")
    assert alert.read_at is None
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    case_take(
        notification.case, "start_investigation", actor=assessor, expected_version=None,
        values={"unsafety": "structural"},
    )  # fmt: skip
    alert.refresh_from_db()
    assert alert.read_at is not None and alert.read_by is None
    assert notification.police_case is not None
    line = notification.police_case.events.get(detail__what="feedback from Veilig Thuis")
    assert line.detail["alerts_settled"] == 1


def test_feedback_that_is_not_acute_alerts_the_police_queue_once_and_follows_whoever_takes_the_case(
    make_user: Callable[..., Any],
) -> None:
    """The walk: after "Voorwaarden en vervolg afspreken" on a notification whose police case had no owner,
    the case's panel showed the feedback, but no screener, team lead or case owner was alerted."""
    notification = _taken_in("PL0600-FB-10", timezone.now().isoformat())
    police_case = notification.police_case
    assert police_case is not None and police_case.owner is None
    screener, owner = make_user("case_screener"), make_user("case_owner")
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    case_take(
        notification.case, "agree_conditions", actor=assessor, expected_version=None,
        values={"unsafety": "structural", "safety_conditions": "Geen contact met Ilse."},
    )  # fmt: skip
    [alert] = alert_list_for_user(user=screener)  # the role that works the unit's queue
    assert (alert.kind, alert.case, alert.role, alert.organisation) == (
        "vt_feedback", police_case, "case_screener", police_case.organisation,
    )  # fmt: skip
    assert alert.params["notification"] == notification.case.reference
    text = alert_text(alert)
    assert notification.case.reference in text and police_case.reference in text
    assert "Structurele onveiligheid" in text and "Geen contact met Ilse" in text
    assert text.startswith(f"Zaak {police_case.reference}: terugkoppeling van ")
    assert not alert_list_for_user(user=owner).exists()
    assert not alert_list_for_user(user=make_user("case_screener", organisation="zeeland-west-brabant"))
    # Once per step: ending the monitoring later is fed back as its own feedback, naming what changed.
    case_take(
        notification.case, "end_involvement", actor=assessor, expected_version=None,
        values={"unsafety": "structural"}, reason="afspraken nagekomen",
    )  # fmt: skip
    first, ended = Alert.objects.filter(kind="vt_feedback").order_by("id")
    assert first == alert and ended.role == "case_screener"
    assert "Uitkomst gewijzigd van Voorwaarden en vervolg naar Einde betrokkenheid" in alert_text(ended)
    # Whoever takes the police case on gets them.
    case_assign_owner(police_case, owner=screener, actor=screener, expected_version=None)
    alert.refresh_from_db()
    ended.refresh_from_db()
    assert alert.recipient == ended.recipient == screener


def test_feedback_alerts_the_police_case_owner_and_acute_unsafety_alerts_only_as_acute(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-FB-11", BART, ILSE, registered_at=timezone.now().isoformat())
    take_in("PL0600-FB-12", BART, {**ILSE, "given_names": "Ilona"}, registered_at=timezone.now().isoformat())
    first, second = Notification.objects.select_related("police_case", "case").order_by("case_id")
    assert first.police_case is not None and second.police_case is not None
    owner = make_user("case_owner")
    for notification in (first, second):
        assert notification.police_case is not None
        case_assign_owner(notification.police_case, owner=owner, actor=owner, expected_version=None)
    assessor = make_user("vt_assessor", organisation=first.organisation.code)
    case_take(
        first.case,
        "start_investigation",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "complex"},
    )
    [alert] = alert_list_for_user(user=owner)
    assert (alert.kind, alert.recipient, alert.case) == ("vt_feedback", owner, first.police_case)
    case_take(
        second.case, "declare_acute", actor=assessor, expected_version=None,
        values={"acute_actions": "Slachtoffer naar de opvang"},
    )  # fmt: skip
    kinds = sorted(
        a.kind for a in alert_list_for_user(user=owner).filter(params__notification=second.case.reference)
    )
    assert kinds == ["vt_acute"]  # acute unsafety has its own alert, not a second one


def test_feedback_on_a_police_case_closed_meanwhile_alerts_nobody(make_user: Callable[..., Any]) -> None:
    """Nobody works a closed police case: the feedback stays on its panel, no queue is alerted."""
    notification = _taken_in("PL0600-FB-13", timezone.now().isoformat())
    assert notification.police_case is not None
    _close(make_user, notification.police_case)
    assessor = make_user("vt_assessor", organisation=notification.organisation.code)
    case_take(
        notification.case, "start_investigation", actor=assessor, expected_version=None,
        values={"unsafety": "complex"},
    )  # fmt: skip
    notification.refresh_from_db()
    assert notification.outcome == "investigation" and notification.feedback_at is not None
    assert not Alert.objects.filter(kind="vt_feedback").exists()


def test_acute_unsafety_without_a_police_case_owner_alerts_the_queue_and_follows_whoever_takes_it(
    make_user: Callable[..., Any],
) -> None:
    """The walk: acute unsafety on a notification whose police case had no owner alerted the unit's case
    owners, not the screeners who work the queue (as the other feedback does)."""
    notification = _taken_in("PL0600-FB-14", timezone.now().isoformat())
    police_case = notification.police_case
    assert police_case is not None and police_case.owner is None
    screener, owner = make_user("case_screener"), make_user("case_owner")
    _declare_acute(make_user, notification)
    [alert] = alert_list_for_user(user=screener)
    assert (alert.kind, alert.case, alert.role) == ("vt_acute", police_case, "case_screener")
    assert not alert_list_for_user(user=owner).exists()
    case_assign_owner(police_case, owner=screener, actor=screener, expected_version=None)
    alert.refresh_from_db()
    assert alert.recipient == screener


def test_acute_unsafety_on_a_police_case_closed_meanwhile_alerts_nobody(
    make_user: Callable[..., Any],
) -> None:
    """Nobody works a closed police case: the acute unsafety stays on its panel, nobody is alerted."""
    notification = _taken_in("PL0600-FB-15", timezone.now().isoformat())
    assert notification.police_case is not None
    _close(make_user, notification.police_case)
    _declare_acute(make_user, notification)
    notification.refresh_from_db()
    assert notification.unsafety == "acute" and notification.feedback_at is not None
    assert not Alert.objects.filter(kind="vt_acute").exists()
