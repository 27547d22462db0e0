"""The ZSM file: opened from the police's hand-off at the right district office, routed to its prosecutor
for domestic violence and stalking (the substitute when absent), the partners' requests, the Veilig Thuis
information rule, the complaint rule, decisions fed back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.measures.models import Measure
from ketenzicht.measures.selectors import may_change, measure_rows
from ketenzicht.measures.services import MeasureInvalid
from ketenzicht.organisations.models import Organisation, Post, PostKind
from ketenzicht.organisations.services import post_absence_set, post_assign
from ketenzicht.prosecution.feedback import VT_NOW_NEEDED_LINE
from ketenzicht.prosecution.models import PartnerRequest, ZsmFile
from ketenzicht.prosecution.services import (
    ORDER_PERIOD,
    FileRefused,
    behaviour_order_impose,
    complaint_record,
    request_answer,
    requests_check,
    triage_choose,
)
from ketenzicht.registrations.models import Disclosure
from ketenzicht.veiligthuis.models import Notification, Origin
from ketenzicht.veiligthuis.services import notification_open, registration_facts
from ketenzicht.workprocesses.alerts import alert_text
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Alert, CaseEvent, EventKind
from ketenzicht.workprocesses.selectors import case_start
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.prosecution.helpers import send_to_zsm, vt_assess, vt_assessed
from tests.summary import summary_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(reference_data: Any) -> Organisation:
    return Organisation.objects.get(code="om-oost-brabant")


@pytest.fixture
def prosecutors(office: Any, make_user: Any) -> tuple[Any, Any, Any]:
    eva = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    pieter = make_user("prosecutor", organisation="om-oost-brabant", username="pieter")
    post = post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    post_assign(organisation=office, user=pieter, kind=PostKind.DV_SUBSTITUTE)
    return eva, pieter, post


def test_the_file_opens_at_the_office_of_the_municipality_and_goes_to_its_dv_prosecutor(
    make_user: Any, prosecutors: Any
) -> None:
    eva, _pieter, _post = prosecutors
    file, police_case = send_to_zsm(make_user)
    assert file.district_office.code == "om-oost-brabant"
    assert file.case.owner == eva and file.prosecutor == eva and not file.substitute
    assert file.case.state == "assembling" and file.case.deadline_at is not None
    assert Alert.objects.filter(recipient=eva, kind="zsm_routed", case=file.case).exists()
    # The office sees the police case's registrations, disclosed for the file.
    disclosed = set(
        Disclosure.objects.filter(organisation=file.district_office).values_list("registration_id", flat=True)
    )
    assert disclosed == set(police_case.registrations.values_list("pk", flat=True))
    # One request to victim support about the victim, one to probation about the suspect, due in hours.
    requests = {r.partner: r for r in file.requests.all()}
    assert set(requests) == {"victim_support", "probation"}
    assert (
        requests["victim_support"].side == "victim" and requests["victim_support"].person_id == file.victim_id
    )
    assert requests["probation"].side == "suspect" and requests["probation"].person_id == file.suspect_id
    assert requests["victim_support"].brief["person"]["name"] == "Lotte de Wit"
    assert requests["probation"].brief["person"]["name"] == "Marco Hendriks"
    assert "phone" not in requests["probation"].brief["person"]
    assert "Marco" not in str(requests["victim_support"].brief) and "Lotte" not in str(
        requests["probation"].brief
    )
    hours = (requests["probation"].due_at - requests["probation"].requested_at).total_seconds() / 3600
    assert hours == 4
    assert file.triage["route"] == "zsm" and file.triage["reasons"] == ["simple_case"]


def test_the_police_case_says_which_file_its_hand_off_opened_and_to_whom_not_that_someone_took_it_up(
    make_user: Any, prosecutors: Any
) -> None:
    """The police case page read "opgepakt" in the minute the hand-off was sent: the routing to the office's
    prosecutor counted as taking it up, before anyone at the ZSM table had opened the file."""
    from ketenzicht.workprocesses.models import Handoff

    owner = make_user("case_owner", organisation="oost-brabant", username="kees-owner")
    file, police_case = send_to_zsm(make_user, owner=owner)
    handoff = Handoff.objects.get(case=police_case, kind="zsm")
    assert handoff.detail["opened"] == file.case.reference
    client = Client()
    client.force_login(owner)
    with translation.override("nl"):
        page = client.get(f"/zaken/{police_case.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    line = page.split('data-testid="handoff-zsm"', 1)[1].split("</li>", 1)[0]
    assert f"als dossier {file.case.reference}" in line and "toegewezen aan" in line
    assert "opgepakt" not in line


def test_the_substitute_takes_the_file_while_the_prosecutor_is_absent(
    make_user: Any, prosecutors: Any
) -> None:
    _eva, pieter, post = prosecutors
    today = timezone.localdate()
    post_absence_set(post, absent_from=today - timedelta(days=1), absent_until=today + timedelta(days=3))
    file, _ = send_to_zsm(make_user)
    assert file.case.owner == pieter and file.substitute
    owner_line = CaseEvent.objects.get(case=file.case, kind=EventKind.OWNER)
    assert owner_line.actor_name == "system" and "vervanger" in owner_line.reason  # installation language


def test_with_nobody_present_every_prosecutor_of_the_office_is_alerted(make_user: Any, office: Any) -> None:
    file, _ = send_to_zsm(make_user)
    assert file.case.owner is None
    alert = Alert.objects.get(case=file.case, kind="zsm_unrouted")
    assert alert.role == "prosecutor" and alert.organisation == office


def test_a_domestic_decision_waits_for_veilig_thuis(make_user: Any, prosecutors: Any) -> None:
    eva, _pieter, _post = prosecutors
    file, police_case = send_to_zsm(make_user, offences=["300"])
    assert "vt_information" not in file.case.data  # ex-partners: domestic, and Veilig Thuis has not assessed
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    with pytest.raises(Refused) as refused:
        case_take(
            case,
            "decide_penalty_order",
            actor=eva,
            expected_version=None,
            values={"penalty": "taakstraf 40 uur"},
        )
    assert refused.value.code == "recorded" and "vt_information" in refused.value.detail
    # Veilig Thuis assesses the notification of the registration: the information is in.
    notification = Notification.objects.get(registration=file.registration)
    vt_assess(make_user, notification)
    file.refresh_from_db()
    file.case.refresh_from_db()
    assert file.case.data["vt_information"] == "in" and file.vt_information_at is not None
    decided = case_take(
        file.case,
        "decide_penalty_order",
        actor=eva,
        expected_version=None,
        values={"penalty": "taakstraf 40 uur"},
        reason="bekennende verdachte, niet wachten",  # the partners have not answered (test_decisions.py)
    )
    assert decided.state == "decided"
    file.refresh_from_db()
    assert file.decision == "penalty_order" and not file.open
    # Fed back: a line in the police case's history and an alert to its owner; Veilig Thuis hears it too.
    police_lines = CaseEvent.objects.filter(
        case=police_case, kind=EventKind.RECORDED, detail__zsm_file=file.case.reference
    )
    assert police_lines.count() == 1 and "Strafbeschikking" in police_lines.get().reason
    # Whom to call about it: the prosecutor who decided is named, in the line and in the alerts.
    name = eva.get_full_name() or eva.get_username()
    assert f"({name})" in police_lines.get().reason
    for told in (police_case, notification.case):
        alert = Alert.objects.get(case=told, kind="zsm_decision")
        with translation.override("nl"):
            said = alert_text(alert)
        assert said.startswith(f"Zaak {told.reference}: ") and f"({name}) besliste" in said


def test_no_veilig_thuis_information_is_needed_outside_the_domestic_circle(
    make_user: Any, prosecutors: Any
) -> None:
    """Acquaintances, and Veilig Thuis was not notified (no municipality known to route it by)."""
    file, police_case = send_to_zsm(
        make_user, relation="acquaintance", offences=["285b"], kind="klacht", municipality=""
    )
    assert not Notification.objects.filter(police_case=police_case).exists()
    assert not Notification.objects.filter(registration=file.registration).exists()
    assert file.case.data["vt_information"] == "not_required" and not file.domestic


def _notified_later(file: ZsmFile, police_case: Any) -> Notification:
    """Veilig Thuis is notified of the file's registration after the file opened, from its police case."""
    facts = registration_facts([file.registration_id])[file.registration_id]
    return notification_open(
        facts=facts,
        organisation=Organisation.objects.get(code="vt-brabant-noordoost"),
        municipality=None,
        origin=Origin.POLICE_CASE,
        actor=None,
        police_case=police_case,
    )


