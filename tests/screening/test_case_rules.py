"""The case rules: every golden case of the shipped rule file (one parametrised test), and what the
validator refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ketenzicht.registrations.models import Kind, RelationKind, Source
from ketenzicht.screening.case_rules import (
    CASE_RULES_PATH,
    CaseRulesError,
    Facts,
    Opening,
    PairFacts,
    decide,
    load_case_rules,
    parse_case_rules,
)
from ketenzicht.workprocesses.definitions import definition_files

GOLDEN = CASE_RULES_PATH.parent / "golden" / "case_rules.yaml"
RULES = load_case_rules()


def _facts(data: dict[str, Any]) -> Facts:
    return Facts(
        source=data["source"],
        kind=data["kind"],
        offences=frozenset(data.get("offences", ())),
        pairs=tuple(
            PairFacts(
                pair["suspect"],
                pair["victim"],
                frozenset(pair.get("relations", ())),
                frozenset(pair.get("signals", ())),
                frozenset(pair.get("measures", ())),
            )
            for pair in data.get("pairs", ())
        ),
    )


def _golden() -> list[Any]:
    cases = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in cases]


@pytest.mark.parametrize("case", _golden())
def test_golden_case(case: dict[str, Any]) -> None:
    expected = tuple(
        Opening(o["suspect"], o["victim"], o["process"], tuple(o["reasons"])) for o in case["opens"]
    )
    assert decide(RULES, _facts(case["facts"])) == expected


def test_the_rule_file_names_only_codes_the_register_and_the_work_processes_know() -> None:
    for reason in RULES.reasons:
        assert set(reason.relations) <= set(RelationKind.values), reason.code
        assert set(reason.kinds) <= set(Kind.values), reason.code
    assert set(RULES.sources) <= set(Source.values)
    shipped = {path.name.split(".v")[0] for path in definition_files()}
    assert set(RULES.processes) <= shipped
    patterns = yaml.safe_load(
        (Path(CASE_RULES_PATH).parents[2] / "patterns" / "data" / "rules.yaml").read_text(encoding="utf-8")
    )
    rule_names = {rule["name"] for rule in patterns["rules"]}
    for reason in RULES.reasons:
        if reason.signals != "any":
            assert set(reason.signals) <= rule_names, reason.code


def test_the_stamp_changes_with_the_content() -> None:
    raw = CASE_RULES_PATH.read_bytes()
    assert parse_case_rules(raw).stamp == RULES.stamp
    assert parse_case_rules(raw + b"\n# a comment\n").stamp != RULES.stamp


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"reasons": [{"code": "x", "label": {"nl": "x", "en": "x"}, "process": "p"}]}, "has no test"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"sources": []}, "sources: "),
        (
            {
                "reasons": [
                    {"code": "x", "label": {"nl": "x", "en": "x"}, "process": "p", "kinds": ["a"]},
                    {"code": "x", "label": {"nl": "x", "en": "x"}, "process": "p", "kinds": ["b"]},
                ]
            },
            "reason codes used twice: x",
        ),
        ({"reasons": [{"code": "x", "label": {"nl": "x"}, "process": "p", "signals": "all"}]}, "label.en"),
    ],
)
def test_the_validator_names_the_problem(change: dict[str, Any], problem: str) -> None:
    document = {**yaml.safe_load(CASE_RULES_PATH.read_bytes()), **change}
    with pytest.raises(CaseRulesError) as refused:
        parse_case_rules(yaml.safe_dump(document).encode(), source="rules.yaml")
    assert any(problem in line for line in refused.value.problems), refused.value.problems
