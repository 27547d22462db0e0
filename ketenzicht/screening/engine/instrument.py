"""The file format of a risk-screening instrument, validated by pydantic.

Reference: docs/reference/instrument-format.md.

An instrument is immutable once loaded: its content hash identifies it, and a screening keeps the version it
was scored on. Every problem the validator finds names the field it is in (e.g. `scoring.rules.0.any_of`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketenzicht.datafile import DataFileError, read_mapping, validated

KEY = r"^[a-z][a-z0-9_]*$"


class InstrumentError(DataFileError):
    """An instrument file that cannot be used, with every problem found in it."""


class Level(StrEnum):
    """The levels of concern, in rising order."""

    NONE = "none"
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        """The Dutch name of the level (instrument texts are Dutch data, like the questions)."""
        return LEVEL_LABELS[self]


_RANK = {level: rank for rank, level in enumerate(Level)}
LEVEL_LABELS = {
    Level.NONE: "Geen zorgen",
    Level.STANDARD: "Standaard",
    Level.MEDIUM: "Verhoogd",
    Level.HIGH: "Hoog",
}


def highest(levels: list[Level]) -> Level | None:
    return max(levels, key=lambda level: level.rank) if levels else None


class AnswerKind(StrEnum):
    YES_NO = "yes_no"
    COUNT = "count"  # a whole number, 0 or more (e.g. incidents in the last 12 months)
    CHOICE = "choice"  # one of the item's choices


# The facts the register can answer, and the kind of answer each gives (issue 13, item 5). An item names
# one of them in `prefill`; the screening desk pre-answers it from the person's history.
PREFILL_FACTS: dict[str, AnswerKind] = {
    "earlier_violence": AnswerKind.YES_NO,
    "threat_to_kill": AnswerKind.YES_NO,
    "breach_of_ban": AnswerKind.YES_NO,
    "weapon": AnswerKind.YES_NO,
    "incidents_12_months": AnswerKind.COUNT,
    "escalation_signal": AnswerKind.YES_NO,
    "stalking_signal": AnswerKind.YES_NO,
    "property_damage": AnswerKind.YES_NO,
    "other_threats": AnswerKind.YES_NO,
}


class LicenceKind(StrEnum):
    OPEN = "open"  # ours or public: may be shipped
    LICENSED = "licensed"  # supplied by its licence holder; never shipped


class ScoringMode(StrEnum):
    COUNT = "count"  # the number of yes answers reaches a threshold
    RULES = "rules"  # trigger rules: the highest level of the rules that fire
    WEIGHTED = "weighted"  # the sum of weights reaches a threshold
    JUDGEMENT = "judgement"  # structured professional judgement: a level chosen with a written reason


class Lowering(StrEnum):
    """What lowering the computed level takes."""

    SECOND_PERSON = "second_person"  # a reason and a second person
    NEVER = "never"  # never lower (e.g. MARAC-style criteria: professional judgement may only raise)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Licence(_Strict):
    kind: LicenceKind
    holder: str | None = None  # who grants the licence; required for a licensed instrument
    terms: str = ""  # where the licence is described, or what it allows


class Choice(_Strict):
    label: str = Field(min_length=1)
    weight: int = Field(default=0, ge=0, le=100)


class Item(_Strict):
    key: str = Field(pattern=KEY)
    question: str = Field(min_length=3)  # in Dutch
    answer: AnswerKind
    # Weighted mode: the points of a yes (yes_no) or of each one counted (count).
    weight: int | None = Field(default=None, ge=0, le=100)
    cap: int | None = Field(default=None, gt=0)  # count items: count at most this many
    choices: dict[str, Choice] = Field(default_factory=dict)  # choice items: code -> label and weight
    prefill: str | None = None  # a register fact that can answer it: one of PREFILL_FACTS
    help: str = ""


class Threshold(_Strict):
    at_least: int = Field(ge=0)
    level: Level


class Rule(_Strict):
    """A trigger: when it fires, the level is at least `level`. One of four shapes:
    `any_of: [items]` (a yes to any), `at_least: n` with `of: [items]` (n or more yes),
    `item: key` with `at_least: n` (a count item reaching n), `item: key` with `in: [choices]`, or
    `item: key` alone (a yes to one yes/no item)."""

    name: str = Field(pattern=KEY)
    label: str = Field(min_length=3)  # in Dutch: what the rule says
    level: Level
    any_of: tuple[str, ...] = ()
    of: tuple[str, ...] = ()
    at_least: int | None = Field(default=None, ge=1)
    item: str | None = None
    in_: tuple[str, ...] = Field(default=(), alias="in")


class Scoring(_Strict):
    mode: ScoringMode
    # count: the yes/no items counted (all of them when empty); weighted: the items summed (every item with
    # a weight when empty).
    items: tuple[str, ...] = ()
    thresholds: tuple[Threshold, ...] = ()  # count and weighted: rising
    # rules mode: the rules; the other modes: triggers that set at least their level (e.g. escalation).
    rules: tuple[Rule, ...] = ()
    otherwise: Level = Level.NONE  # the level when no threshold is reached and no rule fires


class Instrument(_Strict):
    code: str = Field(pattern=KEY)
    version: int = Field(gt=0)
    name: str = Field(min_length=3)
    description: str = ""
    licence: Licence
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring
    lowering: Lowering = Lowering.SECOND_PERSON
    content_hash: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        problems = [
            *self._licence_problems(),
            *self._item_problems(),
            *self._scoring_problems(),
            *self._rule_problems(),
        ]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def item(self, key: str) -> Item | None:
        return next((item for item in self.items if item.key == key), None)

    def scored_items(self) -> tuple[Item, ...]:
        """The items the count or the sum is made of."""
        if self.scoring.items:
            return tuple(item for key in self.scoring.items if (item := self.item(key)) is not None)
        if self.scoring.mode is ScoringMode.COUNT:
            return tuple(item for item in self.items if item.answer is AnswerKind.YES_NO)
        if self.scoring.mode is ScoringMode.WEIGHTED:
            return tuple(item for item in self.items if _weighted(item))
        return ()

    def _licence_problems(self) -> list[str]:
        if self.licence.kind is LicenceKind.LICENSED and not (self.licence.holder or "").strip():
            return ["licence.holder: a licensed instrument must name its licence holder"]
        return []

    def _item_problems(self) -> list[str]:
        problems: list[str] = []
        seen: set[str] = set()
        for index, item in enumerate(self.items):
            where = f"items.{index}"
            if item.key in seen:
                problems.append(f"{where}.key: item {item.key!r} is defined twice")
            seen.add(item.key)
            if item.answer is AnswerKind.CHOICE:
                if not item.choices:
                    problems.append(f"{where}.choices: choice item {item.key!r} has no choices")
                if item.weight is not None:
                    problems.append(
                        f"{where}.weight: choice item {item.key!r} weighs its choices, not itself"
                    )
            elif item.choices:
                problems.append(f"{where}.choices: only a choice item has choices ({item.key!r})")
            if item.cap is not None and item.answer is not AnswerKind.COUNT:
                problems.append(f"{where}.cap: only a count item has a cap ({item.key!r})")
            if item.prefill is not None:
                fact = PREFILL_FACTS.get(item.prefill)
                if fact is None:
                    problems.append(
                        f"{where}.prefill: unknown register fact {item.prefill!r} "
                        f"(known: {', '.join(sorted(PREFILL_FACTS))})"
                    )
                elif fact is not item.answer:
                    problems.append(
                        f"{where}.prefill: {item.prefill!r} answers {fact.value}, "
                        f"item {item.key!r} asks {item.answer.value}"
                    )
        return problems

    def _scoring_problems(self) -> list[str]:
        scoring = self.scoring
        mode = scoring.mode
        problems: list[str] = []
        keys = {item.key for item in self.items}
        for key in scoring.items:
            item = self.item(key)
            if key not in keys or item is None:
                problems.append(f"scoring.items: unknown item {key!r}")
            elif mode is ScoringMode.COUNT and item.answer is not AnswerKind.YES_NO:
                problems.append(f"scoring.items: item {key!r} is not a yes/no question and cannot be counted")
            elif mode is ScoringMode.WEIGHTED and not _weighted(item):
                problems.append(f"scoring.items: item {key!r} has no weight")
            elif mode in (ScoringMode.RULES, ScoringMode.JUDGEMENT):
                problems.append(f"scoring.items: the {mode.value} mode counts no items")
                break
        if mode in (ScoringMode.COUNT, ScoringMode.WEIGHTED):
            scored = self.scored_items()
            if not scored:
                problems.append(f"scoring.items: the {mode.value} mode has no items to score")
            if not scoring.thresholds:
                problems.append(f"scoring.thresholds: the {mode.value} mode needs thresholds")
            problems += self._threshold_problems(_maximum(mode, scored))
        elif scoring.thresholds:
            problems.append(f"scoring.thresholds: the {mode.value} mode has no thresholds")
        if mode is ScoringMode.JUDGEMENT and scoring.otherwise is not Level.NONE:
            problems.append(
                "scoring.otherwise: the judgement mode computes no level; the professional chooses it"
            )
        if mode is ScoringMode.RULES and not scoring.rules:
            problems.append("scoring.rules: the rules mode needs at least one rule")
        return problems

    def _threshold_problems(self, maximum: int | None) -> list[str]:
        problems: list[str] = []
        previous: Threshold | None = None
        for index, threshold in enumerate(self.scoring.thresholds):
            where = f"scoring.thresholds.{index}"
            if previous is not None and threshold.at_least <= previous.at_least:
                problems.append(
                    f"{where}.at_least: thresholds must rise: {threshold.at_least} after {previous.at_least}"
                )
            below = previous.level if previous is not None else self.scoring.otherwise
            if threshold.level.rank <= below.rank:
                problems.append(
                    f"{where}.level: levels must rise: {threshold.level.value} after {below.value}"
                )
            if maximum is not None and threshold.at_least > maximum:
                problems.append(
                    f"{where}.at_least: {threshold.at_least} can never be reached (at most {maximum})"
                )
            previous = threshold
        return problems

    def _rule_problems(self) -> list[str]:
        problems: list[str] = []
        names: set[str] = set()
        for index, rule in enumerate(self.scoring.rules):
            where = f"scoring.rules.{index}"
            if rule.name in names:
                problems.append(f"{where}.name: rule {rule.name!r} is defined twice")
            names.add(rule.name)
            if rule.level.rank <= self.scoring.otherwise.rank:
                problems.append(
                    f"{where}.level: rule {rule.name!r} sets {rule.level.value}, "
                    f"not above the level otherwise ({self.scoring.otherwise.value})"
                )
            problems += [f"{where}.{problem}" for problem in self._rule_shape_problems(rule)]
        return problems

    def _rule_shape_problems(self, rule: Rule) -> list[str]:
        shapes = [
            name for name, given in (("any_of", rule.any_of), ("of", rule.of), ("item", rule.item)) if given
        ]
        if len(shapes) != 1:
            return [f"rule {rule.name!r} needs exactly one of any_of, of (with at_least) or item"]
        problems: list[str] = []
        if rule.any_of or rule.of:
            field = "any_of" if rule.any_of else "of"
            for key in rule.any_of or rule.of:
                item = self.item(key)
                if item is None:
                    problems.append(f"{field}: unknown item {key!r} in rule {rule.name!r}")
                elif item.answer is not AnswerKind.YES_NO:
                    problems.append(f"{field}: item {key!r} in rule {rule.name!r} is not a yes/no question")
            if rule.in_:
                problems.append(f"in: rule {rule.name!r} names choices without an item")
            if rule.any_of and rule.at_least is not None:
                problems.append(f"at_least: rule {rule.name!r} uses any_of (use of with at_least)")
            if rule.of and rule.at_least is None:
                problems.append(f"at_least: rule {rule.name!r} must say how many of its items")
            elif rule.of and rule.at_least is not None and rule.at_least > len(rule.of):
                problems.append(
                    f"at_least: rule {rule.name!r} asks {rule.at_least} of {len(rule.of)} items: "
                    "it can never fire"
                )
            return problems
        item = self.item(rule.item or "")
        if item is None:
            return [f"item: unknown item {rule.item!r} in rule {rule.name!r}"]
        if item.answer is AnswerKind.COUNT:
            if rule.at_least is None:
                problems.append(f"at_least: rule {rule.name!r} on count item {item.key!r} needs at_least")
            if rule.in_:
                problems.append(f"in: count item {item.key!r} has no choices")
        elif item.answer is AnswerKind.CHOICE:
            if not rule.in_:
                problems.append(f"in: rule {rule.name!r} on choice item {item.key!r} needs in: [choices]")
            for code in rule.in_:
                if code not in item.choices:
                    problems.append(f"in: {code!r} is not a choice of item {item.key!r}")
            if rule.at_least is not None:
                problems.append(f"at_least: choice item {item.key!r} is not counted")
        elif rule.at_least is not None or rule.in_:
            problems.append(f"item: yes/no item {item.key!r} fires on yes: no at_least or in")
        return problems


def _weighted(item: Item) -> bool:
    if item.answer is AnswerKind.CHOICE:
        return any(choice.weight for choice in item.choices.values())
    return bool(item.weight)


def _maximum(mode: ScoringMode, items: tuple[Item, ...]) -> int | None:
    """The highest count or sum the items can give; None when a count item has no cap."""
    if mode is ScoringMode.COUNT:
        return len(items)
    total = 0
    for item in items:
        if item.answer is AnswerKind.CHOICE:
            total += max(choice.weight for choice in item.choices.values())
        elif item.answer is AnswerKind.COUNT:
            if item.cap is None:
                return None
            total += (item.weight or 0) * item.cap
        else:
            total += item.weight or 0
    return total


def parse_instrument(raw: bytes, source: str = "<instrument>") -> Instrument:
    """Parse and validate one instrument; InstrumentError lists every problem with the field it is in."""
    return instrument_from_document(read_mapping(raw, source, InstrumentError), source)


def instrument_from_document(document: dict[str, Any], source: str = "<instrument>") -> Instrument:
    return validated(Instrument, document, source, InstrumentError)


def load_instrument(path: Path) -> Instrument:
    return parse_instrument(path.read_bytes(), source=str(path))
