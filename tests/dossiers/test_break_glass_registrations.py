"""During a break-the-glass grant the registrations the dossier lists open read-only, with the banner, each
view logged through the one road with `break_glass: true`, the grant and the reason. Outside the grant, for
another person's registration and after expiry: the one 404 of a missing registration, logged once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.dossiers.models import BreakGlassAccess
from ketenzicht.organisations.services import api_token_create
from ketenzicht.registrations.models import Registration
from tests.dossiers.test_break_glass import GRANT, REASON, dossier_client
from tests.dossiers.test_hidden import HIDDEN, ZWB, client_for, sandra_with_hidden_registrations
from tests.patterns.helpers import take_in
from tests.people import DENNIS

pytestmark = pytest.mark.django_db

OTHER_VICTIM = {"given_names": "Ilse", "surname": "Dekkers", "birth_date": "1990-01-15", "sex": "F"}


MISSING = 99999999


def normalised(content: bytes, pk: int) -> bytes:
    text = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", content.decode())
    text = re.sub(r'("X-CSRFToken": ")[^"]*', r"\1", text)
    return text.replace(f"/{pk}/", "/ID/").replace(f"%2F{pk}%2F", "%2FID%2F").encode()


def as_missing(client: Client, path: str, pk: int) -> bool:
    """`path` (with `{id}`) for `pk` answers the 404 it answers for a registration that does not exist."""
    response, missing = client.get(path.format(id=pk)), client.get(path.format(id=MISSING))
    assert missing.status_code == 404
    return response.status_code == 404 and normalised(response.content, pk) == normalised(
        missing.content, MISSING
    )


def pk_of(reference: str) -> int:
    return Registration.objects.get(reference=reference).pk


def refusals(pk: int) -> int:
    return AccessLogEntry.objects.filter(
        object_type="registration", object_id=str(pk), result="refused"
    ).count()


def flagged_views() -> Any:
    return AccessLogEntry.objects.filter(object_type="registration", action="view", detail__break_glass=True)


def with_grant(make_user: Callable[..., Any]) -> tuple[Any, Any, Client, BreakGlassAccess]:
    sandra = sandra_with_hidden_registrations()
    take_in(
        "PL0900-2023-000199",
        DENNIS,
        OTHER_VICTIM,
        registered_at="2023-08-01T10:00:00+02:00",
        unit=ZWB["unit"],
        municipality=ZWB["municipality"],
    )
    user = make_user("police_registrar")
    client = dossier_client(user, sandra.pk)
    assert client.post(f"/personen/{sandra.pk}/doorbreken/", GRANT).status_code == 302
    return sandra, user, client, BreakGlassAccess.objects.get()


def test_the_dossier_links_open_the_hidden_registrations_read_only_with_the_banner(
    make_user: Callable[..., Any],
) -> None:
    sandra, _user, client, access = with_grant(make_user)
    dossier = client.get(f"/personen/{sandra.pk}/").content.decode()
    for reference in HIDDEN:
        link = f"/registraties/{pk_of(reference)}/?persoon={sandra.pk}"
        assert link in dossier
        response = client.get(link)
        page = response.content.decode()
        assert response.status_code == 200, reference
        assert reference in page and 'data-testid="break-glass-banner"' in page and REASON in page
        assert "<form" not in page.split('id="main"', 1)[-1].split("</main>", 1)[0]  # read-only
        back = page.split('data-testid="back-to-dossier"', 1)[0].rsplit("<a ", 1)[1]
        assert f'href="/personen/{sandra.pk}/"' in back  # the way back to the whole dossier
    views = list(flagged_views().order_by("id"))
    assert len(views) == len(HIDDEN)
    for entry, reference in zip(views, HIDDEN, strict=True):
        assert entry.result == "shown" and entry.object_id == str(pk_of(reference))
        assert (entry.detail["grant"], entry.detail["reason"]) == (access.pk, REASON)
        assert entry.detail["references"] == [reference] and entry.detail["person"] == sandra.pk
        assert entry.purpose.startswith("screening: ")  # the dossier's purpose
        assert sandra.pk in set(entry.persons.values_list("person_id", flat=True))
    assert not AccessLogEntry.objects.filter(object_type="registration", result="refused").exists()


def test_outside_the_grant_another_persons_registration_and_after_expiry_the_one_404(
    make_user: Callable[..., Any],
) -> None:
    sandra, _user, client, access = with_grant(make_user)
    hidden, other = pk_of(HIDDEN[0]), pk_of("PL0900-2023-000199")
    # Not from the dossier (no ?persoon=): the grant does not apply.
    assert as_missing(client, "/registraties/{id}/", hidden)
    assert refusals(hidden) == 1
    # Another person's registration, even with the granted person in the link.
    assert as_missing(client, f"/registraties/{{id}}/?persoon={sandra.pk}", other)
    assert refusals(other) == 1
    # Another user of the same unit, with the same link, has no grant.
    stranger = dossier_client(make_user("police_registrar"), sandra.pk)
    assert as_missing(stranger, f"/registraties/{{id}}/?persoon={sandra.pk}", hidden)
    assert refusals(hidden) == 2
    # After expiry.
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        expires_at=access.granted_at - dt.timedelta(seconds=1)
    )
    assert as_missing(client, f"/registraties/{{id}}/?persoon={sandra.pk}", hidden)
    assert refusals(hidden) == 3
    assert not flagged_views().exists()


def test_the_api_reads_a_registration_under_the_grant_with_person(make_user: Callable[..., Any]) -> None:
    sandra, user, _client, access = with_grant(make_user)
    token = api_token_create(user=user, name="t")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    hidden, other = pk_of(HIDDEN[2]), pk_of("PL0900-2023-000199")
    missing = api.get("/api/v1/registrations/99999999")
    assert missing.status_code == 404
    response = api.get(f"/api/v1/registrations/{hidden}?person={sandra.pk}")
    assert response.status_code == 200 and response.json()["reference"] == HIDDEN[2]
    entry = flagged_views().get()
    assert entry.origin.startswith("api") and entry.purpose == f"break_glass: {REASON}"
    assert (entry.detail["grant"], entry.detail["reason"]) == (access.pk, REASON)
    for path in (f"/api/v1/registrations/{hidden}", f"/api/v1/registrations/{other}?person={sandra.pk}"):
        refused = api.get(path)
        assert refused.status_code == 404 and refused.content == missing.content, path
    assert refusals(hidden) == 1 and refusals(other) == 1
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        expires_at=access.granted_at - dt.timedelta(seconds=1)
    )
    expired = api.get(f"/api/v1/registrations/{hidden}?person={sandra.pk}")
    assert expired.status_code == 404 and expired.content == missing.content
    assert refusals(hidden) == 2 and flagged_views().count() == 1


def test_the_privacy_officer_sees_the_registrations_opened_under_the_grant(
    make_user: Callable[..., Any],
) -> None:
    sandra, _user, client, access = with_grant(make_user)
    client.get(f"/registraties/{pk_of(HIDDEN[2])}/?persoon={sandra.pk}")
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    page = privacy.get("/privacy/doorbraken/").content.decode()
    item = page.split(f'data-testid="break-glass-{access.pk}"', 1)[1]
    viewed = item.split('data-testid="break-glass-viewed">', 1)[1].split("</dd>", 1)[0]
    assert "1 registratie geopend" in viewed and HIDDEN[2] in viewed


def test_the_count_of_registrations_opened_matches_the_ones_listed_apart_from_the_dossiers(
    make_user: Callable[..., Any],
) -> None:
    """The dossier listed every registration of the person; two were opened, one of them twice: the page
    says so in two parts, each count matching its own list."""
    sandra, _user, client, access = with_grant(make_user)
    client.get(f"/personen/{sandra.pk}/")
    for reference in (HIDDEN[2], HIDDEN[0], HIDDEN[2]):
        assert client.get(f"/registraties/{pk_of(reference)}/?persoon={sandra.pk}").status_code == 200
    listed = AccessLogEntry.objects.get(object_type="person", detail__break_glass=True).detail["references"]
    assert len(listed) > 2 and HIDDEN[1] in listed
    privacy = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    item = (
        privacy.get("/privacy/doorbraken/")
        .content.decode()
        .split(f'data-testid="break-glass-{access.pk}"')[1]
    )
    viewed = item.split('data-testid="break-glass-viewed">', 1)[1].split("</dd>", 1)[0]
    opened = viewed.split('data-testid="break-glass-registration-views">', 1)[1].split("</span>", 1)[0]
    assert opened == f"2 registraties geopend: {HIDDEN[0]}, {HIDDEN[2]}"
    dossier = viewed.split('data-testid="break-glass-dossier-references">', 1)[1].split("</span>", 1)[0]
    assert dossier == f"met daarin {len(listed)} registraties: {', '.join(sorted(listed))}"
