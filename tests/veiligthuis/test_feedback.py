"""Feedback to the police: acute unsafety counts as the protocol's feedback, dated by the step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import protocol_check
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
