"""The police's hand-off to Veilig Thuis ("Melden bij Veilig Thuis") as both sides see it: what it tells
Veilig Thuis (and nothing more), whether it joins the open notification of the registration or opens a new
one that takes over a notification that waited past its term, the inbox marking new police information,
the hand-off counting as taken only when Veilig Thuis takes it up, and the alerts whose reason went away."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.insights.facts import facts_between
from ketenzicht.organisations.models import Organisation
from ketenzicht.screening.models import InstrumentVersion, ScreeningCase
from ketenzicht.screening.recording import screening_record
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.rules import chain_rules
from ketenzicht.veiligthuis.selectors import timeliness
from ketenzicht.veiligthuis.services import being_worked, handoff_target, notification_forward, protocol_check
from ketenzicht.workprocesses.engine.deadlines import grace_end
from ketenzicht.workprocesses.models import Alert, Case, Handoff, ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable
from ketenzicht.workprocesses.services import case_assign_owner, case_take
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.screening.test_desk import HIGH_ANSWERS

pytestmark = pytest.mark.django_db

VT = "vt-brabant-noordoost"
PLAN = "Slachtoffer heeft een noodknop; buren letten op."


@pytest.fixture(autouse=True)
def _language_kept() -> Any:
    """The pages are read in English here; the language a request activated does not outlive the test."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _client(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _screened(make_user: Callable[..., Any], *, days_ago: int, reference: str = "PL0600-HO-1") -> Any:
    """An ex-partner stalking case of Oost-Brabant (the improved process), registered `days_ago` days ago
    (routed to Veilig Thuis then), screened high with the open instrument, acute, stalking indicated, the
    victim spoken to and a safety plan agreed: ready to be notified to Veilig Thuis. (The case, its
    screener.)"""
    rollout_enable(
        process_version=ProcessVersion.objects.get(process="ex_partner_stalking", version=2),
        organisation=Organisation.objects.get(code="oost-brabant"),
        valid_from=date(2020, 1, 1),
        actor=None,
        today=date(2020, 1, 1),
    )
    take_in(reference, MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=days_ago)).isoformat())
    case = ScreeningCase.objects.get().case
    screener = make_user("case_screener", username="screener-ho")
    screener.first_name, screener.last_name, screener.email = "Sanne", "Screener", "s.screener@example.org"
    screener.save()
    case_assign_owner(case, owner=screener, actor=screener, expected_version=None)
    case = case_take(case, "start_screening", actor=screener, expected_version=None)
    screening_record(
        case=case,
        instrument=InstrumentVersion.objects.filter(code="ex_partner_stalking_open").latest("version"),
        answers=HIGH_ANSWERS,
        actor=screener,
    )
    case = case_take(
        case,
        "screened",
        actor=screener,
        expected_version=None,
        values={"urgency": "acute", "stalking_indication": "yes"},
    )
    case = case_take(
        case,
        "contact_victim",
        actor=screener,
        expected_version=None,
        values={"victim_contact_on": timezone.localdate().isoformat()},
    )
    case = case_take(
        case, "agree_safety", actor=screener, expected_version=None, values={"safety_agreements": PLAN}
    )
    return case, screener


def _notify(client: Client, case: Case) -> None:
    case.refresh_from_db()
    answer = client.post(
        reverse("workprocesses:case-act", args=[case.pk]),
        {"action": "take", "transition": "notify_vt", "step-notify_vt-lock_version": case.lock_version},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]


