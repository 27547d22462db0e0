"""A colleague's absence recorded by a police or Veilig Thuis team lead, or by the colleague themselves
(decision 0019): the date window, who may record it for whom (another unit's member is 404, the refusal
logged once), the kernel's alerts that reach the team leads while a case owner is absent, and the screening
queue's filter and mark of cases whose owner is absent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import MemberAbsence, Organisation, PostKind
from ketenzicht.organisations.selectors import absences_on
from ketenzicht.organisations.services import member_absence_set, post_absence_set, post_assign
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.alerts import alert_for_case_owner, alert_list_for_user, alert_text
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Alert, Case
from ketenzicht.workprocesses.services import case_assign_owner
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

ANNA = {"given_names": "Anna", "surname": "de Boer", "birth_date": "1990-02-02"}
KEES = {"given_names": "Kees", "surname": "Smits", "birth_date": "1970-07-07"}
ON = date(2026, 12, 1)


def _named(user: Any, first: str, last: str) -> Any:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _two_cases() -> tuple[Case, Case]:
    take_in("PL0600-A-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    take_in("PL0600-A-2", KEES, ANNA, registered_at="2024-03-07T09:12:00+01:00", offences=["285b"])
    found = {s.victim_name.split()[0]: s.case for s in ScreeningCase.objects.select_related("case")}
    return found["Lotte"], found["Anna"]


def _own(case: Case, user: Any) -> Case:
    return case_assign_owner(case, owner=user, actor=user, expected_version=None)


# --- the record and its date window ---------------------------------------------------------------------


def test_an_absence_is_recorded_within_its_window_replaced_and_cleared(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    lead = make_user("team_lead")
    stored = member_absence_set(screener, absent_from=ON, absent_until=None, by=lead, today=ON)
    assert stored is not None and stored.organisation.code == "oost-brabant" and stored.recorded_by == lead
    # The same window as a post's absence: at most a year back and ahead, and no end before the start.
    for start, end, field in (
        (ON - timedelta(days=366), None, "absent_from"),
        (ON, ON + timedelta(days=366), "absent_until"),
        (ON + timedelta(days=366), None, "absent_from"),
        (ON, ON - timedelta(days=1), "absent_until"),
    ):
        with pytest.raises(ValueError, match=f"^{field}: "):
            member_absence_set(screener, absent_from=start, absent_until=end, by=lead, today=ON)
    assert MemberAbsence.objects.get().absent_until is None  # nothing half stored
    # One at a time: a new one replaces it; no start clears it.
    member_absence_set(screener, absent_from=ON, absent_until=ON + timedelta(days=3), by=screener, today=ON)
    assert MemberAbsence.objects.get().absent_until == ON + timedelta(days=3)
    assert member_absence_set(screener, absent_from=None, absent_until=None, by=lead) is None
    assert not MemberAbsence.objects.exists()


def test_absences_on_reads_a_member_s_absence_and_a_post_s_in_one_query(
    make_user: Callable[..., Any],
) -> None:
    screener, present = make_user("case_screener"), make_user("case_screener")
    member_absence_set(screener, absent_from=ON, absent_until=ON + timedelta(days=2), by=None, today=ON)
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    post = post_assign(
        organisation=Organisation.objects.get(code="om-oost-brabant"),
        user=prosecutor,
        kind=PostKind.DV_SUBSTITUTE,
    )
    post_absence_set(post, absent_from=ON - timedelta(days=1), absent_until=None, today=ON)
    with CaptureQueriesContext(connection) as queries:
        found = absences_on([screener, present, prosecutor], on=ON)
    assert len(queries) == 1
    assert set(found) == {screener.pk, prosecutor.pk}
    assert (found[screener.pk].starts, found[screener.pk].ends) == (ON, ON + timedelta(days=2))
    assert found[screener.pk].substitute is False and found[prosecutor.pk].substitute is True
    assert absences_on([screener], on=ON + timedelta(days=3)) == {}  # the day after its end


# --- the page: who records for whom ------------------------------------------------------------------------


def test_a_team_lead_records_a_colleague_s_absence_logged_and_a_hand_over_to_her_is_refused(
    make_user: Callable[..., Any],
) -> None:
    screener = _named(make_user("case_screener"), "Sanne", "Visser")
    lead = make_user("team_lead", "case_screener")
    page = signed_in(lead).get(reverse("workprocesses:absences"))
    assert page.status_code == 200 and "Afwezigheid van het team" in page.content.decode()
    assert "Sanne Visser" in page.content.decode()
    today = timezone.localdate()
    answer = signed_in(lead).post(
        reverse("workprocesses:absences"),
        {"member": screener.pk, "absent_from": str(today), "absent_until": ""},
        follow=True,
    )
    assert (
        answer.redirect_chain and "De afwezigheid van Sanne Visser is vastgelegd." in answer.content.decode()
    )
    assert "tot nader order" in answer.content.decode()
    entry = AccessLogEntry.objects.get(action="absence", object_type="user")
    assert (entry.actor, entry.object_id, entry.result) == (lead, str(screener.pk), "stored")
    assert entry.detail == {"user": screener.username, "from": str(today), "until": ""}
    # The kernel refuses a hand-over to her now.
    lotte, _anna = _two_cases()
    with pytest.raises(Refused) as refused:
        case_assign_owner(lotte, owner=screener, actor=lead, reason="verdeling", expected_version=None)
    assert refused.value.code == "absent"


def test_a_member_records_her_own_absence_but_not_a_colleague_s_nor_another_unit_s(
    make_user: Callable[..., Any],
) -> None:
    screener, colleague = make_user("case_screener"), make_user("case_owner")
    elsewhere = make_user("case_screener", organisation="zeeland-west-brabant")
    lead = make_user("team_lead")
    url = reverse("workprocesses:absences")
    soon = str(timezone.localdate() + timedelta(days=7))
    assert signed_in(screener).post(url, {"member": screener.pk, "absent_from": soon}).status_code == 302
    assert MemberAbsence.objects.get().user == screener
    # A colleague's, or another unit's member's (even for a team lead), is refused as missing: 404, once.
    for actor, member in ((screener, colleague), (lead, elsewhere), (lead, 999999)):
        before = AccessLogEntry.objects.filter(result="refused").count()
        pk = member if isinstance(member, int) else member.pk
        assert signed_in(actor).post(url, {"member": pk, "absent_from": soon}).status_code == 404
        assert AccessLogEntry.objects.filter(result="refused").count() == before + 1
    assert list(MemberAbsence.objects.values_list("user_id", flat=True)) == [screener.pk]
    # The member's page names her alone; a prosecutor records absences on the ZSM's posts instead.
    assert colleague.display_name not in signed_in(screener).get(url).content.decode()
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    assert signed_in(prosecutor).get(url).status_code == 403


def test_a_veilig_thuis_team_lead_records_an_assessor_s_absence(make_user: Callable[..., Any]) -> None:
    assessor = make_user("vt_assessor", organisation="vt-brabant-noordoost")
    lead = make_user("team_lead", organisation="vt-brabant-noordoost")
    police = make_user("case_screener")
    url = reverse("workprocesses:absences")
    today = str(timezone.localdate())
    assert signed_in(lead).post(url, {"member": assessor.pk, "absent_from": today}).status_code == 302
    assert signed_in(lead).post(url, {"member": police.pk, "absent_from": today}).status_code == 404
    assert MemberAbsence.objects.get().user == assessor
    assert "?owner=absent" in signed_in(lead).get(url).content.decode()


def test_dates_out_of_their_window_are_refused_at_their_field_in_dutch(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    url = reverse("workprocesses:absences")
    today = timezone.localdate()
    answer = signed_in(screener).post(
        url,
        {
            "member": screener.pk,
            "absent_from": str(today - timedelta(days=400)),
            "absent_until": str(today + timedelta(days=400)),
        },
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'id="id_absent_from_error"' in html or "id_absent_from" in html
    assert "De eerste dag van de afwezigheid kan niet voor" in html
    assert "De laatste dag van de afwezigheid kan niet na" in html
    ended = signed_in(screener).post(
        url,
        {"member": screener.pk, "absent_from": str(today), "absent_until": str(today - timedelta(days=1))},
    )
    assert ended.status_code == 422 and "De afwezigheid eindigt voordat ze begint." in ended.content.decode()
    no_start = signed_in(screener).post(url, {"member": screener.pk, "absent_until": str(today)})
    assert no_start.status_code == 422
    assert "Vul in vanaf wanneer de collega afwezig is" in no_start.content.decode()
    assert signed_in(screener).post(url, {"member": "", "absent_from": str(today)}).status_code == 422
    assert not MemberAbsence.objects.exists()


# --- the kernel's alerts ------------------------------------------------------------------------------------


def test_an_alert_to_an_absent_owner_reaches_the_team_leads_saying_she_is_absent(
    make_user: Callable[..., Any],
) -> None:
    screener = _named(make_user("case_screener"), "Sanne", "Visser")
    lead = make_user("team_lead")
    other_unit_lead = make_user("team_lead", organisation="zeeland-west-brabant")
    lotte, anna = _two_cases()
    lotte, anna = _own(lotte, screener), _own(anna, screener)
    # Present: the owner alone hears of it.
    alert_for_case_owner(
        anna, kind="measure_breach", message="Case %(case)s: a breach.", fallback_role="case_owner"
    )
    assert Alert.objects.filter(role="team_lead").count() == 0
    today = timezone.localdate()
    member_absence_set(screener, absent_from=today, absent_until=today + timedelta(days=6), by=lead)
    own = alert_for_case_owner(
        lotte, kind="measure_breach", message="Case %(case)s: a breach.", fallback_role="case_owner"
    )
    assert own.recipient == screener  # she reads it when back
    copy = Alert.objects.get(role="team_lead")
    assert (copy.case, copy.kind, copy.organisation, copy.not_for) == (
        lotte,
        "measure_breach",
        lotte.organisation,
        screener,
    )
    assert list(alert_list_for_user(user=lead)) == [copy]
    assert list(alert_list_for_user(user=other_unit_lead)) == []
    text = alert_text(copy)
    assert text.startswith(f"Case {lotte.reference}: a breach.")
    until = (today + timedelta(days=6)).strftime("%d-%m-%Y")
    assert f"Sanne Visser, die de zaak bezit, is afwezig tot en met {until}" in text
    assert "afwezig" not in alert_text(own)


def test_a_re_opened_signal_of_an_absent_owner_s_pair_reaches_the_team_lead(
    make_user: Callable[..., Any],
) -> None:
    """Every desk's alert to a case owner goes through the kernel: the screening desk's re-opened signal."""
    from ketenzicht.patterns.models import Signal
    from ketenzicht.patterns.signals import signals_reopened

    screener = make_user("case_screener")
    lead = make_user("team_lead")
    take_in("PL0600-S-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL0600-S-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.filter(unit__code="oost-brabant", victim__isnull=False).first()
    assert signal is not None
    case = ScreeningCase.objects.get(open=True, unit__code="oost-brabant").case
    _own(case, screener)
    member_absence_set(screener, absent_from=timezone.localdate(), absent_until=None, by=lead)
    signals_reopened.send(sender=Signal, signals=[signal.pk], by=None, reason="", at=timezone.now())
    copy = Alert.objects.get(kind="signal_reopened", role="team_lead")
    assert "tot nader order" in alert_text(copy)
    assert Alert.objects.filter(kind="signal_reopened", recipient=screener).exists()


# --- the queue ----------------------------------------------------------------------------------------------


def test_the_queue_filters_and_marks_the_cases_of_an_absent_owner(make_user: Callable[..., Any]) -> None:
    screener, owner = make_user("case_screener"), make_user("case_owner")
    lead = make_user("team_lead", "case_screener")
    lotte, anna = _two_cases()
    _own(lotte, screener)
    _own(anna, owner)
    client = signed_in(lead)
    url = reverse("screening:queue")
    assert 'data-testid="owner-absent"' not in client.get(url).content.decode()
    assert lotte.reference not in client.get(url, {"owner": "absent"}).content.decode()
    member_absence_set(screener, absent_from=timezone.localdate(), absent_until=None, by=lead)
    html = client.get(url).content.decode()
    assert html.count('data-testid="owner-absent"') == 1
    assert 'href="/afwezigheid/"' in html  # the way to the team's absences
    # The bulk hand-over's list of colleagues marks her: the kernel would refuse her.
    assert f"{screener.display_name} (afwezig)</option>" in html
    assert f"{owner.display_name} (afwezig)" not in html
    shown = client.get(url, {"owner": "absent"}).content.decode()
    assert lotte.reference in shown and anna.reference not in shown
    assert "Eigenaar afwezig" in shown
    # The page's rows are read in the same number of queries as before (the mark is in the list's query).
    with CaptureQueriesContext(connection) as absent_page:
        client.get(url)
    member_absence_set(screener, absent_from=None, absent_until=None, by=lead)
    with CaptureQueriesContext(connection) as present_page:
        client.get(url)
    assert len(absent_page) == len(present_page)
    # Handed over in bulk, the case is no longer in the filter.
    member_absence_set(screener, absent_from=timezone.localdate(), absent_until=None, by=lead)
    answer = client.post(
        reverse("screening:queue-assign"), {"cases": [lotte.pk], "person": owner.pk, "reason": "verlof"}
    )
    assert answer.status_code == 302
    assert lotte.reference not in client.get(url, {"owner": "absent"}).content.decode()


def test_the_team_lead_s_home_page_links_the_team_s_absences(make_user: Callable[..., Any]) -> None:
    lead = make_user("team_lead", "case_screener")
    html = signed_in(lead).get("/").content.decode()
    assert 'data-testid="home-absences"' in html and "Afwezigheid van uw team" in html
    screener = make_user("case_screener")
    assert "Uw afwezigheid" in signed_in(screener).get("/").content.decode()
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    assert 'data-testid="home-absences"' not in signed_in(prosecutor).get("/").content.decode()


def test_the_veilig_thuis_inbox_filters_and_marks_the_notifications_of_an_absent_owner(
    make_user: Callable[..., Any],
) -> None:
    from ketenzicht.veiligthuis.models import Notification

    vt = "vt-brabant-noordoost"  # the Veilig Thuis of GM0796, where take_in's registrations happen
    assessor, present = make_user("vt_assessor", organisation=vt), make_user("vt_assessor", organisation=vt)
    lead = make_user("team_lead", organisation=vt)
    take_in("PL0600-V-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    take_in("PL0600-V-2", KEES, ANNA, registered_at="2024-03-07T09:12:00+01:00", relation="partner")
    first, second = (n.case for n in Notification.objects.select_related("case").order_by("case_id"))
    _own(first, assessor)
    _own(second, present)
    client = signed_in(lead)
    url = reverse("veiligthuis:inbox")
    assert first.reference not in client.get(url, {"owner": "absent"}).content.decode()
    member_absence_set(assessor, absent_from=timezone.localdate(), absent_until=None, by=lead)
    html = client.get(url).content.decode()
    assert html.count('data-testid="owner-absent"') == 1 and 'href="/afwezigheid/"' in html
    assert f"{assessor.display_name} (afwezig)</option>" in html
    shown = client.get(url, {"owner": "absent"}).content.decode()
    assert first.reference in shown and second.reference not in shown
