"""The registration list: filters narrow what the user may see, never widen it; the list is logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.registrations.models import Offence
from ketenzicht.registrations.services import registration_create
from tests.conftest import exchange_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def screener_client(make_user: Callable[..., Any]) -> Client:
    for reference, offences, municipality, unit, registered in [
        ("PL0600-THREAT", ["285"], "GM0796", "oost-brabant", "2026-06-01T10:00:00+02:00"),
        ("PL0600-BREACH", ["184a"], "GM0772", "oost-brabant", "2026-07-01T10:00:00+02:00"),
        ("PL0900-THREAT", ["285"], "GM0855", "zeeland-west-brabant", "2026-06-02T10:00:00+02:00"),
    ]:
        data = exchange_registration(
            reference=reference,
            offences=offences,
            municipality=municipality,
            unit=unit,
            registered_at=registered,
        )
        registration_create(actor=None, data=data, channel="import")
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant", username="ingrid"))
    return client


def references(response: Any) -> set[str]:
    table = response.content.decode().split('data-testid="registration-table"')
    return {
        ref
        for ref in ("PL0600-THREAT", "PL0600-BREACH", "PL0900-THREAT")
        if len(table) > 1 and ref in table[1]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"PL0600-THREAT", "PL0600-BREACH"}),
        ("?offence=285", {"PL0600-THREAT"}),
        ("?offence=184a", {"PL0600-BREACH"}),
        ("?municipality=GM0772", {"PL0600-BREACH"}),
        ("?municipality=GM0855", set()),  # another unit's municipality: still nothing of theirs
        ("?registered_from=2026-06-15", {"PL0600-BREACH"}),
        ("?registered_to=2026-06-01", {"PL0600-THREAT"}),
        ("?kind=melding", set()),
    ],
)
def test_filters_narrow_the_users_own_registrations(
    screener_client: Client, query: str, expected: set[str]
) -> None:
    response = screener_client.get(f"/registraties/{query}")
    assert response.status_code == 200
    assert references(response) == expected


def test_the_list_and_its_filters_are_in_the_access_log(screener_client: Client) -> None:
    screener_client.get("/registraties/?offence=285&page=1")
    entry = AccessLogEntry.objects.filter(action="list", actor_username="ingrid").latest("id")
    assert entry.result == "shown"
    assert entry.detail["filters"] == {"offence": str(Offence.objects.get(article="285").pk)}
    assert entry.detail["count"] == 1


def test_a_period_that_ends_before_it_starts_is_marked_at_its_end(screener_client: Client) -> None:
    response = screener_client.get("/registraties/?registered_from=2026-07-01&registered_to=2026-06-01")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-registered_to"' in page and 'data-testid="filter-errors"' in page
    assert "Ligt voor de datum bij" in page.split('data-testid="error-registered_to"')[1][:200]


def test_a_filter_that_finds_nothing_says_so_and_offers_the_whole_list(screener_client: Client) -> None:
    """A filter that matched nothing left a bare "0 registraties die u mag inzien." without a way back: the
    page now says the filter is why, and links to the whole list (a filtered list too)."""
    screener_client.cookies["django_language"] = "nl"
    empty = screener_client.get("/registraties/", {"municipality": "GM0193"}).content.decode()
    said = empty.split('data-testid="filtered-count">')[1].split("</p>")[0]
    assert "Geen registratie die u mag inzien past bij dit filter" in said
    assert 'href="/registraties/" data-testid="clear-filters">Alle registraties tonen</a>' in said
    one = screener_client.get("/registraties/", {"offence": "184a"}).content.decode()
    assert "1 registratie die u mag inzien past bij dit filter." in one
    assert 'data-testid="clear-filters"' not in screener_client.get("/registraties/").content.decode()
