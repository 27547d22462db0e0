"""The search page and the dossier: purpose first, need-to-know, the access log, constant queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.registrations.services import registration_create
from tests.conftest import exchange_registration
from tests.people import DENNIS, SANDRA, person_of

from .helpers import register

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def screener(make_user: Callable[..., Any]) -> Any:
    return make_user("case_screener", organisation="oost-brabant")


def test_search_without_purpose_is_refused_and_logged(screener: Any) -> None:
    register("R1", DENNIS, SANDRA)
    response = client_for(screener).post("/personen/", {"q": "Linden"})
    assert response.status_code == 422
    assert "Dennis" not in response.content.decode()
    entry = AccessLogEntry.objects.get(action="search", result="refused")
    assert entry.detail["refused"] == "purpose"
    assert entry.detail["query"] == "Linden"


def test_search_with_purpose_shows_persons_and_logs_the_purpose_without_bsn(screener: Any) -> None:
    registration = register("R1", {**DENNIS, "bsn": "123456782"}, SANDRA)
    response = client_for(screener).post("/personen/", {"q": "D. vd Lindne 123456782", **PURPOSE})
    assert response.status_code == 200
    assert "Dennis Johannes van der Linden" in response.content.decode()
    summary = AccessLogEntry.objects.get(action="search", object_type="person_search")
    assert summary.purpose == "screening: screening of a new report"
    assert "123456782" not in str(summary.detail)
    assert summary.detail["query"] == "D. vd Lindne *********"
    per_person = AccessLogEntry.objects.get(action="search", object_type="person")
    assert per_person.object_id == str(person_of(registration).pk)
    assert per_person.purpose == summary.purpose


def test_purpose_by_registration_reference(screener: Any) -> None:
    register("R1", DENNIS, SANDRA)
    client = client_for(screener)
    response = client.post("/personen/", {"q": "Linden", "purpose_registration": "PL0600-R1"})
    assert response.status_code == 200
    assert AccessLogEntry.objects.get(object_type="person_search").purpose == "registration politie:PL0600-R1"
    other_unit = register("Z1", DENNIS, unit="zeeland-west-brabant", municipality="GM0855")
    response = client.post(
        "/personen/",
        {"q": "Linden", "purpose_registration": other_unit.reference, "purpose_reason": "registration"},
    )
    assert response.status_code == 422
    assert 'data-testid="error-purpose_registration"' in response.content.decode()


def test_short_explanation_names_the_field(screener: Any) -> None:
    response = client_for(screener).post("/personen/", {"q": "Linden", "purpose_reason": "screening"})
    assert response.status_code == 422
    assert 'data-testid="error-purpose_text"' in response.content.decode()


@pytest.mark.parametrize(
    ("role", "organisation"),
    [("national_analyst", "landelijke-eenheid"), ("vt_assessor", "vt-brabant-noordoost")],
)
def test_roles_that_may_not_search_are_refused_and_logged(
    make_user: Callable[..., Any], role: str, organisation: str
) -> None:
    client = client_for(make_user(role, organisation=organisation))
    assert client.get("/personen/").status_code == 403
    assert client.post("/personen/", {"q": "Linden", **PURPOSE}).status_code == 403
    assert client.get("/personen/1/").status_code == 404  # a dossier: the one 404, as for a missing one
    refusals = AccessLogEntry.objects.filter(result="refused")
    assert sorted((e.object_type, e.detail["refused"]) for e in refusals) == [
        ("person", "not visible"),
        ("person_search", "role"),
        ("person_search", "role"),
    ]


def test_dossier_needs_a_purpose_then_shows_counts_and_logs_the_view(screener: Any) -> None:
    first = register(
        "R1", DENNIS, SANDRA, offences=["285b", "300"], registered_at="2023-02-01T10:00:00+01:00"
    )
    register("R2", DENNIS, SANDRA, offences=["285"], registered_at="2024-05-01T10:00:00+01:00")
    register("R3", SANDRA, DENNIS, offences=["266"], registered_at="2024-06-01T10:00:00+01:00")
    person = person_of(first)
    client = client_for(screener)
    refused = client.get(f"/personen/{person.pk}/")
    assert refused.status_code == 200
    assert 'data-testid="purpose-refusal"' in refused.content.decode()
    assert "Dennis" not in refused.content.decode()
    assert AccessLogEntry.objects.get(object_type="person", result="refused").object_id == str(person.pk)
    response = client.post(f"/personen/{person.pk}/", PURPOSE)
    assert response.status_code == 302
    page = client.get(f"/personen/{person.pk}/").content.decode()
    assert 'data-testid="timeline"' in page
    assert 'data-testid="total-suspect">2<' in page
    assert 'data-testid="total-victim">1<' in page
    assert "art. 285b Sr" in page
    assert "Sandra Verbeek" in page
    assert 'data-testid="slot-measures"' in page
    assert "Who looked at this person" not in page  # only for privacy officers and administrators
    # How sure the link is, as a percentage, not a raw score.
    assert re.search(r"<td class=\"utrecht-table__cell\">\d{1,3}(,\d)? %", page), "no percentage"
    assert "1,000</td>" not in page and "1.000</td>" not in page
    view = AccessLogEntry.objects.get(object_type="person", action="view", result="shown")
    assert view.object_id == str(person.pk)
    assert view.purpose == "screening: screening of a new report"


def test_dossier_of_a_person_the_user_may_not_see_is_not_found(
    screener: Any, make_user: Callable[..., Any]
) -> None:
    """Under a purpose a screener sees another police unit's registrations; a registrar keeps the own unit,
    and a person only in another unit's registrations is not found for them, like a missing one."""
    hidden = register("Z1", DENNIS, unit="zeeland-west-brabant", municipality="GM0855")
    client = client_for(screener)
    client.post(f"/personen/{person_of(hidden).pk}/", PURPOSE)
    assert client.get(f"/personen/{person_of(hidden).pk}/").status_code == 200
    registrar = client_for(make_user("police_registrar", organisation="oost-brabant"))
    registrar.post(f"/personen/{person_of(hidden).pk}/", PURPOSE)
    assert registrar.get(f"/personen/{person_of(hidden).pk}/").status_code == 404
    assert registrar.get("/personen/999999/").status_code == 404
    assert client.get("/personen/999999/").status_code == 404


