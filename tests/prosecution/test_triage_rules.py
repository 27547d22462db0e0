"""The triage rules walk their golden cases; every rule has one; bad files are refused with the place."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import translation

from ketenzicht.prosecution.engine.triage import (
    COUNTED_FACTS,
    TriageFacts,
    TriageRulesError,
    parse_triage_rules,
    triage,
)
from ketenzicht.prosecution.labels import reason_label
from ketenzicht.prosecution.rules import GOLDEN, triage_rules

CASES: list[dict[str, Any]] = yaml.safe_load(Path(GOLDEN).read_text(encoding="utf-8"))


def _facts(raw: dict[str, Any]) -> TriageFacts:
    sets = {"signals", "offences"}
    values: dict[str, Any] = {k: frozenset(v) if k in sets else v for k, v in raw.items()}
    return TriageFacts(**values)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_golden_case(case: dict[str, Any]) -> None:
    found = triage(_facts(case["facts"]), triage_rules())
    assert found.route == case["route"]
    assert [reason.code for reason in found.reasons] == case["reasons"]


def test_every_rule_decides_at_least_one_golden_case() -> None:
    deciding = {case["reasons"][0] for case in CASES}
    rules = triage_rules()
    assert {rule.code for rule in rules.rules} | {rules.default.code} <= deciding


def test_the_danger_level_takes_the_highest_source() -> None:
    assert TriageFacts().danger == "normal"
    assert TriageFacts(urgency="low").danger == "low"
    assert TriageFacts(urgency="low", signals=frozenset({"escalation"})).danger == "high"
    assert TriageFacts(urgency="high", vt_unsafety="acute").danger == "acute"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "dataset: zsm_triage\nversion: '1'\nrules: []\n"
            "default: {code: a, route: zsm, label: {nl: a, en: a}}",
            "rules",
        ),
        (
            "dataset: zsm_triage\nversion: '1'\ndefault: {code: a, route: zsm, label: {nl: a, en: a}}\n"
            "rules: [{code: b, route: court, label: {nl: b, en: b}, when: [{fact: breaches, at_least: 1}]}]",
            "rules.0.route",
        ),
        (
            "dataset: zsm_triage\nversion: '1'\ndefault: {code: a, route: zsm, label: {nl: a, en: a}}\n"
            "rules: [{code: b, route: zvh, label: {nl: b, en: b}, when: [{fact: mood, in: [bad]}]}]",
            "unknown fact 'mood'",
        ),
        (
            "dataset: zsm_triage\nversion: '1'\ndefault: {code: b, route: zsm, label: {nl: a, en: a}}\n"
            "rules: [{code: b, route: zvh, label: {nl: b, en: b},"
            " when: [{fact: breaches, at_least: 1, is: true}]}]",
            "exactly one of",
        ),
        (
            "dataset: zsm_triage\nversion: '1'\ndefault: {code: a, route: zsm, label: {nl: a, en: a}}\n"
            "rules: [{code: b, route: zvh, label: {nl: b, en: b},"
            " when: [{fact: registrations, at_least: 5}]}]",
            "rules.0: .*rule 'b' counts registrations: it needs label_partly_hidden",
        ),
        (
            "dataset: zsm_triage\nversion: '1'\ndefault: {code: a, route: zsm, label: {nl: a, en: a}}\n"
            "rules: [{code: b, route: zvh, label: {nl: b, en: b}, label_partly_hidden: {nl: 'b', en: 'b, 3'},"
            " when: [{fact: registrations, at_least: 5}]}]",
            "label_partly_hidden.en of rule 'b' tells a count",
        ),
    ],
)
def test_a_bad_rule_file_is_refused_naming_the_place(text: str, problem: str) -> None:
    with pytest.raises(TriageRulesError, match=problem):
        parse_triage_rules(text.encode())


def test_every_rule_on_a_count_of_the_whole_register_has_words_without_a_count() -> None:
    counting = [r for r in triage_rules().rules if {c.fact for c in r.when} & set(COUNTED_FACTS)]
    assert {r.code for r in counting} == {"breach_of_measure", "repeated_reports"}
    for rule in counting:
        assert rule.label_partly_hidden is not None
        assert not any(ch.isdigit() for ch in rule.label_partly_hidden.nl + rule.label_partly_hidden.en)


@pytest.mark.parametrize(
    ("seen", "words"),
    [
        (None, "Vijf of meer registraties over dit paar (complexe, terugkerende situatie)"),
        (
            TriageFacts(registrations=5),
            "Vijf of meer registraties over dit paar (complexe, terugkerende situatie)",
        ),
        (
            TriageFacts(registrations=2, breaches=3),
            "Herhaalde registraties over dit paar, ook registraties die u niet mag inzien "
            "(complexe, terugkerende situatie)",
        ),
    ],
)
def test_a_reason_on_a_count_the_reader_does_not_see_met_is_said_without_a_count(
    seen: TriageFacts | None, words: str
) -> None:
    with translation.override("nl"):
        assert reason_label("repeated_reports", seen) == words
        assert reason_label("acute_danger", TriageFacts()) == triage_rules().rules[0].label.nl
    with translation.override("en"):
        assert reason_label("breach_of_measure", TriageFacts(breaches=0)) == (
            "The suspect breached a protective measure before (shown also by records you may not see)"
        )
        assert reason_label("breach_of_measure", TriageFacts(breaches=1)) == (
            "The suspect breached a protective measure before"
        )
