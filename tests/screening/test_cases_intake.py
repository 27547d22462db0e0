"""Screening cases from intake: the pipeline step after `patterns` opens a case in the registration's police
unit for every pair the case rules name, or adds the registration to the pair's open case there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketenzicht.intake.pipeline import intake_registrations
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_take
from tests.conftest import exchange_registration, in_numbering
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def police_cases() -> int:
    """The police's cases (the Veilig Thuis desk opens cases of its own for what the police notify)."""
    return Case.objects.filter(organisation__kind="politie").count()


def _marco_misspelt() -> dict[str, Any]:
    return {**MARCO, "surname": "Hendrikx"}  # one letter off, same date of birth


def _cases(unit: str | None = None) -> list[ScreeningCase]:
    found = ScreeningCase.objects.select_related("case__process_version", "unit").order_by("case_id")
    return list(found.filter(unit__code=unit) if unit else found)


def test_an_ex_partner_threat_opens_a_case_in_the_unit_and_a_second_one_under_a_misspelt_name_joins_it(
    make_user: Callable[..., Any],
) -> None:
    first = take_in("PL0600-S-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", offences=["285"])
    [screening] = _cases()
    case = screening.case
    assert screening.unit.code == "oost-brabant" and case.organisation.code == "oost-brabant"
    assert (screening.suspect, screening.victim) == (person_of(first, "p1"), person_of(first, "p2"))
    assert screening.reasons == ["ex_partner"] and screening.opened_by == first
    assert screening.rules_version.startswith("v3:")
    assert (case.process_version.process, case.state) == ("ex_partner_stalking", "new")
    assert list(case.registrations.all()) == [first]
    assert set(case.persons.all()) == {screening.suspect, screening.victim}
    assert list(case.events.values_list("kind", "actor_name")) == [("opened", "system")]

    second = take_in(
        "PL0600-S-2", _marco_misspelt(), LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"]
    )
    assert person_of(second) == person_of(first)  # linking joined the misspelt name
    assert [s.case_id for s in _cases()] == [case.pk]
    assert set(case.registrations.all()) == {first, second}
    added = case.events.get(kind="registration")
    assert added.detail["registrations"] == [second.pk] and added.detail["reassess"] is False
    case.refresh_from_db()
    assert "reassess" not in case.data and case.state == "new"

    # Once screened, a new threat re-opens nothing but marks the case for re-assessment.
    screener = make_user("case_screener")
    case = case_take(case, "start_screening", actor=screener, expected_version=case.lock_version)
    case = case_take(
        case,
        "screened",
        actor=screener,
        expected_version=case.lock_version,
        values={"urgency": case.data.get("urgency_provisional") or "normal"},  # lower waits for a team lead
    )
    third = take_in(
        "PL0600-S-3", _marco_misspelt(), LOTTE, registered_at="2024-04-02T10:00:00+01:00", offences=["285b"]
    )
    case.refresh_from_db()
    assert case.state == "screened" and case.data["reassess"] is True
    assert third in case.registrations.all() and police_cases() == 1
    screening.refresh_from_db()
    # The reasons met later are added (the second threat also raised a possible-stalking signal).
    assert screening.reasons[0] == "ex_partner" and "stalking_offence" in screening.reasons


