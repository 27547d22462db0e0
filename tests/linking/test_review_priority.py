"""The review queue: an item in a domestic-violence relation to a person the register already knew comes
first, before items that only their role and registration would put higher."""

from __future__ import annotations

import pytest
from django.test import override_settings

from ketenzicht.linking.models import ReviewItem
from ketenzicht.linking.services import LINKED_RELATION_PRIORITY
from tests.people import DENNIS, person_of, register

pytestmark = pytest.mark.django_db

SANDRA_IN_FULL = {
    "given_names": "Sandra Wilhelmina",
    "surname": "Verbeek",
    "birth_date": "1988-09-02",
    "sex": "F",
}
KAREL = {"given_names": "Karel", "surname": "Mulder", "birth_date": "1970-05-05", "sex": "M"}


def test_an_item_related_to_a_linked_person_comes_before_a_suspects_item() -> None:
    # A suspect's doubtful pair in a DV registration: his ex-partner in the registration is a new person.
    register("R1", KAREL, {"given_names": "Els", "surname": "Bos", "birth_date": "1975-01-01"})
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        doubtful = register(
            "R2",
            {"given_names": "K.", "surname": "Mulder", "birth_date": "1970-00-00"},
            {"given_names": "Truus", "surname": "Hendriks", "birth_date": "1980-02-02"},
        )
    suspects = ReviewItem.objects.get(mention__registration=doubtful, mention__ref="p1")
    assert suspects.priority < LINKED_RELATION_PRIORITY

    # A victim without a birth date whose ex-partner (Dennis) is linked to the person the register knew.
    first = register("R3", DENNIS, SANDRA_IN_FULL)
    second = register("R4", DENNIS, {"given_names": "Sandra", "surname": "Verbeek"})
    assert person_of(second) == person_of(first)
    victims = ReviewItem.objects.get(mention__registration=second, mention__ref="p2")
    assert victims.priority >= LINKED_RELATION_PRIORITY > suspects.priority
    assert ReviewItem.objects.filter(status="open").first() == victims


def test_no_first_place_when_the_related_person_is_new() -> None:
    register("R1", KAREL)
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        second = register(
            "R2",
            {"given_names": "Piet", "surname": "Jansen", "birth_date": "1960-01-01"},
            {"given_names": "K.", "surname": "Mulder", "birth_date": "1970-00-00"},
        )
    item = ReviewItem.objects.get(mention__registration=second, mention__ref="p2")
    assert item.priority < LINKED_RELATION_PRIORITY  # Piet, her ex-partner here, is a new person
