"""Cases on the kernel: the version rolled out for the unit, an append-only history, optimistic locking,
a second person, handovers with a reason, deadlines that escalate, and one 404 for missing and forbidden."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ketenzicht.audit.access import NotVisible
from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.organisations.models import Organisation
from ketenzicht.persons.models import Person
from ketenzicht.workprocesses.alerts import alert_for_case_owner, alert_list_for_user, alert_raise, alert_text
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent, ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable, version_for, versions_remembered
from ketenzicht.workprocesses.selectors import case_get_for_user, case_open_list
from ketenzicht.workprocesses.services import (
    BulkAssignRefused,
    CaseToOpen,
    ConcurrentEdit,
    case_add_registrations,
    case_assign_contact,
    case_assign_owner,
    case_confirm,
    case_decline,
    case_open,
    case_record,
    case_take,
    cases_assign_owner,
    cases_open,
    deadlines_check,
)
from ketenzicht.workprocesses.signals import case_changed
from tests.conftest import exchange_registration, in_numbering

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)


def _unit(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def _v(version: int) -> ProcessVersion:
    return ProcessVersion.objects.get(process="ex_partner_stalking", version=version)


def _open(unit: str = "oost-brabant", at: datetime = MONDAY) -> Case:
    return case_open(
        process="ex_partner_stalking",
        organisation=_unit(unit),
        title="Bedreiging ex-partner",
        actor=None,
        at=at,
    )


def test_a_pilot_unit_runs_v2_from_its_date_and_a_case_keeps_its_version(
    make_user: Callable[..., Any],
) -> None:
    admin = make_user("functional_admin", organisation="ketenzicht-beheer")
    rollout_enable(
        process_version=_v(2),
        organisation=_unit("oost-brabant"),
        valid_from=date(2026, 3, 3),
        actor=admin,
        today=MONDAY.date(),
    )
    before = _open(at=MONDAY)
    assert before.process_version == _v(1)
    pilot = _open(at=datetime(2026, 3, 3, 9, 0, tzinfo=AMSTERDAM))
    other = _open(unit="zeeland-west-brabant", at=datetime(2026, 3, 3, 9, 0, tzinfo=AMSTERDAM))
    assert (pilot.process_version, other.process_version) == (_v(2), _v(1))
    assert version_for("ex_partner_stalking", _unit("oost-brabant"), date(2026, 3, 2)) == _v(1)
    opened = pilot.events.get(kind="opened")
    assert opened.process_version == "ex_partner_stalking v2" and opened.detail["version"] == 2
    assert AccessLogEntry.objects.filter(object_type="rollout", actor=admin, result="stored").count() == 1
    # Rolling back the unit later leaves the open v2 case on v2.
    rollout_enable(
        process_version=_v(1),
        organisation=_unit("oost-brabant"),
        valid_from=date(2026, 3, 4),
        actor=admin,
        today=MONDAY.date(),
    )
    pilot.refresh_from_db()
    assert pilot.process_version == _v(2)


def test_versions_remembered_reads_each_version_once_and_forgets_after_the_block(
    django_assert_num_queries: Any,
) -> None:
    unit = _unit("oost-brabant")
    with versions_remembered():
        with django_assert_num_queries(1):
            first = version_for("ex_partner_stalking", unit, date(2026, 3, 2))
            again = version_for("ex_partner_stalking", unit, date(2026, 3, 2))
        assert first == again == _v(1)
        with django_assert_num_queries(0):  # another day: chosen among the roll-outs read already
            later = version_for("ex_partner_stalking", unit, date(2026, 3, 3))
        assert later == _v(1)
    rollout_enable(
        process_version=_v(2), organisation=unit, valid_from=date(2026, 3, 2), actor=None, today=MONDAY.date()
    )
    # Outside the block nothing is remembered: the new roll-out counts at once.
    assert version_for("ex_partner_stalking", unit, date(2026, 3, 2)) == _v(2)
    elsewhere = _unit("zeeland-west-brabant")
    with versions_remembered():
        with django_assert_num_queries(1):  # every roll-out at once: other processes and units too
            pilot = version_for("ex_partner_stalking", unit, date(2026, 3, 2))
            before = version_for("ex_partner_stalking", unit, date(2026, 3, 1))
            other = version_for("ex_partner_stalking", elsewhere, date(2026, 3, 2))
            screening = version_for("dv_screening", unit, date(2026, 3, 2))
        assert (pilot, before, other) == (_v(2), _v(1), _v(1)) and screening.process == "dv_screening"


def test_a_unit_of_another_kind_cannot_run_a_police_process(make_user: Callable[..., Any]) -> None:
    veilig_thuis = Organisation.objects.filter(kind="veilig_thuis").first()
    with pytest.raises(ValueError, match="cannot run"):
        rollout_enable(
            process_version=_v(2),
            organisation=veilig_thuis,
            valid_from=date(2026, 3, 3),
            actor=None,
            today=MONDAY.date(),
        )


def test_transitions_write_history_and_deadlines(make_user: Callable[..., Any]) -> None:
    screener = make_user("case_screener")
    case = _open()
    assert case.deadline_at == datetime(2026, 3, 4, 0, 0, tzinfo=AMSTERDAM)  # one working day, to midnight
    case = case_take(case, "start_screening", actor=screener, expected_version=case.lock_version, at=MONDAY)
    with pytest.raises(Refused) as refused:
        case_take(case, "screened", actor=screener, expected_version=case.lock_version, at=MONDAY)
    assert refused.value.code == "fields"
    case = case_take(
        case,
        "screened",
        actor=screener,
        expected_version=case.lock_version,
        values={"urgency": "acute"},
        at=MONDAY,
    )
    assert (case.state, case.data["urgency"]) == ("screened", "acute")
    kinds = list(case.events.values_list("kind", "to_state"))
    assert kinds == [
        ("opened", "new"),
        ("owner", ""),
        ("transition", "screening"),
        ("transition", "screened"),
    ]


def test_registrations_added_to_a_case_are_one_history_line_and_mark_a_screened_case(
    make_user: Callable[..., Any],
) -> None:
    from ketenzicht.intake.pipeline import intake_registration
    from tests.conftest import exchange_registration

    first, second, third = (
        intake_registration(
            actor=None,
            data=exchange_registration(reference=f"PL0600-ADD-{n}", relations=[]),
            channel="import",
        ).registration
        for n in range(3)
    )
    screener = make_user("case_screener")
    case = _open()
    before = case.lock_version
    case = case_add_registrations(case, [first], actor=None, reassess_unless_in=["new", "screening"])
    assert case.lock_version == before + 1 and "reassess" not in case.data and case.state == "new"
    assert case_add_registrations(case, [first], actor=None).lock_version == case.lock_version  # nothing new
    case = case_take(case, "start_screening", actor=screener, expected_version=case.lock_version)
    case = case_take(
        case, "screened", actor=screener, expected_version=case.lock_version, values={"urgency": "high"}
    )
    case = case_add_registrations(
        case, [first, second, third], actor=None, reassess_unless_in=["new", "screening"]
    )
    assert case.state == "screened" and case.data["reassess"] is True
    assert set(case.registrations.all()) == {first, second, third}
    lines = list(case.events.filter(kind="registration").values_list("detail", flat=True))
    assert [line["registrations"] for line in lines] == [[first.pk], sorted([second.pk, third.pk])]
    assert [line["reassess"] for line in lines] == [False, True]
    case = case_take(
        case, "no_further_action", actor=screener, expected_version=case.lock_version, reason="klaar"
    )
    with pytest.raises(Refused):
        case_add_registrations(case, [first], actor=None)


def test_the_second_of_two_users_acting_on_one_case_is_told_and_nothing_is_lost(
    make_user: Callable[..., Any],
) -> None:
    first, second = make_user("case_screener"), make_user("case_owner")
    case = _open()
    loaded_by_both = case.lock_version
    case_take(case, "start_screening", actor=first, expected_version=loaded_by_both)
    with pytest.raises(ConcurrentEdit):
        case_take(case, "no_further_action", actor=second, expected_version=loaded_by_both, reason="dubbel")
    case.refresh_from_db()
    assert case.state == "screening" and case.closed_at is None
    assert case.events.filter(kind="transition").count() == 1


def test_a_second_person_confirms_or_declines(make_user: Callable[..., Any]) -> None:
    rollout_enable(
        process_version=_v(2),
        organisation=_unit("oost-brabant"),
        valid_from=date(2026, 1, 1),
        actor=None,
        today=date(2026, 1, 1),
    )
    screener, owner = make_user("case_screener"), make_user("case_owner")
    case = _open()
    case = case_take(
        case, "close_without_action", actor=screener, expected_version=case.lock_version, reason="geen feit"
    )
    assert case.pending is not None
    assert case.state == "new" and case.pending["transition"] == "close_without_action"
    with pytest.raises(Refused) as refused:
        case_confirm(case, actor=screener, expected_version=case.lock_version)
    assert refused.value.code == "same_person"
    with pytest.raises(Refused) as refused:  # nor decline it: a decline says someone else looked; withdraw
        case_decline(case, actor=screener, expected_version=case.lock_version, reason="toch niet")
    assert refused.value.code == "same_person"
    case.refresh_from_db()
    assert case.pending is not None and not case.events.filter(kind="declined").exists()
    case = case_decline(case, actor=owner, expected_version=case.lock_version, reason="eerst screenen")
    assert case.pending is None and case.state == "new"
    case = case_take(
        case, "close_without_action", actor=screener, expected_version=case.lock_version, reason="geen feit"
    )
    case = case_confirm(case, actor=owner, expected_version=case.lock_version)
    assert case.state == "closed" and case.closed_at is not None
    last = case.events.order_by("-id").first()
    assert last is not None and last.detail["proposed_by"] == screener.username
    assert last.detail["confirmed_by"] == owner.username


def test_a_desk_records_the_outcome_of_its_declined_step_as_a_decline_in_the_history(
    make_user: Callable[..., Any],
) -> None:
    """A desk's own step that a second person declines (e.g. a lowered screening level) is one history line
    of the decline: by the one who declined, naming the step and who proposed it, with the reason, and the
    values the desk records as its outcome."""
    from django.test import Client

    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _open()
    case = case_record(
        case,
        values={"screening_level": "high"},
        actor=lead,
        expected_version=case.lock_version,
        note="Het mes is niet gevonden.",
        detail={"proposed_by": screener.username},
        declined="Risiconiveau verlaagd naar Verhoogd",
    )
    line = case.events.order_by("-id").first()
    assert line is not None
    assert (line.kind, line.actor, line.reason) == ("declined", lead, "Het mes is niet gevonden.")
    assert (
        line.detail["step"] == "Risiconiveau verlaagd naar Verhoogd"
        and case.data["screening_level"] == "high"
    )
    client = Client()
    client.force_login(lead)
    page = client.get(f"/zaken/{case.pk}/").content.decode()
    row = next(r for r in page.split('data-testid="history-row"') if "Risiconiveau verlaagd" in r)
    assert "Voorgestelde stap afgewezen: Risiconiveau verlaagd naar Verhoogd" in row
    assert f"voorgesteld door {screener.username}" in row and "Het mes is niet gevonden." in row
    plain = case_record(case, values={"screening_level": "medium"}, actor=lead, expected_version=None)
    recorded = plain.events.order_by("-id").first()
    assert recorded is not None and recorded.kind == "recorded" and "step" not in recorded.detail


def test_a_desk_writes_what_a_partner_told_on_a_closed_case_but_records_no_values_there(
    make_user: Callable[..., Any],
) -> None:
    """A closed case's data stay as they were closed; a line of what a chain partner told afterwards (Veilig
    Thuis's feedback) is written in its history when the desk asks for it, and only then."""
    screener = make_user("case_screener")
    case = case_take(_open(), "no_further_action", actor=screener, expected_version=None, reason="Geen feit.")
    with pytest.raises(Refused, match="closed"):
        case_record(case, values={}, actor=None, expected_version=None, note="Nagekomen.")
    with pytest.raises(Refused, match="closed"):
        case_record(
            case, values={"screening_level": "high"}, actor=None, expected_version=None, closed_too=True
        )
    told = case_record(
        case, values={}, actor=None, expected_version=None, note="Nagekomen.", what="told", closed_too=True
    )
    line = told.events.order_by("-id").first()
    assert line is not None and (line.kind, line.reason, line.detail["what"]) == (
        "recorded",
        "Nagekomen.",
        "told",
    )
    assert told.closed_at == case.closed_at is not None and told.state == "closed"
    assert "screening_level" not in told.data