def test_a_handoff_joins_the_notification_still_being_worked_and_veilig_thuis_sees_what_was_handed_over(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=0)
    notification = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation=VT)
    # Someone owned it already: taking the hand-off in is not taking it up.
    case_assign_owner(notification.case, owner=assessor, actor=assessor, expected_version=None)
    client = _client(screener)
    step = client.get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    assert f"Notification {notification.case.reference} of Veilig Thuis Brabant Noordoost" in step
    assert "still being worked: this hand-off adds the" in step
    _notify(client, police)

    assert Notification.objects.count() == 1
    notification.refresh_from_db()
    assert notification.news and notification.news_at is not None
    [told] = notification.handovers
    # Need to know: these facts of the police case and nothing else of it (not the victim contact's date).
    assert set(told) == {
        "handoff", "at", "police_case", "police", "urgency", "level", "instrument", "instrument_version",
        "stalking", "safety_plan", "contact", "contact_email",
    }  # fmt: skip
    assert (told["urgency"], told["level"], told["stalking"]) == ("acute", "high", "Ja")
    assert told["safety_plan"] == PLAN and told["police_case"] == police.reference
    handoff = Handoff.objects.get(kind="veilig_thuis")
    assert handoff.taken_at is None  # the assessor owned it before: nobody took this hand-off up yet
    assert handoff.detail["joined"] == notification.case.reference

    # The notification's page and its history say what was handed over.
    page = _client(assessor).get(reverse("workprocesses:case-detail", args=[notification.case_id]))
    html = page.content.decode()
    assert "What the police handed over" in html and 'data-testid="vt-news"' in html
    panel = html[html.index('data-testid="vt-handover"') :]
    for words in (
        "Acute",
        "Hoog (Open screening stalking",
        "Indications of stalking",
        PLAN,
        "Sanne Screener",
    ):
        assert words in panel, words
    rows = html[html.index('data-testid="history"') :].split('data-testid="history-row"')
    [details] = [row for row in rows if "Hand-off from the police added" in row]  # its Details column
    for words in (police.reference, "Hoog", PLAN.rstrip("."), "Sanne Screener", "s.screener@example.org"):
        assert words in details, words
    # The assessor is told.
    assert Alert.objects.filter(kind="vt_handoff_joined", recipient=assessor, read_at__isnull=True).exists()
    # The police case names the notification it joined, waiting to be picked up.
    police_page = client.get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    handed = police_page[police_page.index('data-testid="handoff-veilig_thuis"') :][:600]
    assert f"to the open case {notification.case.reference}" in handed and "waiting to be picked up" in handed

    # Taken up by the assessor: the police see it taken, the inbox no longer marks it.
    answer = _client(assessor).post(reverse("veiligthuis:take-up", args=[notification.case_id]))
    assert answer.status_code == 302
    handoff.refresh_from_db()
    notification.refresh_from_db()
    assert handoff.taken_at is not None and handoff.taken_by == assessor
    assert not notification.news and notification.news_at is None
    # Its alert asks nothing any more: settled (not left on top of the notification's page), and the line
    # of the take-up counts it.
    joined = Alert.objects.get(kind="vt_handoff_joined", recipient=assessor)
    assert joined.read_at is not None and joined.read_by is None
    line = notification.case.events.get(detail__what="hand-off from the police taken up")
    assert line.detail["alerts_settled"] == 1
    page = _client(assessor).get(reverse("workprocesses:case-detail", args=[notification.case_id]))
    assert "1 alert settled: its reason no longer holds" in page.content.decode()


def test_the_inbox_marks_new_police_information_and_shows_it_first(make_user: Callable[..., Any]) -> None:
    police, screener = _screened(make_user, days_ago=0)
    take_in("PL0600-HO-9", MARCO, {**LOTTE, "given_names": "Iris"}, registered_at=timezone.now().isoformat())
    first, second = Notification.objects.order_by("case_id")
    Notification.objects.filter(pk=second.pk).update(urgency_rank=0)  # acute: first without news
    assessor = make_user("vt_assessor", organisation=VT)
    inbox = _client(assessor).get(reverse("veiligthuis:inbox")).context["rows"]
    assert [row["pk"] for row in inbox] == [second.case_id, first.case_id]
    assert not any(row["news"] for row in inbox)
    _notify(_client(screener), police)
    response = _client(assessor).get(reverse("veiligthuis:inbox"))
    rows = response.context["rows"]
    assert [(row["pk"], row["news"]) for row in rows] == [(first.case_id, True), (second.case_id, False)]
    assert 'data-testid="inbox-news"' in response.content.decode()