def test_the_case_opens_in_the_unit_of_the_registration_and_runs_the_units_version(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-U-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    registrar = make_user("police_registrar", organisation="limburg")
    take_in(
        "PL0600-U-2",
        MARCO,
        LOTTE,
        registered_at="2024-03-09T09:12:00+01:00",
        relation="partner",
        unit="limburg",
        municipality="GM0935",
        actor=registrar,
    )
    [brabant], [limburg] = _cases("oost-brabant"), _cases("limburg")
    assert brabant.case.organisation.code == "oost-brabant"
    assert limburg.case.organisation.code == "limburg"  # not the registrar's earlier unit's case
    assert (limburg.suspect, limburg.victim) == (brabant.suspect, brabant.victim)
    assert brabant.case.process_version.process == limburg.case.process_version.process == "dv_screening"
    assert brabant.reasons == ["domestic_relation"]


def test_stalking_hidden_under_other_offences_opens_a_case_when_the_pair_gets_a_signal() -> None:
    def threat(n: int, month: int) -> Any:
        return take_in(
            f"PL0600-H-{n}",
            MARCO,
            LOTTE,
            registered_at=f"2024-{month:02d}-06T09:12:00+01:00",
            offences=["285"],
            relation="acquaintance",
        )

    first, second = threat(1, 3), threat(2, 4)
    assert _cases() == []  # acquaintances: no single registration qualifies, and no signal yet
    third = threat(3, 5)
    [screening] = _cases()
    assert screening.reasons == ["stalking_signal", "pattern_signal"]
    assert screening.case.process_version.process == "ex_partner_stalking"
    assert list(screening.case.registrations.order_by("registered_at")) == [first, second, third]


def test_registrations_that_the_rules_do_not_name_open_nothing() -> None:
    take_in("PL0600-N-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="neighbour")
    take_in("VT-N-1", MARCO, LOTTE, registered_at="2024-03-07T09:12:00+01:00", source="veilig_thuis")
    take_in(
        "VT-N-2",
        MARCO,
        LOTTE,
        registered_at="2024-03-08T09:12:00+01:00",
        source="veilig_thuis",
        kind="melding",
        offences=["285b"],
    )
    assert ScreeningCase.objects.count() == 0 and police_cases() == 0


def test_a_breach_of_a_measure_without_a_relation_opens_a_dv_screening() -> None:
    take_in(
        "PL0600-B-1",
        MARCO,
        LOTTE,
        registered_at="2024-03-06T09:12:00+01:00",
        relation=None,
        kind="overtreding_maatregel",
        offences=["184a"],
    )
    [screening] = _cases()
    assert screening.reasons == ["measure_breach"]
    assert screening.case.process_version.process == "dv_screening"


def _batch_item(n: int) -> dict[str, Any]:
    suspect = {"ref": "p1", "role": "suspect", "given_names": f"Piet{n}", "surname": f"Batch{n}"}
    suspect["birth_date"] = f"19{60 + n}-01-0{1 + n % 9}"
    victim = {"ref": "p2", "role": "victim", "given_names": f"Els{n}", "surname": f"Slachtoffer{n}"}
    victim["birth_date"] = f"19{60 + n}-02-0{1 + n % 9}"
    return exchange_registration(
        reference=f"PL0600-BATCH-{n}",
        persons=[suspect, victim],
        relations=[{"from": "p1", "to": "p2", "kind": "partner"}],
        offences=["300"],
    )


def test_the_step_reads_a_batch_in_a_fixed_number_of_queries() -> None:
    """Reading and deciding cost the same for 2 and for 8 registrations; only opening a case costs per
    case."""
    from ketenzicht.screening.services import screening_cases_for

    def queries_for(items: list[dict[str, Any]]) -> int:
        outcomes = intake_registrations(actor=None, items=items, channel="import")
        ids = [outcome.registration.pk for outcome in outcomes]  # type: ignore[union-attr]
        with CaptureQueriesContext(connection) as captured:
            summary = screening_cases_for(ids)  # their cases are open: only reads, nothing to add
        assert summary.opened == 0 and summary.added == 0 and summary.registrations == len(ids)
        return len(captured.captured_queries)

    assert queries_for([_batch_item(n) for n in range(2)]) == queries_for(
        [_batch_item(n) for n in range(10, 18)]
    )
    assert ScreeningCase.objects.count() == 10


def test_after_a_merge_the_pair_s_next_registration_joins_the_case_opened_on_the_merged_person() -> None:
    from ketenzicht.linking.services import person_merge

    kees = {"given_names": "Kees", "surname": "Smit", "birth_date": "1971-02-03", "sex": "M"}
    neighbour = {"given_names": "Bert", "surname": "Mol", "birth_date": "1950-01-01", "sex": "M"}
    first = take_in("PL0600-M-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    other = take_in(
        "PL0600-M-2", kees, neighbour, registered_at="2024-03-07T09:12:00+01:00", relation="neighbour"
    )
    [screening] = _cases()
    marco, smit = person_of(first), person_of(other)
    assert marco != smit and screening.suspect == marco
    # A reviewer finds that "Kees Smit" is the name Marco gives: Marco's person is merged into his.
    person_merge(source=marco, target=smit, actor=None, reason="zelfde persoon (test)")
    later = take_in("PL0600-M-3", kees, LOTTE, registered_at="2024-03-20T09:12:00+01:00")
    assert person_of(later) == smit
    assert [s.case_id for s in _cases()] == [screening.case_id]
    assert later in screening.case.registrations.all()


def test_a_new_threat_to_kill_under_a_misspelt_name_joins_the_open_case_and_makes_it_acute() -> None:
    first = take_in("PL0600-A-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", offences=["350"])
    [screening] = _cases()
    assert (screening.case.data["urgency_provisional"], screening.urgency) == ("normal", "normal")
    normal_deadline = screening.case.deadline_at
    assert normal_deadline is not None

    second = take_in(
        "PL0600-A-2",
        _marco_misspelt(),
        LOTTE,
        registered_at="2024-03-20T10:00:00+01:00",
        offences=["285"],
        summary="V belde aangeefster en dreigde haar te vermoorden als zij aangifte deed.",
    )
    assert person_of(second) == person_of(first)
    [screening] = _cases()  # joined, not a second case
    case = screening.case
    assert set(case.registrations.all()) == {first, second}
    assert case.data["urgency_provisional"] == "acute"
    assert (screening.urgency, screening.urgency_rank) == ("acute", 0)  # the queue puts it first
    added = case.events.get(kind="registration")
    assert added.detail["values"] == {"urgency_provisional": "acute"}
    # The new state's deadline follows the provisional urgency: counted again, sooner; the queue has it.
    assert case.deadline_at is not None and case.deadline_at < normal_deadline
    assert screening.deadline_at == case.deadline_at
    assert added.detail["deadline_at"] == case.deadline_at.isoformat()

    # A later report without danger words leaves the urgency as it was: only the screener lowers it.
    take_in("PL0600-A-3", MARCO, LOTTE, registered_at="2024-04-02T10:00:00+01:00", offences=["350"])
    screening.refresh_from_db()
    assert screening.urgency == "acute" and screening.case.registrations.count() == 3


def test_a_weapon_in_the_first_report_opens_the_case_as_acute() -> None:
    take_in(
        "PL0600-W-1",
        MARCO,
        LOTTE,
        registered_at="2024-03-06T09:12:00+01:00",
        offences=["285"],
        summary="Ex-partner stond voor de deur met een mes.",
    )
    [screening] = _cases()
    assert (screening.case.data["urgency_provisional"], screening.urgency) == ("acute", "acute")


def _pair_item(n: int, registered_at: str, *, summary: str = "", relation: str = "ex_partner") -> Any:
    return exchange_registration(
        reference=in_numbering(f"PL0600-O-{n}", unit="oost-brabant", municipality="GM0796"),
        persons=[{"ref": "p1", "role": "suspect", **MARCO}, {"ref": "p2", "role": "victim", **LOTTE}],
        relations=[{"from": "p1", "to": "p2", "kind": relation}],
        offences=["285"] if relation != "ex_partner" else ["350"],
        summary=summary,
        unit="oost-brabant",
        municipality="GM0796",
        registered_at=registered_at,
        occurred_at=registered_at,
    )


def test_in_one_batch_each_registration_gets_the_urgency_its_pair_s_case_had_when_it_came() -> None:
    """The screening step decides a batch as if its registrations came one at a time: the police case's
    provisional urgency as of the first is the first's, not the later threat to kill's, and Veilig Thuis's
    notification of the first is as urgent as that."""
    from ketenzicht.veiligthuis.models import Notification

    items = [
        _pair_item(1, "2024-03-06T09:12:00+01:00"),
        _pair_item(
            2, "2024-03-20T10:00:00+01:00", summary="V dreigde haar te vermoorden als zij aangifte deed."
        ),
    ]
    outcomes = intake_registrations(actor=None, items=items, channel="import")
    first, second = (outcome.registration for outcome in outcomes)  # type: ignore[union-attr]
    [screening] = _cases()
    assert screening.case.data["urgency_provisional"] == "acute"  # the case knows both
    assert screening.opened_by == first
    # An import of history: each registration its own notification, each as urgent as the case was then.
    urgency = dict(Notification.objects.values_list("registration_id", "urgency_rank"))
    assert urgency == {first.pk: 2, second.pk: 0}  # normal, acute


def test_in_one_batch_a_signal_counts_from_the_registration_that_made_it_fire() -> None:
    """Three threats between acquaintances in one batch: the pattern signal fires at the third, so the case
    opens there (with the two before as the signal's evidence), as it does when they come one at a time."""
    items = [
        _pair_item(n, f"2024-{month:02d}-06T09:12:00+01:00", relation="acquaintance")
        for n, month in ((1, 3), (2, 4), (3, 5))
    ]
    outcomes = intake_registrations(actor=None, items=items, channel="import")
    first, second, third = (outcome.registration for outcome in outcomes)  # type: ignore[union-attr]
    [screening] = _cases()
    assert screening.reasons == ["stalking_signal", "pattern_signal"]
    assert screening.opened_by == third
    assert list(screening.case.registrations.order_by("registered_at")) == [first, second, third]
