"""A breach of a protective measure that names only the bound person (an arrest for breaching a contact ban,
art. 184a Sr) is on the screening case of the pair the measure protects, as a registration naming both is:
it joins the pair's open case in the registration's unit, or opens one, with a history line naming the
measure. A registration of the bound person that breaches nothing joins nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.measures.models import Breach
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.selectors import pair_history, pair_prefill
from ketenzicht.workprocesses.models import Case
from tests.conftest import exchange_registration, in_numbering
from tests.measures.helpers import couple_with_case, recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def bound_alone(
    reference: str,
    *,
    offences: list[str],
    kind: str = "incident",
    summary: str = "",
    municipality: str = "GM0772",
    person: dict[str, Any] | None = None,
) -> Any:
    """A registration naming Marco alone, as the suspect (the demo's arrest in Eindhoven)."""
    now = recent(0)
    data = exchange_registration(
        reference=in_numbering(reference, municipality=municipality),
        kind=kind,
        persons=[{"ref": "p1", "role": "suspect", **(person or MARCO)}],
        relations=[],
        offences=offences,
        summary=summary,
        municipality=municipality,
        registered_at=now,
        occurred_at=now,
    )
    return intake_registration(actor=None, data=data, channel="import").registration


def test_an_arrest_for_a_breach_naming_the_bound_person_alone_joins_the_case_of_the_measure_s_pair(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    before = list(case.registrations.values_list("pk", flat=True))
    measure = restraining_order(marco, lotte, case)
    arrest = bound_alone(
        "PL0600-B-1",
        offences=["184a"],
        summary="Aanhouding V in zijn woning na herhaalde overtreding contactverbod.",
    )
    assert Breach.objects.get(registration=arrest).measure == measure  # the measures step's judgement
    assert case.registrations.filter(pk=arrest.pk).exists()
    screening = ScreeningCase.objects.get(case=case)
    assert "measure_breach" in screening.reasons
    # One case for the pair: the arrest opened none of its own (it names no victim).
    assert ScreeningCase.objects.count() == 1
    line = case.events.get(kind="registration")
    assert line.detail["registrations"] == [arrest.pk]
    assert line.detail["measures"] == [measure.reference]
    # A record in the installation's language (Dutch), as the case page shows it to everyone.
    assert (
        line.detail["desk_note"]
        == f"Toegevoegd als overtreding van beschermingsmaatregel {measure.reference}."
    )
    assert line.detail["reasons"] == ["measure_breach"]
    # The screening's evidence counts it: the threat and the arrest, the arrest a breach of the ban; the
    # case page's history of the pair shows it.
    facts = pair_prefill(screening)
    assert set(facts["incidents_12_months"].evidence) == {*before, arrest.pk}
    assert facts["incidents_12_months"].answer == len(before) + 1
    assert facts["breach_of_ban"].evidence == (arrest.pk,)
    screener = make_user("case_screener")
    assert arrest in pair_history(screener, screening).shown
    # The case page's history line says it joined as a breach of the measure, in Dutch.
    client = Client()
    client.force_login(screener)
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert f"Toegevoegd als overtreding van beschermingsmaatregel {measure.reference}." in page


def test_without_an_open_case_of_the_pair_the_breach_opens_one_for_the_measure_s_pair() -> None:
    # Marco and Lotte as neighbours: a threat between neighbours opens no case.
    first = take_in("PL0600-B-2", MARCO, LOTTE, registered_at=recent(9), relation="neighbour")
    marco, lotte = person_of(first, "p1"), person_of(first, "p2")
    assert not ScreeningCase.objects.exists()
    measure = restraining_order(marco, lotte, None)
    arrest = bound_alone("PL0600-B-3", offences=["184a"])
    [screening] = ScreeningCase.objects.select_related("case")
    assert (screening.suspect, screening.victim) == (marco, lotte)
    # The breach is the pair's second registration, a breach of the ban: their escalation signal fires too.
    assert screening.unit.code == "oost-brabant"
    assert screening.reasons == ["measure_breach", "pattern_signal"]
    assert screening.victim_name == "Lotte de Wit"  # named by the register, though the arrest names no victim
    # With the signal, the case takes its evidence: the neighbours' threat and the arrest.
    assert set(screening.case.registrations.all()) == {first, arrest}
    opened = screening.case.events.get(kind="opened")
    assert opened.detail["measures"] == [measure.reference]
    assert opened.detail["desk_note"] == (
        f"Geopend voor een overtreding van beschermingsmaatregel {measure.reference}."
    )


def test_a_registration_of_the_bound_person_that_breaches_nothing_does_not_join() -> None:
    marco, lotte, case = couple_with_case()
    restraining_order(
        marco, lotte, case, conditions=["contact_ban", "area_ban"], areas={"municipalities": ["GM0796"]}
    )
    before = set(case.registrations.all())
    # Stopped driving without a licence in Eindhoven, outside the banned area: no breach.
    traffic = bound_alone(
        "PL0600-B-4", offences=[], summary="Verkeerscontrole: V reed zonder geldig rijbewijs."
    )
    assert not Breach.objects.filter(registration=traffic).exists()
    assert set(case.registrations.all()) == before
    assert not Case.objects.filter(registrations=traffic).exists()
    assert not case.events.filter(kind="registration").exists()
    # The same in the banned area is a breach, and joins.
    inside = bound_alone("PL0600-B-5", offences=[], municipality="GM0796")
    assert Breach.objects.get(registration=inside).kind == "area"
    assert case.registrations.filter(pk=inside.pk).exists()


def test_a_measure_registered_after_the_fact_puts_the_arrest_since_its_first_day_on_the_pair_s_case() -> None:
    marco, lotte, case = couple_with_case()  # a week ago: the threat that led to the measure
    arrest = bound_alone("PL0600-B-6", offences=["184a"])
    assert not case.registrations.filter(pk=arrest.pk).exists()  # no measure yet: nobody's pair
    measure = restraining_order(marco, lotte, case, starts_on=timezone.localdate() - timedelta(days=7))
    assert Breach.objects.get(registration=arrest).measure == measure
    assert case.registrations.filter(pk=arrest.pk).exists()
    line = case.events.get(kind="registration")
    assert line.detail["registrations"] == [arrest.pk] and line.detail["measures"] == [measure.reference]
    assert ScreeningCase.objects.count() == 1
