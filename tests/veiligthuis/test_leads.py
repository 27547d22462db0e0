"""The Veilig Thuis leads' tools: the chain contact's list of feedback to the police (sent, due, missing as
the protocol's alert counts it, the police case named only where the sharing rules let Veilig Thuis see
it), and the team lead's bulk hand-over of the inbox (all or nothing, each refusal named)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation, Post
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.services import notification_forward, protocol_check
from ketenzicht.workprocesses.models import CaseEvent, EventKind
from ketenzicht.workprocesses.services import case_assign_owner, case_take
from tests.clients import signed_in
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.web.test_dutch_pages import recording_untranslated, text_problems

pytestmark = pytest.mark.django_db

SANNE = {"given_names": "Sanne", "surname": "Bakker", "birth_date": "1992-11-11", "sex": "F"}
VT = "vt-brabant-noordoost"


def _ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def _rows(page: str) -> dict[str, str]:
    """The feedback list's rows: the notification's reference -> its row's HTML."""
    rows = re.findall(r'<tr class="utrecht-table__row" data-testid="feedback-row".*?</tr>', page, re.S)
    return {re.search(r">(VT[^<]+)</a>", row).group(1): row for row in rows}  # type: ignore[union-attr]


def _count(page: str, name: str) -> int:
    found = re.search(rf'data-testid="feedback-count-{name}">(\d+)<', page)
    assert found is not None, name
    return int(found.group(1))


@pytest.fixture
def four(make_user: Callable[..., Any]) -> dict[str, Notification]:
    """Four notifications of one Veilig Thuis from the police: one past its feedback term without feedback,
    one within it, one fed back (acute unsafety), one forwarded to another Veilig Thuis."""
    take_in("PL0600-FB-1", MARCO, LOTTE, registered_at=_ago(20))
    take_in("PL0600-FB-2", MARCO, SANNE, registered_at=_ago(0))
    take_in("PL0600-FB-3", BART, ILSE, registered_at=_ago(1))
    take_in("PL0600-FB-4", BART, SANNE, registered_at=_ago(2))
    late, due, sent, away = Notification.objects.select_related("case", "police_case").order_by(
        "registration__reference"
    )
    assessor = make_user("vt_assessor", organisation=VT)
    case_take(
        sent.case, "declare_acute", actor=assessor, expected_version=None, values={"acute_actions": "opvang"}
    )
    notification_forward(
        away, to=Organisation.objects.get(code="vt-amsterdam-amstelland"), actor=assessor, reason="verhuisd"
    )
    for n in (late, due, sent, away):
        n.refresh_from_db()
    assert {n.organisation.code for n in (late, due, sent, away)} == {VT}
    return {"late": late, "due": due, "sent": sent, "away": away}


def test_the_chain_contact_sees_which_feedback_is_sent_due_or_missing(
    make_user: Callable[..., Any], four: dict[str, Notification]
) -> None:
    late, due, sent, away = four["late"], four["due"], four["sent"], four["away"]
    contact = make_user("chain_contact", organisation=VT)
    response = signed_in(contact).get("/veiligthuis/terugkoppeling/")
    page = response.content.decode()
    assert response.status_code == 200
    assert (_count(page, "missing"), _count(page, "due"), _count(page, "sent"), _count(page, "total")) == (
        1,
        1,
        1,
        4,
    )
    rows = _rows(page)
    assert set(rows) == {n.case.reference for n in (late, due, sent, away)}
    # Missing first, then due; then the rest, the latest received first.
    assert list(rows)[:2] == [late.case.reference, due.case.reference]
    assert list(rows)[2:] == [sent.case.reference, away.case.reference]
    assert 'data-state="missing"' in rows[late.case.reference]
    assert 'data-state="due"' in rows[due.case.reference]
    assert 'data-state="sent"' in rows[sent.case.reference]
    assert 'data-state="forwarded"' in rows[away.case.reference]
    # What the police case was told, by the process file's words.
    assert "Onveiligheid: Acute onveiligheid" in rows[sent.case.reference]
    # The police case by its reference where Veilig Thuis sees its registration; the forwarded one's
    # disclosure ended, so its police case is not named.
    assert late.police_case is not None and away.police_case is not None
    assert late.police_case.reference in rows[late.case.reference]
    assert away.police_case.reference not in page and "niet getoond" in rows[away.case.reference]
    # No names of persons.
    assert not any(name in page for name in ("Lotte", "Sanne", "Ilse", "Marco", "Bart"))
    # Missing is what the protocol's no-feedback alert counts.
    alerted = {n.case.reference for n in protocol_check()}
    assert alerted == {late.case.reference}
    # The filters: the state, the period of receipt.
    missing = signed_in(contact).get("/veiligthuis/terugkoppeling/?state=missing").content.decode()
    assert set(_rows(missing)) == {late.case.reference}
    assert set(_rows(signed_in(contact).get("/veiligthuis/terugkoppeling/?state=sent").content.decode())) == {
        sent.case.reference
    }
    since = (timezone.localdate() - timedelta(days=5)).isoformat()
    recent = signed_in(contact).get(f"/veiligthuis/terugkoppeling/?since={since}").content.decode()
    assert (_count(recent, "missing"), _count(recent, "total")) == (0, 3)
    assert late.case.reference not in _rows(recent)
    # The page view is logged with its purpose, and what was chosen.
    logged = AccessLogEntry.objects.filter(object_type="vt_feedback", actor=contact).order_by("pk")
    assert logged.count() == 4 and {e.result for e in logged} == {"shown"}
    assert logged.first().purpose == "keeping the chain protocol: feedback to the police"  # type: ignore[union-attr]
    assert logged.last().detail["filters"] == {"since": since}  # type: ignore[union-attr]