def test_a_file_that_needed_no_veilig_thuis_waits_for_it_once_veilig_thuis_is_notified_after_all(
    make_user: Any, prosecutors: Any
) -> None:
    eva, _pieter, _post = prosecutors
    file, police_case = send_to_zsm(
        make_user, relation="acquaintance", offences=["285b"], kind="klacht", municipality=""
    )
    assert file.case.data["vt_information"] == "not_required"
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    ZsmFile.objects.filter(pk=file.pk).update(vt_information_at=timezone.now())  # as a step's sync keeps it

    notification = _notified_later(file, police_case)
    file.refresh_from_db()
    case.refresh_from_db()
    assert case.data["vt_information"] == "" and file.vt_information_at is None and case.state == "at_zsm"
    line = CaseEvent.objects.get(case=case, detail__what=VT_NOW_NEEDED_LINE)
    assert line.actor is None and line.detail["notification"] == notification.case.reference
    assert notification.case.reference in line.reason and "Veilig Thuis Brabant Noordoost" in line.reason
    # A criminal decision waits for Veilig Thuis now ...
    with pytest.raises(Refused) as refused:
        case_take(case, "decide_penalty_order", actor=eva, expected_version=None, values={"penalty": "boete"})
    assert refused.value.code == "recorded" and "vt_information" in refused.value.detail
    # ... until its information is in.
    file = vt_assessed(make_user, file)
    assert file.case.data["vt_information"] == "in" and file.vt_information_at is not None
    case = case_take(
        file.case,
        "decide_penalty_order",
        actor=eva,
        expected_version=None,
        values={"penalty": "boete"},
        reason="bekennende verdachte",  # the partners' answers are not awaited
    )
    assert case.state == "decided"


