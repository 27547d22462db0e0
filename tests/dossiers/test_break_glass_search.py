"""Break-the-glass from the person search: a search within the sharing rules says nothing of hidden
persons; a screener may search outside them after stating a reason and confirming (first), logged once and
judged by the privacy officer; its results lead to the break-the-glass dossier, confirmed again per person."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry, AccessLogPerson
from ketenzicht.dossiers.models import BreakGlassAccess
from tests.dossiers.test_break_glass import REASON
from tests.dossiers.test_hidden import PURPOSE, ZWB, client_for
from tests.patterns.helpers import take_in
from tests.people import DENNIS, person_of

pytestmark = pytest.mark.django_db

ILSE = {"given_names": "Ilse", "surname": "Dekkers", "birth_date": "1990-01-15", "sex": "F"}
SEARCH = "/personen/doorbreken/"


def ilse_elsewhere() -> Any:
    """Ilse, known only from a report in Zeeland-West-Brabant: a registrar of Oost-Brabant sees nothing of
    her."""
    registration = take_in(
        "PL0900-2023-000301",
        DENNIS,
        ILSE,
        registered_at="2023-08-01T10:00:00+02:00",
        unit=ZWB["unit"],
        municipality=ZWB["municipality"],
    )
    return person_of(registration, "p2")


def searching(user: Any, text: str) -> tuple[Client, str]:
    client = client_for(user)
    response = client.post("/personen/", {"q": text, **PURPOSE})
    assert response.status_code == 200
    return client, response.content.decode()


def broken(client: Client, text: str = "Dekkers") -> Any:
    return client.post(SEARCH, {"q": text, "reason": REASON, "confirm": "on"})


def flagged_searches() -> Any:
    return AccessLogEntry.objects.filter(object_type="person_search", detail__break_glass=True)


def test_the_search_within_the_rules_says_nothing_of_hidden_persons(make_user: Callable[..., Any]) -> None:
    ilse_elsewhere()
    user = make_user("police_registrar")
    _client, hidden = searching(user, "Dekkers")
    _client, nobody = searching(user, "Vermeulen")  # a name nobody has, in any unit

    def normalised(page: str) -> str:
        page = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", page)
        page = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1", page)
        return page.replace("Vermeulen", "Dekkers")

    assert "Ilse" not in hidden and 'data-testid="search-results"' not in hidden
    assert normalised(hidden) == normalised(nobody)  # the same page whether or not someone is hidden
    assert 'data-testid="search-break-glass"' in hidden  # offered also when nothing was found
    logged = AccessLogEntry.objects.filter(object_type="person_search", action="search")
    assert [entry.detail["count"] for entry in logged] == [0, 0]
    assert not AccessLogEntry.objects.filter(object_type="person", action="search").exists()


def test_the_reason_and_the_confirmation_come_before_the_search(make_user: Callable[..., Any]) -> None:
    ilse_elsewhere()
    client, _page = searching(make_user("police_registrar"), "Dekkers")
    asked = client.post(SEARCH, {"q": "Dekkers", "ask": "1"})
    page = asked.content.decode()
    assert asked.status_code == 200 and 'value="Dekkers"' in page and "Ilse" not in page
    assert 'data-testid="error-' not in page
    response = client.post(SEARCH, {"q": "Dekkers", "reason": "too short"})
    page = response.content.decode()
    assert response.status_code == 422
    assert (
        'data-testid="error-reason"' in page and 'data-testid="error-confirm"' in page and "Ilse" not in page
    )
    response = client.post(SEARCH, {"q": "Dekkers", "reason": REASON})
    assert response.status_code == 422 and 'data-testid="error-confirm"' in response.content.decode()
    response = client.post(SEARCH, {"q": "12", "reason": REASON, "confirm": "on"})
    assert response.status_code == 422 and 'data-testid="error-q"' in response.content.decode()
    assert not BreakGlassAccess.objects.exists() and not flagged_searches().exists()


def test_with_both_the_person_is_found_logged_once_and_reviewed(make_user: Callable[..., Any]) -> None:
    ilse = ilse_elsewhere()
    user = make_user("police_registrar")
    client, _page = searching(user, "Dekkers")
    response = broken(client)
    access = BreakGlassAccess.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{SEARCH}?zoektocht={access.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="break-glass-banner"' in page
    assert (access.kind, access.user, access.person_id, access.query, access.found, access.reason) == (
        "search",
        user,
        None,
        "Dekkers",
        [ilse.pk],
        REASON,
    )
    assert f'href="/personen/{ilse.pk}/doorbreken/?zoektocht={access.pk}"' in page and "Ilse" in page
    entry = flagged_searches().get(action="search")  # once
    assert (entry.action, entry.result, entry.object_id) == ("search", "shown", str(access.pk))
    assert entry.purpose == f"break_glass: {REASON}"
    assert (entry.detail["grant"], entry.detail["reason"], entry.detail["found"]) == (
        access.pk,
        REASON,
        [ilse.pk],
    )
    assert list(AccessLogPerson.objects.filter(entry=entry).values_list("person_id", flat=True)) == [ilse.pk]
    assert access.case is not None and access.case.title == f"Doorbraak {access.pk}: {user.username}"
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    listed = privacy.get("/privacy/doorbraken/").content.decode()
    item = listed.split(f'data-testid="break-glass-{access.pk}"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="break-glass-pending"' in item and REASON in item
    search = item.split('data-testid="break-glass-search">', 1)[1].split("</dd>", 1)[0]
    assert "Dekkers" in search and f"?person=P{ilse.pk:07d}" in search and "Ilse" not in item
    judged = privacy.post(
        f"/privacy/doorbraken/{access.pk}/",
        {f"g{access.pk}-decision": "improper", f"g{access.pk}-note": "no urgent reason"},
    )
    assert judged.status_code == 302
    access.refresh_from_db()
    assert access.decision == "improper"


def test_a_result_leads_to_the_break_glass_dossier_confirmed_again(make_user: Callable[..., Any]) -> None:
    ilse = ilse_elsewhere()
    user = make_user("police_registrar")
    client, _page = searching(user, "Dekkers")
    assert client.get(f"/personen/{ilse.pk}/doorbreken/").status_code == 404  # sees nothing of her
    broken(client)
    search = BreakGlassAccess.objects.get()
    link = f"/personen/{ilse.pk}/doorbreken/?zoektocht={search.pk}"
    form = client.get(link).content.decode()
    assert 'data-testid="break-glass-from-search"' in form and REASON in form  # the reason, filled in
    assert client.post(link, {"reason": REASON}).status_code == 422  # the confirmation again
    response = client.post(link, {"reason": REASON, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == f"/personen/{ilse.pk}/"
    grant = BreakGlassAccess.objects.get(kind="dossier")
    assert (grant.person_id, grant.reason) == (ilse.pk, REASON)
    granted = AccessLogEntry.objects.get(object_type="break_glass", action="create", object_id=str(grant.pk))
    assert granted.detail["search"] == search.pk
    dossier = client.get(f"/personen/{ilse.pk}/").content.decode()
    assert 'data-testid="break-glass-banner"' in dossier and "PL0900-2023-000301" in dossier


def test_a_search_link_of_another_user_or_after_expiry_gives_the_one_404(
    make_user: Callable[..., Any],
) -> None:
    ilse = ilse_elsewhere()
    client, _page = searching(make_user("police_registrar"), "Dekkers")
    broken(client)
    search = BreakGlassAccess.objects.get()
    link = f"/personen/{ilse.pk}/doorbreken/?zoektocht={search.pk}"
    other, _page = searching(make_user("police_registrar"), "Dekkers")
    assert other.get(link).status_code == 404
    BreakGlassAccess.objects.filter(pk=search.pk).update(
        expires_at=search.granted_at - dt.timedelta(seconds=1)
    )
    assert client.get(link).status_code == 404
    assert BreakGlassAccess.objects.count() == 1


def test_other_roles_are_refused_and_logged(make_user: Callable[..., Any], settings: Any) -> None:
    ilse_elsewhere()
    analyst = client_for(make_user("national_analyst", organisation="landelijke-eenheid"))
    assert broken(analyst).status_code == 403
    settings.KETENZICHT_BREAK_GLASS_ROLES = ("case_screener",)
    client, page = searching(make_user("police_registrar"), "Dekkers")
    assert 'data-testid="search-break-glass"' not in page
    assert broken(client).status_code == 403
    refused = AccessLogEntry.objects.filter(object_type="person_search", result="refused")
    assert [entry.detail["refused"] for entry in refused] == ["break_glass", "break_glass"]
    assert not BreakGlassAccess.objects.exists()


ANNA = {"given_names": "Anna", "surname": "Dekkers", "birth_date": "1986-04-03", "sex": "F"}
KAREL = {"given_names": "Karel", "surname": "Smit", "birth_date": "1984-02-11", "sex": "M"}


def test_the_results_mark_who_only_the_search_outside_the_rules_showed_and_a_reload_searches_not_again(
    make_user: Callable[..., Any],
) -> None:
    ilse = ilse_elsewhere()
    anna = person_of(
        take_in("PL0600-2024-000410", KAREL, ANNA, registered_at="2024-02-01T10:00:00+02:00"), "p2"
    )
    client, _page = searching(make_user("police_registrar"), "Dekkers")
    client.cookies["django_language"] = "en"
    results = broken(client)["Location"]
    first, again = client.get(results), client.get(results)  # a reload
    assert first.status_code == again.status_code == 200
    page = again.content.decode()
    assert (
        f'data-testid="only-outside-{ilse.pk}"' in page
        and f'data-testid="only-outside-{anna.pk}"' not in page
    )
    within = re.search(rf'data-testid="within-rules-{anna.pk}">\((\d+) ', page)
    assert within is not None and within.group(1) == "1"
    assert page.count("searched outside the sharing rules") == 0  # the banner says it once, in its title
    assert BreakGlassAccess.objects.count() == 1  # one access for the privacy officer, not one per reload
    assert flagged_searches().filter(action="search").count() == 1
    views = flagged_searches().filter(action="view")
    assert views.count() == 2 and {v.detail["grant"] for v in views} == {BreakGlassAccess.objects.get().pk}


def test_back_from_the_results_keeps_the_search_box_out_of_the_address(make_user: Callable[..., Any]) -> None:
    ilse = ilse_elsewhere()
    client, _page = searching(make_user("police_registrar"), "Dekkers 1990")
    results = client.get(broken(client, "Dekkers 1990")["Location"]).content.decode()
    back = results.split('data-testid="back-to-search"', 1)[0].rsplit("<a ", 1)[1]
    assert 'href="/personen/?terug=1"' in back and "Dekkers" not in back
    assert 'value="Dekkers 1990"' in client.get("/personen/?terug=1").content.decode()
    assert 'value="Dekkers 1990"' not in client.get("/personen/").content.decode()  # a new search: empty
    search = BreakGlassAccess.objects.get()
    form = client.get(f"/personen/{ilse.pk}/doorbreken/?zoektocht={search.pk}").content.decode()
    back = form.split('data-testid="back-to-results"', 1)[0].rsplit("<a ", 1)[1]
    assert f'href="{SEARCH}?zoektocht={search.pk}"' in back


def test_the_results_of_another_users_or_an_ended_search_give_the_one_404(
    make_user: Callable[..., Any],
) -> None:
    ilse_elsewhere()
    client, _page = searching(make_user("police_registrar"), "Dekkers")
    results = broken(client)["Location"]
    other, _page = searching(make_user("police_registrar"), "Dekkers")
    assert other.get(results).status_code == 404
    search = BreakGlassAccess.objects.get()
    BreakGlassAccess.objects.filter(pk=search.pk).update(
        expires_at=search.granted_at - dt.timedelta(seconds=1)
    )
    assert client.get(results).status_code == 404
    refused = AccessLogEntry.objects.filter(object_type="person_search", result="refused")
    assert refused.count() == 2


def test_the_privacy_officer_sees_which_search_a_grant_came_from_and_filters_the_list(
    make_user: Callable[..., Any],
) -> None:
    ilse = ilse_elsewhere()
    client, _page = searching(make_user("police_registrar"), "Dekkers")
    broken(client)
    search = BreakGlassAccess.objects.get()
    client.post(f"/personen/{ilse.pk}/doorbreken/?zoektocht={search.pk}", {"reason": REASON, "confirm": "on"})
    grant = BreakGlassAccess.objects.get(kind="dossier")
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    privacy.cookies["django_language"] = "en"
    listed = privacy.get("/privacy/doorbraken/").content.decode()
    opened = listed.split(f'data-testid="break-glass-from-{grant.pk}">', 1)[1].split("</dd>", 1)[0]
    assert f'href="/privacy/doorbraken/#bg-{search.pk}"' in opened
    assert "person search" in listed.split("</h1>", 1)[1].split("</p>", 1)[0]  # the introduction
    privacy.post(
        f"/privacy/doorbraken/{search.pk}/",
        {f"g{search.pk}-decision": "proper", f"g{search.pk}-note": "acute dreiging"},
    )
    pending = privacy.get("/privacy/doorbraken/?toon=te-beoordelen").content.decode()
    judged = privacy.get("/privacy/doorbraken/?toon=beoordeeld").content.decode()
    assert (
        f'data-testid="break-glass-{grant.pk}"' in pending
        and f'data-testid="break-glass-{search.pk}"' not in pending
    )
    assert (
        f'data-testid="break-glass-{search.pk}"' in judged
        and f'data-testid="break-glass-{grant.pk}"' not in judged
    )
