"""One definition of domestic violence (registrations/data/domestic_violence.yaml), read by the pattern
rules as well as by linking."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketenzicht.patterns.detector import RULES_PATH
from ketenzicht.patterns.engine.rules import load_rules
from ketenzicht.registrations.domestic import domestic_violence


def test_the_repeat_rule_takes_its_circle_from_the_shared_definition() -> None:
    marac = load_rules(RULES_PATH).rule("marac_repeat")
    assert marac.domestic_relations == [*domestic_violence().circle, "household"]  # type: ignore[union-attr]


def test_another_circle_changes_the_rule_and_its_hash() -> None:
    default = load_rules(RULES_PATH)
    narrow = load_rules(RULES_PATH, domestic_circle=["partner"])
    assert narrow.rule("marac_repeat").domestic_relations == ["partner", "household"]  # type: ignore[union-attr]
    assert narrow.content_hash != default.content_hash


def test_a_definition_without_offences_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dv.yaml"
    path.write_text("dataset: domestic_violence\nversion: '1'\noffences: []\ncircle: [partner]\n")
    with pytest.raises(ValueError, match="offences"):
        domestic_violence(path)