def test_a_decided_file_is_left_as_it_was_when_veilig_thuis_is_notified_later(
    make_user: Any, prosecutors: Any
) -> None:
    eva, _pieter, _post = prosecutors
    file, police_case = send_to_zsm(
        make_user, relation="acquaintance", offences=["285b"], kind="klacht", municipality=""
    )
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    case = case_take(
        case,
        "decide_dismissal",
        actor=eva,
        expected_version=None,
        values={"dismissal_ground": "public_interest"},
        reason="eerste keer",
    )
    assert case.closed_at is not None
    lines = CaseEvent.objects.filter(case=case).count()

    _notified_later(file, police_case)
    case.refresh_from_db()
    assert case.data["vt_information"] == "not_required"
    assert CaseEvent.objects.filter(case=case).count() == lines


@override_settings(STALKING_COMPLAINT={"required": True, "months": 3, "articles": ["285b"]})
def test_stalking_needs_a_complaint_in_time(make_user: Any, prosecutors: Any) -> None:
    eva, _pieter, _post = prosecutors
    file = vt_assessed(
        make_user, send_to_zsm(make_user, offences=["285b"], relation="acquaintance", kind="melding")[0]
    )
    assert file.complaint_required and file.complaint_on is None
    assert file.complaint_due is not None
    assert timedelta(days=88) <= file.complaint_due - timezone.localdate() <= timedelta(days=92)  # 3 months
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    with pytest.raises(Refused) as refused:
        case_take(
            case, "decide_summons", actor=eva, expected_version=None, values={"hearing_on": "2027-02-01"}
        )
    assert "complaint" in refused.value.detail
    with pytest.raises(FileRefused) as future:
        complaint_record(file, on=timezone.localdate() + timedelta(days=1), actor=eva, expected_version=None)
    assert future.value.field == "complaint_on"
    # Nor from before the file's first registration (it reports what the complaint is about).
    first = case_start(file.case).day
    with pytest.raises(FileRefused) as early:
        complaint_record(file, on=first - timedelta(days=1), actor=eva, expected_version=None)
    assert early.value.field == "complaint_on" and early.value.params == {"day": first}
    file.refresh_from_db()
    assert file.complaint_on is None
    complaint_record(file, on=timezone.localdate(), actor=eva, expected_version=None)
    file.case.refresh_from_db()
    assert (
        case_take(
            file.case,
            "decide_summons",
            actor=eva,
            expected_version=None,
            values={"hearing_on": "2027-02-01"},
            reason="snel naar de zitting",
        ).state
        == "decided"
    )


def test_a_report_of_the_stalking_is_the_complaint(make_user: Any, prosecutors: Any) -> None:
    file = vt_assessed(
        make_user, send_to_zsm(make_user, offences=["285b"], relation="acquaintance", kind="aangifte")[0]
    )
    assert file.complaint_required and file.complaint_on == timezone.localdate()
    assert file.case.data["complaint"] == "on_file"


@override_settings(STALKING_COMPLAINT={"required": False})
def test_without_the_complaint_requirement_stalking_needs_none(make_user: Any, prosecutors: Any) -> None:
    file, _ = send_to_zsm(make_user, offences=["285b"], relation="acquaintance")
    assert not file.complaint_required and file.case.data["complaint"] == "not_required"


def test_a_complaint_after_its_term_cannot_open_a_prosecution(make_user: Any, prosecutors: Any) -> None:
    eva, _pieter, _post = prosecutors
    long_ago = (timezone.now() - timedelta(days=150)).isoformat(timespec="seconds")
    file, _ = send_to_zsm(
        make_user, offences=["285b"], relation="acquaintance", registered_at=long_ago, kind="incident"
    )
    assert file.complaint_due is not None and file.complaint_due < timezone.localdate()
    with pytest.raises(FileRefused, match="after its term"), override_settings(LANGUAGE_CODE="en"):
        complaint_record(file, on=timezone.localdate(), actor=eva, expected_version=None)
    file.case.refresh_from_db()
    assert "complaint" not in file.case.data
    # The history keeps it, in the installation's language (here English), not in words fixed in the code.
    note = CaseEvent.objects.filter(case=file.case).latest("id").reason
    assert note == f"complaint after its term ({file.complaint_due:%d-%m-%Y})"


def test_another_route_than_the_triage_suggests_needs_a_reason(make_user: Any, prosecutors: Any) -> None:
    eva, _pieter, _post = prosecutors
    file, _ = send_to_zsm(make_user)
    with pytest.raises(FileRefused) as refused:
        triage_choose(file, route="regular", actor=eva, reason="", expected_version=None)
    assert refused.value.field == "reason"
    case = triage_choose(
        file, route="regular", actor=eva, reason="zwaarder feit vermoed", expected_version=None
    )
    assert case.state == "regular"
    file.refresh_from_db()
    assert file.route == "regular" and file.routed_at is not None


