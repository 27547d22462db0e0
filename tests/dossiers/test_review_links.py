"""A doubtful link in the dossier points to its review item only when the user may open that item in the
review queue (`linking.selectors.review_items_for_user`): never to the 404 of an item the user may not see,
and never writing a refusal into the access log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking.models import ReviewItem
from ketenzicht.organisations.services import api_token_create
from tests.people import DENNIS, person_of

from .helpers import register

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}
# Every pair from a probability of 0.0001 up is a review item, none is linked.
DOUBT_ALL = {"KETENZICHT_LINK_UPPER": 0.999999999, "KETENZICHT_LINK_LOWER": 0.0001}
VARIANT = {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"}


def _doubtful_pair(candidate_unit: str) -> tuple[Any, ReviewItem]:
    """Dennis registered by `candidate_unit`, then "D.J. Linden" by Oost-Brabant: a review item between
    them. Returns the second registration (its person's dossier) and the item."""
    with override_settings(**DOUBT_ALL):
        register(
            "R1",
            DENNIS,
            unit=candidate_unit,
            municipality="GM0855" if candidate_unit != "oost-brabant" else "GM0796",
        )
        second = register("R2", VARIANT)
    return second, ReviewItem.objects.get()


def _dossier(client: Client, person_id: int) -> str:
    client.post(f"/personen/{person_id}/", PURPOSE)
    response = client.get(f"/personen/{person_id}/")
    assert response.status_code == 200
    return response.content.decode()


def _nl(msgid: str) -> str:
    with translation.override("nl"):
        return translation.gettext(msgid)


def test_an_item_the_screener_may_not_open_is_marked_without_a_link(make_user: Callable[..., Any]) -> None:
    """The candidate's registration is another unit's: the dossier shows it under its purpose, the review
    queue (no purpose) does not, so the item is not the screener's to open."""
    second, item = _doubtful_pair("zeeland-west-brabant")
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant"))
    page = _dossier(client, person_of(second).pk)
    assert 'data-testid="doubtful-link"' in page and _nl("waits in the review queue") in page
    assert f"/koppelingen/beoordelen/{item.pk}/" not in page
    assert not AccessLogEntry.objects.filter(result="refused").exists()


def test_an_item_the_screener_may_open_is_linked_and_opens(make_user: Callable[..., Any]) -> None:
    second, item = _doubtful_pair("oost-brabant")
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant"))
    page = _dossier(client, person_of(second).pk)
    assert f'href="/koppelingen/beoordelen/{item.pk}/"' in page
    assert client.get(f"/koppelingen/beoordelen/{item.pk}/").status_code == 200
    assert not AccessLogEntry.objects.filter(result="refused").exists()


def test_a_registrar_sees_the_doubt_without_a_link(make_user: Callable[..., Any]) -> None:
    second, item = _doubtful_pair("oost-brabant")
    client = Client()
    client.force_login(make_user("police_registrar", organisation="oost-brabant"))
    page = _dossier(client, person_of(second).pk)
    assert 'data-testid="doubtful-link"' in page and f"/koppelingen/beoordelen/{item.pk}/" not in page


def test_the_api_names_only_an_item_the_caller_may_open(make_user: Callable[..., Any]) -> None:
    second, _item = _doubtful_pair("zeeland-west-brabant")
    token = api_token_create(user=make_user("case_screener", organisation="oost-brabant"), name="t")
    body = {"purpose": {"reason": "screening", "text": "screening of a new report"}}
    response = Client().post(
        f"/api/v1/persons/{person_of(second).pk}/dossier",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    [line] = [r for r in response.json()["registrations"] if r["id"] == second.pk]
    assert (line["doubtful"], line["review_item_id"]) == (True, None)
