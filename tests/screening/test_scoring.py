"""Scoring beyond the golden cases: what the result keeps, the answers refused, judgement, second person."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ketenzicht.screening.engine.instrument import (
    AnswerKind,
    Instrument,
    Level,
    instrument_from_document,
    load_instrument,
)
from ketenzicht.screening.engine.scoring import (
    Answer,
    Judgement,
    Override,
    ReasonKind,
    ScoringError,
    check_answers,
    score,
)
from ketenzicht.screening.instruments import INSTRUMENTS_DIR

LICENSED_EXAMPLE = Path(__file__).resolve().parent / "data" / "licensed_example.yaml"


def _instrument(code: str) -> Instrument:
    return load_instrument(INSTRUMENTS_DIR / f"{code}.v1.yaml")


def _nothing(instrument: Instrument) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for item in instrument.items:
        if item.answer is AnswerKind.CHOICE:
            answers[item.key] = next(iter(item.choices))
        else:
            answers[item.key] = False if item.answer is AnswerKind.YES_NO else 0
    return answers


def test_the_result_keeps_both_levels_the_reason_and_what_fired() -> None:
    instrument = _instrument("lethality_triggers")
    answers = {**_nothing(instrument), "weapon": True}
    result = score(instrument, answers, Judgement(Level.MEDIUM, "  Speelgoedpistool.  "))
    assert (result.computed_level, result.level) == (Level.HIGH, Level.MEDIUM)
    assert result.override is Override.LOWERED and result.needs_second_person
    assert result.judgement == Judgement(Level.MEDIUM, "  Speelgoedpistool.  ")
    rule, judgement = result.reasons
    assert (rule.kind, rule.key, rule.level, rule.items) == (
        ReasonKind.RULE,
        "direct_danger",
        Level.HIGH,
        ("weapon",),
    )
    assert (judgement.kind, judgement.text) == (ReasonKind.JUDGEMENT, "Speelgoedpistool.")
    assert result.fired == ("direct_danger",)
    assert (result.instrument, result.version, result.content_hash) == (
        "lethality_triggers",
        1,
        instrument.content_hash,
    )


def test_the_result_as_json_ready_data() -> None:
    instrument = _instrument("marac_criteria")
    answers = {**_nothing(instrument), "injury": True, "incidents_12_months": 3}
    document = score(instrument, answers, Judgement(Level.HIGH, "Eens.")).as_document()
    assert json.loads(json.dumps(document)) == document
    assert document["computed_level"] == "high" and document["override"] == "same"
    assert [(r["kind"], r["key"], r["items"]) for r in document["reasons"]] == [
        ("item", "injury", []),
        ("threshold", "at_least_1", []),
        ("rule", "escalation", ["incidents_12_months"]),
        ("judgement", "judgement", []),
    ]
    assert document["judgement"] == {"level": "high", "reason": "Eens."}


def test_a_judgement_at_the_computed_level_is_no_override() -> None:
    instrument = _instrument("lethality_triggers")
    result = score(instrument, {**_nothing(instrument), "weapon": True}, Judgement(Level.HIGH, "Eens."))
    assert (result.level, result.override, result.needs_second_person) == (Level.HIGH, Override.SAME, False)
    plain = score(instrument, _nothing(instrument))
    assert (plain.level, plain.override, plain.judgement) == (Level.NONE, Override.NONE, None)


def test_a_raise_needs_no_second_person_but_a_reason() -> None:
    instrument = _instrument("ex_partner_stalking_open")
    raised = score(instrument, _nothing(instrument), Judgement(Level.HIGH, "Verdachte staat voor de deur."))
    assert (raised.computed_level, raised.level, raised.needs_second_person) == (
        Level.NONE,
        Level.HIGH,
        False,
    )
    with pytest.raises(
        ScoringError, match=re.escape("judgement.reason: a professional judgement needs a written reason")
    ):
        score(instrument, _nothing(instrument), Judgement(Level.HIGH, "\n "))


def test_weighted_points_per_item_and_the_threshold_reached() -> None:
    instrument = _instrument("ex_partner_stalking_open")
    answers = {**_nothing(instrument), "incidents_12_months": 2, "duration": "over_6_months", "weapon": True}
    result = score(instrument, answers)
    points = {reason.key: reason.points for reason in result.reasons if reason.kind is ReasonKind.ITEM}
    assert points == {"weapon": 3, "incidents_12_months": 2, "duration": 2}
    assert result.score == 7 and result.level is Level.STANDARD
    assert result.reasons[-1].text == "7 punten: drempel 1 bereikt"


def test_every_answer_problem_is_named_at_once() -> None:
    instrument = _instrument("marac_criteria")
    answers = _nothing(instrument)
    del answers["injury"], answers["strangulation"]
    answers.update(incidents_12_months=-1, earlier_referral="ja", stalking=1, shoe_size=42)
    problems = check_answers(instrument, answers)
    assert [problem.split(":")[0] for problem in problems] == [
        "answers.injury",
        "answers.stalking",
        "answers.strangulation",
        "answers.incidents_12_months",
        "answers.earlier_referral",
        "answers.shoe_size",
    ]
    assert "no answer to item 'injury' (Is het slachtoffer" in problems[0]
    with pytest.raises(ScoringError) as refusal:
        score(instrument, answers)
    assert refusal.value.problems == problems


def test_a_count_is_not_a_yes() -> None:
    instrument = _instrument("marac_criteria")
    problems = check_answers(instrument, {**_nothing(instrument), "incidents_12_months": True})
    assert problems == [
        "answers.incidents_12_months: item 'incidents_12_months' is a count (0 or more), not True"
    ]


def test_a_choice_is_one_of_the_item_s_codes() -> None:
    instrument = load_instrument(LICENSED_EXAMPLE)
    for wrong in (["calm"], 1, True):
        answers: dict[str, Any] = {**_nothing(instrument), "mood": wrong}
        problems = check_answers(instrument, answers)
        assert problems == [f"answers.mood: {wrong!r} is not a choice of item 'mood' (calm, tense, acute)"]


def test_an_instrument_that_may_only_be_raised_refuses_lowering() -> None:
    instrument = _instrument("marac_criteria")
    answers = {**_nothing(instrument), "earlier_referral": True}
    with pytest.raises(
        ScoringError, match=re.escape("judgement.level: marac_criteria may only be raised: medium is below")
    ):
        score(instrument, answers, Judgement(Level.MEDIUM, "Eerdere bespreking ging over iets anders."))


def test_structured_judgement_asks_a_level_and_a_reason() -> None:
    instrument = load_instrument(LICENSED_EXAMPLE)
    answers = _nothing(instrument)
    with pytest.raises(
        ScoringError, match="judgement: fictional_licensed_example is a structured professional"
    ):
        score(instrument, answers)
    chosen = score(instrument, answers, Judgement(Level.NONE, "Niets aan de hand."))
    assert (chosen.computed_level, chosen.level, chosen.override) == (None, Level.NONE, Override.CHOSEN)


def test_an_instrument_reads_back_from_its_stored_document_unchanged() -> None:
    """What the loader stores (JSON, with `in` for choice rules) validates to the same instrument."""
    for instrument in (load_instrument(LICENSED_EXAMPLE), _instrument("marac_criteria")):
        again = instrument_from_document(instrument.model_dump(mode="json", by_alias=True))
        assert again == instrument
