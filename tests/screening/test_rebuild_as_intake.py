"""`screening_cases_rebuild` gives the cases intake gives: one register taken in through the pipeline with
its screening step, and the same register (other people, the same dates and facts) taken in without it and
then rebuilt, hold the same cases with the same reasons, registrations and urgencies. The edge: a pair
whose registrations all opened another pair's case (the suspect's partner, named in each) and whose only
reason is the pattern signal its third registration fired."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from ketenzicht.intake import pipeline
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.patterns.models import Signal
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.services import case_rules_path
from tests.conftest import exchange_registration, in_numbering

pytestmark = pytest.mark.django_db

# Two registers of the same shape: a suspect (S), his partner (P), a stranger he keeps threatening (T) and
# an ex-partner (X). Synthetic people, each register its own.
PEOPLE = {
    "a": {
        "S": ("Ruud", "Jansen", "1979-02-14", "M"),
        "P": ("Femke", "Vos", "1982-06-03", "F"),
        "T": ("Henk", "Dijkstra", "1960-11-21", "M"),
        "X": ("Eva", "Kok", "1985-09-09", "F"),
    },
    "b": {
        "S": ("Gerrit", "Mulder", "1975-03-30", "M"),
        "P": ("Anouk", "Bosman", "1988-12-12", "F"),
        "T": ("Wim", "Koster", "1956-01-17", "M"),
        "X": ("Ilse", "Prins", "1987-07-07", "F"),
    },
}
# (day, the victims with the suspect's relation to each, offences, summary)
REGISTER: list[tuple[str, list[tuple[str, str | None]], list[str], str]] = [
    ("2024-03-01", [("P", "partner"), ("T", "stranger")], ["285"], "Ruzie op straat, T bedreigd."),
    ("2024-03-11", [("P", "partner"), ("T", None)], ["285"], "Weer bedreigd."),
    ("2024-04-10", [("P", "partner"), ("T", None)], ["350"], "Ruit van T ingegooid."),
    ("2024-04-15", [("X", "ex_partner")], ["285"], "Ex-partner bedreigd met een mes."),
    ("2024-04-20", [("P", "partner"), ("T", None)], ["138"], "S stond in de tuin van T."),
]


def _person(ref: str, role: str, who: tuple[str, str, str, str]) -> dict[str, Any]:
    given, surname, born, sex = who
    return {
        "ref": ref,
        "role": role,
        "given_names": given,
        "surname": surname,
        "birth_date": born,
        "sex": sex,
    }


def _take_in(register: str) -> None:
    people = PEOPLE[register]
    for n, (day, victims, offences, summary) in enumerate(REGISTER, start=1):
        persons = [_person("s", "suspect", people["S"])]
        relations = []
        for label, relation in victims:
            persons.append(_person(label, "victim", people[label]))
            if relation:
                relations.append({"from": "s", "to": label, "kind": relation})
        data = exchange_registration(
            reference=in_numbering(f"RB{register.upper()}-{n}"),
            persons=persons,
            relations=relations,
            offences=offences,
            summary=summary,
            registered_at=f"{day}T09:00:00+01:00",
            occurred_at=f"{day}T08:00:00+01:00",
        )
        intake_registration(actor=None, data=data, channel="import")


def _cases(register: str) -> set[tuple[Any, ...]]:
    """The register's police cases as facts that do not depend on its people: the pair by label, the
    process, the reasons, the registrations by number, the urgency before screening."""
    label = {who[0]: name for name, who in PEOPLE[register].items()}
    found = set()
    for row in ScreeningCase.objects.select_related("case__process_version").filter(
        suspect_name__startswith=PEOPLE[register]["S"][0]
    ):
        case = row.case
        numbers = sorted(
            int(ref.rsplit("-", 1)[1]) for ref in case.registrations.values_list("reference", flat=True)
        )
        found.add(
            (
                label[row.suspect_name.split()[0]],
                label[row.victim_name.split()[0]],
                case.process_version.process,
                tuple(row.reasons),
                tuple(numbers),
                row.urgency,
                case.data.get("urgency_provisional"),
                case.state,
                case.closed_at is None,
            )
        )
    return found


def test_a_rebuild_opens_the_cases_and_urgencies_intake_opened(
    monkeypatch: pytest.MonkeyPatch, make_user: Callable[..., Any]
) -> None:
    make_user("case_screener")
    _take_in("a")
    with monkeypatch.context() as without:
        steps = tuple(step for step in pipeline.STEPS_AFTER_STORE if step is not pipeline.screening)
        without.setattr(pipeline, "STEPS_AFTER_STORE", steps)
        _take_in("b")
    assert _cases("b") == set()
    out = StringIO()
    call_command("screening_cases_rebuild", "--no-progress", stdout=out)
    by_intake, by_rebuild = _cases("a"), _cases("b")
    # The stranger's pair: only its signal, fired by the third registration, opened its case.
    assert Signal.objects.filter(rule="possible_stalking", active=True).count() >= 2
    stranger = {case for case in by_intake if case[1] == "T"}
    assert len(stranger) == 1 and [case[4] for case in stranger] == [(1, 2, 3, 5)]
    assert {case[:2] for case in by_intake} == {("S", "P"), ("S", "T"), ("S", "X")}
    assert by_rebuild == by_intake


def _without_signal_reasons(path: Any) -> str:
    """The case rules as they were before pattern signals opened cases: without the reasons of signals."""
    text = case_rules_path().read_text(encoding="utf-8")
    head, _sep, _signals = text.partition("  - code: stalking_signal")
    assert "pattern_signal" not in head and "ex_partner" in head
    path.write_text(head, encoding="utf-8")
    return str(path)


def test_after_the_rules_change_a_rebuild_opens_the_case_of_a_pair_whose_registrations_are_on_another_s(
    make_user: Callable[..., Any], tmp_path: Any
) -> None:
    """The register was taken in under rules in which a signal opened no case: every registration of the
    stranger's pair is on the partner's case. After the rules change the rebuild opens the stranger's case
    as intake under the new rules does, and leaves the cases of the pairs it has already as they were."""
    make_user("case_screener")
    with override_settings(KETENZICHT_CASE_RULES=_without_signal_reasons(tmp_path / "case_rules.yaml")):
        _take_in("a")
    before = _cases("a")
    assert {case[:2] for case in before} == {("S", "P"), ("S", "X")}
    _take_in("b")  # under the new rules, by intake
    out = StringIO()
    call_command("screening_cases_rebuild", "--no-progress", stdout=out)
    assert "1 cases opened, 0 registrations added" in out.getvalue()
    assert _cases("a") == _cases("b")
    assert before <= _cases("a")
    again = StringIO()
    call_command("screening_cases_rebuild", "--no-progress", stdout=again)
    assert "0 cases opened, 0 registrations added" in again.getvalue()
