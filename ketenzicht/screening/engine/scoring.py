"""Scoring: an instrument and the answers to its items give a computed level; a professional's judgement
may set the final level. Raising takes a reason; lowering takes a reason and a second person (or is refused
by an instrument that may never be lowered). Both levels are kept in the result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .instrument import AnswerKind, Instrument, Item, Level, Lowering, Rule, ScoringMode, highest

Answer = bool | int | str


class ScoringError(ValueError):
    """Answers or a judgement the instrument cannot score, with every problem (each naming its field)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Override(StrEnum):
    NONE = "none"  # no judgement given: the computed level stands
    SAME = "same"  # a judgement that keeps the computed level
    RAISED = "raised"
    LOWERED = "lowered"
    CHOSEN = "chosen"  # structured professional judgement with nothing computed: the level is chosen


class ReasonKind(StrEnum):
    ITEM = "item"  # a yes (or a count, or a choice) that counted or weighed
    THRESHOLD = "threshold"  # the threshold the count or sum reached
    RULE = "rule"  # a rule that fired
    JUDGEMENT = "judgement"  # the professional's level and written reason


@dataclass(frozen=True)
class Judgement:
    """A professional's level, with the written reason for it."""

    level: Level
    reason: str


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    key: str  # the item key, rule name, "at_least_<n>" or "judgement"
    text: str  # in Dutch: the question, the rule, the threshold, or the written reason
    points: int | None = None  # what an item added to the count or sum
    level: Level | None = None  # the level a threshold, rule or judgement sets
    items: tuple[str, ...] = ()  # the items that made a rule fire


@dataclass(frozen=True)
class Result:
    instrument: str
    version: int
    content_hash: str
    computed_level: Level | None  # None only for a judgement instrument where no rule fired
    level: Level  # the final level
    score: int | None  # the count or the sum; None in the rules and judgement modes
    reasons: tuple[Reason, ...]
    judgement: Judgement | None
    override: Override
    needs_second_person: bool  # the final level is lower than the computed one: a second person confirms

    def as_document(self) -> dict[str, Any]:
        """The result as JSON-ready data, to keep with a screening."""
        judgement = self.judgement
        return {
            "instrument": self.instrument,
            "version": self.version,
            "content_hash": self.content_hash,
            "computed_level": self.computed_level.value if self.computed_level else None,
            "level": self.level.value,
            "score": self.score,
            "reasons": [
                {
                    "kind": reason.kind.value,
                    "key": reason.key,
                    "text": reason.text,
                    "points": reason.points,
                    "level": reason.level.value if reason.level else None,
                    "items": list(reason.items),
                }
                for reason in self.reasons
            ],
            "judgement": {"level": judgement.level.value, "reason": judgement.reason} if judgement else None,
            "override": self.override.value,
            "needs_second_person": self.needs_second_person,
        }

    @property
    def fired(self) -> tuple[str, ...]:
        """The keys of the items, thresholds and rules that gave the computed level."""
        return tuple(reason.key for reason in self.reasons if reason.kind is not ReasonKind.JUDGEMENT)


def check_answers(instrument: Instrument, answers: Mapping[str, Answer]) -> list[str]:
    """Every problem with the answers, each naming the item: missing, unknown, or of the wrong kind."""
    problems: list[str] = []
    for item in instrument.items:
        if item.key not in answers:
            problems.append(f"answers.{item.key}: no answer to item {item.key!r} ({item.question})")
            continue
        value = answers[item.key]
        if item.answer is AnswerKind.YES_NO and not isinstance(value, bool):
            problems.append(f"answers.{item.key}: item {item.key!r} is answered yes or no, not {value!r}")
        elif item.answer is AnswerKind.COUNT and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            problems.append(f"answers.{item.key}: item {item.key!r} is a count (0 or more), not {value!r}")
        elif item.answer is AnswerKind.CHOICE and (not isinstance(value, str) or value not in item.choices):
            problems.append(
                f"answers.{item.key}: {value!r} is not a choice of item {item.key!r} "
                f"({', '.join(item.choices)})"
            )
    for key in answers:
        if instrument.item(key) is None:
            problems.append(
                f"answers.{key}: {key!r} is not an item of {instrument.code} v{instrument.version}"
            )
    return problems


