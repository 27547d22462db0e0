"""Linked persons for the dossier tests: registrations taken in through the intake pipeline."""

from __future__ import annotations

from typing import Any

from ketenzicht.dossiers.purpose import Purpose, PurposeReason
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.linking.models import MentionLink
from ketenzicht.persons.models import Person
from tests.conftest import exchange_registration

DENNIS = {
    "given_names": "Dennis Johannes",
    "surname_prefix": "van der",
    "surname": "Linden",
    "birth_date": "1986-03-14",
    "sex": "M",
    "address": {"postcode": "5616 KD", "house_number": "41"},
}
SANDRA = {"given_names": "Sandra", "surname": "Verbeek", "birth_date": "1988-09-02", "sex": "F"}
PURPOSE = Purpose(PurposeReason.SCREENING, "screening of a new report")


def register(
    reference: str,
    suspect: dict[str, Any],
    victim: dict[str, Any] | None = None,
    *,
    offences: list[str] | None = None,
    unit: str = "oost-brabant",
    municipality: str = "GM0796",
    registered_at: str = "2024-03-06T09:12:00+01:00",
    occurred_at: str | None = None,
    relation: str = "ex_partner",
) -> Any:
    persons = [{"ref": "p1", "role": "suspect", **suspect}]
    relations = []
    if victim is not None:
        persons.append({"ref": "p2", "role": "victim", **victim})
        relations = [{"from": "p1", "to": "p2", "kind": relation}]
    data = exchange_registration(
        reference=reference,
        persons=persons,
        relations=relations,
        unit=unit,
        municipality=municipality,
        offences=offences or ["285"],
        registered_at=registered_at,
        occurred_at=occurred_at or registered_at,
    )
    return intake_registration(actor=None, data=data, channel="import").registration


def person_of(registration: Any, ref: str = "p1") -> Person:
    return MentionLink.objects.get(mention__registration=registration, mention__ref=ref).person
