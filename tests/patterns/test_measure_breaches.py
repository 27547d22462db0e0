"""A breach of a protective measure is a registration of the pair the measure protects, named in it or not:
an arrest for breaching a contact ban that names only the bound person counts for the pair's signals and is
named in their reasons ("overtreding van het contactverbod MR… op …"), the measure named only to whoever may
see it. A breach of a measure protecting someone else does not count for the pair."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.measures.models import Breach, Measure
from ketenzicht.measures.services import measure_impose
from ketenzicht.organisations.models import Organisation
from ketenzicht.patterns.detector import RULES_PATH
from ketenzicht.patterns.engine.detect import Detector
from ketenzicht.patterns.engine.events import CONTACT_BAN, Event, MeasureBreach, Offence, Party
from ketenzicht.patterns.engine.rules import load_rules
from ketenzicht.patterns.models import Signal
from ketenzicht.patterns.selectors import signal_names_for_user, signal_reasons_for_user
from tests.measures.helpers import couple_with_case, restraining_order
from tests.patterns.helpers import BART, ILSE, MARCO, take_in
from tests.people import person_of
from tests.screening.test_cases_breach import bound_alone

pytestmark = pytest.mark.django_db

ARREST = "Aanhouding V in zijn woning na herhaalde overtreding contactverbod."


def _day(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def _breach_reason(signal: Signal, user: Any) -> dict[str, Any]:
    return next(r for r in signal_reasons_for_user(user=user, signal=signal) if r["code"] == "breach")


def test_an_arrest_naming_the_bound_person_alone_counts_for_the_pair_and_names_the_measure(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()  # Marco's threat towards his ex-partner Lotte, a week ago
    assert not Signal.objects.filter(suspect=marco, victim=lotte).exists()  # one registration: no pattern
    measure = restraining_order(marco, lotte, case)
    arrest = bound_alone("PL0600-BS-1", offences=["184a"], summary=ARREST)
    assert Breach.objects.get(registration=arrest).measure == measure
    on = _day(Breach.objects.get(registration=arrest).occurred_on)
    escalation = Signal.objects.get(rule="escalation", suspect=marco, victim=lotte)
    stalking = Signal.objects.get(rule="possible_stalking", suspect=marco, victim=lotte)
    for signal in (escalation, stalking):
        evidence = list(signal.evidence.values_list("registration_id", "suspect_refs", "victim_refs"))
        assert (arrest.pk, ["p1"], []) in evidence  # the pair's, though it names Marco alone
        assert len(evidence) == 2
    assert escalation.get_severity_display() == "hoog"  # a breach of a ban: high
    assert next(r for r in escalation.reasons if r["code"] == "episodes")["value"] == 2
    screener = make_user("case_screener")
    reason = _breach_reason(escalation, screener)
    assert reason["value"] == 1
    assert reason["breaches"] == [
        {"registration": arrest.reference, "on": reason["breaches"][0]["on"], "measure": measure.reference,
         "what": CONTACT_BAN}
    ]  # fmt: skip
    assert reason["breaches_not_shown"] == 0
    # The list names the pair: the victim as the latest registration that names her (not the arrest) does.
    suspects, victims = signal_names_for_user(user=screener, signals=[escalation])[escalation.pk]
    assert len(suspects) == 1 and victims and "Lotte" in victims[0]
    client = Client()
    client.force_login(screener)
    page = client.get(f"/signalen/{escalation.pk}/").content.decode()
    assert f"overtreding van het contactverbod {measure.reference} op {on}" in page
    # The reason's figure counts episodes with a breach, not the breaches listed under it (one registration
    # may breach two measures): its label says so.
    assert "Episodes met een overtreding van een beschermingsmaatregel" in page
    page = client.get(f"/signalen/{stalking.pk}/").content.decode()
    assert f"overtreding van het contactverbod {measure.reference} op {on}" in page
    # The API gives the reasons as the caller may see them, the same.
    api = client.get(f"/api/v1/signals/{escalation.pk}").json()
    breach = next(r for r in api["reasons"] if r["code"] == "breach")
    assert breach["breaches"][0]["measure"] == measure.reference


def test_a_breach_of_a_measure_protecting_someone_else_does_not_count_for_the_pair() -> None:
    marco, lotte, _case = couple_with_case()
    # Ilse is threatened by Marco too (and was by Bart before); a measure protects her, not Lotte.
    person_of(take_in("PL0600-BS-I0", BART, ILSE, registered_at=_ago(20), relation=None), "p2")
    threat = take_in("PL0600-BS-I1", MARCO, ILSE, registered_at=_ago(6), relation="ex_partner")
    ilse = person_of(threat, "p2")
    measure = restraining_order(marco, ilse, None)
    arrest = bound_alone("PL0600-BS-2", offences=["184a"], summary=ARREST)
    assert Breach.objects.get(registration=arrest).measure == measure
    # Ilse's pair counts the arrest; Lotte's pair (one threat) gets nothing from it.
    ilse_signal = Signal.objects.get(rule="escalation", suspect=marco, victim=ilse)
    assert ilse_signal.evidence.filter(registration=arrest).exists()
    assert not Signal.objects.filter(
        suspect=marco, victim=lotte, rule__in=["escalation", "possible_stalking"]
    )
    assert not Signal.objects.filter(victim=lotte, registrations=arrest).exists()


def test_a_measure_registered_after_the_breach_raises_the_pair_s_signals() -> None:
    marco, lotte, case = couple_with_case()
    arrest = bound_alone("PL0600-BS-3", offences=["184a"], summary=ARREST)
    assert not Breach.objects.exists()  # no measure yet: nothing to breach
    assert not Signal.objects.filter(suspect=marco, victim=lotte).exists()
    measure = restraining_order(marco, lotte, case, starts_on=timezone.localdate() - timedelta(days=3))
    assert Breach.objects.get(registration=arrest).measure == measure  # judged when registered
    escalation = Signal.objects.get(rule="escalation", suspect=marco, victim=lotte)
    assert escalation.evidence.filter(registration=arrest).exists()
    reason = next(r for r in escalation.reasons if r["code"] == "breach")
    assert [b["measure"] for b in reason["breaches"]] == [measure.reference]


def test_who_may_not_see_the_measure_is_told_of_a_breach_without_its_reference(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, _case = couple_with_case()
    # Registered by another unit, no police case here: the Oost-Brabant screener may not see the measure.
    measure = measure_impose(
        kind="restraining_order", suspect=marco, protected=[lotte], conditions=["contact_ban"],
        starts_on=timezone.localdate() - timedelta(days=2), imposed_by="mayor",
        organisation=Organisation.objects.get(code="zeeland-west-brabant"), actor=None,
    )  # fmt: skip
    arrest = bound_alone("PL0600-BS-4", offences=["184a"], summary=ARREST)
    assert Breach.objects.get(registration=arrest).measure == measure
    escalation = Signal.objects.get(rule="escalation", suspect=marco, victim=lotte)
    screener = make_user("case_screener")
    assert not Measure.objects.filter(organisation__code="oost-brabant").exists()
    reason = _breach_reason(escalation, screener)
    assert reason["breaches"][0]["measure"] == "" and reason["breaches"][0]["what"] == ""
    client = Client()
    client.force_login(screener)
    page = client.get(f"/signalen/{escalation.pk}/").content.decode()
    assert measure.reference not in page
    assert "overtreding van een beschermingsmaatregel op" in page
    assert measure.reference not in str(client.get(f"/api/v1/signals/{escalation.pk}").json())


def _ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def test_the_engine_gives_a_breach_to_the_pair_its_measure_protects() -> None:
    detector = Detector(load_rules(RULES_PATH))
    at = datetime(2026, 6, 1, 12, tzinfo=timezone.get_current_timezone())
    threat = Event(1, "politie", "R1", "aangifte", at, offences=(Offence("285", 5),),
                   parties=(Party(10, "suspect", "p1"), Party(20, "victim", "p2")),
                   relations=((10, 20, "ex_partner"),))  # fmt: skip
    later, alone = at + timedelta(days=10), (Party(10, "suspect", "p1"),)
    ban = MeasureBreach("MR2026-000001", CONTACT_BAN, 10, (20,), later.date())
    other = MeasureBreach("MR2026-000002", CONTACT_BAN, 10, (30,), later.date())
    arrest = Event(2, "politie", "R2", "incident", later, parties=alone)
    assert arrest.pairs() == []
    theirs = Event(2, "politie", "R2", "incident", later, parties=alone, measure_breaches=(ban,))
    assert theirs.pairs() == [(10, 20)] and theirs.breach_for((10, 20)) and not theirs.breach
    findings = {f.rule: f for f in detector.detect([threat, theirs]) if (f.suspect, f.victim) == (10, 20)}
    assert "escalation" in findings  # two episodes, one a breach of the ban
    reason = next(r for r in findings["escalation"].reasons if r.code == "breach")
    assert [(b.registration, b.measure) for b in reason.breaches] == [(2, "MR2026-000001")]
    someone_else = Event(2, "politie", "R2", "incident", later, parties=alone, measure_breaches=(other,))
    assert someone_else.pairs() == [(10, 30)] and not someone_else.breach_for((10, 20))
    # The protected person as the suspect, the bound person her victim: no episode of his towards her.
    turned = Event(3, "politie", "R3", "aangifte", later, measure_breaches=(ban,),
                   parties=(Party(20, "suspect", "p1"), Party(10, "victim", "p2")))  # fmt: skip
    assert turned.pairs() == [(20, 10)]
    assert not [f for f in detector.detect([threat, someone_else]) if (f.suspect, f.victim) == (10, 20)]