def test_answers_fill_the_file_and_move_the_triage(make_user: Any, prosecutors: Any) -> None:
    file, _ = send_to_zsm(make_user)
    probation = make_user("probation", organisation="reclassering-nederland")
    request = file.requests.get(partner="probation")
    with pytest.raises(FileRefused) as missing:
        request_answer(request, actor=probation, answer={"known": "yes"})
    assert missing.value.field == "advice"
    with pytest.raises(FileRefused) as wrong:
        request_answer(request, actor=probation, answer={"known": "yes", "advice": "jail"})
    assert wrong.value.field == "advice"
    with pytest.raises(FileRefused) as unrecorded:  # supervision of a suspect probation knows is recorded
        request_answer(
            request, actor=probation, answer={"known": "yes", "supervised": "not_applicable", "advice": "zsm"}
        )
    assert unrecorded.value.field == "supervised"
    with pytest.raises(FileRefused) as unknowable:  # supervision of a suspect probation does not know
        request_answer(request, actor=probation, answer={"known": "no", "supervised": "yes", "advice": "zsm"})
    assert unknowable.value.field == "supervised"
    request_answer(
        request, actor=probation, answer={"known": "yes", "supervised": "yes", "advice": "regular"}
    )
    file.refresh_from_db()
    assert file.triage["route"] == "regular" and file.triage["reasons"] == ["probation_advises_regular"]
    with pytest.raises(FileRefused, match="answered already"):
        request_answer(request, actor=probation, answer={"known": "no", "advice": "zsm"})


def test_a_late_request_alerts_the_zsm_coordinator_once(
    make_user: Any, prosecutors: Any, office: Any
) -> None:
    coordinator = make_user("prosecutor", organisation="om-oost-brabant", username="mirjam")
    post_assign(organisation=office, user=coordinator, kind=PostKind.ZSM_COORDINATOR)
    file, _ = send_to_zsm(make_user)
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    request_answer(
        file.requests.get(partner="victim_support"),
        actor=victim_support,
        answer={"contacted": "yes", "wishes": "prosecution", "afraid": "no"},
    )
    later = timezone.now() + timedelta(hours=5)
    late = requests_check(now=later)
    assert [r.partner for r in late] == ["probation"]
    assert Alert.objects.filter(recipient=coordinator, kind="zsm_request_late", case=file.case).count() == 1
    assert requests_check(now=later + timedelta(hours=1)) == []
    assert PartnerRequest.objects.get(file=file, partner="probation").late(later)
    assert not PartnerRequest.objects.get(file=file, partner="victim_support").late(later)


def test_the_file_complete_while_its_prosecutor_is_absent_reaches_the_stand_in(
    make_user: Any, prosecutors: Any
) -> None:
    """The file went to Eva; her absence starts today, before the check that hands her files over ran, when
    the last partner answers: the substitute hears that the file is complete, as her stand-in, not her
    alone; with him away too, the office's prosecutors."""
    eva, pieter, post = prosecutors
    eva.first_name, eva.last_name = "Eva", "Smit"
    eva.save(update_fields=["first_name", "last_name"])
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    probation = make_user("probation", organisation="reclassering-nederland")
    today = timezone.localdate()
    walks: list[tuple[dict[str, Any], dict[str, Any], bool]] = [(MARCO, LOTTE, False), (BART, ILSE, True)]
    for n, (suspect, victim, substitute_away) in enumerate(walks):
        post_absence_set(post, absent_from=None, absent_until=None)
        file, _ = send_to_zsm(make_user, f"PL0600-ZSM-ABS-{n}", suspect=suspect, victim=victim)
        assert file.case.owner == eva
        # Recorded on an earlier day for an absence from today, and today's check has not run yet: the file
        # is still hers (an absence recorded covering today hands it over at once: test_absent_owner.py).
        Post.objects.filter(pk=post.pk).update(absent_from=today, absent_until=today + timedelta(days=2))
        if substitute_away:
            away = Post.objects.get(user=pieter, kind=PostKind.DV_SUBSTITUTE)
            post_absence_set(away, absent_from=today, absent_until=today)
        request_answer(
            file.requests.get(partner="victim_support"), actor=victim_support, answer={"contacted": "no"}
        )
        request_answer(
            file.requests.get(partner="probation"), actor=probation, answer={"known": "no", "advice": "zsm"}
        )
        alert = Alert.objects.get(kind="zsm_answered", case=file.case)
        expected = (None, "prosecutor") if substitute_away else (pieter, "")
        assert (alert.recipient, alert.role) == expected and alert.params["absent"] == "Eva Smit"
        with translation.override("en"):
            assert "stand-in for Eva Smit, who is absent" in alert_text(alert)