def test_a_handoff_on_a_notification_that_waited_past_its_term_opens_a_new_one_that_takes_it_over(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=30)
    old = Notification.objects.select_related("case").get()
    assert old.case.state == "received" and old.case.deadline_at is not None
    assert old.case.deadline_at < timezone.now()  # waited past its term without an assessment
    assessor = make_user("vt_assessor", organisation=VT)
    case_assign_owner(old.case, owner=assessor, actor=assessor, expected_version=None)
    protocol_check()  # no feedback came within the protocol's term: the police case's owner is alerted
    no_feedback = Alert.objects.get(kind="vt_no_feedback", case=police)
    assert no_feedback.read_at is None
    client = _client(screener)
    step = client.get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    assert "waited past its term without a safety assessment: this hand-off opens a new notification" in step
    _notify(client, police)

    old.refresh_from_db()
    new = Notification.objects.select_related("case").exclude(pk=old.pk).get()
    assert not old.open and old.taken_over_by == new and old.case.state == "closed"
    assert new.open and new.news and new.handoff is not None and new.case.owner == assessor
    assert new.case.deadline_at is not None and new.case.deadline_at > timezone.now()
    assert (new.radar_class, new.radar) == (old.radar_class, old.radar)  # the same registration's history
    assert Alert.objects.filter(kind="vt_handoff_takes_over", case=new.case, recipient=assessor).exists()
    # Its owner became its owner by the system: that is not taking the hand-off up.
    assert Handoff.objects.get(kind="veilig_thuis").taken_at is None
    # Both notifications say so; so does the police case, whose alert about the old one is settled.
    vt = _client(assessor)
    new_page = vt.get(reverse("workprocesses:case-detail", args=[new.case_id])).content.decode()
    assert 'data-testid="vt-takes-over"' in new_page and old.case.reference in new_page
    old_page = vt.get(reverse("workprocesses:case-detail", args=[old.case_id])).content.decode()
    assert 'data-testid="vt-taken-over-by"' in old_page and new.case.reference in old_page
    no_feedback.refresh_from_db()
    assert no_feedback.read_at is not None and no_feedback.read_by is None
    police_page = client.get(reverse("workprocesses:case-detail", args=[police.pk]))
    assert 'data-testid="vt-feedback-taken-over"' in police_page.content.decode()
    line = police.events.get(detail__what="notification of Veilig Thuis taken over")
    assert line.detail["alerts_settled"] == 1 and new.case.reference in line.reason
    # The old notification's escalations are settled with it.
    assert not Alert.objects.filter(case=old.case, kind="escalated", read_at__isnull=True).exists()
    # A step of the assessor on the new notification takes the hand-off up.
    case_take(
        new.case, "start_investigation", actor=assessor, expected_version=None,
        values={"unsafety": "structural"},
    )  # fmt: skip
    handoff = Handoff.objects.get(kind="veilig_thuis")
    assert handoff.taken_at is not None and handoff.taken_by == assessor
    assert not Notification.objects.get(pk=new.pk).news
    # ... and settles the alert that announced it.
    takes_over = Alert.objects.get(kind="vt_handoff_takes_over", case=new.case)
    assert takes_over.read_at is not None and takes_over.read_by is None


def test_a_forwarded_notification_takes_what_the_police_handed_over_along_untaken(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=0)
    _notify(_client(screener), police)
    notification = Notification.objects.get()
    assessor = make_user("vt_assessor", organisation=VT)
    forwarded = notification_forward(
        notification,
        to=Organisation.objects.get(code="vt-amsterdam-amstelland"),
        actor=assessor,
        reason="slachtoffer woont in Amsterdam",
    )
    forwarded.refresh_from_db()
    assert forwarded.handovers == notification.handovers and forwarded.news
    assert Handoff.objects.get(kind="veilig_thuis").taken_at is None  # Amsterdam has not taken it up yet


def test_a_notification_taken_over_counts_as_taken_over_not_overdue_and_the_new_one_carries_the_term(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=30)
    old = Notification.objects.get()
    _notify(_client(screener), police)
    old.refresh_from_db()
    new = Notification.objects.exclude(pk=old.pk).get()
    assert old.taken_over_by == new
    # Its close by the take-over is no assessment.
    assert old.assessed_at is None and old.assessed_in_time is None

    # The Veilig Thuis desk's figures: the old one in the week it came in, taken over (not overdue, not
    # late, not in the share in time); the new one in this week, within its term.
    figures = timeliness(viewer=old.organisation, weeks=8, organisation=old.organisation)
    week_of = {row.label: row for row in figures.weeks}
    old_week = "{}-W{:02d}".format(*timezone.localtime(old.received_at).isocalendar()[:2])
    new_week = "{}-W{:02d}".format(*timezone.localtime(new.received_at).isocalendar()[:2])
    counted = week_of[old_week]
    assert (counted.received.value, counted.taken_over.value) == (1, 1)
    assert (counted.overdue_now.value, counted.late.value, counted.in_time.value) == (0, 0, 0)
    assert counted.share_in_time is None
    assert (week_of[new_week].waiting.value, week_of[new_week].taken_over.value) == (1, 0)
    [(_organisation, region)] = [(o, r) for o, r in figures.regions if o.pk == old.organisation_id]
    assert (region.received.value, region.taken_over.value, region.overdue_now.value) == (2, 1, 0)
    assert (region.waiting.value, region.share_in_time) == (1, None)
    page = (
        _client(make_user("team_lead", organisation=VT))
        .get(reverse("veiligthuis:timeliness") + "?weken=8")
        .content.decode()
    )
    assert "Taken over" in page

    # The insight desk's facts: the same.
    first = timezone.localdate() - timedelta(days=40)
    parts = {
        fact.part.partition(":")[2]
        for fact in facts_between(first, timezone.localdate())
        if fact.figure == "vt_notifications"
    }
    assert parts == {"taken_over", "waiting"}


