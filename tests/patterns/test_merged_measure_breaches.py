"""A measure keeps the persons it was imposed on; when one of them is merged into another person afterwards
(a reviewer finds two records are one man), its breaches still count for the pair it protects: the measure's
bound and protected persons are read through the merges, as the registrations' mentions are, and the
measure itself is left as it was imposed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ketenzicht.linking.services import person_merge
from ketenzicht.measures.models import Breach, Measure
from ketenzicht.patterns.models import Signal
from tests.measures.helpers import couple_with_case, restraining_order
from tests.patterns.helpers import BART, LOTTE, take_in
from tests.people import person_of
from tests.screening.test_cases_breach import bound_alone

pytestmark = pytest.mark.django_db

ARREST = "Aanhouding V in zijn woning na herhaalde overtreding contactverbod."
KEES = {"given_names": "Kees", "surname": "Smit", "birth_date": "1971-02-03", "sex": "M"}
CHARLOTTE = {**LOTTE, "given_names": "Charlotte", "surname": "Bakker", "birth_date": "1989-10-30"}


def _ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def _breached() -> tuple[Measure, Breach]:
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    arrest = bound_alone("PL0600-MB-1", offences=["184a"], summary=ARREST)
    breach = Breach.objects.get(registration=arrest)
    assert breach.measure == measure
    assert Signal.objects.get(rule="escalation", suspect=marco, victim=lotte).evidence.filter(
        registration=arrest
    )
    return measure, breach


def test_a_breach_still_counts_once_the_bound_person_is_merged_into_another() -> None:
    measure, breach = _breached()
    marco, lotte = measure.suspect, measure.protected.get()
    # "Kees Smit" is the name Marco gives elsewhere: his person is merged into that one.
    smit = person_of(take_in("PL0600-MB-2", KEES, {**BART}, registered_at=_ago(30), relation=None))
    person_merge(source=marco, target=smit, actor=None, reason="zelfde persoon (test)")
    escalation = Signal.objects.get(rule="escalation", suspect=smit, victim=lotte)
    assert escalation.active and escalation.evidence.filter(registration=breach.registration).exists()
    reason = next(r for r in escalation.reasons if r["code"] == "breach")
    assert reason["value"] == 1 and [b["measure"] for b in reason["breaches"]] == [measure.reference]
    measure.refresh_from_db()
    assert measure.suspect_id == marco.pk  # read through the merge, not rewritten


def test_a_breach_still_counts_once_the_protected_person_is_merged_into_another() -> None:
    measure, breach = _breached()
    marco, lotte = measure.suspect, measure.protected.get()
    charlotte = person_of(
        take_in("PL0600-MB-3", BART, CHARLOTTE, registered_at=_ago(30), relation=None), "p2"
    )
    person_merge(source=lotte, target=charlotte, actor=None, reason="zelfde persoon (test)")
    escalation = Signal.objects.get(rule="escalation", suspect=marco, victim=charlotte)
    assert escalation.active and escalation.evidence.filter(registration=breach.registration).exists()
    assert list(measure.protected.all()) == [lotte]  # as imposed


def test_a_registration_of_the_person_the_bound_person_was_merged_into_is_judged_a_breach() -> None:
    """After the merge the next arrest names "Kees Smit", the person Marco's mentions moved to: it is judged
    against the measure imposed on Marco, stored as its breach, and counted for the pair."""
    measure, first = _breached()
    marco, lotte = measure.suspect, measure.protected.get()
    smit = person_of(take_in("PL0600-MB-4", KEES, {**BART}, registered_at=_ago(30), relation=None))
    person_merge(source=marco, target=smit, actor=None, reason="zelfde persoon (test)")
    arrest = bound_alone("PL0600-MB-5", offences=["184a"], summary=ARREST, person=KEES)
    assert person_of(arrest) == smit
    assert Breach.objects.get(registration=arrest).measure == measure
    escalation = Signal.objects.get(rule="escalation", suspect=smit, victim=lotte)
    assert {first.registration_id, arrest.pk} <= set(
        escalation.evidence.values_list("registration_id", flat=True)
    )