def test_a_late_request_while_the_coordinator_is_absent_reaches_the_offices_prosecutors(
    make_user: Any, prosecutors: Any, office: Any
) -> None:
    coordinator = make_user("prosecutor", organisation="om-oost-brabant", username="mirjam")
    post = post_assign(organisation=office, user=coordinator, kind=PostKind.ZSM_COORDINATOR)
    file, _ = send_to_zsm(make_user)
    later = timezone.now() + timedelta(hours=5)
    day = timezone.localdate(later)
    post_absence_set(post, absent_from=day, absent_until=day)
    assert len(requests_check(now=later)) == 2
    alerts = Alert.objects.filter(kind="zsm_request_late", case=file.case)
    assert {(a.recipient, a.role, a.params["absent"]) for a in alerts} == {(None, "prosecutor", "mirjam")}
    with translation.override("en"):
        assert all("the ZSM coordinator (mirjam) is absent" in alert_text(a) for a in alerts)


def test_a_behaviour_order_s_record_names_the_banned_area(make_user: Any, prosecutors: Any) -> None:
    # The walk: the order's line on the file and the police case said "Gebiedsverbod" but not where.
    eva, _pieter, _post = prosecutors
    file, _police_case = send_to_zsm(make_user)
    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    file.case.refresh_from_db()
    behaviour_order_impose(
        file,
        actor=eva,
        conditions=["contact_ban", "area_ban"],
        conditions_text="",
        areas={"municipalities": ["GM0772", "GM0855"]},
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=89),  # 90 days, the longest at a time
        expected_version=None,
    )
    file.case.refresh_from_db()
    assert "Gebiedsverbod (Eindhoven, Tilburg)" in file.case.data["order_conditions"]


def test_a_behaviour_order_is_a_measure_and_its_breach_alerts_the_prosecutor_and_the_case_owner(
    make_user: Any, prosecutors: Any
) -> None:
    eva, _pieter, _post = prosecutors
    owner = make_user("case_owner", organisation="oost-brabant", username="marco-owner")
    file, police_case = send_to_zsm(make_user, owner=owner)  # his steps make him the case's owner
    assert police_case.owner == owner
    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    file.case.refresh_from_db()
    with pytest.raises(MeasureInvalid) as invalid:
        behaviour_order_impose(
            file,
            actor=eva,
            conditions=["area_ban"],
            conditions_text="",
            areas=None,
            starts_on=timezone.localdate(),
            ends_on=None,
            expected_version=None,
        )
    assert invalid.value.field in ("areas", "conditions")
    with pytest.raises(MeasureInvalid) as invalid:  # a behaviour order of no conditions orders nothing
        behaviour_order_impose(
            file,
            actor=eva,
            conditions=[],
            conditions_text="",
            areas=None,
            starts_on=timezone.localdate(),
            ends_on=None,
            expected_version=None,
        )
    assert invalid.value.field == "conditions"
    with pytest.raises(MeasureInvalid) as invalid:  # the domain brief gives it no term: the decision names it
        behaviour_order_impose(
            file,
            actor=eva,
            conditions=["contact_ban"],
            conditions_text="",
            areas=None,
            starts_on=timezone.localdate(),
            ends_on=None,
            expected_version=None,
        )
    assert invalid.value.field == "ends_on"
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm" and not Measure.objects.exists()  # nothing half stored
    order: dict[str, Any] = dict(
        actor=eva,
        conditions=["contact_ban"],
        conditions_text="geen contact met Lotte de Wit",
        areas=None,
        starts_on=timezone.localdate(),
        expected_version=None,
    )
    with pytest.raises(MeasureInvalid) as invalid:  # 91 days: art. 509hh Sv gives 90 at a time
        behaviour_order_impose(file, **order, ends_on=timezone.localdate() + timedelta(days=90))
    assert invalid.value.field == "ends_on"
    file.case.refresh_from_db()
    assert file.case.state == "at_zsm" and not Measure.objects.exists()
    measure = behaviour_order_impose(file, **order, ends_on=timezone.localdate() + timedelta(days=60))
    assert measure.kind == "behaviour_order" and measure.prosecutor == eva
    assert measure.ends_on == timezone.localdate() + timedelta(days=60)  # as decided
    file.case.refresh_from_db()
    assert file.case.state == "order_imposed" and file.case.data["decision"] == "behaviour_order"
    with translation.override(settings.LANGUAGE_CODE):  # the file's record, in the installation's language
        period = translation.gettext(ORDER_PERIOD) % {
            "start": f"{measure.starts_on:%d-%m-%Y}",
            "end": f"{measure.ends_on:%d-%m-%Y}",
            "measure": measure.reference,
        }
    assert file.case.data["order_conditions"].endswith(period)
    # He comes to her door again; she is written "Lote Witt" this time, with her date of birth.
    take_in(
        "PL0600-ZSM-BREACH",
        MARCO,
        {**LOTTE, "given_names": "Lote", "surname_prefix": "", "surname": "Witt"},
        registered_at=timezone.now().isoformat(timespec="seconds"),
        offences=["285"],
    )
    assert measure.breaches.count() == 1
    assert Alert.objects.filter(
        recipient=eva, kind="measure_breach", case=file.case
    ).exists()  # opens the file
    assert Alert.objects.filter(recipient=owner, kind__contains="breach").exists()
    # The prosecutor lifts the order early, or extends it by at most 90 days, on the measure's page.
    assert may_change(eva, measure)
    row = measure_rows([measure], user=eva, today=timezone.localdate())[0]
    assert row.extendable_until == measure.ends_on + timedelta(days=90)


