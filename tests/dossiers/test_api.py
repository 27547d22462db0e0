"""The JSON API: the same search and dossier, the same purpose rule and access log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.services import api_token_create
from tests.people import DENNIS, SANDRA, person_of

from .helpers import register

pytestmark = pytest.mark.django_db

PURPOSE = {"reason": "screening", "text": "screening of a new report"}


def post(client: Client, path: str, body: dict[str, Any], token: str) -> Any:
    return client.post(
        path, json.dumps(body), content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


def test_search_and_dossier_with_a_token(make_user: Callable[..., Any]) -> None:
    first = register("R1", DENNIS, SANDRA, offences=["285b"])
    token = api_token_create(user=make_user("case_screener", organisation="oost-brabant"), name="t")
    client = Client()
    response = post(client, "/api/v1/persons/search", {"q": "D. vd Lindne", "purpose": PURPOSE}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    person_id = person_of(first).pk
    assert body["items"][0]["person_id"] == person_id
    assert body["items"][0]["registrations"] == 1
    dossier = post(client, f"/api/v1/persons/{person_id}/dossier", {"purpose": PURPOSE}, token).json()
    assert dossier["totals"]["suspect"] == 1
    assert dossier["registrations"][0]["stalking"] is True
    assert dossier["companions"][0]["name"] == "Sandra Verbeek"
    logged = AccessLogEntry.objects.filter(result="shown", purpose="screening: screening of a new report")
    assert {(e.action, e.object_type) for e in logged} == {
        ("search", "person_search"),
        ("search", "person"),
        ("view", "person"),
    }
    assert all(e.origin.startswith("api") for e in logged)


@pytest.mark.parametrize(
    ("purpose", "message"),
    [
        (None, "purpose: state a purpose"),
        ({"reason": "screening", "text": "short"}, "purpose.text:"),
        ({"reason": "gossip", "text": "just curious about him"}, "purpose.reason:"),
        ({"registration": "NOPE-1"}, "purpose.registration:"),
    ],
)
def test_without_a_valid_purpose_the_api_refuses_and_logs(
    make_user: Callable[..., Any], purpose: dict[str, Any] | None, message: str
) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    token = api_token_create(user=make_user("case_screener", organisation="oost-brabant"), name="t")
    body: dict[str, Any] = {"q": "Linden"} if purpose is None else {"q": "Linden", "purpose": purpose}
    response = post(Client(), "/api/v1/persons/search", body, token)
    assert response.status_code == 403
    assert response.json()["detail"].startswith(message)
    dossier_body = {} if purpose is None else {"purpose": purpose}
    response = post(Client(), f"/api/v1/persons/{person.pk}/dossier", dossier_body, token)
    assert response.status_code == 403
    refused = AccessLogEntry.objects.filter(result="refused")
    assert sorted(e.object_type for e in refused) == ["person", "person_search"]


def test_a_bad_search_box_names_the_field(make_user: Callable[..., Any]) -> None:
    token = api_token_create(user=make_user("case_screener", organisation="oost-brabant"), name="t")
    response = post(Client(), "/api/v1/persons/search", {"q": "12", "purpose": PURPOSE}, token)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("q: ")


def test_national_analyst_sees_no_persons(make_user: Callable[..., Any]) -> None:
    register("R1", DENNIS, SANDRA)
    token = api_token_create(user=make_user("national_analyst", organisation="landelijke-eenheid"), name="t")
    response = post(Client(), "/api/v1/persons/search", {"q": "Linden", "purpose": PURPOSE}, token)
    assert response.status_code == 403
    assert response.json()["detail"] == "role: your role may not search persons"