def test_a_value_an_app_records_is_said_missing_in_that_apps_words() -> None:
    """The kernel names a missing recorded value by its label; the app that records it may say why it is
    missing instead (registered like its words for the value), the other values keep the kernel's words."""
    from django.utils import translation

    from ketenzicht.workprocesses.definitions import definition_of
    from ketenzicht.workprocesses.labels import _MISSING, recorded_missing_register, refusal_text

    case = _open()
    definition = definition_of(case.process_version)
    saved = dict(_MISSING)
    try:
        recorded_missing_register("screening_level", lambda c: f"Case {c.reference} waits for a colleague.")
        recorded_missing_register("follow_up", lambda c: None)
        with translation.override("en"):
            assert refusal_text("recorded", "screening_level", definition, case) == (
                f"Case {case.reference} waits for a colleague."
            )
            both = refusal_text("recorded", "screening_level, follow_up", definition, case)
            assert both.startswith(f"Case {case.reference} waits for a colleague. This step waits for")
            assert both.endswith("(Explanation)")  # the field's label, in English on an English page
            assert refusal_text("recorded", "screening_level", definition).startswith("This step waits for")
    finally:
        _MISSING.clear()
        _MISSING.update(saved)


def test_a_step_waiting_for_a_second_person_is_announced_to_the_team_leads(
    make_user: Callable[..., Any],
) -> None:
    """Nobody was told a step waited: the case sat with its proposal until its deadline ran out. The team
    leads of the unit get an alert; confirming or declining settles it, and a decline is told to the
    proposer with its reason."""
    rollout_enable(
        process_version=_v(2),
        organisation=_unit("oost-brabant"),
        valid_from=date(2026, 1, 1),
        actor=None,
        today=date(2026, 1, 1),
    )
    screener, owner = make_user("case_screener"), make_user("case_owner")
    lead, other_lead = make_user("team_lead"), make_user("team_lead", organisation="limburg")
    case = _open()
    case = case_take(
        case, "close_without_action", actor=screener, expected_version=case.lock_version, reason="geen feit"
    )
    [alert] = alert_list_for_user(user=lead)
    assert alert.case == case and alert.kind == "second_person"
    assert "Afsluiten zonder actie" in alert_text(alert) and screener.username in alert_text(alert)
    assert not alert_list_for_user(user=other_lead).exists()  # another unit's team lead is not told
    assert not alert_list_for_user(user=screener).exists()
    case = case_decline(case, actor=owner, expected_version=case.lock_version, reason="eerst screenen")
    assert not alert_list_for_user(user=lead).exists()
    alert.refresh_from_db()
    assert alert.read_by == owner
    [told] = alert_list_for_user(user=screener)
    assert told.kind == "second_person_declined" and "eerst screenen" in alert_text(told)
    assert owner.username in alert_text(told)
    case = case_take(
        case, "close_without_action", actor=screener, expected_version=case.lock_version, reason="geen feit"
    )
    assert alert_list_for_user(user=lead).count() == 1
    case_confirm(case, actor=lead, expected_version=case.lock_version)
    assert not alert_list_for_user(user=lead).exists()
    # The earlier decline, and now the confirmation: the proposer learns the step was taken, and by whom.
    told = alert_list_for_user(user=screener).get(kind="second_person_confirmed")
    assert lead.username in alert_text(told) and "Afsluiten zonder actie" in alert_text(told)
    assert alert_list_for_user(user=screener).count() == 2