def test_a_victim_not_reached_needs_no_wish_and_a_reached_one_does(make_user: Any, prosecutors: Any) -> None:
    file, _ = send_to_zsm(make_user)
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    request = file.requests.get(partner="victim_support")
    with pytest.raises(FileRefused) as refused:
        request_answer(request, actor=victim_support, answer={"contacted": "yes"})
    assert refused.value.field == "wishes"
    request.refresh_from_db()
    assert request.answered_at is None  # nothing stored
    # Reached, what only the victim can say is recorded: "not asked" or nothing is refused at its field.
    for unrecorded in ({"afraid": "not_asked"}, {}):
        with pytest.raises(FileRefused) as refused:
            request_answer(
                request,
                actor=victim_support,
                answer={"contacted": "yes", "wishes": "undecided", **unrecorded},
            )
        assert refused.value.field == "afraid" and "not asked" in refused.value.message
    with pytest.raises(FileRefused) as refused:
        request_answer(request, actor=victim_support, answer={"contacted": "yes", "afraid": "no"})
    assert refused.value.field == "wishes" and "not asked" in refused.value.message
    request.refresh_from_db()
    assert request.answered_at is None
    for only_if_reached in ({"wishes": "prosecution"}, {"afraid": "yes"}):  # what nobody could have learnt
        with pytest.raises(FileRefused) as refused:
            request_answer(request, actor=victim_support, answer={"contacted": "no", **only_if_reached})
        assert refused.value.field == next(iter(only_if_reached))
    answered = request_answer(
        request, actor=victim_support, answer={"contacted": "no", "note": "Drie keer gebeld, geen gehoor."}
    )
    assert answered.answer == {"contacted": "no", "note": "Drie keer gebeld, geen gehoor."}
    assert answered.answered_at is not None


def test_a_hand_off_is_not_made_twice_while_the_first_waits_and_joins_the_open_file(
    make_user: Any, office: Any
) -> None:
    """Pressed twice, "Naar de ZSM-tafel" left a second hand-off that nobody would ever take on."""
    from django.test import Client

    from ketenzicht.workprocesses.models import Handoff

    owner = make_user("case_owner", organisation="oost-brabant", username="kees-owner")
    file, police_case = send_to_zsm(make_user, owner=owner)  # no prosecutor posted: the hand-off waits
    assert Handoff.objects.get(case=police_case, kind="zsm").taken_at is None
    with pytest.raises(Refused) as refused:
        case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="nog eens")
    assert refused.value.code == "handoff_waiting"
    assert Handoff.objects.filter(case=police_case, kind="zsm").count() == 1
    client = Client()
    client.force_login(owner)
    page = client.get(f"/zaken/{police_case.pk}/").content.decode()
    assert 'value="send_to_zsm"' not in page
    # Once the office has a prosecutor who took it on, a new hand-off joins the open file and is settled
    # with it: nothing is left waiting.
    eva = make_user("prosecutor", organisation="om-oost-brabant", username="eva")
    post_assign(organisation=office, user=eva, kind=PostKind.DV_PROSECUTOR)
    Handoff.objects.filter(case=police_case).update(taken_at=timezone.now(), taken_by=eva)
    file.prosecutor = eva
    file.save(update_fields=["prosecutor"])
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="nieuw incident")
    assert not Handoff.objects.filter(case=police_case, taken_at__isnull=True).exists()
    assert Handoff.objects.filter(case=police_case, kind="zsm").count() == 2


def test_a_question_is_put_once_and_a_decided_file_needs_no_more_answers(
    make_user: Any, prosecutors: Any
) -> None:
    from ketenzicht.prosecution.models import ZsmFile
    from ketenzicht.prosecution.selectors import requests_for_user
    from ketenzicht.prosecution.services import request_add

    eva, _pieter, _post = prosecutors
    file, _ = send_to_zsm(make_user)
    question = "Heeft zij een contactverbod gevraagd?"
    asked = request_add(file, partner="victim_support", question=question, actor=eva)
    with pytest.raises(FileRefused) as twice:  # the same question from a second tab
        request_add(file, partner="victim_support", question=f"  {question} ", actor=eva)
    assert twice.value.field == "question"
    assert PartnerRequest.objects.filter(file=file, question=question).count() == 1
    victim_support = make_user("victim_support", organisation="slachtofferhulp-nederland")
    assert asked in requests_for_user(user=victim_support)
    ZsmFile.objects.filter(pk=file.pk).update(open=False)  # the prosecutor decided the file
    assert asked not in requests_for_user(user=victim_support)  # off the partner's open list
    with pytest.raises(FileRefused, match="no answer is needed"):
        request_answer(asked, actor=victim_support, answer={"contacted": "no", "question_answer": "Nee."})


