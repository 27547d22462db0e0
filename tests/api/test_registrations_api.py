"""The JSON API: one registration in through the pipeline, the caller's registrations out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.services import api_token_create
from ketenzicht.registrations.models import Registration
from tests.conftest import exchange_registration

pytestmark = pytest.mark.django_db
URL = "/api/v1/registrations"


def post(client: Client, data: Any, **headers: str) -> Any:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(URL, body, content_type="application/json", headers=headers)


@pytest.fixture
def registrar_client(registrar: Any) -> Client:
    client = Client()
    client.force_login(registrar)
    return client


def test_post_stores_once_and_answers_201_then_200(registrar_client: Client) -> None:
    first = post(registrar_client, exchange_registration())
    assert first.status_code == 201
    body = first.json()
    assert (body["created"], body["reference"]) == (True, "PL0600-2024-000123")
    again = post(registrar_client, exchange_registration())
    assert again.status_code == 200 and again.json() == {**body, "created": False}
    assert Registration.objects.count() == 1


def test_post_names_every_bad_field_and_stores_nothing(registrar_client: Client) -> None:
    data = exchange_registration(offences=["285", "9999"])
    data["persons"][0]["postcode"] = "x"
    data["persons"][0]["birth_date"] = "1985-13-01"
    response = post(registrar_client, data)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"offences[1]", "persons[0].birth_date"}
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("body", ["{not json", "[]", "null", '"text"'])
def test_post_with_a_body_that_is_no_registration_is_422_not_500(registrar_client: Client, body: str) -> None:
    response = post(registrar_client, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"(body)", "(registration)"}


def test_post_for_another_unit_is_forbidden(registrar_client: Client) -> None:
    response = post(registrar_client, exchange_registration(unit="limburg", municipality="GM0935"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "unit"
    assert Registration.objects.count() == 0


def test_get_lists_only_what_the_caller_may_see(
    registrar_client: Client, make_user: Callable[..., Any]
) -> None:
    post(registrar_client, exchange_registration())
    other = Client()
    other.force_login(make_user("police_registrar", organisation="zeeland-west-brabant"))
    post(
        other, exchange_registration(reference="PL0900-9", unit="zeeland-west-brabant", municipality="GM0867")
    )
    listed = registrar_client.get(URL).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert item["reference"] == "PL0600-2024-000123"
    assert item["registered_at"] == "2024-03-06T09:12:00+01:00"
    assert item["relations"] == [{"from": "p1", "to": "p2", "kind": "ex_partner"}]
    assert item["persons"][0]["bsn_valid"] is True
    own_id, other_id = item["id"], Registration.objects.get(reference="PL0900-9").pk
    assert registrar_client.get(f"{URL}/{own_id}").status_code == 200
    assert registrar_client.get(f"{URL}/{other_id}").status_code == 404
    assert registrar_client.get(f"{URL}/999999").status_code == 404
    refused = AccessLogEntry.objects.filter(action="view", result="refused").values_list(
        "object_id", flat=True
    )
    assert set(refused) == {str(other_id), "999999"}


def test_a_bearer_token_authenticates_and_a_wrong_one_does_not(registrar: Any) -> None:
    token = api_token_create(user=registrar, name="test feed")
    client = Client()
    assert post(client, exchange_registration(), Authorization=f"Bearer {token}").status_code == 201
    assert client.get(URL, headers={"Authorization": f"Bearer {token}"}).json()["count"] == 1
    assert client.get(URL, headers={"Authorization": "Bearer kz_wrong"}).status_code == 401
    assert client.get(URL).status_code == 401


def test_create_api_token_command_prints_a_working_token(registrar: Any, capsys: Any) -> None:
    call_command("create_api_token", registrar.username, name="script")
    token = capsys.readouterr().out.strip()
    assert Client().get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_openapi_spec_documents_the_exchange_format(registrar_client: Client) -> None:
    spec = registrar_client.get("/api/v1/openapi.json").json()
    post_op = spec["paths"]["/api/v1/registrations"]["post"]
    schema = post_op["requestBody"]["content"]["application/json"]["schema"]
    assert {"source", "reference", "kind", "registered_at", "persons"} <= set(schema["required"])
    assert {"201", "200", "403", "422"} <= set(post_op["responses"])
    assert "get" in spec["paths"]["/api/v1/registrations"]
    assert Client().get("/api/v1/openapi.json").status_code == 302  # login first


def test_the_openapi_spec_has_no_key_twice(registrar_client: Client) -> None:
    """Swagger UI reads the spec as YAML, which refuses a key twice where JSON takes the last."""
    twice: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        twice.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)

    json.loads(registrar_client.get("/api/v1/openapi.json").content, object_pairs_hook=pairs)
    assert twice == []


def test_another_units_reference_is_refused_alike_whether_it_exists_or_not(
    registrar_client: Client, make_user: Callable[..., Any]
) -> None:
    """No existence oracle: registrar-zwb learns nothing about Oost-Brabant's references."""
    assert post(registrar_client, exchange_registration()).status_code == 201  # PL0600-2024-000123
    zwb = Client()
    zwb.force_login(make_user("police_registrar", organisation="zeeland-west-brabant"))
    answers = []
    for reference in ("PL0600-2024-000123", "PL0600-2024-999999"):  # stored, and never used
        response = post(
            zwb,
            exchange_registration(reference=reference, unit="zeeland-west-brabant", municipality="GM0867"),
        )
        body = response.json()
        answers.append((response.status_code, [e["field"] for e in body["errors"]]))
        assert "must start with PL0900-" in body["errors"][0]["reason"]
    assert answers[0] == answers[1] == (422, ["reference"])
    assert Registration.objects.count() == 1


def test_a_reference_in_another_units_numbering_cannot_be_squatted(
    registrar_client: Client, make_user: Callable[..., Any]
) -> None:
    zwb = Client()
    zwb.force_login(make_user("police_registrar", organisation="zeeland-west-brabant"))
    squat = exchange_registration(
        reference="PL0600-2026-777777", unit="zeeland-west-brabant", municipality="GM0867"
    )
    assert post(zwb, squat).status_code == 422
    real = post(registrar_client, exchange_registration(reference="PL0600-2026-777777"))
    assert real.status_code == 201 and real.json()["conflict"] is False
    stored = Registration.objects.get()
    assert stored.unit is not None and stored.unit.code == "oost-brabant"


def test_a_stored_registration_the_caller_may_not_see_is_never_returned(
    make_user: Callable[..., Any],
) -> None:
    """A registration stored before references were checked (its reference in another unit's numbering):
    the unit whose numbering it uses is refused naming `reference`, never shown that registration."""
    Registration.objects.create(
        source="politie",
        reference="PL0900-2026-000001",
        kind="incident",
        registered_at="2026-01-01T10:00:00+01:00",
        unit=Organisation.objects.get(code="oost-brabant"),
        content_hash="x",
        channel="import",
    )
    zwb = Client()
    zwb.force_login(make_user("police_registrar", organisation="zeeland-west-brabant"))
    data = exchange_registration(
        reference="PL0900-2026-000001", unit="zeeland-west-brabant", municipality="GM0867"
    )
    response = post(zwb, data)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reference"]
    assert "id" not in response.json()
