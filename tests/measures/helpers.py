"""A couple for the measures tests, taken in through intake, and a restraining order between them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from ketenzicht.measures.models import Measure
from ketenzicht.measures.services import measure_impose
from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.models import Case
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of

LOTTE_MISSPELT = {**LOTTE, "given_names": "Lote", "surname": "Witt"}  # same date of birth: linked to her
STRANGER = {"given_names": "Kees", "surname": "Jansen", "birth_date": "1970-02-02", "sex": "M"}


def recent(days: int = 0) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def couple_with_case(reference: str = "PL0600-M-1") -> tuple[Any, Any, Case]:
    """Marco's threat towards Lotte, a week ago: the screening step opens the pair's police case."""
    first = take_in(reference, MARCO, LOTTE, registered_at=recent(7))
    case = Case.objects.get(registrations=first, organisation__code="oost-brabant")
    return person_of(first, "p1"), person_of(first, "p2"), case


def restraining_order(
    suspect: Any,
    victim: Any,
    case: Case | None,
    *,
    actor: Any = None,
    starts_on: date | None = None,
    **more: Any,
) -> Measure:
    return measure_impose(
        kind="restraining_order",
        suspect=suspect,
        protected=[victim],
        conditions=more.pop("conditions", ["contact_ban"]),
        starts_on=starts_on or timezone.localdate() - timedelta(days=2),
        imposed_by="mayor",
        organisation=Organisation.objects.get(code="oost-brabant"),
        actor=actor,
        police_case=case,
        **more,
    )
