"""A screening recorded on a case still "Nieuw" starts it: the process's start step is taken first, in the
same transaction, by the screener, at the recording moment (the start deadline met then), with its own line
in the history; the queue no longer counts the case overdue and the case page no longer offers "Screening
starten". Where the start step is refused, the screening is refused with it and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ketenzicht.screening.models import InstrumentVersion, Screening, ScreeningCase
from ketenzicht.screening.receivers import SCREENING_PROCESSES
from ketenzicht.screening.recording import START_SCREENING, StartRefused, screening_record
from ketenzicht.screening.selectors import DESK_ROLES, QueueFilter, queue_for_user
from ketenzicht.workprocesses.alerts import alert_list_for_user
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.machine import Refused, state_deadline
from ketenzicht.workprocesses.models import Case, CaseEvent, EventKind, ProcessVersion
from ketenzicht.workprocesses.services import case_confirm, case_take, deadlines_check
from ketenzicht.workprocesses.signals import case_stepping
from tests.clients import signed_in
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.screening.test_desk import HIGH_ANSWERS, _days_ago, _form_data, _pilot
from tests.screening.test_record import NO

pytestmark = pytest.mark.django_db


def _new_case(
    relation: str = "ex_partner", summary: str = "Hij dreigde haar dood te maken met een mes."
) -> Case:
    take_in("PL0600-S-1", MARCO, LOTTE, registered_at=_days_ago(2), relation=relation,
            summary=summary)  # fmt: skip
    case = ScreeningCase.objects.get().case
    assert case.state == "new" and case.owner is None and case.deadline_at is not None
    return case


def _instrument() -> InstrumentVersion:
    return InstrumentVersion.objects.filter(code="ex_partner_stalking_open").latest("version")


def _lines(case: Case) -> list[CaseEvent]:
    return list(case.events.order_by("at", "id"))


def test_every_screening_process_version_starts_from_its_first_state_without_requirements() -> None:
    """What recording relies on, for every loaded version of the screening processes (dv_screening v1,
    ex_partner_stalking v1 and v2): the start step leaves the first state ("Nieuw") for a state that is not
    final, asks for nothing, and every role of the screening desk may take it."""
    versions = ProcessVersion.objects.filter(process__in=SCREENING_PROCESSES)
    assert {(v.process, v.version) for v in versions} >= {
        ("dv_screening", 1),
        ("ex_partner_stalking", 1),
        ("ex_partner_stalking", 2),
    }
    for version in versions:
        definition = definition_of(version)
        step = definition.transition(START_SCREENING)
        assert step is not None, version
        assert (
            step.sources == (definition.initial,) and definition.states[definition.initial].label == "Nieuw"
        )
        assert not definition.states[step.to].final
        assert not (step.requires.fields or step.requires.recorded or step.requires.reason), version
        assert not step.requires.second_person and set(DESK_ROLES) <= set(step.roles), version


def test_a_screening_recorded_on_a_new_case_starts_it_and_the_desk_shows_it_started(
    make_user: Callable[..., Any],
) -> None:
    """The defect found walking the demo: the screening was stored, the case stayed "Nieuw", went overdue,
    was escalated, and its page offered "Screening starten" again."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    case = _new_case()
    # It went overdue before anyone started it (its deadline set back, on the case and the queue's copy of
    # it): escalated to the team lead.
    passed = timezone.now() - timedelta(minutes=5)
    Case.objects.filter(pk=case.pk).update(deadline_at=passed)
    ScreeningCase.objects.filter(case=case).update(deadline_at=passed)
    assert [c.pk for c in deadlines_check(cases=[case.pk])] == [case.pk]
    assert alert_list_for_user(user=lead).filter(kind="escalated").count() == 1
    assert [row.case_id for row in queue_for_user(user=screener, chosen=QueueFilter(overdue=True))] == [
        case.pk
    ]

    client = signed_in(screener)
    url = reverse("screening:screening-new", args=[case.pk])
    data = _form_data(client, url)
    before = timezone.now()
    answer = client.post(url, {**data, "action": "record"})
    after = timezone.now()
    assert answer.status_code == 302
    screening = Screening.objects.get()
    case.refresh_from_db()

    # Past the start: "In screening", its deadline counted from the recording moment, and the screener its
    # owner: the start step, as every first step on a case nobody owns, makes whoever takes it the owner.
    assert case.state == "screening" and case.owner == screener
    recorded_at = screening.recorded_at
    assert before <= recorded_at <= after
    definition = definition_of(case.process_version)
    expected, _escalate_to = state_deadline(definition, "screening", recorded_at, None, case.data)
    assert expected is not None and case.deadline_at == expected and expected > after
    assert case.escalated_at is None
    # The history: the start step by the screener at the recording moment, then the screening.
    *_, start, recorded = _lines(case)
    assert (start.kind, start.transition, start.from_state, start.to_state) == (
        EventKind.TRANSITION,
        START_SCREENING,
        "new",
        "screening",
    )
    assert start.actor == screener and start.at == recorded_at  # the start deadline met at that moment
    assert start.reason == "gestart door het vastleggen van de risicoscreening"
    assert (recorded.kind, recorded.actor, recorded.at) == (EventKind.RECORDED, screener, recorded_at)
    assert recorded.detail["screening"] == screening.pk and start.id < recorded.id
    assert case.events.filter(transition=START_SCREENING).count() == 1
    # The escalation asks nothing any more; the queue no longer counts the case overdue.
    assert not alert_list_for_user(user=lead).filter(kind="escalated").exists()
    assert not queue_for_user(user=screener, chosen=QueueFilter(overdue=True)).exists()
    assert not deadlines_check(cases=[case.pk])

    # The case page offers completing the screening, no longer starting it, and its history says both.
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk]))
    html = page.content.decode()
    offered = [form.transition.name for form in page.context["step_forms"]]
    assert START_SCREENING not in offered and "screened" in offered
    assert 'data-testid="step-start_screening"' not in html and 'data-testid="step-screened"' in html
    assert 'data-testid="case-state">In screening<' in html
    rows = html.split('data-testid="history-row"')[1:]
    started = next(row for row in rows if "Screening starten" in row)
    assert (
        "Nieuw → In screening" in started and "gestart door het vastleggen van de risicoscreening" in started
    )
    assert any("Screening vastgelegd" in row for row in rows)

    # A second screening on the started case takes no step.
    assert client.post(url, {**data, "action": "record"}).status_code == 302
    assert case.events.filter(transition=START_SCREENING).count() == 1


