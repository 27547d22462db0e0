"""Linked persons for the dossier tests: registrations taken in through the intake pipeline."""

from __future__ import annotations

from typing import Any

from ketenzicht.dossiers.purpose import Purpose, PurposeReason
from ketenzicht.intake.pipeline import intake_registration
from tests.conftest import exchange_registration, in_numbering

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
        reference=in_numbering(reference, unit=unit, municipality=municipality),
        persons=persons,
        relations=relations,
        unit=unit,
        municipality=municipality,
        offences=offences or ["285"],
        registered_at=registered_at,
        occurred_at=occurred_at or registered_at,
    )
    return intake_registration(actor=None, data=data, channel="import").registration