def test_a_notification_just_past_its_term_is_not_taken_over_within_the_grace(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=0)
    # Its term passed a minute ago, without a safety assessment.
    due = timezone.now() - timedelta(minutes=1)
    Case.objects.filter(vt_notification__isnull=False).update(deadline_at=due)
    Notification.objects.update(deadline_at=due, assessment_due_at=due)
    old = Notification.objects.select_related("case").get()
    rules = chain_rules()
    assert rules.protocol.takeover_grace_working_days == 1
    until = grace_end(due, 1)  # the end of the next working day after the day the term passed
    assert until > timezone.now() + timedelta(hours=1)
    # Both sides of the bound: still worked up to the end of the grace, taken over from it.
    assert being_worked(old, at=until - timedelta(minutes=1))
    assert not being_worked(old, at=until)
    # Without a grace, a minute past the term was enough.
    no_grace = rules.model_copy(
        update={"protocol": rules.protocol.model_copy(update={"takeover_grace_working_days": 0})}
    )
    assert not being_worked(old, at=timezone.now(), rules=no_grace)

    # The step says beforehand that the hand-off joins it, and until when the grace runs.
    client = _client(screener)
    step = client.get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    with translation.override("en"):
        said = f"within the grace after it (until {deadline_text(until)})"
    assert said in step and "opens no new notification" in step
    _notify(client, police)
    old.refresh_from_db()
    assert Notification.objects.count() == 1
    assert old.open and old.taken_over_by is None and old.news and len(old.handovers) == 1


def test_an_acute_handoff_asks_feedback_within_the_acute_term_and_misses_it_after(
    make_user: Callable[..., Any],
) -> None:
    """Veilig Thuis acts on acute unsafety at once: the police case of an acute hand-off expects feedback
    within the chain rules' acute term (not the 5 working days of another), shows it, and past it the
    feedback is missing and its owner alerted."""
    from ketenzicht.veiligthuis.selectors import feedback_missing
    from ketenzicht.veiligthuis.services.opening import feedback_due
    from ketenzicht.workprocesses.engine.deadlines import deadline_at

    police, screener = _screened(make_user, days_ago=0)
    before = Notification.objects.get()
    assert before.urgency_rank != 0  # routed at intake, before the screener judged it acute
    client = _client(screener)
    _notify(client, police)
    notification = Notification.objects.get()
    handoff = Handoff.objects.get(kind="veilig_thuis")
    rules = chain_rules()
    term = rules.protocol.acute_feedback_term
    assert term is not None and (term.amount, term.unit.value) == (1, "working_days")
    assert notification.urgency_rank == 0
    assert notification.feedback_due_at == deadline_at(handoff.created_at, term.amount, term.unit)
    assert notification.feedback_due_at < feedback_due(handoff.created_at, rules)  # the other term: later

    page = client.get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    assert f"Feedback expected by {deadline_text(notification.feedback_due_at)}." in page

    after = notification.feedback_due_at + timedelta(minutes=1)
    assert Notification.objects.filter(feedback_missing(after), pk=notification.pk).exists()
    assert not Notification.objects.filter(
        feedback_missing(notification.feedback_due_at - timedelta(minutes=1)), pk=notification.pk
    ).exists()
    protocol_check(now=after)
    assert Alert.objects.filter(kind="vt_no_feedback", case=police).exists()


def test_an_acute_handoff_that_opens_a_notification_gives_it_the_acute_feedback_term(
    make_user: Callable[..., Any],
) -> None:
    from ketenzicht.veiligthuis.services.opening import feedback_due

    police, screener = _screened(make_user, days_ago=30)
    old = Notification.objects.get()
    _notify(_client(screener), police)
    new = Notification.objects.exclude(pk=old.pk).get()
    assert new.feedback_due_at == feedback_due(new.received_at, chain_rules(), acute=True)
    assert new.feedback_due_at < feedback_due(new.received_at, chain_rules())
    # A non-acute notification keeps the feedback term.
    assert old.urgency_rank != 0 and old.feedback_due_at == feedback_due(old.received_at, chain_rules())


