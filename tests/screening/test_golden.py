"""Every instrument shipped in data/instruments/ (and the fictional licensed test instrument) scores its
golden cases: one parametrised test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ketenzicht.screening.engine.instrument import AnswerKind, Instrument, Level, load_instrument
from ketenzicht.screening.engine.scoring import Answer, Judgement, ScoringError, score
from ketenzicht.screening.instruments import GOLDEN_DIR, instrument_files

TEST_DATA = Path(__file__).resolve().parent / "data"
LICENSED_EXAMPLE = TEST_DATA / "licensed_example.yaml"


def _pairs() -> list[tuple[Path, Path]]:
    shipped = [(path, GOLDEN_DIR / path.name) for path in instrument_files()]
    return [*shipped, (LICENSED_EXAMPLE, TEST_DATA / "golden" / LICENSED_EXAMPLE.name)]


def _cases() -> list[Any]:
    cases = []
    for path, golden in _pairs():
        for case in yaml.safe_load(golden.read_text(encoding="utf-8")):
            cases.append(pytest.param(path, case, id=f"{path.stem}: {case['name']}"))
    return cases


KNOWN = {"name", "yes_to", "counts", "choices", "answers", "omit", "judgement", "computed", "level", "score"}
KNOWN |= {"fired", "because", "override", "second_person", "refused"}


def _answers(instrument: Instrument, case: dict[str, Any]) -> dict[str, Answer]:
    """Every item answered: the case's yes_to, counts and choices, the rest no, 0 or the first choice."""
    assert set(case) <= KNOWN, f"unknown keys in golden case: {sorted(map(str, set(case) - KNOWN))}"
    given = {
        AnswerKind.YES_NO: set(case.get("yes_to", [])),
        AnswerKind.COUNT: set(case.get("counts", {})),
        AnswerKind.CHOICE: set(case.get("choices", {})),
    }
    for kind, keys in given.items():
        for key in keys:
            item = instrument.item(key)
            assert item is not None and item.answer is kind, (
                f"golden case names {key!r} as a {kind.value} item"
            )
    answers: dict[str, Answer] = {}
    for item in instrument.items:
        if item.answer is AnswerKind.YES_NO:
            answers[item.key] = item.key in given[AnswerKind.YES_NO]
        elif item.answer is AnswerKind.COUNT:
            answers[item.key] = case.get("counts", {}).get(item.key, 0)
        else:
            answers[item.key] = case.get("choices", {}).get(item.key, next(iter(item.choices)))
    answers.update(case.get("answers", {}))
    for key in case.get("omit", []):
        del answers[key]
    return answers


def test_every_instrument_has_golden_cases() -> None:
    for path, golden in _pairs():
        assert golden.exists(), f"no golden cases for {path.name}"


@pytest.mark.parametrize(("path", "case"), _cases())
def test_golden_case(path: Path, case: dict[str, Any]) -> None:
    instrument = load_instrument(path)
    judgement = None
    if "judgement" in case:
        judgement = Judgement(Level(case["judgement"]["level"]), case["judgement"]["reason"])
    answers = _answers(instrument, case)
    if "refused" in case:
        with pytest.raises(ScoringError) as refusal:
            score(instrument, answers, judgement)
        assert case["refused"] in str(refusal.value)
        return
    result = score(instrument, answers, judgement)
    computed = Level(case["computed"]) if case["computed"] is not None else None
    assert result.computed_level == computed
    assert result.level == Level(case.get("level", case["computed"]))
    if "score" in case:
        assert result.score == case["score"]
    if "fired" in case:
        assert list(result.fired) == case["fired"]
    for rule, items in case.get("because", {}).items():
        assert next(r.items for r in result.reasons if r.key == rule) == tuple(items)
    if "override" in case:
        assert result.override.value == case["override"]
    assert result.needs_second_person is case.get("second_person", False)
