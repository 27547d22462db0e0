"""The Veilig Thuis desk end to end below the pages: routing from intake, the radar, the safety assessment
feeding back to the police case, the chain protocol's alerts, forwarding, and the escalation ladder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.intake.pipeline import IntakeForbidden, intake_registration
from ketenzicht.organisations.models import Organisation
from ketenzicht.registrations.selectors import registration_list_for_user
from ketenzicht.veiligthuis.models import Notification, Origin
from ketenzicht.veiligthuis.services import notification_forward, notification_from_handoff, protocol_check
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Alert, Handoff
from ketenzicht.workprocesses.services import case_assign_owner, case_take, deadlines_check
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

NEIGHBOUR = {"given_names": "Kees", "surname": "Jansen", "birth_date": "1970-02-02", "sex": "M"}
# Marco's new partner: another pair with him, so another notification.
SANNE = {"given_names": "Sanne", "surname": "Bakker", "birth_date": "1992-11-11", "sex": "F"}


def _recent(days: int = 0) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def test_an_ex_partner_threat_is_notified_to_the_victims_veilig_thuis_and_nothing_else_is(
    make_user: Callable[..., Any],
) -> None:
    registration = take_in("PL0600-VT-1", MARCO, LOTTE, registered_at=_recent(1))
    take_in("PL0600-VT-2", MARCO, NEIGHBOUR, registered_at=_recent(1), relation="neighbour")
    notification = Notification.objects.select_related("organisation", "police_case").get()
    assert notification.registration == registration
    assert notification.organisation.code == "vt-brabant-noordoost"  # 's-Hertogenbosch
    assert (notification.origin, notification.reasons) == (Origin.ROUTING, ["domestic_relation"])
    assert notification.radar_class == "first"
    assert notification.received_at == registration.registered_at
    assert (
        notification.police_case is not None and notification.police_case.organisation.code == "oost-brabant"
    )
    assert notification.feedback_due_at is not None and notification.assessment_due_at is not None
    # Veilig Thuis sees the notified registration, not the neighbours' quarrel.
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    assert {r.reference for r in registration_list_for_user(user=assessor)} == {registration.reference}
    assert not registration_list_for_user(
        user=make_user("vt_assessor", organisation="vt-amsterdam-amstelland")
    )


def test_the_victims_address_decides_the_region() -> None:
    address: dict[str, str] = {**LOTTE["address"], "municipality": "GM0855"}  # type: ignore[dict-item]
    tilburg = {**LOTTE, "address": address}
    take_in("PL0600-VT-3", MARCO, tilburg, registered_at=_recent(1))
    notification = Notification.objects.select_related("organisation", "municipality").get()
    assert notification.organisation.code == "vt-midden-en-west-brabant"  # not where it happened
    assert notification.municipality is not None and notification.municipality.code == "GM0855"


def test_a_second_notification_while_the_first_is_assessed_is_during_involvement_then_a_renotification(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-4", MARCO, LOTTE, registered_at=_recent(10))
    take_in("PL0600-VT-5", MARCO, SANNE, registered_at=_recent(5))  # another pair: its own notification
    first, second = Notification.objects.order_by("received_at")
    assert second.radar_class == "during_assessment"
    marco = set(first.case.persons.values_list("pk", flat=True)) & set(
        second.case.persons.values_list("pk", flat=True)
    )
    assert second.radar["involved_in"] == first.case_id and second.radar["known"] == sorted(marco)
    assert len(marco) == 1
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    case_take(
        first.case,
        "end_involvement",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "none"},
        reason="geen zorgen",
    )
    take_in("PL0600-VT-6", MARCO, LOTTE, registered_at=_recent(0))
    third = Notification.objects.order_by("received_at").last()
    assert third is not None and third.radar_class == "during_assessment"  # the second is still open
    case_take(
        second.case,
        "end_involvement",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "none"},
        reason="geen zorgen",
    )
    from ketenzicht.veiligthuis.services import radar_rebuild

    radar_rebuild()
    third.refresh_from_db()
    assert third.radar_class == "during_assessment"  # as of its receipt the second was still assessed


def test_acute_unsafety_alerts_the_police_case_owner_and_the_outcome_flows_back(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-7", MARCO, LOTTE, registered_at=_recent(0))
    notification = Notification.objects.select_related("police_case", "case").get()
    police_case = notification.police_case
    assert police_case is not None
    owner = make_user("case_owner", organisation="oost-brabant")
    case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None)
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    case_take(
        notification.case,
        "declare_acute",
        actor=assessor,
        expected_version=None,
        values={"acute_actions": "Slachtoffer naar de opvang"},
    )
    alert = alert_list_for_user(user=owner).get()
    assert alert.kind == "vt_acute" and alert.case == police_case
    assert notification.case.reference in alert_text(alert) and "acute" in alert_text(alert)
    assert not alert_list_for_user(user=make_user("case_owner", organisation="zeeland-west-brabant"))
    notification.refresh_from_db()
    assert notification.unsafety == "acute" and notification.assessed_at is not None
    conditions = {"unsafety": "structural", "safety_conditions": "geen contact met het slachtoffer"}
    with pytest.raises(Refused) as refused:  # the acute unsafety found is not lowered without a word
        case_take(
            notification.case, "agree_conditions", actor=assessor, expected_version=None, values=conditions
        )
    assert (refused.value.code, refused.value.detail) == ("lowered", "unsafety")
    case_take(
        notification.case,
        "agree_conditions",
        actor=assessor,
        expected_version=None,
        values=conditions,
        reason="zij verblijft veilig bij haar zus",
    )
    notification.refresh_from_db()
    assert notification.outcome == "conditions" and notification.feedback_at is not None
    lines = list(police_case.events.filter(kind="recorded").values_list("reason", flat=True))
    assert any("Acute onveiligheid" in line for line in lines)
    assert any("Voorwaarden en vervolg" in line and "geen contact" in line for line in lines)
    client = Client()
    client.force_login(owner)
    page = client.get(f"/zaken/{police_case.pk}/").content.decode()
    assert 'data-testid="vt-feedback"' in page and "Voorwaarden en vervolg" in page
    assert 'data-testid="case-alert-vt_acute"' in page
    # The assessor's own page shows the radar panel; the police owner's does not get it.
    assert 'data-testid="vt-panel"' not in page
    vt = Client()
    vt.force_login(assessor)
    assert 'data-testid="vt-panel"' in vt.get(f"/zaken/{notification.case_id}/").content.decode()


def test_no_feedback_in_the_protocols_term_alerts_the_police_owner_once(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-8", MARCO, LOTTE, registered_at=_recent(0))
    notification = Notification.objects.select_related("police_case").get()
    police_case = notification.police_case
    assert notification.feedback_due_at is not None and police_case is not None
    owner = make_user("case_owner")
    case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None)
    assert protocol_check(now=notification.feedback_due_at - timedelta(minutes=1)) == []
    assert len(protocol_check(now=notification.feedback_due_at + timedelta(minutes=1))) == 1
    assert protocol_check(now=notification.feedback_due_at + timedelta(days=3)) == []
    alert = Alert.objects.get(kind="vt_no_feedback")
    assert (alert.recipient, alert.case, alert.organisation.code) == (owner, police_case, "oost-brabant")


def test_no_feedback_for_a_police_case_nobody_owns_goes_to_the_units_queue_as_other_feedback(
    make_user: Callable[..., Any],
) -> None:
    """With nobody owning the police case, the "no feedback" alert went to the case owners' role while the
    feedback, acute unsafety and the rest of Veilig Thuis's alerts went to the role that works the unit's
    queue (the screeners), who take unowned cases on: now it goes there too."""
    take_in("PL0600-VT-11", MARCO, LOTTE, registered_at=_recent(0))
    notification = Notification.objects.select_related("police_case").get()
    assert notification.feedback_due_at is not None and notification.police_case is not None
    assert notification.police_case.owner is None
    screener, owner = make_user("case_screener"), make_user("case_owner")
    protocol_check(now=notification.feedback_due_at + timedelta(minutes=1))
    alert = Alert.objects.get(kind="vt_no_feedback")
    assert (alert.recipient, alert.role, alert.organisation.code) == (None, "case_screener", "oost-brabant")
    assert [a.pk for a in alert_list_for_user(user=screener).filter(kind="vt_no_feedback")] == [alert.pk]
    assert not alert_list_for_user(user=owner).filter(kind="vt_no_feedback").exists()


def test_an_alert_for_the_owner_of_a_case_nobody_owned_goes_to_whoever_takes_the_case_on(
    make_user: Callable[..., Any],
) -> None:
    # The walk: the "no feedback" alert went to a role while nobody owned the police case; the one who then
    # took the case never saw it, and everyone of that role in the unit still did.
    take_in("PL0600-VT-10", MARCO, LOTTE, registered_at=_recent(0))
    notification = Notification.objects.get()
    other_screener, owner = make_user("case_screener"), make_user("case_owner")
    assert notification.feedback_due_at is not None and notification.police_case is not None
    protocol_check(now=notification.feedback_due_at + timedelta(minutes=1))
    assert alert_list_for_user(user=other_screener).filter(kind="vt_no_feedback").count() == 1
    case_assign_owner(notification.police_case, owner=owner, actor=owner, expected_version=None)
    [alert] = alert_list_for_user(user=owner).filter(kind="vt_no_feedback")
    assert alert.recipient == owner and alert.case == notification.police_case
    assert not alert_list_for_user(user=other_screener).exists()


def test_forwarding_moves_the_notification_and_its_sight(make_user: Callable[..., Any]) -> None:
    registration = take_in("PL0600-VT-9", MARCO, LOTTE, registered_at=_recent(0))
    notification = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    there = make_user("vt_assessor", organisation="vt-amsterdam-amstelland")
    forwarded = notification_forward(
        notification,
        to=Organisation.objects.get(code="vt-amsterdam-amstelland"),
        actor=assessor,
        reason="slachtoffer woont in Amsterdam",
    )
    notification.refresh_from_db()
    assert not notification.open and notification.outcome == "forwarded"
    assert forwarded.forwarded_from == notification and forwarded.origin == Origin.FORWARDED
    assert registration.pk not in {r.pk for r in registration_list_for_user(user=assessor)}
    assert registration.pk in {r.pk for r in registration_list_for_user(user=there)}
    assert AccessLogEntry.objects.filter(action="forward", object_type="vt_notification").exists()


def test_the_police_cases_handoff_joins_the_open_notification_and_is_taken_with_it(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-10", MARCO, LOTTE, registered_at=_recent(0))
    notification = Notification.objects.select_related("police_case").get()
    assert notification.police_case is not None
    screener = make_user("case_screener", organisation="oost-brabant")
    handoff = Handoff.objects.create(
        case=notification.police_case,
        kind="veilig_thuis",
        transition="notify_vt",
        created_at=timezone.now(),
        created_by=screener,
        detail={"reason": "veiligheidsplan gemaakt"},
    )
    joined = notification_from_handoff(handoff, actor=screener)
    assert joined is not None and joined.pk == notification.pk and Notification.objects.count() == 1
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    case_assign_owner(notification.case, owner=assessor, actor=assessor, expected_version=None)
    case_take(
        notification.case,
        "start_investigation",
        actor=assessor,
        expected_version=None,
        values={"unsafety": "structural"},
    )
    handoff.refresh_from_db()
    assert handoff.taken_at is not None


def test_rising_risk_during_involvement_alerts_the_assessors_but_an_old_registration_does_not(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-11", MARCO, LOTTE, registered_at=_recent(3))
    take_in("PL0600-VT-12", MARCO, LOTTE, registered_at=_recent(400), offences=["300"])  # history
    assert not Alert.objects.filter(kind="vt_rising_risk").exists()
    take_in("PL0600-VT-13", MARCO, LOTTE, registered_at=_recent(0), offences=["300"])
    alerts = list(Alert.objects.filter(kind="vt_rising_risk"))
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    assert alerts and set(alerts) <= set(alert_list_for_user(user=assessor))  # one per open notification
    assert all("300" in alert_text(alert) for alert in alerts)


def test_an_overdue_assessment_goes_to_the_team_lead_then_to_the_chain_contact(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-14", MARCO, LOTTE, registered_at=_recent(0))
    case = Notification.objects.get().case
    assert case.deadline_at is not None
    deadlines_check(now=case.deadline_at + timedelta(minutes=1))
    lead = make_user("team_lead", organisation="vt-brabant-noordoost")
    chain = make_user("chain_contact", organisation="vt-brabant-noordoost")
    assert [a.kind for a in alert_list_for_user(user=lead)] == ["escalated"]
    assert not alert_list_for_user(user=chain)
    case.refresh_from_db()
    assert case.escalate_again_to == "chain_contact" and case.escalate_again_at is not None
    deadlines_check(now=case.escalate_again_at + timedelta(minutes=1))
    assert [a.kind for a in alert_list_for_user(user=chain)] == ["escalated"]
    assert "Ketencontactpersoon" in alert_text(alert_list_for_user(user=chain).get())


def test_veilig_thuis_reports_to_the_police_in_its_own_region_only(make_user: Callable[..., Any]) -> None:
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")

    def report(municipality: str) -> Any:
        data = exchange_registration(
            source="veilig_thuis",
            reference=in_numbering("VT-R-1", source="veilig_thuis", unit=None, municipality=municipality),
            kind="melding",
            municipality=municipality,
            unit=None,
        )
        del data["unit"]
        return intake_registration(actor=assessor, data=data, channel="form")

    assert report("GM0796").registration.source == "veilig_thuis"
    with pytest.raises(IntakeForbidden) as refused:
        report("GM0363")  # Amsterdam
    error = refused.value.errors[0]
    assert error.field == "municipality"
    # The organisation by its name, never its internal code.
    assert "Veilig Thuis Brabant Noordoost" in error.reason and "vt-brabant-noordoost" not in error.reason


def test_the_commands_route_what_is_not_notified_yet_and_check_the_protocol() -> None:
    from io import StringIO

    from django.core.management import call_command

    take_in("PL0600-VT-15", MARCO, LOTTE, registered_at=_recent(30))
    Notification.objects.all().delete()  # as if taken in before the desk (no history rows to keep)
    out = StringIO()
    call_command("veiligthuis_rebuild", "--radar", stdout=out)
    assert "1 notification(s) opened" in out.getvalue()
    again = StringIO()
    call_command("veiligthuis_rebuild", stdout=again)
    assert "0 notification(s) opened" in again.getvalue()
    checked = StringIO()
    call_command("veiligthuis_protocol_check", stdout=checked)
    assert "1 notification(s) without feedback in time" in checked.getvalue()


def test_the_chain_contact_follows_but_does_not_own_a_notification(make_user: Callable[..., Any]) -> None:
    take_in("PL0600-VT-16", MARCO, LOTTE, registered_at=_recent(0))
    case = Notification.objects.get().case
    chain = make_user("chain_contact", organisation="vt-brabant-noordoost")
    client = Client()
    client.force_login(chain)
    assert client.post(f"/veiligthuis/{case.pk}/nemen/").status_code == 302
    case.refresh_from_db()
    assert case.owner is None
    with pytest.raises(Refused):
        case_assign_owner(case, owner=chain, actor=chain, expected_version=None)


def test_acute_unsafety_is_still_the_assessment_and_a_forwarded_one_is_not_history(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VT-17", MARCO, LOTTE, registered_at=_recent(3))
    first = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    case_take(first.case, "declare_acute", actor=assessor, expected_version=None,
              values={"acute_actions": "opvang"})  # fmt: skip
    take_in("PL0600-VT-18", MARCO, SANNE, registered_at=_recent(1))
    second = Notification.objects.order_by("received_at").last()
    assert second is not None and second.radar_class == "during_assessment"
    notification_forward(
        second, to=Organisation.objects.get(code="vt-amsterdam-amstelland"), actor=assessor, reason="verhuisd"
    )
    forwarded = Notification.objects.get(organisation__code="vt-amsterdam-amstelland")
    assert forwarded.radar_class == "first"  # Amsterdam never had them
    case_take(first.case, "request_child_protection", actor=assessor, expected_version=None,
              values={"unsafety": "acute"}, reason="in de opvang")  # fmt: skip
    take_in("PL0600-VT-19", MARCO, LOTTE, registered_at=_recent(0))
    third = (
        Notification.objects.filter(organisation__code="vt-brabant-noordoost").order_by("received_at").last()
    )
    assert third is not None and third.radar_class == "re_several"
    assert third.radar["earlier"] == [first.case_id]  # not the one forwarded away


def test_the_terms_are_settings_in_working_or_calendar_days() -> None:
    from django.test import override_settings

    from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM

    friday = "2026-03-06T10:00:00+01:00"
    take_in("PL0600-VT-20", MARCO, LOTTE, registered_at=friday)
    working = Notification.objects.get()
    assert working.assessment_due_at is not None
    assert (
        working.assessment_due_at.astimezone(AMSTERDAM).isoformat() == "2026-03-14T00:00:00+01:00"
    )  # Fri 13
    with override_settings(
        WORK_PROCESS_DEADLINES={"vt_assessment": {"amount": 5, "unit": "calendar_days"}},
        VT_PROTOCOL_TERMS={"vt_feedback": {"amount": 10, "unit": "working_days"}},
    ):
        take_in("PL0600-VT-21", SANNE, LOTTE, registered_at=friday)
    calendar = Notification.objects.exclude(pk=working.pk).get()
    assert calendar.assessment_due_at is not None and calendar.feedback_due_at is not None
    assert (
        calendar.assessment_due_at.astimezone(AMSTERDAM).isoformat() == "2026-03-12T00:00:00+01:00"
    )  # Wed 11
    assert calendar.feedback_due_at.astimezone(AMSTERDAM).isoformat() == "2026-03-21T00:00:00+01:00"  # Fri 20