@pytest.mark.parametrize(
    ("relation", "process"), [("partner", "dv_screening"), ("ex_partner", "ex_partner_stalking")]
)
def test_each_process_starts_on_a_recorded_screening_also_when_the_level_waits_for_a_second_person(
    make_user: Callable[..., Any], relation: str, process: str
) -> None:
    screener = make_user("case_screener")
    make_user("team_lead")
    case = _new_case(relation)
    assert case.process_version.process == process
    at = case.opened_at + timedelta(minutes=30)  # within the start deadline
    assert case.deadline_at is not None and at < case.deadline_at
    lowered = screening_record(
        case=case, instrument=_instrument(), answers=HIGH_ANSWERS, level="medium",
        reason="Zij is verhuisd naar een geheim adres.", actor=screener, at=at,
        expected_version=case.lock_version,  # the form's version, from before the start
    )  # fmt: skip
    assert lowered.status == Screening.Status.AWAITING_SECOND
    case.refresh_from_db()
    # The screening started, though its level waits; nothing of the level is on the case yet.
    assert case.state == "screening" and "screening_level" not in case.data
    start = case.events.get(transition=START_SCREENING)
    assert (start.at, start.actor) == (at, screener)
    assert case.events.filter(kind=EventKind.RECORDED, at=at, detail__awaiting_second=True).exists()


def test_ex_partner_stalking_v2_starts_too(make_user: Callable[..., Any]) -> None:
    _pilot()
    screener = make_user("case_screener")
    case = _new_case()
    assert (case.process_version.process, case.process_version.version) == ("ex_partner_stalking", 2)
    screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
    case.refresh_from_db()
    assert case.state == "screening" and case.events.filter(transition=START_SCREENING).count() == 1