def _behaviour_order(file: Any, eva: Any) -> None:
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    file.case = case
    behaviour_order_impose(
        file,
        actor=eva,
        conditions=["contact_ban"],
        conditions_text="",
        areas=None,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=30),
        expected_version=None,
    )


def test_a_hand_off_to_a_file_still_open_joins_it_tells_its_prosecutor_and_is_taken_by_nobody(
    make_user: Any, prosecutors: Any
) -> None:
    """After a behaviour order the file waits for its follow-up decision: a new hand-off joins it. Nobody
    picked it up, so nobody is named as having taken it; the file's prosecutor is told instead."""
    from django.test import Client

    from ketenzicht.prosecution.models import ZsmFile
    from ketenzicht.workprocesses.models import Handoff

    eva, _pieter, _post = prosecutors
    owner = make_user("case_owner", organisation="oost-brabant", username="kees-owner")
    file, police_case = send_to_zsm(make_user, owner=owner, relation="acquaintance", offences=["285b"])
    file = vt_assessed(make_user, file)
    _behaviour_order(file, eva)
    file.refresh_from_db()
    assert file.open and file.decision == "behaviour_order"
    # Said on the step's form before it is taken: the hand-off goes to the open file and its prosecutor.
    client = Client()
    client.force_login(owner)
    before = client.get(f"/zaken/{police_case.pk}/").content.decode()
    note = before.split('data-testid="step-note-send_to_zsm">', 1)[1].split("</p>", 1)[0]
    assert (
        f"{file.case.reference} van deze zaak loopt nog bij {eva.get_full_name() or eva.get_username()}:"
        in note
    )
    assert "geen nieuw dossier" in note
    case_take(
        police_case, "send_to_zsm", actor=owner, expected_version=None, reason="stond weer voor de deur"
    )
    assert ZsmFile.objects.filter(police_case=police_case).count() == 1  # joined, no second file
    second = Handoff.objects.filter(case=police_case, kind="zsm").latest("id")
    assert second.taken_at is not None and second.taken_by is None
    assert second.detail["joined"] == file.case.reference
    alert = Alert.objects.get(kind="zsm_joined", case=file.case)
    assert alert.recipient == eva
    with translation.override("en"):
        assert alert_text(alert) == (
            f"New information from the police (police case {police_case.reference}) joined ZSM file "
            f"{file.case.reference}. Look at it before you decide."
        )
    line = CaseEvent.objects.get(case=file.case, kind=EventKind.RECORDED, detail__handoff=second.pk)
    assert police_case.reference in line.reason and "stond weer voor de deur" in line.reason
    # The police case's page says the hand-off was added to the open file, not that someone picked it up.
    page = client.get(f"/zaken/{police_case.pk}/").content.decode()
    row = page.split('data-testid="handoff-zsm"')[-1].split("</li>")[0]
    assert f"toegevoegd aan het lopende dossier {file.case.reference}" in row and "opgepakt" not in row


def test_a_hand_off_after_the_final_decision_opens_a_new_file_routed_and_alerted(
    make_user: Any, prosecutors: Any
) -> None:
    """The file finally decided is closed: a new hand-off of the police case is a new matter for the table,
    opened, routed and alerted as any new file; the decided file's history is left alone."""
    from ketenzicht.prosecution.models import ZsmFile

    eva, _pieter, _post = prosecutors
    owner = make_user("case_owner", organisation="oost-brabant", username="kees-owner")
    file, police_case = send_to_zsm(make_user, owner=owner, relation="acquaintance", offences=["285b"])
    file = vt_assessed(make_user, file)
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    case_take(
        case,
        "decide_dismissal",
        actor=eva,
        expected_version=None,
        values={"dismissal_ground": "public_interest"},
        reason="eerste keer",
    )
    lines = CaseEvent.objects.filter(case=file.case).count()
    from django.test import Client

    client = Client()
    client.force_login(owner)
    assert (
        'data-testid="step-note-send_to_zsm"' not in client.get(f"/zaken/{police_case.pk}/").content.decode()
    )
    case_take(police_case, "send_to_zsm", actor=owner, expected_version=None, reason="nieuw incident")
    files = list(ZsmFile.objects.filter(police_case=police_case).order_by("case_id"))
    assert len(files) == 2 and files[0].pk == file.pk
    new = files[1]
    assert new.open and new.prosecutor == eva and not new.decision
    assert Alert.objects.filter(kind="zsm_routed", case=new.case, recipient=eva).exists()
    assert CaseEvent.objects.filter(case=file.case).count() == lines
    assert not Alert.objects.filter(kind="zsm_joined").exists()


def test_a_behaviour_order_from_tomorrow_is_decided_today(make_user: Any, prosecutors: Any) -> None:
    # Its decision was dated on its start, tomorrow, and refused as a decision taken in the future: the
    # order could not start on a later day at all.
    eva, _pieter, _post = prosecutors
    file, _police_case = send_to_zsm(make_user)
    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    file.case.refresh_from_db()
    today = timezone.localdate()
    measure = behaviour_order_impose(
        file,
        actor=eva,
        conditions=["contact_ban"],
        conditions_text="",
        areas=None,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=30),
        expected_version=None,
    )
    file.case.refresh_from_db()
    assert measure.starts_on == today + timedelta(days=1)
    assert file.case.data["decided_on"] == today.isoformat()


