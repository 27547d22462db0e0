"""Feedback to the police: acute unsafety counts as the protocol's feedback, dated by the step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import protocol_check
from ketenzicht.workprocesses.models import Alert
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import BART, ILSE, take_in

pytestmark = pytest.mark.django_db


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
    take_in("PL0600-FB-9", BART, ILSE, registered_at=(timezone.now() - timedelta(days=20)).isoformat())
    notification = Notification.objects.select_related("police_case", "case").get()
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
