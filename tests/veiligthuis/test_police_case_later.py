"""A notification opened before any police case had its registration (so nothing could be fed back), whose
pair's police case joins it later: that police case is told what it was not told yet, once, the safety
assessment's unsafety, outcome and conditions as they stand, and after that only what changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.veiligthuis.models import Notification, Origin
from ketenzicht.veiligthuis.services import (
    notification_from_handoff,
    notification_open,
    registration_facts,
    sync_notification,
)
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent, Handoff
from ketenzicht.workprocesses.services import case_add_registrations, case_open, case_take
from tests.patterns.helpers import BART, ILSE, take_in

pytestmark = pytest.mark.django_db

VT = "vt-brabant-noordoost"
FEEDBACK_LINE = "feedback from Veilig Thuis"


def _lines(police_case: Case) -> list[CaseEvent]:
    return list(police_case.events.filter(detail__what=FEEDBACK_LINE).order_by("id"))


def _step(
    notification: Notification, actor: Any, transition: str, reason: str = "", at: Any = None, **values: str
) -> None:
    notification.case.refresh_from_db()
    case_take(
        notification.case, transition, actor=actor, expected_version=None, values=values, reason=reason, at=at
    )


def test_a_police_case_that_joins_later_is_told_what_it_was_not_told_yet(
    make_user: Callable[..., Any],
) -> None:
    now = timezone.now()
    # A threat without a relation written down: no police case, no routing reason. Veilig Thuis opens a
    # notification of it all the same (e.g. a neighbour's call): nobody at the police to tell.
    first = take_in(
        "PL0600-PL-1", BART, ILSE, registered_at=(now - timedelta(hours=5)).isoformat(), relation=None
    )
    assert not Case.objects.filter(registrations=first, organisation__kind="politie").exists()
    notification = notification_open(
        facts=registration_facts([first.pk])[first.pk],
        organisation=Organisation.objects.get(code=VT),
        municipality=None,
        origin=Origin.ROUTING,
        actor=None,
        at=now - timedelta(hours=5),
    )
    assert notification.police_case is None
    assessor = make_user("vt_assessor", organisation=VT)
    _step(
        notification, assessor, "agree_conditions", at=now - timedelta(hours=4),
        unsafety="structural", safety_conditions="Geen contact",
    )  # fmt: skip
    # The pair's ex-partner report: its police case joins the notification (one per pair while it is worked).
    second = take_in("PL0600-PL-2", BART, ILSE, registered_at=now.isoformat())
    notification.refresh_from_db()
    police_case = notification.police_case
    assert police_case is not None and police_case.registrations.filter(pk=second.pk).exists()
    assert Notification.objects.count() == 1
    # Told when it joined, once: the assessment as it stands, dated then (not when the step was taken, before
    # the police case had anything to do with it).
    [told] = _lines(police_case)
    assert told.reason.endswith(
        "Onveiligheid: Structurele onveiligheid; Uitkomst: Voorwaarden en vervolg; Veiligheidsvoorwaarden: "
        "Geen contact."
    )
    stepped = notification.case.events.get(transition="agree_conditions").at
    assert told.at == second.registered_at > stepped and told.actor == assessor
    [alert] = Alert.objects.filter(case=police_case, kind="vt_feedback")
    assert alert.created_at == told.at and alert.role == "case_screener"
    # The next step tells only what changed since.
    _step(notification, assessor, "end_involvement", reason="Afspraken nagekomen", unsafety="structural")
    told, ended = _lines(police_case)
    assert ended.reason.endswith(
        "Onveiligheid: Structurele onveiligheid; Uitkomst gewijzigd van Voorwaarden en vervolg naar Einde "
        "betrokkenheid."
    )
    assert Alert.objects.filter(case=police_case, kind="vt_feedback").count() == 2


def test_a_police_case_whose_handoff_joins_later_is_told_what_it_was_not_told_yet(
    make_user: Callable[..., Any],
) -> None:
    """The same through the screening desk's hand-off: a police case opened by hand on the registration, its
    "notify Veilig Thuis" joins the notification that had none."""
    now = timezone.now()
    first = take_in(
        "PL0600-PL-3", BART, ILSE, registered_at=(now - timedelta(hours=5)).isoformat(), relation=None
    )
    notification = notification_open(
        facts=registration_facts([first.pk])[first.pk],
        organisation=Organisation.objects.get(code=VT),
        municipality=None,
        origin=Origin.ROUTING,
        actor=None,
        at=now - timedelta(hours=5),
    )
    assessor = make_user("vt_assessor", organisation=VT)
    _step(
        notification, assessor, "declare_acute", at=now - timedelta(hours=4),
        acute_actions="Slachtoffer naar de opvang",
    )  # fmt: skip
    police_case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Op verzoek van de wijkagent",
        actor=None,
    )
    case_add_registrations(police_case, [first], actor=None)
    handoff = Handoff.objects.create(
        case=police_case,
        kind="veilig_thuis",
        transition="notify_vt",
        created_at=now,
        created_by=make_user("case_screener"),
        detail={},
    )
    joined = notification_from_handoff(handoff, actor=None)
    assert joined is not None and joined.pk == notification.pk and joined.police_case == police_case
    [told] = _lines(police_case)
    assert "Onveiligheid: Acute onveiligheid" in told.reason and told.at == now
    [alert] = Alert.objects.filter(case=police_case)
    assert (alert.kind, alert.created_at) == ("vt_acute", now)  # urgent, as it was never told
    # Seen again: nothing twice.
    notification.case.refresh_from_db()
    sync_notification(None, case=notification.case)
    assert len(_lines(police_case)) == 1 and Alert.objects.filter(case=police_case).count() == 1
