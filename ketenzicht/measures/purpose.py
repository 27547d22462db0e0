"""A measure as the purpose of a look-up: a breach registration opened from the measure's page
(`?maatregel=<id>`) is read under the measure, and the access log says which. The registration itself is
reached through the sharing rules (a district office's prosecutor through the disclosure made when the
breach was found, rule `om-measure-breach`; police roles under a purpose); this only names why."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ketenzicht.dossiers.labels import MEASURE_PURPOSE
from ketenzicht.registrations.purposes import LinkedPurpose

from .models import Breach, Measure
from .selectors import measure_for_purpose

MEASURE_REASON = MEASURE_PURPOSE  # "measure <reference>" in the access log, shown in words there
MEASURE_PARAM = "maatregel"  # the query parameter of a link from a measure's page


def measure_purpose_log(reference: str) -> str:
    """The measure as the access log's purpose column holds it."""
    return f"{MEASURE_REASON} {reference}"


def measure_purpose_detail(measure: Measure) -> dict[str, Any]:
    """The measure as a log entry's detail holds it: {"purpose": {...}, "measure": id}."""
    return {"purpose": {"reason": MEASURE_REASON, "measure_id": measure.pk}, "measure": measure.pk}


def registration_purpose_of_measure(
    request: HttpRequest, registration_id: int, value: str
) -> LinkedPurpose | None:
    """`?maatregel=<id>` on a registration page: the measure, when the user may see it and the registration
    is one of its breaches; else None (the page answers as without a purpose)."""
    user: Any = request.user
    if not value.isdigit() or not user.is_authenticated:
        return None
    measure = measure_for_purpose(user=user, measure_id=int(value))
    if (
        measure is None
        or not Breach.objects.filter(measure=measure, registration_id=registration_id).exists()
    ):
        return None
    return LinkedPurpose(log=measure_purpose_log(measure.reference), detail=measure_purpose_detail(measure))
