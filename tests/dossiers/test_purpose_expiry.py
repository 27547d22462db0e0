"""A stated purpose holds KETENZICHT_PURPOSE_MINUTES (60), counted from when it was stated; after that the
dossier asks for it again, and a search no longer offers it. The clock is moved, not waited for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.dossiers.views import SESSION_KEY
from tests.conftest import MovedClock
from tests.people import DENNIS, SANDRA, person_of

from .helpers import register

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}


@pytest.fixture
def screener_client(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant"))
    return client


def _work(client: Client, clock: MovedClock, minutes: int) -> None:
    """Time passes while the user works elsewhere (a request every 10 minutes keeps the login)."""
    for step in [10] * (minutes // 10) + [minutes % 10]:
        clock.advance(step * 60)
        assert client.get("/").status_code == 200


def _shown(client: Client, person_id: int) -> str:
    response = client.get(f"/personen/{person_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_purpose_holds_an_hour_then_the_dossier_asks_again(
    moved_clock: MovedClock, screener_client: Client
) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    assert screener_client.post(f"/personen/{person.pk}/", PURPOSE).status_code == 302
    _work(screener_client, moved_clock, 59)
    page = _shown(screener_client, person.pk)
    assert 'data-testid="dossier-heading"' in page
    _work(
        screener_client, moved_clock, 2
    )  # 61 minutes after it was stated, though the dossier was open a minute ago
    page = _shown(screener_client, person.pk)
    assert 'data-testid="purpose-expired"' in page and 'data-testid="purpose-refusal"' in page
    assert "Dennis" not in page
    assert SESSION_KEY not in screener_client.session
    refused = AccessLogEntry.objects.get(object_type="person", result="refused")
    assert refused.object_id == str(person.pk)
    # the search form no longer offers the old purpose
    search = screener_client.get("/personen/").content.decode()
    assert "screening of a new report" not in search
    # stated again, it holds again: the page no longer says it expired
    assert screener_client.post(f"/personen/{person.pk}/", PURPOSE).status_code == 302
    page = _shown(screener_client, person.pk)
    assert 'data-testid="dossier-heading"' in page and 'data-testid="purpose-expired"' not in page
    assert AccessLogEntry.objects.filter(object_type="person", action="view", result="shown").count() == 2


def test_a_purpose_stated_with_a_search_expires_too(moved_clock: MovedClock, screener_client: Client) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    assert screener_client.post("/personen/", {"q": "Linden", **PURPOSE}).status_code == 200
    assert 'data-testid="dossier-heading"' in _shown(screener_client, person.pk)
    _work(screener_client, moved_clock, 61)
    assert 'data-testid="purpose-expired"' in _shown(screener_client, person.pk)


@override_settings(KETENZICHT_PURPOSE_MINUTES=10)
def test_the_minutes_are_a_setting(moved_clock: MovedClock, screener_client: Client) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    screener_client.post(f"/personen/{person.pk}/", PURPOSE)
    moved_clock.advance(9 * 60)
    assert 'data-testid="dossier-heading"' in _shown(screener_client, person.pk)
    moved_clock.advance(2 * 60)
    page = _shown(screener_client, person.pk)
    assert 'data-testid="purpose-expired"' in page and "10" in page.split('data-testid="purpose-expired"')[1]


def test_a_purpose_kept_without_its_time_counts_as_expired(screener_client: Client) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    session = screener_client.session
    session[SESSION_KEY] = {"reason": "screening", "text": "screening of a new report"}
    session.save()
    assert 'data-testid="purpose-refusal"' in _shown(screener_client, person.pk)
