"""The validator refuses instruments that cannot work, naming the field of every problem."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.utils import translation

from ketenzicht.screening.engine.instrument import (
    Instrument,
    InstrumentError,
    Level,
    LicenceKind,
    load_instrument,
    parse_instrument,
)
from ketenzicht.screening.instruments import instrument_files
from ketenzicht.screening.labels import LEVELS

GOOD: dict[str, Any] = {
    "code": "demo_screening",
    "version": 1,
    "name": "Demo",
    "licence": {"kind": "open"},
    "items": [
        {
            "key": "threat",
            "question": "Gedreigd?",
            "answer": "yes_no",
            "weight": 2,
            "prefill": "threat_to_kill",
        },
        {"key": "weapon", "question": "Wapen?", "answer": "yes_no", "weight": 3},
        {"key": "fear", "question": "Bang?", "answer": "yes_no", "weight": 1},
        {
            "key": "incidents",
            "question": "Aantal incidenten?",
            "answer": "count",
            "weight": 1,
            "cap": 3,
            "prefill": "incidents_12_months",
        },
        {
            "key": "duration",
            "question": "Hoe lang al?",
            "answer": "choice",
            "choices": {"short": {"label": "Kort"}, "long": {"label": "Lang", "weight": 2}},
        },
    ],
    "scoring": {
        "mode": "count",
        "items": ["threat", "weapon", "fear"],
        "thresholds": [{"at_least": 1, "level": "standard"}, {"at_least": 3, "level": "high"}],
        "rules": [
            {
                "name": "escalation",
                "label": "Veel incidenten",
                "item": "incidents",
                "at_least": 3,
                "level": "high",
            }
        ],
    },
}

Change = Callable[[dict[str, Any]], Any]


def _parse(document: dict[str, Any]) -> Instrument:
    return parse_instrument(yaml.safe_dump(document).encode(), source="test.yaml")


def _changed(change: Change) -> dict[str, Any]:
    document = copy.deepcopy(GOOD)
    change(document)
    return document


def _rule(**fields: Any) -> Change:
    rule = {"name": "extra", "label": "Een regel", "level": "high", **fields}
    return lambda d: d["scoring"]["rules"].append(rule)


def test_a_good_instrument_loads_with_its_content_hash() -> None:
    instrument = _parse(GOOD)
    assert len(instrument.content_hash) == 64
    assert _parse({**GOOD, "name": "Other"}).content_hash != instrument.content_hash
    assert [item.key for item in instrument.scored_items()] == ["threat", "weapon", "fear"]


def test_levels_are_ordered_and_have_dutch_labels() -> None:
    assert [level.rank for level in (Level.NONE, Level.STANDARD, Level.MEDIUM, Level.HIGH)] == [0, 1, 2, 3]
    assert Level.HIGH.label == "Hoog" and Level.NONE.label == "Geen zorgen"
    with translation.override("nl"):
        assert {level: str(label) for level, label in LEVELS.items()} == {
            level: level.label for level in Level
        }


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(licence={"kind": "licensed"}), "licence.holder: a licensed instrument must name"),
        (lambda d: d.update(licence={"kind": "licensed", "holder": " "}), "licence.holder"),
        (lambda d: d["items"].append(dict(d["items"][0])), "items.5.key: item 'threat' is defined twice"),
        (lambda d: d["items"][4].pop("choices"), "items.4.choices: choice item 'duration' has no choices"),
        (
            lambda d: d["items"][4].update(weight=2),
            "items.4.weight: choice item 'duration' weighs its choices",
        ),
        (
            lambda d: d["items"][1].update(choices={"a": {"label": "A"}}),
            "items.1.choices: only a choice item",
        ),
        (lambda d: d["items"][1].update(cap=2), "items.1.cap: only a count item has a cap"),
        (
            lambda d: d["items"][0].update(prefill="horoscope"),
            "items.0.prefill: unknown register fact 'horoscope'",
        ),
        (
            lambda d: d["items"][0].update(prefill="incidents_12_months"),
            "items.0.prefill: 'incidents_12_months' answers count, item 'threat' asks yes_no",
        ),
        (lambda d: d["scoring"].update(items=["threat", "ghost"]), "scoring.items: unknown item 'ghost'"),
        (
            lambda d: d["scoring"].update(items=["incidents"]),
            "scoring.items: item 'incidents' is not a yes/no",
        ),
        (lambda d: d["scoring"].update(thresholds=[]), "scoring.thresholds: the count mode needs thresholds"),
        (
            lambda d: d["scoring"]["thresholds"].reverse(),
            "scoring.thresholds.1.at_least: thresholds must rise: 1 after 3",
        ),
        (
            lambda d: d["scoring"]["thresholds"][1].update(level="standard"),
            "scoring.thresholds.1.level: levels must rise: standard after standard",
        ),
        (
            lambda d: d["scoring"].update(otherwise="standard"),
            "scoring.thresholds.0.level: levels must rise: standard after standard",
        ),
        (
            lambda d: d["scoring"]["thresholds"][1].update(at_least=4),
            "scoring.thresholds.1.at_least: 4 can never be reached (at most 3)",
        ),
        (_rule(any_of=["threat", "nope"]), "scoring.rules.1.any_of: unknown item 'nope' in rule 'extra'"),
        (
            _rule(any_of=["incidents"]),
            "scoring.rules.1.any_of: item 'incidents' in rule 'extra' is not a yes/no",
        ),
        (_rule(of=["threat", "weapon"]), "scoring.rules.1.at_least: rule 'extra' must say how many"),
        (
            _rule(of=["threat", "weapon"], at_least=3),
            "scoring.rules.1.at_least: rule 'extra' asks 3 of 2 items",
        ),
        (_rule(any_of=["threat"], at_least=1), "scoring.rules.1.at_least: rule 'extra' uses any_of"),
        (_rule(any_of=["threat"], item="weapon"), "scoring.rules.1.rule 'extra' needs exactly one of"),
        (_rule(), "scoring.rules.1.rule 'extra' needs exactly one of"),
        (_rule(item="ghost"), "scoring.rules.1.item: unknown item 'ghost' in rule 'extra'"),
        (_rule(item="incidents"), "scoring.rules.1.at_least: rule 'extra' on count item 'incidents' needs"),
        (_rule(item="duration"), "scoring.rules.1.in: rule 'extra' on choice item 'duration' needs in"),
        (
            _rule(item="duration", **{"in": ["forever"]}),
            "scoring.rules.1.in: 'forever' is not a choice of item",
        ),
        (_rule(item="threat", at_least=2), "scoring.rules.1.item: yes/no item 'threat' fires on yes"),
        (
            _rule(name="escalation", any_of=["fear"]),
            "scoring.rules.1.name: rule 'escalation' is defined twice",
        ),
        (
            lambda d: d["scoring"]["rules"][0].update(level="none"),
            "scoring.rules.0.level: rule 'escalation' sets none, not above the level otherwise (none)",
        ),
        (
            lambda d: d["scoring"].update(mode="rules", items=[], thresholds=[], rules=[]),
            "scoring.rules: the rules mode needs at least one rule",
        ),
        (
            lambda d: d["scoring"].update(mode="judgement", items=[]),
            "scoring.thresholds: the judgement mode has no",
        ),
        (lambda d: d["scoring"].update(mode="weighted", items=["threat", "duration"]), None),
        (
            lambda d: d["items"][1].pop("weight") and d["scoring"].update(mode="weighted"),
            "scoring.items: item 'weapon' has no weight",
        ),
        (
            lambda d: d["items"][3].pop("cap") and d["scoring"].update(mode="weighted", items=[]),
            None,  # an uncapped count has no maximum: any threshold can be reached
        ),
        (
            lambda d: d["scoring"].update(mode="judgement", items=[], thresholds=[], otherwise="standard"),
            "scoring.otherwise: the judgement mode computes no level",
        ),
        (lambda d: d.pop("name"), "name: Field required"),
        (lambda d: d["licence"].update(kind="secret"), "licence.kind: Input should be 'open' or 'licensed'"),
        (
            lambda d: d["scoring"]["thresholds"][0].update(level="extreme"),
            "scoring.thresholds.0.level: Input",
        ),
        (lambda d: d["items"][0].update(colour="red"), "items.0.colour: Extra inputs are not permitted"),
        (lambda d: d["items"][0].update(answer="maybe"), "items.0.answer: Input should be"),
        (lambda d: d["items"][0].update(key="Bad Key"), "items.0.key: String should match pattern"),
        (lambda d: d.update(items=[]), "items: Tuple should have at least 1 item"),
        (lambda d: d.update(version=0), "version: Input should be greater than 0"),
    ],
)
def test_the_validator_names_the_field(change: Change, problem: str | None) -> None:
    document = _changed(change)
    if problem is None:
        _parse(document)
        return
    with pytest.raises(InstrumentError) as refusal:
        _parse(document)
    assert any(problem in found for found in refusal.value.problems), refusal.value.problems
    assert str(refusal.value).startswith("test.yaml: ")


def test_every_problem_is_listed_at_once() -> None:
    def two_problems(d: dict[str, Any]) -> None:
        d["licence"] = {"kind": "licensed"}
        d["scoring"]["thresholds"].reverse()

    with pytest.raises(InstrumentError) as refusal:
        _parse(_changed(two_problems))
    assert len(refusal.value.problems) == 3  # the holder, and the threshold's number and level
    assert refusal.value.problems[0].startswith("licence.holder")


@pytest.mark.parametrize(
    ("raw", "problem"), [(b"code: [unclosed", "not valid YAML"), (b"- a\n- b\n", "mapping")]
)
def test_a_file_that_is_no_instrument_is_refused(raw: bytes, problem: str) -> None:
    with pytest.raises(InstrumentError, match=problem):
        parse_instrument(raw, source="x.yaml")


def test_only_open_instruments_are_shipped_each_named_after_its_code_and_version() -> None:
    """No licensed instrument (SASH, RiHG, DASH ...) is shipped: a licence holder supplies it as a file."""
    files = instrument_files()
    assert len(files) >= 3
    for path in files:
        instrument = load_instrument(path)
        assert instrument.licence.kind is LicenceKind.OPEN, path.name
        assert path.name == f"{instrument.code}.v{instrument.version}.yaml"
        text = path.read_text(encoding="utf-8").lower()
        for licensed in ("sash", "rihg", "dash"):
            assert licensed not in text, f"{path.name} names {licensed}"
