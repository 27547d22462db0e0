"""The chain rules file (data/chain_rules.yaml) as loaded: the grace before a new hand-off takes a
notification over is a whole number of working days, from 0 to 20, and a file without it, or with another
value, is refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketenzicht.datafile import DataFileError
from ketenzicht.veiligthuis.rules import PATH, chain_rules

SHIPPED = "takeover_grace_working_days: 1\n"


def test_the_shipped_rules_give_one_working_days_grace() -> None:
    assert chain_rules().protocol.takeover_grace_working_days == 1


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("takeover_grace_working_days: -1\n", "greater than or equal to 0"),
        ("takeover_grace_working_days: 21\n", "less than or equal to 20"),
        ("takeover_grace_working_days: een\n", "valid integer"),
        ("takeover_grace_working_days: 1.5\n", "valid integer"),
        ("takeover_grace_working_days: 1.0\n", "valid integer"),
        ("takeover_grace_working_days: true\n", "valid integer"),
        ("takeover_grace_working_days: '1'\n", "valid integer"),
        ("", "Field required"),
    ],
)
def test_a_grace_that_is_no_count_of_working_days_is_refused_naming_the_field(
    tmp_path: Path, line: str, problem: str
) -> None:
    shipped = PATH.read_text(encoding="utf-8")
    assert shipped.count(SHIPPED) == 1
    path = tmp_path / "chain_rules.yaml"
    path.write_text(shipped.replace(SHIPPED, line), encoding="utf-8")
    with pytest.raises(DataFileError) as refused:
        chain_rules(path)
    [said] = refused.value.problems
    assert said.startswith("protocol.takeover_grace_working_days: ") and problem in said
    assert str(path) in str(refused.value)
