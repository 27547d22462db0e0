"""Registrations for the pattern tests, taken in through the intake pipeline (linking included)."""

from __future__ import annotations

from typing import Any

from ketenzicht.intake.pipeline import intake_registration
from tests.conftest import exchange_registration, in_numbering

# Two synthetic people: a man who keeps coming back to his ex-partner.
MARCO = {
    "given_names": "Marco",
    "surname": "Hendriks",
    "birth_date": "1984-05-19",
    "sex": "M",
    "address": {"postcode": "5612 AB", "house_number": "7"},
}
LOTTE = {
    "given_names": "Lotte",
    "surname_prefix": "de",
    "surname": "Wit",
    "birth_date": "1989-01-30",
    "sex": "F",
    "address": {"postcode": "5615 CD", "house_number": "21"},
}

# A second pair, for tests that need two.
BART = {"given_names": "Bart", "surname": "Mertens", "birth_date": "1981-03-03", "sex": "M"}
ILSE = {"given_names": "Ilse", "surname": "Coenen", "birth_date": "1983-08-08", "sex": "F"}


def take_in(
    reference: str,
    suspect: dict[str, Any],
    victim: dict[str, Any],
    *,
    registered_at: str,
    offences: list[str] | None = None,
    summary: str = "",
    relation: str | None = "ex_partner",
    unit: str = "oost-brabant",
    municipality: str = "GM0796",
    kind: str = "aangifte",
    source: str = "politie",
    actor: Any = None,
    report_to_police: bool = False,
) -> Any:
    """One registration of `suspect` (p1) towards `victim` (p2) through the whole intake pipeline.
    `report_to_police`: Veilig Thuis's registration is its report to the police, made for `unit` (as its
    form does), which the police of that unit see; else it is Veilig Thuis's own file, without a unit."""
    police_unit = unit if source == "politie" or report_to_police else None
    data = exchange_registration(
        source=source,
        reference=in_numbering(
            reference, source=source, unit=unit if source == "politie" else None, municipality=municipality
        ),
        kind=kind,
        persons=[{"ref": "p1", "role": "suspect", **suspect}, {"ref": "p2", "role": "victim", **victim}],
        relations=[{"from": "p1", "to": "p2", "kind": relation}] if relation else [],
        offences=["285"] if offences is None else offences,
        summary=summary,
        unit=police_unit,
        municipality=municipality,
        registered_at=registered_at,
        occurred_at=registered_at,
    )
    if data["unit"] is None:
        del data["unit"]
    return intake_registration(actor=actor, data=data, channel="import").registration


def signals_forget(**where: Any) -> None:
    """Remove signals as if they had never been raised, for a test that detects again from nothing: their
    history is append-only, so its triggers are lifted around the delete and put back."""
    from django.db import connection

    from ketenzicht.audit.append_only import history_off, history_on
    from ketenzicht.patterns.models import Signal, SignalEvent

    history_off(connection)
    try:
        SignalEvent.objects.filter(**{f"signal__{k}": v for k, v in where.items()}).delete()
        Signal.objects.filter(**where).delete()
    finally:
        history_on(connection)