def test_a_team_lead_who_proposes_a_step_is_not_asked_to_answer_it(make_user: Callable[..., Any]) -> None:
    # The team leads are asked to confirm; the one who proposed it cannot, so it is not on their list.
    rollout_enable(
        process_version=_v(2),
        organisation=_unit("oost-brabant"),
        valid_from=date(2026, 1, 1),
        actor=None,
        today=date(2026, 1, 1),
    )
    proposer, colleague = make_user("team_lead"), make_user("team_lead")
    case = _open()
    case_take(
        case, "close_without_action", actor=proposer, expected_version=case.lock_version, reason="dubbel"
    )
    assert not alert_list_for_user(user=proposer).exists()
    [asked] = alert_list_for_user(user=colleague)
    assert asked.kind == "second_person" and asked.case == case


def test_a_colleague_given_a_case_is_told(make_user: Callable[..., Any]) -> None:
    """A team lead handed three cases to a case owner, who was not told any had become his."""
    lead, owner, screener = make_user("team_lead"), make_user("case_owner"), make_user("case_screener")
    case = _open()
    case = case_assign_owner(case, owner=screener, actor=screener, expected_version=case.lock_version)
    assert not alert_list_for_user(user=screener).exists()  # taking a case yourself tells nobody
    case = case_assign_owner(
        case, owner=owner, actor=lead, expected_version=case.lock_version, reason="verlof van de screener"
    )
    [told] = alert_list_for_user(user=owner)
    assert told.kind == "handed_over" and told.case == case
    text = alert_text(told)
    assert case.reference in text and lead.username in text and "verlof van de screener" in text
    assert "). Reden: verlof van de screener" in text  # the reason named as one, not a loose sentence
    case_assign_contact(case, contact=screener, actor=owner, expected_version=case.lock_version)
    assert [a.kind for a in alert_list_for_user(user=screener)] == ["handed_over"]