def score(
    instrument: Instrument, answers: Mapping[str, Answer], judgement: Judgement | None = None
) -> Result:
    """The computed level from the answers, and the final level after the professional's judgement."""
    problems = check_answers(instrument, answers)
    if judgement is not None and not judgement.reason.strip():
        problems.append("judgement.reason: a professional judgement needs a written reason")
    if instrument.scoring.mode is ScoringMode.JUDGEMENT and judgement is None:
        problems.append(
            f"judgement: {instrument.code} is a structured professional judgement: choose a level and "
            "write the reason"
        )
    if problems:
        raise ScoringError(problems)

    mode = instrument.scoring.mode
    reasons: list[Reason] = []
    total: int | None = None
    levels: list[Level] = []
    if mode in (ScoringMode.COUNT, ScoringMode.WEIGHTED):
        total = 0
        for item in instrument.scored_items():
            points = _points(item, answers[item.key], counting=mode is ScoringMode.COUNT)
            if points:
                total += points
                reasons.append(Reason(ReasonKind.ITEM, item.key, item.question, points=points))
        reached = [t for t in instrument.scoring.thresholds if total >= t.at_least]
        if reached:
            threshold = reached[-1]
            unit = "ja-antwoorden" if mode is ScoringMode.COUNT else "punten"
            reasons.append(
                Reason(
                    ReasonKind.THRESHOLD,
                    f"at_least_{threshold.at_least}",
                    f"{total} {unit}: drempel {threshold.at_least} bereikt",
                    level=threshold.level,
                )
            )
            levels.append(threshold.level)
    for rule in instrument.scoring.rules:
        because = _fires(instrument, rule, answers)
        if because is not None:
            reasons.append(Reason(ReasonKind.RULE, rule.name, rule.label, level=rule.level, items=because))
            levels.append(rule.level)

    computed = highest(levels)
    if computed is None and mode is not ScoringMode.JUDGEMENT:
        computed = instrument.scoring.otherwise
    final, override, second = _judged(instrument, computed, judgement)
    if judgement is not None:
        reasons.append(
            Reason(ReasonKind.JUDGEMENT, "judgement", judgement.reason.strip(), level=judgement.level)
        )
    return Result(
        instrument=instrument.code,
        version=instrument.version,
        content_hash=instrument.content_hash,
        computed_level=computed,
        level=final,
        score=total,
        reasons=tuple(reasons),
        judgement=judgement,
        override=override,
        needs_second_person=second,
    )


def _points(item: Item, value: Answer, *, counting: bool) -> int:
    if item.answer is AnswerKind.YES_NO:
        if value is not True:
            return 0
        return 1 if counting else item.weight or 0
    if item.answer is AnswerKind.COUNT and isinstance(value, int):
        counted = value if item.cap is None else min(value, item.cap)
        return counted * (item.weight or 0)
    if item.answer is AnswerKind.CHOICE and isinstance(value, str):
        return item.choices[value].weight
    return 0


def _fires(instrument: Instrument, rule: Rule, answers: Mapping[str, Answer]) -> tuple[str, ...] | None:
    """The items that make the rule fire, or None when it does not."""
    if rule.any_of or rule.of:
        yes = tuple(key for key in rule.any_of or rule.of if answers[key] is True)
        needed = 1 if rule.any_of else rule.at_least or 1
        return yes if len(yes) >= needed else None
    key = rule.item or ""
    item = instrument.item(key)
    value = answers[key]
    if item is None:
        return None
    if item.answer is AnswerKind.COUNT:
        fires = isinstance(value, int) and value >= (rule.at_least or 1)
    elif item.answer is AnswerKind.CHOICE:
        fires = value in rule.in_
    else:
        fires = value is True
    return (key,) if fires else None


def _judged(
    instrument: Instrument, computed: Level | None, judgement: Judgement | None
) -> tuple[Level, Override, bool]:
    """The final level, how it relates to the computed one, and whether a second person must confirm."""
    if judgement is None:
        assert computed is not None  # the judgement mode refuses a missing judgement above
        return computed, Override.NONE, False
    if computed is None:
        return judgement.level, Override.CHOSEN, False
    if judgement.level.rank > computed.rank:
        return judgement.level, Override.RAISED, False
    if judgement.level.rank == computed.rank:
        return judgement.level, Override.SAME, False
    if instrument.lowering is Lowering.NEVER:
        raise ScoringError(
            [
                f"judgement.level: {instrument.code} may only be raised: {judgement.level.value} is below "
                f"the computed level {computed.value}"
            ]
        )
    return judgement.level, Override.LOWERED, True