def test_a_period_that_is_no_period_is_refused_at_its_field(
    make_user: Callable[..., Any], four: dict[str, Notification]
) -> None:
    contact = signed_in(make_user("chain_contact", organisation=VT))
    response = contact.get("/veiligthuis/terugkoppeling/?since=2026-12-01&until=2026-11-01")
    page = response.content.decode()
    assert response.status_code == 422
    error = page.split('data-testid="error-until"')[1][:300]
    assert "Ontvangen vanaf" in error
    assert 'data-testid="feedback-row"' not in page and 'data-testid="feedback-counts"' not in page
    bad = contact.get("/veiligthuis/terugkoppeling/?since=gisteren")
    assert bad.status_code == 422 and 'data-testid="error-since"' in bad.content.decode()


def test_only_the_chain_contact_sees_the_feedback_list_and_only_of_their_own_organisation(
    make_user: Callable[..., Any], four: dict[str, Notification]
) -> None:
    for role, organisation in (
        ("vt_assessor", VT),
        ("team_lead", VT),
        ("case_screener", "oost-brabant"),
        ("national_analyst", "landelijke-eenheid"),
    ):
        user = make_user(role, organisation=organisation)
        assert signed_in(user).get("/veiligthuis/terugkoppeling/").status_code == 403, role
        refused = AccessLogEntry.objects.filter(object_type="vt_feedback", actor=user)
        assert [e.result for e in refused] == ["refused"], role  # logged once
    # The home page leads the chain contact there, and nobody else.
    contact = make_user("chain_contact", organisation=VT)
    assert 'data-testid="home-vt-feedback"' in signed_in(contact).get("/").content.decode()
    assert 'data-testid="home-vt-feedback"' not in (
        signed_in(make_user("vt_assessor", organisation=VT)).get("/").content.decode()
    )
    assert "Terugkoppeling aan de politie" in signed_in(contact).get("/").content.decode()
    # Another Veilig Thuis's chain contact sees only the forwarded notification it received, and its
    # police case (the registration is disclosed to it now).
    there = make_user("chain_contact", organisation="vt-amsterdam-amstelland")
    page = signed_in(there).get("/veiligthuis/terugkoppeling/").content.decode()
    forwarded = Notification.objects.select_related("case", "police_case").get(
        organisation__code="vt-amsterdam-amstelland"
    )
    assert set(_rows(page)) == {forwarded.case.reference} and _count(page, "total") == 1
    assert forwarded.police_case is not None and forwarded.police_case.reference in page


# --- the team lead's bulk hand-over ----------------------------------------------------------------------


def _owner_events(*notifications: Notification) -> int:
    return CaseEvent.objects.filter(
        case_id__in=[n.case_id for n in notifications], kind=EventKind.OWNER
    ).count()


@pytest.fixture
def inbox() -> list[Notification]:
    take_in("PL0600-HO-1", MARCO, LOTTE, registered_at=_ago(1))
    take_in("PL0600-HO-2", MARCO, SANNE, registered_at=_ago(0))
    take_in("PL0600-HO-3", BART, ILSE, registered_at=_ago(0))
    return list(Notification.objects.select_related("case").order_by("registration__reference"))