def test_closing_a_case_settles_the_alerts_of_its_open_work_and_keeps_the_news(
    make_user: Callable[..., Any],
) -> None:
    """A case handed to a colleague and then closed: "given to you" asks nothing of them any more, and is
    settled in the system's name, counted on the closing line; news about the case (a partner's feedback)
    stays to be read."""
    lead, owner = make_user("team_lead"), make_user("case_owner")
    case = _open()
    case = case_assign_owner(case, owner=owner, actor=lead, expected_version=case.lock_version, reason="jij")
    news = alert_raise(
        kind="vt_feedback", message="news", organisation=case.organisation, case=case, recipient=owner
    )
    case = case_take(
        case, "no_further_action", actor=lead, expected_version=case.lock_version, reason="klaar"
    )
    assert case.closed_at is not None
    handed = Alert.objects.get(case=case, kind="handed_over")
    assert handed.read_at is not None and handed.read_by is None
    assert [a.pk for a in alert_list_for_user(user=owner)] == [news.pk]
    assert case.events.get(kind="transition").detail["alerts_settled"] == 1


def test_the_first_step_on_a_case_nobody_owns_makes_whoever_may_own_it_its_owner(
    make_user: Callable[..., Any],
) -> None:
    """A police case was worked and closed while its page said "Eigenaar: nog niemand": every case gets one
    owner, whoever takes its first step (one line in the history, the alerts meant for its owner follow);
    a user of another unit, who may not own it, does not become it; an owner stays the owner."""
    screener, other_unit = (
        make_user("case_screener"),
        make_user("case_screener", organisation="zeeland-west-brabant"),
    )
    case = _open()
    waiting = alert_for_case_owner(case, kind="vt_no_feedback", message="x", fallback_role="case_screener")
    case = case_take(case, "start_screening", actor=other_unit, expected_version=case.lock_version)
    assert case.owner is None
    case = case_take(
        case, "screened", actor=screener, expected_version=case.lock_version, values={"urgency": "low"}
    )
    assert case.owner == screener
    owned, stepped = case.events.order_by("-id")[:2][::-1]
    assert (owned.kind, owned.actor, owned.detail["to"], owned.detail["by_step"]) == (
        "owner",
        screener,
        screener.username,
        "screened",
    )
    assert stepped.kind == "transition"
    assert owned.reason == "eigenaar geworden door een stap te zetten op een zaak zonder eigenaar"
    waiting.refresh_from_db()
    assert waiting.recipient == screener
    colleague = make_user("case_owner")
    case = case_take(case, "stop_talk", actor=colleague, expected_version=case.lock_version)
    assert case.owner == screener and case.events.filter(kind="owner").count() == 1


