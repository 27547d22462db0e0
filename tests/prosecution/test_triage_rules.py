"""The triage rules walk their golden cases; every rule has one; bad files are refused with the place."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from ketenzicht.prosecution.engine.triage import (
    TriageFacts,
    TriageRulesError,
    parse_triage_rules,
    triage,
)
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
    ],
)
def test_a_bad_rule_file_is_refused_naming_the_place(text: str, problem: str) -> None:
    with pytest.raises(TriageRulesError, match=problem):
        parse_triage_rules(text.encode())
