"""Synthetic people that several test packages take in and link, how to register them, and the person a
mention got."""

from __future__ import annotations

from typing import Any

from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.linking.models import MentionLink
from ketenzicht.persons.models import Person
from tests.conftest import exchange_registration, in_numbering

DENNIS = {
    "given_names": "Dennis Johannes",
    "surname_prefix": "van der",
    "surname": "Linden",
    "birth_date": "1986-03-14",
    "sex": "M",
    "address": {"postcode": "5616 KD", "house_number": "41"},
}
SANDRA = {"given_names": "Sandra", "surname": "Verbeek", "birth_date": "1988-09-02", "sex": "F"}
# Sandra as a mention names her in full, and by her name only (the Sandra Verbeek case of person linking).
SANDRA_IN_FULL = {
    "given_names": "Sandra Wilhelmina",
    "surname": "Verbeek",
    "birth_date": "1988-09-02",
    "sex": "F",
}
SANDRA_NAME_ONLY = {"given_names": "Sandra", "surname": "Verbeek"}


def person_of(registration: Any, ref: str = "p1") -> Person:
    """The person the mention `ref` of `registration` is linked to."""
    return MentionLink.objects.get(mention__registration=registration, mention__ref=ref).person


def register(reference: str, suspect: dict[str, Any], victim: dict[str, Any] | None = None) -> Any:
    """Take in a registration of `suspect` (p1), with `victim` (p2, his ex-partner) if given."""
    persons = [{"ref": "p1", "role": "suspect", **suspect}]
    relations = []
    if victim is not None:
        persons.append({"ref": "p2", "role": "victim", **victim})
        relations = [{"from": "p1", "to": "p2", "kind": "ex_partner"}]
    data = exchange_registration(reference=in_numbering(reference), persons=persons, relations=relations)
    return intake_registration(actor=None, data=data, channel="import").registration