def test_owner_and_victim_contact_handovers_need_a_reason(make_user: Callable[..., Any]) -> None:
    owner, next_owner, stranger = (
        make_user("case_owner"),
        make_user("case_owner"),
        make_user("police_registrar"),
    )
    case = _open()
    case = case_assign_owner(case, owner=owner, actor=owner, expected_version=case.lock_version)
    with pytest.raises(Refused) as refused:
        case_assign_owner(case, owner=next_owner, actor=owner, expected_version=case.lock_version)
    assert refused.value.code == "reason"
    case = case_assign_owner(
        case, owner=next_owner, actor=owner, expected_version=case.lock_version, reason="verlof"
    )
    case = case_assign_contact(case, contact=owner, actor=next_owner, expected_version=case.lock_version)
    with pytest.raises(Refused):
        case_assign_contact(case, contact=stranger, actor=next_owner, expected_version=case.lock_version)
    handover = case.events.filter(kind="owner").order_by("-id").first()
    assert handover is not None and handover.reason == "verlof"
    assert handover.detail == {"from": owner.username, "to": next_owner.username}
    assert (case.owner, case.victim_contact) == (next_owner, owner)


def test_deadlines_check_escalates_once_with_frozen_time() -> None:
    case = _open(at=datetime(2026, 12, 24, 16, 0, tzinfo=AMSTERDAM))  # deadline: end of Monday 28 December
    assert deadlines_check(now=datetime(2026, 12, 28, 23, 59, tzinfo=AMSTERDAM)) == []
    escalated = deadlines_check(now=datetime(2026, 12, 29, 0, 1, tzinfo=AMSTERDAM))
    assert [c.pk for c in escalated] == [case.pk]
    assert deadlines_check(now=datetime(2026, 12, 30, 9, 0, tzinfo=AMSTERDAM)) == []
    event = case.events.get(kind="escalated")
    assert event.detail["escalate_to"] == "team_lead"
    # The alert dates the deadline as the case page does: the last day, not the midnight after it.
    text = alert_text(Alert.objects.get(case=case, kind="escalated"))
    assert "28-12-2026, einde van de dag" in text and "29-12-2026" not in text


