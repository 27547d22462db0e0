"""Every rule against its golden cases: exactly the expected findings of that rule, first fired where the
case says, with the severity it says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketenzicht.patterns.detector import RULES_PATH
from ketenzicht.patterns.engine.detect import Detector
from ketenzicht.patterns.engine.rules import load_rules

from .golden import cases, events_of, golden_files


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_rules(RULES_PATH))


def test_every_rule_has_golden_cases(detector: Detector) -> None:
    covered = {path.stem for path in golden_files()}
    assert covered == {rule.name for rule in detector.rules.rules}
    per_rule = {rule: 0 for rule in covered}
    for rule, _, _case in cases():
        per_rule[rule] += 1
        assert rule in covered
    assert all(count >= 3 for count in per_rule.values()), per_rule


@pytest.mark.parametrize(("rule", "name", "case"), cases(), ids=[f"{r}: {n}" for r, n, _ in cases()])
def test_golden_case(detector: Detector, rule: str, name: str, case: dict[str, Any]) -> None:
    events, ids = events_of(case, detector)
    letters = {person: letter for letter, person in ids.items()}
    findings = [f for f in detector.detect(events) if f.rule == rule]
    got = sorted(
        (
            letters.get(f.suspect) if f.suspect else None,
            letters.get(f.victim) if f.victim else None,
            f.first_event.id,
            f.severity,
        )
        for f in findings
    )
    expected = sorted(
        (item.get("suspect"), item.get("victim"), item["first"], item["severity"]) for item in case["expect"]
    )
    assert got == expected, [f.reasons for f in findings]


def test_golden_files_name_known_rules_only() -> None:
    names = {rule.name for rule in load_rules(Path(RULES_PATH)).rules}
    for rule, _, _ in cases():
        assert rule in names