def test_the_team_lead_hands_chosen_notifications_over_with_one_history_line_each(
    make_user: Callable[..., Any], inbox: list[Notification]
) -> None:
    lead = make_user("team_lead", organisation=VT)
    colleague = make_user("vt_assessor", organisation=VT)
    client = signed_in(lead)
    page = client.get("/veiligthuis/").content.decode()
    assert page.count('data-testid="bulk-choose"') == 3 and 'data-testid="bulk-form"' in page
    # The page, not the browser, says what a hand-over lacks (in Dutch, at each field): no browser check.
    assert re.search(r'<form [^>]*data-testid="bulk-form"[^>]* novalidate>', page)
    first, second, third = inbox
    response = client.post(
        "/veiligthuis/overdragen/",
        {"notifications": [first.case_id, second.case_id], "person": colleague.pk, "reason": "verlof"},
        follow=True,
    )
    assert response.redirect_chain == [("/veiligthuis/", 302)]
    assert "2 meldingen overgedragen aan" in response.content.decode()
    for n in (first, second):
        n.case.refresh_from_db()
        assert n.case.owner == colleague
        [event] = CaseEvent.objects.filter(case_id=n.case_id, kind=EventKind.OWNER)
        assert (event.actor, event.reason) == (lead, "verlof")
    third.case.refresh_from_db()
    assert third.case.owner is None and _owner_events(third) == 0
    one = client.post(
        "/veiligthuis/overdragen/",
        {"notifications": [third.case_id], "person": colleague.pk, "reason": "verlof"},
        follow=True,
    )
    assert "1 melding overgedragen aan" in one.content.decode()
    # Handed over from a filtered inbox: back to the inbox as filtered, from its first page.
    filtered = client.post(
        "/veiligthuis/overdragen/?acute=on&page=2",
        {"notifications": [third.case_id], "person": lead.pk, "reason": "terug"},
    )
    assert filtered.status_code == 302 and filtered["Location"] == "/veiligthuis/?acute=on"