def test_cases_of_another_unit_are_not_visible_and_the_refusal_is_logged_once(
    make_user: Callable[..., Any],
) -> None:
    ours, theirs = _open(), _open(unit="zeeland-west-brabant")
    screener = make_user("case_screener")
    registrar = make_user("police_registrar")
    assert case_get_for_user(user=screener, pk=ours.pk) == ours
    assert list(case_open_list(user=screener)) == [ours]
    for user, pk in ((screener, theirs.pk), (screener, 999_999), (registrar, ours.pk)):
        before = AccessLogEntry.objects.filter(result="refused").count()
        with pytest.raises(NotVisible):
            case_get_for_user(user=user, pk=pk)
        assert AccessLogEntry.objects.filter(result="refused").count() == before + 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE workprocesses_caseevent SET reason = 'rewritten'",
        "DELETE FROM workprocesses_caseevent",
    ],
)
def test_the_history_refuses_update_and_delete(statement: str) -> None:
    _open()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert CaseEvent.objects.filter(reason="rewritten").count() == 0
    assert CaseEvent.objects.count() == 1


def test_the_history_refuses_the_orm_and_sqlite_replace() -> None:
    case = _open()
    event = case.events.get()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        event.delete()
    if connection.vendor == "sqlite":
        with (
            pytest.raises((DatabaseError, IntegrityError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "REPLACE INTO workprocesses_caseevent (id, case_id, at, kind, actor_name, process_version, "
                "transition, from_state, to_state, reason, detail) "
                "VALUES (%s, %s, %s, 'note', 'x', 'x', '', '', '', 'rewritten', '{}')",
                [event.pk, case.pk, event.at],
            )
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE workprocesses_caseevent CASCADE")
    event.refresh_from_db()
    assert event.reason == ""


def test_cases_open_opens_each_case_as_case_open_does_in_two_round_trips_whatever_their_number() -> None:
    registrations = [
        intake_registration(
            actor=None, data=exchange_registration(reference=in_numbering(f"OPEN-{i}")), channel="import"
        ).registration
        for i in range(3)
    ]
    persons = sorted(Person.objects.values_list("pk", flat=True))
    assert len(persons) == 2
    alone = case_open(
        process="ex_partner_stalking",
        organisation=_unit("oost-brabant"),
        title="Bedreiging ex-partner",
        actor=None,
        at=MONDAY,
        persons=[Person(pk=pk) for pk in persons],
        registrations=registrations[:1],
        data={"urgency_provisional": "normal"},
    )
    wanted = [
        CaseToOpen(
            process="ex_partner_stalking" if i % 2 else "dv_screening",
            organisation=_unit("oost-brabant" if i % 3 else "zeeland-west-brabant"),
            title=f"Zaak {i}",
            at=MONDAY,
            persons=persons,
            registrations=[r.pk for r in registrations[: 1 + i % 3]],
            data={"urgency_provisional": "normal"},
        )
        for i in range(30)
    ]
    with versions_remembered():  # as intake does: the roll-outs read once
        cases_open(wanted[:6], actor=None)
        with CaptureQueriesContext(connection) as few:
            cases_open(wanted[:3], actor=None)
        with CaptureQueriesContext(connection) as many:
            opened = cases_open(wanted, actor=None)
    if connection.vendor == "postgresql":  # SQLite runs the statements of one round trip one by one
        assert len(many) == len(few) == 2
    for case, asked in zip(opened, wanted, strict=True):
        case.refresh_from_db()
        assert case.reference == f"Z2026-{case.pk:06d}" and case.title == asked.title
        assert case.organisation == asked.organisation and case.process_version.process == asked.process
        assert sorted(case.persons.values_list("pk", flat=True)) == persons
        assert sorted(case.registrations.values_list("pk", flat=True)) == sorted(asked.registrations)
        assert list(case.events.values_list("kind", "to_state", "actor_name")) == [
            ("opened", case.state, "system")
        ]
    # The same case as case_open opens, field by field (but its own id and reference).
    twin = Case.objects.get(pk=opened[1].pk)  # the same process and unit
    fields = ("state", "deadline_at", "escalate_to", "opened_at", "data", "lock_version", "process_version")
    assert [getattr(twin, f) for f in fields] == [getattr(alone, f) for f in fields]
    assert twin.events.get().detail == alone.events.get().detail


def test_a_colleagues_case_is_handed_over_not_taken(make_user: Callable[..., Any]) -> None:
    # The queue refuses "take on" for a case a colleague owns; the case page's assignment must too.
    owner, colleague, lead = make_user("case_owner"), make_user("case_owner"), make_user("team_lead")
    case = _open()
    case = case_assign_owner(case, owner=owner, actor=lead, expected_version=case.lock_version)
    with pytest.raises(Refused) as refused:
        case_assign_owner(
            case, owner=colleague, actor=colleague, expected_version=case.lock_version, reason="ik"
        )
    assert refused.value.code == "handover"
    case.refresh_from_db()
    assert case.owner == owner
    case = case_assign_contact(case, contact=owner, actor=owner, expected_version=case.lock_version)
    with pytest.raises(Refused) as refused:  # the contact person is the owner's to change, not a colleague's
        case_assign_contact(
            case, contact=colleague, actor=colleague, expected_version=case.lock_version, reason="ik"
        )
    assert refused.value.code == "handover"
    case = case_assign_owner(
        case, owner=colleague, actor=lead, expected_version=case.lock_version, reason="ziek"
    )
    assert case.owner == colleague  # a team lead hands it over


def test_a_choice_fields_choices_keep_the_order_they_are_written_in() -> None:
    # Most serious first: the forms list them so and a value below a suggestion is found by it. PostgreSQL's
    # jsonb, which stores the loaded definition, sorts keys ("low" first); the shipped file keeps the order.
    from ketenzicht.workprocesses.definitions import definition_of
    from ketenzicht.workprocesses.models import ProcessVersion

    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    assert list(definition_of(v2).fields["urgency"].choices) == ["acute", "high", "normal", "low"]


def test_a_proposal_that_makes_its_proposer_the_owner_tells_the_desks_the_case_changed(
    make_user: Callable[..., Any],
) -> None:
    """Proposing a step on a case nobody owns makes the proposer its owner (decision 0012); whatever keeps
    something of the case in step (`case_changed`: the desks' queues and counters, a ZSM file's prosecutor)
    learns of the new owner as it does when a step is taken, in the proposal's transaction."""
    admin = make_user("functional_admin", organisation="ketenzicht-beheer")
    rollout_enable(
        process_version=_v(2),
        organisation=_unit("oost-brabant"),
        valid_from=date(2026, 3, 3),
        actor=admin,
        today=MONDAY.date(),
    )
    case = _open(at=datetime(2026, 3, 3, 9, 0, tzinfo=AMSTERDAM))
    assert case.process_version == _v(2) and case.owner is None
    heard: list[tuple[int, int | None, bool]] = []

    def listen(sender: Any, case: Case, **kwargs: Any) -> None:
        heard.append((case.pk, case.owner_id, bool(case.pending)))

    screener = make_user("case_screener")
    case_changed.connect(listen, dispatch_uid="test-proposal-owner")
    try:
        case = case_take(
            case,
            "close_without_action",
            actor=screener,
            expected_version=case.lock_version,
            reason="Geen feit.",
        )
        assert case.pending is not None and case.owner == screener
        assert heard == [(case.pk, screener.pk, True)]
        # A proposal on a case someone owns changes no owner, and tells nothing new.
        case = case_decline(case, actor=make_user("team_lead"), expected_version=None, reason="Eerst bellen.")
        heard.clear()
        case_take(
            case,
            "close_without_action",
            actor=screener,
            expected_version=case.lock_version,
            reason="Geen feit.",
        )
        assert heard == []
    finally:
        case_changed.disconnect(dispatch_uid="test-proposal-owner")


def test_a_bulk_assignment_assigns_all_or_names_every_refused_case_and_assigns_none(
    make_user: Callable[..., Any],
) -> None:
    """The kernel's bulk assignment (the desks' bulk hand-overs): several cases, one colleague, one reason,
    one transaction. A case it refuses (here one of another unit, which the colleague may not own, and a
    closed one) is named with why, and none is assigned; without refusals every case is, each with its
    history line and the reason."""
    lead, colleague = make_user("team_lead"), make_user("case_owner")
    ours, theirs, closed = _open(), _open(unit="zeeland-west-brabant"), _open()
    closed = case_take(closed, "no_further_action", actor=lead, expected_version=None, reason="klaar")
    lines = CaseEvent.objects.count()
    with pytest.raises(BulkAssignRefused) as refused:
        cases_assign_owner([ours, theirs, closed], person=colleague, actor=lead, reason="verlof")
    assert [(ref, r.code) for ref, r in refused.value.refusals] == [
        (theirs.reference, "person"),
        (closed.reference, "closed"),
    ]
    ours.refresh_from_db()
    assert ours.owner is None and CaseEvent.objects.count() == lines
    with pytest.raises(Refused) as without:
        cases_assign_owner([ours], person=colleague, actor=lead, reason=" ")
    assert without.value.code == "reason"

    second = _open()
    done = cases_assign_owner([ours, second], person=colleague, actor=lead, reason="verlof")
    assert [c.owner for c in done] == [colleague, colleague]
    for case in (ours, second):
        line = case.events.get(kind="owner")
        assert (line.actor, line.reason, line.detail["to"]) == (lead, "verlof", colleague.username)