def _vt_said(client: Any, file: Any) -> tuple[str, str]:
    """What the file's page and the ZSM table say of Veilig Thuis's information."""
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    state = page.split('data-testid="zsm-vt-state">', 1)[1].split("<h3", 1)[0]
    desk = client.get(reverse("prosecution:desk")).content.decode()
    row = desk.split(file.case.reference, 1)[1].split("</tr>", 1)[0]
    return state, row


def test_a_file_whose_case_veilig_thuis_was_notified_of_waits_for_it(
    make_user: Any, prosecutors: Any
) -> None:
    """Not domestic (acquaintances), but the police notified Veilig Thuis of the stalking: the file waits for
    Veilig Thuis's information, not "not needed" beside a notification not assessed yet."""
    eva = prosecutors[0]
    file = send_to_zsm(make_user, relation="acquaintance", offences=["285b"], kind="klacht")[0]
    notification = Notification.objects.get(registration=file.registration)
    assert not file.domestic and not file.case.data.get("vt_information")
    client = Client()
    client.force_login(eva)
    state, row = _vt_said(client, file)
    assert "wacht op Veilig Thuis" in state and "Niet nodig" not in state
    assert notification.case.reference in state  # the notification it waits for, "not assessed yet"
    assert "wacht" in row and "niet nodig" not in row
    case = triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    with pytest.raises(Refused) as refused:
        case_take(case, "decide_penalty_order", actor=eva, expected_version=None, values={"penalty": "boete"})
    assert refused.value.code == "recorded" and "vt_information" in refused.value.detail
    # Veilig Thuis assesses: the information is in, as for a domestic file.
    vt_assess(make_user, notification)
    file.case.refresh_from_db()
    assert file.case.data["vt_information"] == "in"
    state, row = _vt_said(client, file)
    assert "Ontvangen" in state and "Binnen" not in state


def test_the_zsm_table_says_what_it_has_of_veilig_thuis_in_the_words_of_the_file(
    make_user: Any, prosecutors: Any
) -> None:
    """The table said "Veilig Thuis: binnen" (received? inside?) where the file says Veilig Thuis's
    information is in: both say it was received, or that the file waits for it, or that it is not needed."""
    eva = prosecutors[0]
    file = send_to_zsm(make_user, relation="acquaintance", offences=["285b"], kind="klacht")[0]
    notification = Notification.objects.get(registration=file.registration)
    client = Client()
    client.force_login(eva)

    def said() -> tuple[str, str]:
        state, row = _vt_said(client, file)
        return state, row.split('data-testid="zsm-vt">', 1)[1].split("</span>", 1)[0]

    state, vt = said()
    assert vt == "Veilig Thuis: wacht op informatie" and "wacht op Veilig Thuis" in state
    vt_assess(make_user, notification)
    state, vt = said()
    assert vt == "Veilig Thuis: informatie ontvangen" and "Ontvangen" in state
    other = send_to_zsm(
        make_user,
        "PL0600-ZSM-2",
        suspect=BART,
        victim=ILSE,
        relation="acquaintance",
        offences=["285b"],
        kind="klacht",
        municipality="",
    )[0]
    assert other.case.data["vt_information"] == "not_required"
    row = client.get(reverse("prosecution:desk")).content.decode().split(other.case.reference, 1)[1]
    assert row.split('data-testid="zsm-vt">', 1)[1].split("</span>", 1)[0] == "Veilig Thuis: niet nodig"


def test_a_behaviour_order_past_its_first_period_is_said_in_one_sentence_in_the_summary_and_at_the_field(
    make_user: Any, prosecutors: Any
) -> None:
    """The summary read "Einddatum: de eerste periode van deze soort maatregel eindigt uiterlijk op …; verleng
    hem daarna" while the field said it as a sentence: both say the same Dutch sentence."""
    eva, _pieter, _post = prosecutors
    file, _police_case = send_to_zsm(make_user)
    triage_choose(file, route="zsm", actor=eva, reason="", expected_version=None)
    file.case.refresh_from_db()
    client = Client()
    client.force_login(eva)
    today = timezone.localdate()
    answer = client.post(
        reverse("prosecution:order", args=[file.pk]),
        {
            "conditions": "contact_ban",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(),  # 91 days: 90 at a time
            "version": file.case.lock_version,
        },
    )
    assert answer.status_code == 422 and not Measure.objects.exists()
    page = answer.content.decode()
    said = (
        f"De einddatum kan niet na {today + timedelta(days=89):%d-%m-%Y} liggen: de eerste periode eindigt "
        "uiterlijk dan; verleng de maatregel daarna."
    )
    assert [text for _anchor, text in summary_links(page)] == [said]
    assert f'data-testid="error-ends_on">{said}<' in page