def test_a_refused_hand_over_names_each_refused_notification_and_hands_over_none(
    make_user: Callable[..., Any], inbox: list[Notification]
) -> None:
    lead = make_user("team_lead", organisation=VT)
    away = make_user("vt_assessor", organisation=VT)
    first, second, third = inbox
    # The first is hers already (keeping who holds it stays possible); then she is recorded absent.
    case_assign_owner(first.case, owner=away, actor=away, expected_version=None)
    Post.objects.create(
        organisation=away.organisation, user=away, kind="zsm_coordinator", absent_from=timezone.localdate()
    )
    before = _owner_events(*inbox)
    response = signed_in(lead).post(
        "/veiligthuis/overdragen/",
        {"notifications": [n.case_id for n in inbox], "person": away.pk, "reason": "herverdeling"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    refusals = re.findall(r'data-testid="bulk-refusal">([^<]*)<', page)
    assert [r.split(":")[0] for r in refusals] == [second.case.reference, third.case.reference]
    assert all("afwezig" in r for r in refusals)
    assert _owner_events(*inbox) == before  # nothing half done: the first was not handed again either
    for n in (second, third):
        n.case.refresh_from_db()
        assert n.case.owner is None
    # What was chosen and typed is shown again.
    assert page.count("checked") >= 3 and "herverdeling" in page


def test_a_hand_over_form_with_mistakes_answers_422_at_its_fields(
    make_user: Callable[..., Any], inbox: list[Notification]
) -> None:
    lead = signed_in(make_user("team_lead", organisation=VT))
    colleague = make_user("vt_assessor", organisation=VT)
    empty = lead.post("/veiligthuis/overdragen/", {"person": colleague.pk, "reason": "verlof"})
    assert empty.status_code == 422
    assert (
        "Kies minstens één melding." in empty.content.decode().split('data-testid="error-notifications"')[1]
    )
    unreasoned = lead.post(
        "/veiligthuis/overdragen/",
        {"notifications": [inbox[0].case_id], "person": colleague.pk, "reason": ""},
    )
    assert unreasoned.status_code == 422 and 'data-testid="error-reason"' in unreasoned.content.decode()
    # A colleague of another organisation is no choice.
    stranger = make_user("vt_assessor", organisation="vt-amsterdam-amstelland")
    foreign = lead.post(
        "/veiligthuis/overdragen/",
        {"notifications": [inbox[0].case_id], "person": stranger.pk, "reason": "verlof"},
    )
    assert foreign.status_code == 422 and 'data-testid="error-person"' in foreign.content.decode()
    assert _owner_events(*inbox) == 0


def test_only_a_team_lead_of_the_organisation_hands_its_notifications_over(
    make_user: Callable[..., Any], inbox: list[Notification]
) -> None:
    colleague = make_user("vt_assessor", organisation=VT)
    data = {"notifications": [inbox[0].case_id], "person": colleague.pk, "reason": "verlof"}
    for role, organisation in (
        ("vt_assessor", VT),
        ("chain_contact", VT),
        ("team_lead", "oost-brabant"),
    ):
        user = make_user(role, organisation=organisation)
        assert signed_in(user).post("/veiligthuis/overdragen/", data).status_code == 403, role
    assessor_page = signed_in(colleague).get("/veiligthuis/").content.decode()
    assert 'data-testid="bulk-choose"' not in assessor_page and 'data-testid="bulk-form"' not in assessor_page
    # Another Veilig Thuis's team lead: the notification is not in their inbox, the same as a missing one.
    other = make_user("team_lead", organisation="vt-amsterdam-amstelland")
    theirs = make_user("vt_assessor", organisation="vt-amsterdam-amstelland")
    response = signed_in(other).post(
        "/veiligthuis/overdragen/",
        {"notifications": [inbox[0].case_id], "person": theirs.pk, "reason": "verlof"},
    )
    assert response.status_code == 422 and inbox[0].case.reference not in response.content.decode()
    assert _owner_events(*inbox) == 0


def test_the_team_leads_inbox_and_a_refused_hand_over_are_dutch(
    make_user: Callable[..., Any], inbox: list[Notification], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Dutch walk's team lead is the police's: Veilig Thuis's team lead's pages are walked here."""
    lead = signed_in(make_user("team_lead", organisation=VT))
    away = make_user("vt_assessor", organisation=VT)
    Post.objects.create(
        organisation=away.organisation, user=away, kind="zsm_coordinator", absent_from=timezone.localdate()
    )
    chosen = {"notifications": [inbox[0].case_id], "person": away.pk, "reason": "verlof"}
    for method, path, data in (
        ("get", "/veiligthuis/", {}),
        ("post", "/veiligthuis/overdragen/", {}),
        ("post", "/veiligthuis/overdragen/", chosen),
    ):
        with recording_untranslated(monkeypatch) as missing:
            response = getattr(lead, method)(path, data)
        monkeypatch.undo()
        html = response.content.decode()
        assert response.status_code == (200 if method == "get" else 422)
        assert not missing and not text_problems(html), (path, missing, text_problems(html))
        assert "Kies een collega" in html


def test_the_feedback_list_costs_the_same_queries_for_more_notifications(
    make_user: Callable[..., Any], four: dict[str, Notification]
) -> None:
    contact = signed_in(make_user("chain_contact", organisation=VT))
    contact.get("/veiligthuis/terugkoppeling/")  # the definitions' cache, the session

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert contact.get(path).status_code == 200
        return len(captured)

    assert queries("/veiligthuis/terugkoppeling/") == queries("/veiligthuis/terugkoppeling/?state=missing")


def test_a_refused_hand_over_shows_the_inbox_whose_pages_lead_to_the_inbox(
    make_user: Callable[..., Any], inbox: list[Notification], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused, the inbox came back at the hand-over's POST address, and its page links led there too: a
    GET there answers 405. They lead to the inbox, and the hand-over keeps the page it was ticked on."""
    monkeypatch.setattr("ketenzicht.veiligthuis.views.PAGE_SIZE", 2)
    client = signed_in(make_user("team_lead", organisation=VT))
    colleague = make_user("vt_assessor", organisation=VT)
    second = client.get("/veiligthuis/", {"page": "2"}).content.decode()
    shown = "/veiligthuis/overdragen/?page=2"
    assert f'action="{shown}"' in second  # the hand-over is sent with the page it was ticked on
    [ticked] = re.findall(r'name="notifications" value="(\d+)"', second)
    answer = client.post(shown, {"notifications": [ticked], "person": colleague.pk, "reason": ""})
    page = answer.content.decode()
    assert answer.status_code == 422 and f'value="{ticked}" form="bulk-form"' in page  # the same page
    form = re.search(r'<form method="get" action="([^"]*)"[^>]*data-testid="inbox-filters"', page)
    nav = page.split('class="utrecht-pagination"', 1)[1].split("</nav>", 1)[0]
    links = [form.group(1) if form else "", *re.findall(r'href="([^"]*)"', nav)]
    assert links == ["/veiligthuis/", "/veiligthuis/?page=1"]
    for link in links:
        assert client.get(urljoin(f"http://testserver{shown}", link)).status_code == 200, link
    assert _owner_events(*inbox) == 0