def test_the_takeover_names_the_assessment_term_and_the_no_feedback_alert_the_feedback_term(
    make_user: Callable[..., Any],
) -> None:
    """Two terms in one story, named apart in Dutch: the takeover's line on the new notification gives the
    old one's term for the safety assessment; the police's alert gives the term for the feedback."""
    from ketenzicht.workprocesses.alerts import alert_text

    police, screener = _screened(make_user, days_ago=30)
    old = Notification.objects.select_related("case").get()
    assert old.case.deadline_at is not None and old.feedback_due_at is not None
    protocol_check()
    alert = Alert.objects.get(kind="vt_no_feedback", case=police)
    with translation.override("nl"):
        said = alert_text(alert)
    assert f"binnen de termijn voor de terugkoppeling ({deadline_text(old.feedback_due_at)})" in said
    _notify(_client(screener), police)
    new = Notification.objects.exclude(pk=old.pk).get()
    notes = " ".join(new.case.events.values_list("reason", flat=True))
    assert f"na haar termijn voor de veiligheidsbeoordeling ({deadline_text(old.case.deadline_at)})" in notes
    page = (
        _client(screener, "nl").get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    )
    assert "termijn voor de veiligheidsbeoordeling" in page  # the police case: the old one was taken over


def _step_note(client: Client, police: Case) -> str:
    page = client.get(reverse("workprocesses:case-detail", args=[police.pk])).content.decode()
    start = page.index("This hand-off goes to")
    return re.sub(r"\s+", " ", html.unescape(page[start : page.index("<", start)]))


def test_the_police_see_where_the_handoff_goes_and_by_whose_municipality(
    make_user: Callable[..., Any],
) -> None:
    police, screener = _screened(make_user, days_ago=3)
    client = _client(screener)
    [first] = police.registrations.all()
    note = _step_note(client, police)
    assert note.startswith(
        "This hand-off goes to Veilig Thuis Brabant Noordoost, the Veilig Thuis organisation of "
        f"'s-Hertogenbosch: where the case's latest registration {first.reference} happened (no registration "
        "of the case names an address of the victim)."
    ), note

    # A later registration of the pair names the victim's address in Oss: her municipality decides.
    take_in(
        "PL0600-HO-2",
        MARCO,
        {**LOTTE, "address": {"postcode": "5341 AB", "house_number": "3", "municipality": "GM0828"}},
        registered_at=(timezone.now() - timedelta(days=2)).isoformat(),
    )
    police.refresh_from_db()
    second = police.registrations.exclude(pk=first.pk).get()
    target = handoff_target(police)
    assert target is not None and target.basis == "victim" and target.routed_by is None
    assert _step_note(client, police).startswith(
        "This hand-off goes to Veilig Thuis Brabant Noordoost, the Veilig Thuis organisation of Oss: where "
        f"the victim lives according to the case's latest registration {second.reference}."
    )

    # The latest registration of the case names no address of the victim and happened in Tilburg: the
    # hand-off goes by the victim's most recent address known among the case's registrations, and says so.
    take_in(
        "PL0600-HO-3",
        MARCO,
        {k: v for k, v in LOTTE.items() if k != "address"},
        registered_at=(timezone.now() - timedelta(days=1)).isoformat(),
        municipality="GM0855",
    )
    police.refresh_from_db()
    latest = police.registrations.order_by("-registered_at", "-id").first()
    assert latest is not None and latest.pk not in (first.pk, second.pk)
    later = handoff_target(police)
    assert later is not None and later.organisation.code == VT and later.routed_by == second
    note = _step_note(client, police)
    assert note.startswith(
        "This hand-off goes to Veilig Thuis Brabant Noordoost, the Veilig Thuis organisation of Oss: the "
        f"victim's most recent address among the case's registrations (registration {second.reference}). "
        f"The case's latest registration {latest.reference} names no address of the victim (where it "
        "happened: Tilburg)."
    ), note
    dutch = _client(screener, "nl").get(reverse("workprocesses:case-detail", args=[police.pk]))
    assert (
        "Deze overdracht gaat naar Veilig Thuis Brabant Noordoost, de Veilig Thuis-organisatie van Oss: het "
        "meest recente adres van het slachtoffer in de registraties van de zaak (registratie "
        f"{second.reference}). De laatste registratie van de zaak, {latest.reference}, noemt geen adres van "
        "het slachtoffer (waar het gebeurde: Tilburg)."
    ) in re.sub(r"\s+", " ", html.unescape(dutch.content.decode()))
    _notify(client, police)
    assert Notification.objects.filter(handoff__isnull=False).get().organisation.code == VT
