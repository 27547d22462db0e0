"""The API's edges: out-of-range paging, inputs the database cannot store, bodies over the limit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.services import access_log_record

pytestmark = pytest.mark.django_db


def client_for(make_user: Callable[..., Any], *roles: str) -> Client:
    client = Client()
    client.force_login(make_user(*roles))
    return client


@pytest.mark.parametrize(
    ("path", "role"), [("/api/v1/registrations", "police_registrar"), ("/api/v1/signals", "case_screener")]
)
@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "offset=-1", "limit=0", "limit=501", "limit=99999999999999999999"]
)
def test_paging_out_of_range_is_422_not_500(
    make_user: Callable[..., Any], path: str, role: str, query: str
) -> None:
    client = client_for(make_user, role)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in {"limit", "offset"}
    assert client.get(f"{path}?offset=1000000000&limit=500").status_code == 200


BIG = 3 * 1024 * 1024  # over Django's default upload limit of 2.5 MB


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/v1/registrations", "police_registrar"),
        ("/api/v1/persons/search", "case_screener"),
        ("/api/v1/persons/1/dossier", "case_screener"),
    ],
)
def test_a_body_over_the_upload_limit_is_413_with_a_json_error(
    make_user: Callable[..., Any], path: str, role: str
) -> None:
    client = client_for(make_user, role)
    body = '{"q": "' + "a" * BIG + '"}'
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "limit" in response.json()["detail"]


PURPOSE = {"reason": "screening", "text": "screening of a new report"}
NUL, SURROGATE = "\x00", "\ud800"


def post_json(client: Client, path: str, body: Any) -> Any:
    # json.dumps writes a lone surrogate as the escape \ud800, as a client may send it
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/persons/search", {"q": "Jan {bad} 1985", "purpose": PURPOSE}, "q"),
        (
            "/api/v1/persons/search",
            {"q": "Jan 1985", "purpose": {**PURPOSE, "text": "screen{bad}ing now"}},
            "text",
        ),
        (
            "/api/v1/persons/search",
            {"q": "Jan 1985", "purpose": {"registration": "PL-{bad}-1"}},
            "registration",
        ),
        ("/api/v1/persons/1/dossier", {"purpose": {**PURPOSE, "text": "screen{bad}ing now"}}, "text"),
        ("/api/v1/persons/1/dossier", {"purpose": {"registration": "PL-{bad}-1"}}, "registration"),
    ],
)
def test_nul_or_lone_surrogate_is_422_naming_the_field(
    make_user: Callable[..., Any], path: str, body: dict[str, Any], field: str, bad: str
) -> None:
    client = client_for(make_user, "case_screener")
    filled = json.loads(json.dumps(body).replace("{bad}", json.dumps(bad)[1:-1]))
    response = post_json(client, path, filled)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] == field


def test_a_refused_page_search_with_a_nul_in_the_query_is_still_logged(make_user: Callable[..., Any]) -> None:
    """The page logs a search without a valid purpose as refused, with the query as typed (on PostgreSQL
    the NUL made that entry, and so the page, fail)."""
    client = client_for(make_user, "case_screener")
    response = client.post("/personen/", {"q": "Jan\x00 1985", "purpose_text": "x\x00"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) >= {"q", "purpose_text"}
    entry = AccessLogEntry.objects.get(action="search", result="refused")
    assert entry.detail["query"] == "Jan\ufffd 1985"


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_an_access_log_entry_is_written_whatever_the_caller_typed(bad: str) -> None:
    access_log_record(
        actor=None,
        action="search",
        object_type="t",
        object_id=bad,
        result="refused",
        purpose=f"a{bad}",
        origin=bad,
        detail={"query": [bad], bad: 1},
    )
    entry = AccessLogEntry.objects.get(object_type="t")
    assert (entry.object_id, entry.purpose, entry.detail) == (
        "\ufffd",
        "a\ufffd",
        {"query": ["\ufffd"], "\ufffd": 1},
    )


def test_the_api_docs_page_loads_swagger_from_this_server(make_user: Callable[..., Any]) -> None:
    """Without internet the page was blank: its Swagger UI came from a CDN."""
    client = client_for(make_user, "police_registrar")
    page = client.get("/api/v1/docs").content.decode()
    scripts = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts), scripts
    assert all(finders.find(src.removeprefix("/static/")) for src in scripts)


@pytest.mark.parametrize(
    "path", ["/api/v1/registrations/{id}", "/api/v1/signals/{id}", "/api/v1/persons/{id}/dossier"]
)
def test_an_id_no_database_can_hold_is_422_not_500(path: str, make_user: Callable[..., Any]) -> None:
    """A path id above a 64-bit integer is refused where it comes in, naming it (SQLite cannot take it), for
    a role without the desk too."""
    for role in ("case_screener", "victim_support"):
        client = client_for(make_user, role)
        huge = path.format(id=2**100)
        answer = (
            client.post(huge, "{}", content_type="application/json")
            if "dossier" in path
            else client.get(huge)
        )
        assert answer.status_code == 422, answer.content
        assert answer.json()["detail"][0]["loc"][-1].endswith("_id")
