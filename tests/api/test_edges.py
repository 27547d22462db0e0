"""The API's edges: out-of-range paging, inputs the database cannot store, bodies over the limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

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