def test_privacy_officer_sees_who_looked(screener: Any, make_user: Callable[..., Any]) -> None:
    person = person_of(register("R1", DENNIS, SANDRA))
    client = client_for(screener)
    client.post(f"/personen/{person.pk}/", PURPOSE)
    client.get(f"/personen/{person.pk}/")
    officer = client_for(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    officer.post(
        f"/personen/{person.pk}/",
        {"purpose_reason": "privacy_audit", "purpose_text": "periodic check of look-ups"},
    )
    page = officer.get(f"/personen/{person.pk}/").content.decode()
    assert 'data-testid="access-list"' in page
    # Only those who audit look-ups are offered privacy supervision as their purpose.
    search = client.get("/personen/").content.decode()
    assert 'name="purpose_reason"' in search and 'value="privacy_audit"' not in search
    assert screener.username in page
    assert "screening of a new report" in page
    assert "Dennis" not in page  # the privacy officer sees no registrations


def test_dossier_queries_do_not_grow_with_the_history(screener: Any) -> None:
    small = _linked_history(20, "Aap")
    large = _linked_history(200, "Noot")
    client = client_for(screener)
    client.post(f"/personen/{small}/", PURPOSE)
    counts = []
    for person_id in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/personen/{person_id}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def _linked_history(count: int, surname: str) -> int:
    """A suspect with `count` registrations against one victim, linked as one person (bulk, fast)."""
    from ketenzicht.linking.models import LinkMethod, MentionLink
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention

    suspect, victim = Person.objects.create(), Person.objects.create()
    for i in range(count):
        data = exchange_registration(
            reference=f"PL0600-{surname}-{i}",
            persons=[
                {"ref": "p1", "role": "suspect", **{**DENNIS, "surname": surname}},
                {"ref": "p2", "role": "victim", **SANDRA},
            ],
            relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
            offences=["285b", "300"] if i % 2 else ["350"],
            registered_at=f"{2015 + i % 10}-03-06T09:12:00+01:00",
            occurred_at=f"{2015 + i % 10}-03-05T21:40:00+01:00",
        )
        registration = registration_create(actor=None, data=data, channel="import").registration
        for mention in PersonMention.objects.filter(registration=registration):
            MentionLink.objects.create(
                mention=mention,
                person=suspect if mention.ref == "p1" else victim,
                method=LinkMethod.ONLINE,
                probability=0.99,
            )
    return suspect.pk


def test_the_match_column_says_its_scale_in_dutch(screener: Any) -> None:
    """The results showed a bare "Overeenkomst 100": the column now names its scale, and a line under the
    table says what the figure means and where it stops."""
    register("R1", DENNIS, SANDRA)
    client = client_for(screener)
    client.cookies["django_language"] = "nl"
    page = client.post("/personen/", {"q": "Linden", **PURPOSE}).content.decode()
    head = page.split('data-testid="search-results"')[1].split("</thead>")[0]
    assert "Overeenkomst (van 100)" in head
    explained = page.split('data-testid="match-explained">')[1].split("</p>")[0]
    assert "van 55 tot 100" in explained and "onder 55 staat er niet" in explained


def test_an_empty_search_box_says_what_to_type(screener: Any) -> None:
    """An empty search said only "Dit veld is verplicht.": it now says what the box wants."""
    client = client_for(screener)
    client.cookies["django_language"] = "nl"
    page = client.post("/personen/", {"q": "", **PURPOSE}).content.decode()
    error = page.split('data-testid="error-q"')[1].split("</div>")[0]
    assert "Typ een naam, met een geboortedatum, postcode of BSN als u die weet." in error
    assert "Dit veld is verplicht" not in error
