"""The privacy officer audits a person found by name (and date of birth), over a period; the log names a
review item once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry, AccessLogPerson, Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.ui.formats import person_number
from tests.dossiers.helpers import register
from tests.people import DENNIS, SANDRA, person_of

pytestmark = pytest.mark.django_db


def _rows(page: Any) -> str:
    return str(page.content.decode()).split('data-testid="access-log"')[1]


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer", username="pia"))
    return client


def test_a_name_finds_the_one_person_and_shows_who_looked_at_them(officer: Client) -> None:
    registration = register("R1", DENNIS, SANDRA)
    sandra = person_of(registration, "p2").pk
    access_log_record(
        actor=None, actor_username="kees", action=Action.VIEW, object_type="person", object_id=sandra,
        result=Result.SHOWN, purpose="screening",
    )  # fmt: skip
    access_log_record(
        actor=None, actor_username="joost", action=Action.VIEW, object_type="person",
        object_id=person_of(registration).pk, result=Result.SHOWN, purpose="screening",
    )  # fmt: skip
    page = officer.get("/toegangslog/", {"person": "Sandra Verbeek"})
    assert page.status_code == 200
    rows = _rows(page)
    assert "kees" in rows and "joost" not in rows
    assert person_number(sandra) in page.content.decode()
    # The search itself is one entry, with its purpose and the person it found.
    searches = AccessLogEntry.objects.filter(object_type="person_search", actor_username="pia")
    assert searches.count() == 1
    search = searches.get()
    assert search.purpose == "supervision of look-ups" and search.result == Result.SHOWN
    assert search.detail["query"] == "Sandra Verbeek"
    assert list(AccessLogPerson.objects.filter(entry=search).values_list("person_id", flat=True)) == [sandra]


def test_several_persons_are_offered_to_choose_with_year_of_birth_and_count(officer: Client) -> None:
    first = register("R1", DENNIS, SANDRA)
    second = register("R2", DENNIS, {**SANDRA, "given_names": "Sandra", "birth_date": "1962-01-20"})
    older, younger = person_of(second, "p2").pk, person_of(first, "p2").pk
    assert older != younger
    for who in ("kees", "karin"):
        access_log_record(
            actor=None, actor_username=who, action=Action.VIEW, object_type="person", object_id=younger,
            result=Result.SHOWN,
        )  # fmt: skip
    page = officer.get("/toegangslog/", {"person": "Sandra Verbeek"})
    body = page.content.decode()
    assert 'data-testid="person-candidates"' in body
    candidates = body.split('data-testid="person-candidates"')[1].split("</form>")[0]
    assert person_number(older) in candidates and person_number(younger) in candidates
    assert "1962" in candidates and "1988" in candidates
    # Their entries: the two looks; not this search that found them both (its own entry).
    assert f">{person_number(younger)}</label></td>" in candidates
    counts = [row.split("</td>")[-2].rsplit(">", 1)[1] for row in candidates.split('person-candidate"')[1:]]
    assert sorted(counts) == ["0", "2"], counts
    # Searched again, the first search is another entry concerning them: counted now.
    again = officer.get("/toegangslog/", {"person": "Sandra Verbeek"}).content.decode()
    offered = again.split('data-testid="person-candidates"')[1].split("</form>")[0]
    counts = [row.split("</td>")[-2].rsplit(">", 1)[1] for row in offered.split('person-candidate"')[1:]]
    assert sorted(counts) == ["1", "3"], counts
    assert "kees" not in _rows(page)  # nothing shown as if filtered before a choice
    # A date of birth puts the person born then first, as the police's search does.
    narrowed = officer.get("/toegangslog/", {"person": "Sandra Verbeek 02-09-1988"}).content.decode()
    offered = narrowed.split('data-testid="person-candidates"')[1]
    assert offered.index(person_number(younger)) < offered.index(person_number(older))
    # The choice, of both: the entries of either.
    both = officer.get("/toegangslog/", {"person": [person_number(older), person_number(younger)]})
    assert both.status_code == 200 and "karin" in _rows(both)


def test_a_name_nobody_has_is_said_at_the_field(officer: Client) -> None:
    register("R1", DENNIS, SANDRA)
    page = officer.get("/toegangslog/", {"person": "Zwaantje Qwertyuiop"})
    assert page.status_code == 422
    assert 'data-testid="error-person"' in page.content.decode()


def test_the_administrator_reads_the_log_but_finds_no_one_by_name(make_user: Callable[..., Any]) -> None:
    register("R1", DENNIS, SANDRA)
    admin = Client()
    admin.force_login(make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer"))
    page = admin.get("/toegangslog/", {"person": "Sandra Verbeek"})
    assert page.status_code == 422 and "Sandra" not in _rows(page)
    refused = AccessLogEntry.objects.get(object_type="person_search", actor_username="beheer")
    assert refused.result == Result.REFUSED


def test_other_roles_never_reach_the_page(make_user: Callable[..., Any]) -> None:
    register("R1", DENNIS, SANDRA)
    screener = Client()
    screener.force_login(make_user("case_screener", organisation="oost-brabant"))
    assert screener.get("/toegangslog/", {"person": "Sandra Verbeek"}).status_code == 403
    assert not AccessLogEntry.objects.filter(object_type="person_search").exists()


def test_the_period_filters_and_is_kept_across_pages(officer: Client) -> None:
    now = timezone.localtime()
    today = now.date()
    access_log_record(actor=None, actor_username="kees", action=Action.VIEW, object_type="person",
                      object_id=7, result=Result.SHOWN)  # fmt: skip
    since, until = (today - dt.timedelta(days=1)).isoformat(), today.isoformat()
    page = officer.get("/toegangslog/", {"since": since, "until": until})
    assert page.status_code == 200 and "kees" in _rows(page)
    assert f'value="{since}"' in page.content.decode()
    later = officer.get("/toegangslog/", {"since": (today + dt.timedelta(days=1)).isoformat()})
    assert "kees" not in _rows(later)
    earlier = officer.get("/toegangslog/", {"until": (today - dt.timedelta(days=1)).isoformat()})
    assert "kees" not in _rows(earlier)
    for _ in range(101):  # a second page: its links carry the period
        access_log_record(actor=None, actor_username="x", action=Action.VIEW, object_type="person",
                          object_id=8, result=Result.SHOWN)  # fmt: skip
    first = officer.get("/toegangslog/", {"since": since, "until": until}).content.decode()
    assert f"since={since}" in first and "page=2" in first
    logged = AccessLogEntry.objects.filter(object_type="access_log", result=Result.SHOWN).last()
    assert logged is not None and logged.detail["filters"]["since"] == since


@pytest.mark.parametrize(
    ("query", "field"),
    [({"since": "gisteren"}, "since"), ({"until": "2026-13-01"}, "until"),
     ({"since": "2026-11-10", "until": "2026-11-01"}, "until")],
)  # fmt: skip
def test_a_wrong_period_is_said_at_its_field(officer: Client, query: dict[str, str], field: str) -> None:
    access_log_record(actor=None, actor_username="kees", action=Action.VIEW, object_type="person",
                      object_id=7, result=Result.SHOWN)  # fmt: skip
    page = officer.get("/toegangslog/", query)
    assert page.status_code == 422
    body = page.content.decode()
    assert f'data-testid="error-{field}"' in body
    assert "kees" not in _rows(page)


def test_a_review_item_is_named_with_its_word_once(officer: Client) -> None:
    from ketenzicht.linking.models import ReviewItem

    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        register("R1", DENNIS)
        register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    item = ReviewItem.objects.get()
    access_log_record(actor=None, actor_username="kees", action=Action.VIEW, object_type="review_item",
                      object_id=item.pk, result=Result.SHOWN)  # fmt: skip
    page = officer.get("/toegangslog/", {"object_type": "review_item"})
    cell = _rows(page).split('data-testid="log-object">')[1].split("</td>")[0]
    assert cell.lower().count("beoordeling") == 1, cell
    assert cell.startswith("Beoordeling ") and "↔" in cell
