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
