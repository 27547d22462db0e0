"""One notification per suspect-victim pair while Veilig Thuis works it: a later police registration about
the pair of an open notification joins it (as a police hand-off does), or takes it over past its term and
grace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.insights.facts import facts_between
from ketenzicht.organisations.models import Organisation
from ketenzicht.registrations.models import Disclosure
from ketenzicht.registrations.selectors import registration_list_for_user
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.selectors import feedback_for_police_case, notifications_about
from ketenzicht.veiligthuis.services import (
    DISCLOSURE_PURPOSE,
    notification_forward,
    notification_from_handoff,
)
from ketenzicht.workprocesses.models import Alert, EventKind, Handoff
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

VT = "vt-brabant-noordoost"


def test_later_registrations_of_the_pair_join_its_open_notification_and_the_handoff_too(
    make_user: Callable[..., Any],
) -> None:
    """The walk: two reports about the same ex-partner pair on one day and a breach later gave Veilig Thuis
    three notifications, three lines on the police case's panel, the hand-off added to one of them, and
    two "not assessed yet" on the ZSM file."""
    now = timezone.now()
    first = take_in("PL0600-J-1", MARCO, LOTTE, registered_at=(now - timedelta(hours=5)).isoformat())
    second = take_in("PL0600-J-2", MARCO, LOTTE, registered_at=(now - timedelta(hours=4)).isoformat())
    notification = Notification.objects.select_related("case", "police_case").get()
    assert notification.registration == first and notification.organisation.code == VT
    assert notification.news  # new information from the police: first in the inbox
    assessor = make_user("vt_assessor", organisation=VT)
    breach = take_in(
        "PL0600-J-3",
        MARCO,
        LOTTE,
        registered_at=now.isoformat(),
        kind="overtreding_maatregel",
        offences=["184a"],
    )
    assert Notification.objects.count() == 1
    case = notification.case
    assert set(case.registrations.values_list("pk", flat=True)) == {first.pk, second.pk, breach.pk}
    # Veilig Thuis sees the registrations that joined it, disclosed for this notification.
    assert set(
        Disclosure.objects.filter(organisation__code=VT, purpose=DISCLOSURE_PURPOSE).values_list(
            "registration_id", "reference"
        )
    ) == {(first.pk, case.reference), (second.pk, case.reference), (breach.pk, case.reference)}
    assert {r.pk for r in registration_list_for_user(user=assessor)} == {first.pk, second.pk, breach.pk}
    # Its history says so, one line per registration.
    lines = list(case.events.filter(kind=EventKind.REGISTRATION).order_by("at", "id"))
    assert [line.detail["registrations"] for line in lines] == [[second.pk], [breach.pk]]
    note = lines[1].detail["desk_note"]  # in the installation's language
    assert (
        note.startswith(f"Nieuwe registratie {breach.reference} van de politie van ") and "toegevoegd" in note
    )
    page = Client()
    page.force_login(assessor)
    html = page.get(f"/zaken/{case.pk}/").content.decode()
    assert lines[0].detail["desk_note"] in html
    # The breach is a rising risk: the assessors are alerted, as before.
    rising = Alert.objects.filter(kind="vt_rising_risk", case=case)
    assert any("overtreding_maatregel" in alert.params["why"] for alert in rising)
    # One line on the police case's panel, one for the ZSM table.
    police_case = notification.police_case
    assert police_case is not None
    assert feedback_for_police_case(police_case) == [notification]
    assert list(notifications_about(police_case.pk, [first.pk, second.pk, breach.pk])) == [notification]
    assert list(notifications_about(0, [breach.pk])) == [notification]  # a joined one counts as its own
    # "Melden bij Veilig Thuis" on the police case (its latest registration: the breach) joins it too.
    handoff = Handoff.objects.create(
        case=police_case,
        kind="veilig_thuis",
        transition="notify_vt",
        created_at=timezone.now(),
        created_by=make_user("case_screener", organisation="oost-brabant"),
        detail={},
    )
    joined = notification_from_handoff(handoff, actor=None)
    assert joined is not None and joined.pk == notification.pk and Notification.objects.count() == 1
    notification.refresh_from_db()
    assert len(notification.handovers) == 1
    # The figures count the pair's notification once: a joined registration is no notification of its own.
    assert [f.part for f in facts_between(now.date() - timedelta(days=1), now.date() + timedelta(days=1))
            if f.figure == "vt_notifications"] == ["first:waiting"]  # fmt: skip


def test_a_registration_of_the_pair_takes_over_a_notification_that_waited_past_its_term_and_grace() -> None:
    """As a hand-off does: the notification that waited without an assessment closes as taken over, and
    the new one carries its radar (the same persons' history) and a new term."""
    old_registration = take_in(
        "PL0600-J-4", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=14)).isoformat()
    )
    old = Notification.objects.select_related("case").get()
    new_registration = take_in("PL0600-J-5", MARCO, LOTTE, registered_at=timezone.now().isoformat())
    old.refresh_from_db()
    new = Notification.objects.get(registration=new_registration)
    assert old.registration == old_registration and not old.open and old.taken_over_by == new
    assert old.assessed_at is None  # its close is no assessment
    assert new.open and new.radar_class == old.radar_class == "first"
    assert new.case.events.filter(reason__contains=f"Neemt melding {old.case.reference} over").exists()
    assert Alert.objects.filter(kind="vt_handoff_takes_over", case=new.case).exists()


def test_an_import_of_history_is_notified_as_it_came() -> None:
    """What Veilig Thuis did with the pair's notification then is not in an import of history: each of its
    registrations is notified as it came (`protocol.join_recent_days`)."""
    long_ago = timezone.now() - timedelta(days=60)
    take_in("PL0600-J-6", MARCO, LOTTE, registered_at=long_ago.isoformat())
    take_in("PL0600-J-7", MARCO, LOTTE, registered_at=(long_ago + timedelta(hours=1)).isoformat())
    assert Notification.objects.count() == 2


def test_a_forwarded_notification_takes_the_registrations_that_joined_it_along(
    make_user: Callable[..., Any],
) -> None:
    """Forwarded to the right region, the notification takes the pair's registrations that joined it along:
    the organisation it leaves no longer sees any of them, the one it reaches sees them all."""
    now = timezone.now()
    first = take_in("PL0600-J-8", MARCO, LOTTE, registered_at=(now - timedelta(hours=2)).isoformat())
    second = take_in("PL0600-J-9", MARCO, LOTTE, registered_at=now.isoformat())
    notification = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation=VT)
    assert {r.pk for r in registration_list_for_user(user=assessor)} == {first.pk, second.pk}
    to = Organisation.objects.get(code="vt-amsterdam-amstelland")
    forwarded = notification_forward(notification, to=to, actor=assessor, reason="verhuisd")
    assert not registration_list_for_user(user=assessor).exists()
    there = make_user("vt_assessor", organisation=to.code)
    assert {r.pk for r in registration_list_for_user(user=there)} == {first.pk, second.pk}
    assert set(forwarded.case.registrations.values_list("pk", flat=True)) == {first.pk, second.pk}
