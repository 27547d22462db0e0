"""Every definition shipped in data/ walks its golden cases: one parametrised test."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ketenzicht.workprocesses.definitions import DATA_DIR, definition_files
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM
from ketenzicht.workprocesses.engine.definition import load_definition
from ketenzicht.workprocesses.engine.machine import Refused, state_deadline, take

GOLDEN_DIR = DATA_DIR / "golden"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def _walks() -> list[Any]:
    cases = []
    for path in definition_files():
        golden = GOLDEN_DIR / path.name
        for walk in yaml.safe_load(golden.read_text(encoding="utf-8")):
            cases.append(pytest.param(path, walk, id=f"{path.stem}: {walk['name']}"))
    return cases


def test_every_definition_has_golden_walks() -> None:
    for path in definition_files():
        assert (GOLDEN_DIR / path.name).exists(), f"no golden walks for {path.name}"


@pytest.mark.parametrize(("path", "walk"), _walks())
def test_golden_walk(path: Path, walk: dict[str, Any]) -> None:
    definition = load_definition(path)
    state = definition.initial
    recorded: dict[str, str] = dict(walk.get("data") or {})  # what the case holds when it opens
    due, _ = state_deadline(definition, state, _moment(walk["start"]), data=recorded)
    if "deadline" in walk:
        assert due == (_moment(walk["deadline"]) if walk["deadline"] else None)
    for number, step in enumerate(walk["steps"], start=1):
        where = f"step {number} ({step['take']})"
        recorded.update(step.get("record") or {})  # what a desk recorded before this step
        try:
            outcome = take(
                definition,
                state,
                step["take"],
                roles=step["roles"],
                at=_moment(step["at"]),
                values=step.get("values"),
                recorded=recorded,
                reason=step.get("reason", ""),
                second_person=step.get("second_person", False),
            )
        except Refused as refusal:
            assert step.get("refused") == refusal.code, f"{where}: refused with {refusal.code}"
            continue
        assert "refused" not in step, f"{where}: taken, expected refusal {step['refused']}"
        state = outcome.target
        recorded.update(outcome.values)
        assert state == step["state"], where
        if "deadline" in step:
            expected = _moment(step["deadline"]) if step["deadline"] else None
            assert outcome.deadline_at == expected, f"{where}: deadline {outcome.deadline_at}"