def test_a_screening_is_recorded_while_a_close_without_action_waits_and_the_close_waits_on(
    make_user: Callable[..., Any],
) -> None:
    """Version 2: "Afsluiten zonder actie" proposed on the new case waits for a team lead. The screener
    records the risk screening meanwhile (the defect: the waiting proposal refused the start step, so the
    screening was refused): the start step is taken beside the proposal, which keeps waiting (it may be
    taken from "In screening" too), and the team lead confirms it on the case as it is then, screened."""
    _pilot()
    screener, owner, lead = make_user("case_screener"), make_user("case_owner"), make_user("team_lead")
    case = _new_case(summary="Hij stuurde haar berichten over de kinderen.")
    case = case_take(case, "close_without_action", actor=owner, expected_version=None, reason="Geen feit.")
    assert case.pending is not None and case.state == "new" and case.owner == owner
    proposal = dict(case.pending)

    client = signed_in(screener)
    url = reverse("screening:screening-new", args=[case.pk])
    page = client.post(url, {**_form_data(client, url), "action": "record"})
    assert page.status_code == 302
    screening = Screening.objects.get()
    case.refresh_from_db()
    assert case.state == "screening" and case.data["screening_level"] == screening.level
    assert case.pending == proposal and case.closed_at is None and case.owner == owner
    *_, start, recorded = _lines(case)
    assert (start.transition, start.from_state, start.to_state, start.actor) == (
        START_SCREENING,
        "new",
        "screening",
        screener,
    )
    assert start.detail["beside_waiting"] == "Afsluiten zonder actie" and recorded.kind == EventKind.RECORDED
    # The team leads' alert for the proposal still asks them.
    assert alert_list_for_user(user=lead).filter(kind="second_person").count() == 1

    # The case page shows the proposal waiting, to confirm; confirmed, it closes the screened case.
    html = signed_in(lead).get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    waiting = html.split('data-testid="pending"')[1].split("</section>")[0]
    assert "Afsluiten zonder actie" in waiting and 'data-testid="confirm-form"' in waiting
    started = next(row for row in html.split('data-testid="history-row"')[1:] if "Screening starten" in row)
    assert "naast het voorstel dat wacht: Afsluiten zonder actie" in started
    case = case_confirm(case, actor=lead, expected_version=case.lock_version)
    closed = case.events.order_by("-id").first()
    assert case.state == "closed" and case.pending is None
    assert closed is not None and (closed.from_state, closed.detail["proposed_by"]) == (
        "screening",
        owner.username,
    )


def test_a_refused_start_refuses_the_screening_naming_why_and_stores_nothing(
    make_user: Callable[..., Any],
) -> None:
    """Where the start step is refused (here a desk's rule on it, `case_stepping`), the screening is refused
    in words that name the step and why, and nothing is stored."""
    screener = make_user("case_screener")
    case = _new_case(summary="Hij stuurde haar berichten over de kinderen.")
    lines, version = case.events.count(), case.lock_version

    def refuse_start(sender: Any, transition: str, **kwargs: Any) -> None:
        if transition == START_SCREENING:
            raise Refused("desk", "", said="Eerst de aangifte opnemen.")

    case_stepping.connect(refuse_start, dispatch_uid="test-refuse-start")
    try:
        with pytest.raises(StartRefused) as refused:
            screening_record(case=case, instrument=_instrument(), answers=NO, actor=screener)
        assert isinstance(refused.value, Refused) and refused.value.refusal.code == "desk"

        client = signed_in(screener)
        url = reverse("screening:screening-new", args=[case.pk])
        page = client.post(url, {**_form_data(client, url), "action": "record"})
    finally:
        case_stepping.disconnect(dispatch_uid="test-refuse-start")
    assert page.status_code == 422
    html = page.content.decode()
    assert "De screening is niet opgeslagen: het vastleggen ervan start de screening van de zaak" in html
    assert "(stap „Screening starten”)" in html and "Eerst de aangifte opnemen." in html
    case.refresh_from_db()
    assert not Screening.objects.exists()
    assert (case.state, case.lock_version, case.events.count()) == ("new", version, lines)


def test_a_role_outside_the_screening_desk_starts_nothing(make_user: Callable[..., Any]) -> None:
    case = _new_case()
    with pytest.raises(Refused) as refused:
        screening_record(case=case, instrument=_instrument(), answers=NO, actor=make_user("police_registrar"))
    assert refused.value.code == "role"
    case.refresh_from_db()
    assert case.state == "new" and not case.events.filter(transition=START_SCREENING).exists()
