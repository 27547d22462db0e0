"""Person search: persons best first, only through registrations the searcher may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from ketenzicht.dossiers.engine.query import parse_query
from ketenzicht.dossiers.models import SearchEntry
from ketenzicht.dossiers.search import person_search_for_user
from ketenzicht.linking.services import person_merge
from tests.people import DENNIS, SANDRA, person_of

from .helpers import register

pytestmark = pytest.mark.django_db


def search(user: Any, text: str) -> list[Any]:
    return person_search_for_user(user=user, query=parse_query(text))


@pytest.fixture
def screener(make_user: Callable[..., Any]) -> Any:
    return make_user("case_screener", organisation="oost-brabant")


@pytest.mark.parametrize(
    "text",
    [
        "Linden, van der",
        "D. vd Linden",
        "dennis vanderlinden",
        "Dennis van der Lindne",  # a typo
        "D.J. van der Linden",
        "Linden 1986",
        "v.d. Linden 14-03-1986",
        "Linden 5616 KD",
    ],
)
def test_name_forms_find_the_person_first(screener: Any, text: str) -> None:
    first = register("R1", DENNIS, SANDRA)
    register("R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"})
    register("R3", {"given_names": "Pieter", "surname": "Lindeman", "birth_date": "1970-01-01"})
    hits = search(screener, text)
    assert hits, text
    assert hits[0].person_id == person_of(first).pk
    assert hits[0].registrations == 2
    assert "Dennis Johannes van der Linden" in hits[0].names
    assert hits[0].birth_dates == ["1986-03-14"]
    assert hits[0].municipality == "'s-Hertogenbosch"


def test_bsn_finds_the_person(screener: Any) -> None:
    registration = register("R1", {**DENNIS, "bsn": "123456782"}, SANDRA)
    hits = search(screener, "123456782")
    assert [h.person_id for h in hits] == [person_of(registration).pk]


def test_only_visible_registrations_lead_to_persons_and_count(
    screener: Any, make_user: Callable[..., Any]
) -> None:
    own = register("R1", DENNIS, SANDRA)
    register("Z1", DENNIS, unit="zeeland-west-brabant", municipality="GM0855")
    register(
        "Z2",
        {"given_names": "Karel", "surname": "Zeeuw", "birth_date": "1960-01-01"},
        unit="zeeland-west-brabant",
        municipality="GM0855",
    )
    hits = search(screener, "Dennis van der Linden")
    assert [h.person_id for h in hits] == [person_of(own).pk]
    assert hits[0].registrations == 1  # the Zeeland registration is not counted
    assert hits[0].municipality == "'s-Hertogenbosch"
    assert search(screener, "Karel Zeeuw") == []  # known only to another unit: not found
    other_unit = make_user("case_screener", organisation="zeeland-west-brabant")
    assert search(other_unit, "Dennis van der Linden")[0].registrations == 1


@pytest.mark.parametrize("role", ["national_analyst", "privacy_officer", "functional_admin"])
def test_roles_without_registrations_find_no_one(make_user: Callable[..., Any], role: str) -> None:
    register("R1", DENNIS, SANDRA)
    organisation = {"national_analyst": "landelijke-eenheid"}.get(role, "ketenzicht-beheer")
    assert search(make_user(role, organisation=organisation), "Linden") == []


def test_intake_fills_the_index_and_the_command_rebuilds_it(screener: Any) -> None:
    registration = register("R1", DENNIS, SANDRA)
    keys = set(SearchEntry.objects.values_list("surname_key", flat=True))
    assert keys == {"linden", "verbeek"}
    SearchEntry.objects.all().delete()
    assert search(screener, "Linden") == []
    call_command("search_index_rebuild", "--no-progress")
    assert search(screener, "Linden")[0].person_id == person_of(registration).pk


def test_a_merge_is_followed_without_reindexing(screener: Any) -> None:
    first = register("R1", DENNIS, SANDRA)
    second = register("R2", {"given_names": "Dennis", "surname": "Lindenaar", "birth_date": "1986-03-14"})
    source, target = person_of(second), person_of(first)
    assert source != target
    person_merge(source=source, target=target, actor=None, reason="test")
    hits = search(screener, "Dennis Lindenaar")
    assert hits[0].person_id == target.pk
    assert hits[0].registrations == 2


@pytest.mark.parametrize(
    ("kind", "organisation", "scope", "needs_purpose"),
    [
        ("politie", "oost-brabant", "own_unit", False),
        ("veilig_thuis", "vt-brabant-noordoost", "own_vt_region", False),
        ("om", "om-oost-brabant", "own_district_office", False),
        ("politie", "oost-brabant", "national", False),
        ("politie", "oost-brabant", "national", True),  # the police screener's view under a purpose
    ],
)
def test_index_rows_filter_like_their_registrations_under_every_scope(
    make_user: Callable[..., Any], kind: str, organisation: str, scope: str, needs_purpose: bool
) -> None:
    """The sharing rules filter index rows on their own copy of the registration's source, unit and
    municipality: for every scope, the rows that pass belong to exactly the registrations that pass."""
    from ketenzicht.intake.pipeline import intake_registration
    from ketenzicht.organisations.models import Organisation
    from ketenzicht.registrations.models import Registration
    from ketenzicht.registrations.sharing import SharingRule
    from tests.conftest import exchange_registration, in_numbering

    places = [("oost-brabant", "GM0796"), ("zeeland-west-brabant", "GM0855")]
    for index, (source, (unit, municipality)) in enumerate(
        (s, p) for s in ("politie", "veilig_thuis") for p in places
    ):
        data = exchange_registration(
            source=source,
            reference=in_numbering(
                f"REF-{index}",
                source=source,
                unit=unit if source == "politie" else None,
                municipality=municipality,
            ),
            unit=unit if source == "politie" else None,
            municipality=municipality,
            persons=[{"ref": "p1", "role": "suspect", **DENNIS}],
            relations=[],
        )
        if data["unit"] is None:
            del data["unit"]
        intake_registration(actor=None, data=data, channel="import")
    assert Organisation.objects.get(code=organisation).kind == kind
    user = make_user("case_screener", organisation=organisation)
    sources = ["politie", "veilig_thuis"]
    roles = ["case_screener"]
    rule = SharingRule.model_validate(
        {
            "name": "t",
            "organisation_kind": kind,
            "roles": roles,
            "sources": sources,
            "scope": scope,
            "needs_purpose": needs_purpose,
        }
    )
    assert rule.applies_to(user, purposed=True) and rule.applies_to(user) is not needs_purpose
    condition = rule.q(user)
    via_rows = set(SearchEntry.objects.filter(condition).values_list("mention__registration_id", flat=True))
    via_registrations = set(Registration.objects.filter(condition).values_list("pk", flat=True))
    assert via_rows == via_registrations
    assert 0 < len(via_rows) < Registration.objects.count() or scope == "national"
    if needs_purpose:  # and so do the rules as they are, for a police screener under a purpose
        from ketenzicht.registrations.sharing import visibility_filter

        stated = visibility_filter(user, purposed=True)
        assert stated is not None
        via_rows = set(SearchEntry.objects.filter(stated).values_list("mention__registration_id", flat=True))
        police = Registration.objects.filter(source="politie")
        assert via_rows == set(Registration.objects.filter(stated).values_list("pk", flat=True))
        assert via_rows == set(police.values_list("pk", flat=True)) and len(via_rows) == 2


def test_among_equal_scores_the_person_with_more_visible_registrations_comes_first(screener: Any) -> None:
    once = register("R1", {"given_names": "Pieter", "surname": "Lindhout", "birth_date": "1970-01-01"})
    often = [
        register(f"R{i}", {"given_names": "Karel", "surname": "Lindhout", "birth_date": "1990-06-06"})
        for i in (2, 3)
    ]
    assert person_of(often[0]) == person_of(often[1]) != person_of(once)
    assert person_of(once).pk < person_of(often[0]).pk  # so the order is not the ids' order
    hits = search(screener, "Lindhout")
    assert [h.score for h in hits] == [100.0, 100.0]
    assert [h.person_id for h in hits] == [person_of(often[0]).pk, person_of(once).pk]


def test_a_search_under_a_purpose_finds_a_person_of_another_police_unit_but_not_for_a_registrar(
    screener: Any, make_user: Callable[..., Any]
) -> None:
    """Search always carries a purpose (services.person_search): a police screener of Oost-Brabant finds
    Dennis, registered only in Zeeland-West-Brabant, logged with the purpose; a registrar does not."""
    from ketenzicht.audit.models import AccessLogEntry
    from ketenzicht.dossiers.services import person_search as logged_search

    from .helpers import PURPOSE

    elsewhere = register("PL0900-2024-000901", DENNIS, unit="zeeland-west-brabant", municipality="GM0855")
    assert search(screener, "Dennis van der Linden") == []  # no purpose: the own unit only
    hits = logged_search(user=screener, text="Dennis van der Linden", purpose=PURPOSE, origin="test")
    assert [h.person_id for h in hits] == [person_of(elsewhere).pk] and hits[0].registrations == 1
    entry = AccessLogEntry.objects.get(
        object_type="person", action="search", object_id=str(hits[0].person_id)
    )
    assert entry.purpose == PURPOSE.for_log()
    registrar = make_user("police_registrar", organisation="oost-brabant")
    assert logged_search(user=registrar, text="Dennis van der Linden", purpose=PURPOSE, origin="test") == []
