"""Break-the-glass: a person's whole dossier outside the sharing rules, with a stated reason and an explicit
confirmation, for KETENZICHT_BREAK_GLASS_MINUTES; every view logged with the flag, and judged by the privacy
officer (proper / improper) in an append-only history and in the history of a kernel case per grant."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.dossiers.models import BreakGlassAccess, BreakGlassEvent
from ketenzicht.organisations.models import User
from ketenzicht.ui.formats import person_number
from ketenzicht.workprocesses.models import Alert, CaseEvent
from tests.dossiers.test_hidden import HIDDEN, PURPOSE, client_for, sandra_with_hidden_registrations

pytestmark = pytest.mark.django_db

REASON = "acute threat reported tonight, earlier history in Tilburg needed"
GRANT = {"reason": REASON, "confirm": "on"}


def dossier_client(user: Any, person_id: int) -> Client:
    client = client_for(user)
    client.post(f"/personen/{person_id}/", PURPOSE)
    return client


def test_the_action_shows_only_for_the_roles_that_may_break_the_glass(make_user: Callable[..., Any]) -> None:
    sandra = sandra_with_hidden_registrations()
    registrar = dossier_client(make_user("police_registrar"), sandra.pk)
    page = registrar.get(f"/personen/{sandra.pk}/").content.decode()
    assert 'data-testid="break-glass-action"' in page
    assert f'href="/personen/{sandra.pk}/doorbreken/"' in page
    assert registrar.get(f"/personen/{sandra.pk}/doorbreken/").status_code == 200


def test_other_roles_get_no_action_and_the_one_404(make_user: Callable[..., Any], settings: Any) -> None:
    sandra = sandra_with_hidden_registrations()
    settings.KETENZICHT_BREAK_GLASS_ROLES = ("case_screener",)
    registrar = dossier_client(make_user("police_registrar"), sandra.pk)
    assert 'data-testid="break-glass-action"' not in registrar.get(f"/personen/{sandra.pk}/").content.decode()
    assert registrar.get(f"/personen/{sandra.pk}/doorbreken/").status_code == 404
    assert registrar.post(f"/personen/{sandra.pk}/doorbreken/", GRANT).status_code == 404
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    assert privacy.get(f"/personen/{sandra.pk}/doorbreken/").status_code == 404
    assert not BreakGlassAccess.objects.exists()
    missing = registrar.get("/personen/999999/doorbreken/")
    assert missing.status_code == 404
    refused = AccessLogEntry.objects.filter(object_type="person", object_id="999999", result="refused")
    assert refused.count() == 1  # once, in one place


def test_without_reason_or_confirmation_nothing_is_stored(make_user: Callable[..., Any]) -> None:
    sandra = sandra_with_hidden_registrations()
    client = dossier_client(make_user("police_registrar"), sandra.pk)
    response = client.post(f"/personen/{sandra.pk}/doorbreken/", {"reason": "", "confirm": "on"})
    assert response.status_code == 422
    assert 'data-testid="error-reason"' in response.content.decode()
    response = client.post(f"/personen/{sandra.pk}/doorbreken/", {"reason": "too short"})
    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-reason"' in page and 'data-testid="error-confirm"' in page
    for no_words in (
        "a" * 30,
        "1234567890 1234567890 123",
        "aa bb cc dd ee ff gg hh",
    ):  # long enough, no reason
        response = client.post(f"/personen/{sandra.pk}/doorbreken/", {"reason": no_words, "confirm": "on"})
        assert response.status_code == 422 and 'data-testid="error-reason"' in response.content.decode()
        assert "minstens 3 woorden" in response.content.decode()
    response = client.post(f"/personen/{sandra.pk}/doorbreken/", {"reason": REASON})
    assert 'data-testid="error-confirm"' in response.content.decode()
    assert 'data-testid="error-reason"' not in response.content.decode()
    assert not BreakGlassAccess.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="break_glass").exists()


def test_with_both_the_whole_dossier_shows_with_a_banner_and_every_view_is_flagged(
    make_user: Callable[..., Any],
) -> None:
    sandra = sandra_with_hidden_registrations()
    user = make_user("police_registrar")
    client = dossier_client(user, sandra.pk)
    response = client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    assert response.status_code == 302 and response["Location"] == f"/personen/{sandra.pk}/"
    access = BreakGlassAccess.objects.get()
    assert (access.user, access.person_id, access.reason, access.decision) == (
        user,
        sandra.pk,
        REASON,
        "pending",
    )
    assert access.expires_at - access.granted_at == dt.timedelta(minutes=30)
    page = client.get(f"/personen/{sandra.pk}/").content.decode()
    client.get(f"/personen/{sandra.pk}/")
    assert 'data-testid="break-glass-banner"' in page and REASON in page
    assert 'data-testid="total-victim">6<' in page
    assert all(reference in page for reference in HIDDEN)
    assert 'data-testid="dossier-hidden"' not in page and 'data-testid="break-glass-action"' not in page
    views = AccessLogEntry.objects.filter(object_type="person", action="view", detail__break_glass=True)
    assert views.count() == 2
    entry = views.first()
    assert entry is not None and entry.detail["grant"] == access.pk and entry.detail["reason"] == REASON
    assert set(HIDDEN) <= set(entry.detail["references"])
    granted = AccessLogEntry.objects.get(object_type="break_glass")
    assert granted.result == "granted" and granted.detail["break_glass"] is True
    # The access log says which views were outside the sharing rules, under which grant, beside the purpose
    # the user stated: the privacy officer reads them apart from the ordinary views.
    log = Client()
    log.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    rows = log.get("/toegangslog/").content.decode().split('<tr class="utrecht-table__row">')[1:]
    flagged = [row for row in rows if 'data-testid="log-break-glass"' in row]
    assert len(flagged) == 2  # the two views
    assert all(f"buiten de deelregels (doorbraak {access.pk})" in row for row in flagged)
    assert len(rows) > len(flagged) + 1  # the views before the grant stay unmarked
    # Each row says once that it was outside the sharing rules: the grant by its object, with the reason as
    # its purpose; a view by its mark, beside the purpose the user stated.
    # The grant by its number and the person's, as the privacy officer's list names it.
    named = f"(doorbraak) {access.pk} ({person_number(sandra.pk)})<"
    (grant,) = [row for row in rows if "toegestaan" in row and named in row]
    assert grant.count("buiten de deelregels") == 1 and f">{REASON}<" in grant
    assert all(row.count("buiten de deelregels") == 1 for row in flagged)
    # Another user of the same unit still sees the dossier within the rules.
    other = dossier_client(make_user("police_registrar"), sandra.pk)
    assert 'data-testid="break-glass-banner"' not in other.get(f"/personen/{sandra.pk}/").content.decode()


def test_a_second_tab_asking_again_while_the_grant_holds_records_nothing_new(
    make_user: Callable[..., Any],
) -> None:
    """Two tabs on the break-the-glass page, both sent: one access, one review case, one log entry for the
    privacy officer; the second tab is told it already had access."""
    sandra = sandra_with_hidden_registrations()
    client = dossier_client(make_user("police_registrar"), sandra.pk)
    first = client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    second = client.post(
        f"/personen/{sandra.pk}/doorbreken/",
        {"reason": "nog een keer gevraagd vanuit het tweede tabblad", "confirm": "on"},
        follow=True,
    )
    assert first.status_code == 302 and second.status_code == 200
    access = BreakGlassAccess.objects.get()
    assert access.reason == REASON
    assert AccessLogEntry.objects.filter(object_type="break_glass", result="granted").count() == 1
    assert (
        CaseEvent.objects.filter(case__process_version__process="break_glass_review")
        .values("case")
        .distinct()
        .count()
        == 1
    )
    page = second.content.decode()
    assert "al toegang" in page and 'data-testid="break-glass-banner"' in page
    # Once the privacy officer has judged it, asking again is a new access to judge.
    access.decision = "improper"
    access.save(update_fields=["decision"])
    client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    assert BreakGlassAccess.objects.count() == 2


def test_the_access_ends_after_the_setting(make_user: Callable[..., Any], settings: Any) -> None:
    sandra = sandra_with_hidden_registrations()
    settings.KETENZICHT_BREAK_GLASS_MINUTES = 5
    client = dossier_client(make_user("police_registrar"), sandra.pk)
    client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    access = BreakGlassAccess.objects.get()
    assert access.expires_at - access.granted_at == dt.timedelta(minutes=5)
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        granted_at=access.granted_at - dt.timedelta(minutes=6),
        expires_at=access.expires_at - dt.timedelta(minutes=6),
    )
    page = client.get(f"/personen/{sandra.pk}/").content.decode()
    assert 'data-testid="break-glass-banner"' not in page
    assert 'data-testid="total-victim">3<' in page and not [r for r in HIDDEN if r in page]
    assert 'data-testid="break-glass-action"' in page


def granted(make_user: Callable[..., Any]) -> tuple[Any, Any, BreakGlassAccess]:
    sandra = sandra_with_hidden_registrations()
    user = make_user("police_registrar")
    client = dossier_client(user, sandra.pk)
    client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    client.get(f"/personen/{sandra.pk}/")
    return sandra, user, BreakGlassAccess.objects.get()


def test_the_privacy_officer_lists_and_judges_and_the_history_stays(make_user: Callable[..., Any]) -> None:
    sandra, user, access = granted(make_user)
    team_lead = make_user("team_lead")
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer", username="noor"))
    home = privacy.get("/").content.decode()
    assert "/privacy/doorbraken/" in home
    # The start page and the menu say how many wait for a judgement, and lead to those.
    tile = home.split('data-testid="home-break-glass-pending">', 1)[1].split("</a>", 1)[0]
    assert tile.startswith("1 ")
    assert home.split('data-testid="menu-break-glass-pending">', 1)[1].startswith("(1<")
    page = privacy.get("/privacy/doorbraken/").content.decode()
    item = page.split(f'data-testid="break-glass-{access.pk}"', 1)[1]
    assert REASON in item and user.username in item and str(sandra.pk) in item
    viewed = item.split('data-testid="break-glass-viewed">', 1)[1].split("</dd>", 1)[0]
    assert viewed.startswith("1 ") and HIDDEN[0] in viewed  # one view, and what it showed
    assert "Sandra" not in page  # the person by number only
    assert (
        AccessLogEntry.objects.filter(object_type="break_glass", action="list", result="shown").count() == 1
    )
    url = f"/privacy/doorbraken/{access.pk}/"
    response = privacy.post(url, {f"g{access.pk}-decision": "improper", f"g{access.pk}-note": ""})
    assert (
        response.status_code == 422 and f'data-testid="error-g{access.pk}-note"' in response.content.decode()
    )
    note = "no acute need: a request to the unit would have done"
    response = privacy.post(url, {f"g{access.pk}-decision": "improper", f"g{access.pk}-note": note})
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.decided_by is not None and access.decided_by.username == "noor"
    assert (access.decision, access.decision_note) == ("improper", note)
    kinds = list(BreakGlassEvent.objects.filter(access=access).values_list("kind", "note"))
    assert kinds == [("granted", REASON), ("improper", note)]
    assert access.case is not None
    case = access.case  # the judgement is the transition of the grant's case
    assert (case.state, case.data, case.closed_at) == (
        "improper",
        {"decision": "improper", "note": note},
        access.decided_at,
    )
    # The officer who judged holds the closed case, and its history says so before the judgement.
    case.refresh_from_db()
    assert case.owner is not None and case.owner.username == "noor"
    assigned = CaseEvent.objects.get(case=case, kind="owner")
    assert (assigned.actor_name, assigned.detail["to"]) == ("noor", "noor")
    step = CaseEvent.objects.get(case=case, kind="transition")
    assert (step.transition, step.actor_name, step.detail["values"]["note"]) == (
        "judge_improper",
        "noor",
        note,
    )
    # Once judged, it stays: a second judgement changes nothing and the history cannot be rewritten.
    privacy.post(url, {f"g{access.pk}-decision": "proper", f"g{access.pk}-note": ""})
    access.refresh_from_db()
    assert access.decision == "improper" and BreakGlassEvent.objects.filter(access=access).count() == 2
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        BreakGlassEvent.objects.filter(access=access).update(note="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        BreakGlassEvent.objects.filter(access=access).delete()
    decision = AccessLogEntry.objects.get(object_type="break_glass", action="judge", result="stored")
    assert decision.detail["decision"] == "improper"
    alerts = Alert.objects.filter(kind="break_glass_improper")
    assert {(a.recipient_id, a.role) for a in alerts} == {(None, "team_lead"), (user.pk, "")}
    assert note in client_for(team_lead).get("/waarschuwingen/").content.decode()
    page = privacy.get("/privacy/doorbraken/").content.decode()
    assert f'data-testid="break-glass-form-{access.pk}"' not in page and note in page
    assert (
        "break-glass-pending" not in page and "break-glass-pending" not in privacy.get("/").content.decode()
    )


def test_the_judgement_is_logged_as_a_judgement_and_found_by_filtering_on_it(
    make_user: Callable[..., Any],
) -> None:
    _sandra, _user, access = granted(make_user)
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    privacy.post(f"/privacy/doorbraken/{access.pk}/", {f"g{access.pk}-decision": "proper"})
    judged = AccessLogEntry.objects.get(object_type="break_glass", result="stored")
    assert judged.action == "judge" and judged.detail["decision"] == "proper"
    # The grant stays the only `create` of the access: a judgement reads apart from it.
    assert AccessLogEntry.objects.get(object_type="break_glass", action="create").result == "granted"
    page = privacy.get("/toegangslog/").content.decode()
    form = page[page.index('id="f-action"') : page.index("</select>", page.index('id="f-action"'))]
    label = form.split('<option value="judge">', 1)[1].split("</option>", 1)[0]
    create = form.split('<option value="create">', 1)[1].split("</option>", 1)[0]
    assert (label, create) == ("beoordelen", "aanmaken")
    rows = privacy.get("/toegangslog/?action=judge").content.decode().split('data-testid="access-log"')[1]
    cells = rows.split("<tbody", 1)[1].split('<tr class="utrecht-table__row">')[1:]
    assert len(cells) == 1 and f'<td class="utrecht-table__cell">{label}</td>' in cells[0]


def test_the_start_pages_count_leads_to_the_accesses_it_counts(make_user: Callable[..., Any]) -> None:
    sandra, _user, judged = granted(make_user)
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    privacy.post(f"/privacy/doorbraken/{judged.pk}/", {f"g{judged.pk}-decision": "proper"})
    client = dossier_client(make_user("police_registrar"), sandra.pk)
    client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    waiting = BreakGlassAccess.objects.get(decision="pending")
    home = privacy.get("/").content.decode()
    link = home.split('data-testid="home-break-glass-pending"', 1)[0].rsplit("<a ", 1)[1]
    href = link.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    tile = home.split('data-testid="home-break-glass-pending">', 1)[1].split("</a>", 1)[0]
    assert tile.startswith("1 ")
    page = privacy.get(href).content.decode()
    listed = re.findall(r'<section class="kz-panel" data-testid="break-glass-(\d+)"', page)
    assert listed == [str(waiting.pk)]  # the one the count said, not the judged one beside it


def test_the_review_says_the_user_the_day_and_the_time_once(make_user: Callable[..., Any]) -> None:
    _sandra, user, access = granted(make_user)  # the dossier viewed once since the grant
    at = dt.datetime(2026, 3, 9, 14, 5, tzinfo=dt.UTC)  # 15:05 in Amsterdam
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        granted_at=at, expires_at=at + dt.timedelta(minutes=30)
    )
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))

    def fact(name: str) -> str:
        item = (
            privacy.get("/privacy/doorbraken/")
            .content.decode()
            .split(f'data-testid="break-glass-{access.pk}"')[1]
        )
        return item.split(f">{name}</dt>", 1)[1].split("</dd>", 1)[0].split(">", 1)[1]

    assert fact("Gebruiker").count(user.username) == 1  # no name: the username, once
    assert fact("Tijdstip") == "09-03-2026 15:05 – 15:35"  # one day: said once
    viewed = fact("Ingezien")
    assert re.search(r"\(\d\d-\d\d-\d{4} \d\d:\d\d\)", viewed), viewed  # one view: one time
    User.objects.filter(pk=user.pk).update(first_name="Rik", last_name="Smits")
    assert fact("Gebruiker").startswith(f"Rik Smits ({user.username}), ")


def test_a_proper_judgement_alerts_nobody(make_user: Callable[..., Any]) -> None:
    _sandra, _user, access = granted(make_user)
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    privacy.post(f"/privacy/doorbraken/{access.pk}/", {f"g{access.pk}-decision": "proper"})
    access.refresh_from_db()
    assert access.decision == "proper" and not Alert.objects.filter(kind="break_glass_improper").exists()
    assert access.case is not None and access.case.state == "proper" and access.case.closed_at is not None


def test_the_grant_opens_a_review_case_that_names_the_grant_and_the_user_not_the_person(
    make_user: Callable[..., Any],
) -> None:
    _sandra, user, access = granted(make_user)
    case = access.case
    assert case is not None
    assert (case.process_version.process, case.organisation.code, case.state) == (
        "break_glass_review",
        "ketenzicht-beheer",
        "pending",
    )
    assert case.opened_at == access.granted_at and case.deadline_at is not None
    assert case.title == f"Doorbraak {access.pk}: {user.username}"
    assert not case.persons.exists() and not case.registrations.exists()
    assert "Sandra" not in case.title
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    for url in ("/zaken/", f"/zaken/{case.pk}/"):
        page = privacy.get(url).content.decode()
        assert case.reference in page and "Sandra" not in page
    # The judgement is taken on the privacy officer's page, not on the case page.
    assert 'name="transition" value="judge_proper"' not in page
    # The user who broke the glass and other organisations do not see the case.
    assert client_for(user).get(f"/zaken/{case.pk}/").status_code == 404


def test_the_review_case_names_the_user_by_name(make_user: Callable[..., Any]) -> None:
    sandra = sandra_with_hidden_registrations()
    user = make_user("police_registrar")
    User.objects.filter(pk=user.pk).update(first_name="Rik", last_name="Smits")
    user.refresh_from_db()
    dossier_client(user, sandra.pk).post(f"/personen/{sandra.pk}/doorbreken/", GRANT)
    access = BreakGlassAccess.objects.get()
    assert access.case is not None and access.case.title == f"Doorbraak {access.pk}: Rik Smits"


def test_the_review_cases_title_reads_in_english_on_an_english_page(make_user: Callable[..., Any]) -> None:
    """Stored in Dutch (a record), as the case rules' titles are; an English page says it in English."""
    from django.conf import settings
    from django.utils import translation

    _sandra, user, access = granted(make_user)
    assert access.case is not None
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    with translation.override(settings.LANGUAGE_CODE):  # the request's language does not outlive the test
        for url in ("/zaken/", f"/zaken/{access.case.pk}/"):
            dutch = privacy.get(url).content.decode()
            privacy.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            english = privacy.get(url).content.decode()
            privacy.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
            assert f"Doorbraak {access.pk}: {user.username}" in dutch, url
            assert f"Break-the-glass {access.pk}: {user.username}" in english, url
            assert "Doorbraak" not in english, url


@pytest.mark.parametrize(
    ("roles", "organisation"),
    [
        (("police_registrar",), "oost-brabant"),
        (("team_lead",), "oost-brabant"),
        (("functional_admin",), "ketenzicht-beheer"),
    ],
)
def test_other_roles_get_403_on_the_list_and_404_on_a_judgement(
    make_user: Callable[..., Any], roles: tuple[str, ...], organisation: str
) -> None:
    _sandra, _user, access = granted(make_user)
    client = client_for(make_user(*roles, organisation=organisation))
    assert client.get("/privacy/doorbraken/").status_code == 403
    assert (
        client.post(f"/privacy/doorbraken/{access.pk}/", {f"g{access.pk}-decision": "proper"}).status_code
        == 404
    )
    access.refresh_from_db()
    assert access.decision == "pending"
    assert AccessLogEntry.objects.filter(object_type="break_glass", result="refused").count() == 2
