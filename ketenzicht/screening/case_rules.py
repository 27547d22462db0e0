"""Which registrations open a police screening case, as versioned data: the pure part (no Django).

`data/case_rules.yaml` is validated by these pydantic models and identified by its version and the SHA-256 of
its bytes. `decide(rules, facts)` says, for the facts of one registration (source, kind, offences, and per
suspect-victim pair the relations written down and the pattern signals of the pair), which pairs get a case,
on which work process and why. The Django side (`services.py`) reads the facts from the register."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketenzicht.datafile import DataFileError, read_mapping, validated

CASE_RULES_PATH = Path(__file__).resolve().parent / "data" / "case_rules.yaml"


class CaseRulesError(DataFileError):
    """A rule file that cannot be used, with every problem found in it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Strict):
    nl: str
    en: str


class Reason(_Strict):
    """A reason to open a case for a suspect-victim pair. It applies when any of its tests holds: the pair's
    relation is one of `relations`, the registration names one of `offences` or is of one of `kinds`, the
    pair has a pattern signal of one of `signals` ("any": any signal about the pair), `breaches`: the
    registration breaches a protective measure in force that binds the suspect and protects the victim."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Labels
    process: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    relations: tuple[str, ...] = ()
    offences: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    signals: tuple[str, ...] | Literal["any"] = ()
    breaches: bool = False

    @model_validator(mode="after")
    def _has_a_test(self) -> Reason:
        if not (self.relations or self.offences or self.kinds or self.signals or self.breaches):
            raise ValueError(
                f"reason {self.code!r} has no test (relations, offences, kinds, signals or breaches)"
            )
        return self

    def applies(self, facts: Facts, pair: PairFacts) -> bool:
        if set(self.relations) & pair.relations:
            return True
        if set(self.offences) & facts.offences or facts.kind in self.kinds:
            return True
        if self.breaches and pair.measures:
            return True
        if self.signals == "any":
            return bool(pair.signals)
        return bool(set(self.signals) & pair.signals)


class CaseRules(_Strict):
    version: int = Field(gt=0)
    sources: tuple[str, ...] = Field(min_length=1)  # registrations of these sources may open a case
    # While a case is in one of these states a registration added to it is simply part of the screening;
    # added in any later state it marks the case for re-assessment.
    assessing_states: tuple[str, ...] = Field(min_length=1)
    # In order: a pair runs on the process of the first reason that applies to it.
    reasons: tuple[Reason, ...] = Field(min_length=1)
    content_hash: str = ""

    @model_validator(mode="after")
    def _unique_codes(self) -> CaseRules:
        codes = [reason.code for reason in self.reasons]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"reason codes used twice: {', '.join(twice)}")
        return self

    @property
    def stamp(self) -> str:
        """The version and content hash, as stored with a case: which rules opened it."""
        return f"v{self.version}:{self.content_hash[:12]}"

    @property
    def processes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reason.process for reason in self.reasons))

    def label(self, code: str, language: str = "nl") -> str:
        for reason in self.reasons:
            if reason.code == code:
                return reason.label.en if language.startswith("en") else reason.label.nl
        return code

    def title_label(self, title: str, language: str) -> str | None:
        """The label a case title these rules wrote starts with (`services._title`), in `language`; None
        for a title that does not start with one."""
        for reason in self.reasons:
            if title == reason.label.nl or title.startswith(f"{reason.label.nl} ("):
                return self.label(reason.code, language)
        return None

    def title_in(self, title: str, language: str) -> str | None:
        """A case title these rules wrote (`services._title`: the first reason's Dutch label, then the pair
        in brackets) with the label in `language`; None for a title that does not start with a label."""
        for reason in self.reasons:
            if title == reason.label.nl or title.startswith(f"{reason.label.nl} ("):
                return self.label(reason.code, language) + title[len(reason.label.nl) :]
        return None


def parse_case_rules(raw: bytes, source: str = "<case rules>") -> CaseRules:
    """Parse and validate a rule file; CaseRulesError lists every problem with where it is."""
    return validated(CaseRules, read_mapping(raw, source, CaseRulesError), source, CaseRulesError)


def load_case_rules(path: Path = CASE_RULES_PATH) -> CaseRules:
    return parse_case_rules(path.read_bytes(), source=str(path))


@dataclass(frozen=True, slots=True)
class PairFacts:
    """A suspect-victim pair of a registration (person ids after linking): the relation kinds written down
    between them in it (either direction), the rules of the pattern signals about the pair, and the
    protective measures binding the suspect and protecting the victim that the registration breaches (their
    references; such a pair need not be named in the registration: a breach of a contact ban may name the
    suspect alone)."""

    suspect: int
    victim: int
    relations: frozenset[str] = field(default=frozenset())
    signals: frozenset[str] = field(default=frozenset())
    measures: frozenset[str] = field(default=frozenset())


@dataclass(frozen=True, slots=True)
class Facts:
    source: str
    kind: str
    offences: frozenset[str] = field(default=frozenset())  # articles
    pairs: tuple[PairFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Opening:
    """A pair that gets a case (or whose open case gets the registration), on which process, and why."""

    suspect: int
    victim: int
    process: str
    reasons: tuple[str, ...]  # codes of every reason that applies, in the order of the rule file


def decide(rules: CaseRules, facts: Facts) -> tuple[Opening, ...]:
    """The pairs of a registration that get a screening case; none for a source the rules do not name."""
    if facts.source not in rules.sources:
        return ()
    merged: dict[tuple[int, int], PairFacts] = {}
    for pair in facts.pairs:  # a pair written down twice counts once, with everything said about it
        if pair.suspect == pair.victim:
            continue
        key = (pair.suspect, pair.victim)
        known = merged.get(key)
        merged[key] = (
            pair
            if known is None
            else PairFacts(
                pair.suspect,
                pair.victim,
                known.relations | pair.relations,
                known.signals | pair.signals,
                known.measures | pair.measures,
            )
        )
    openings: list[Opening] = []
    for pair in merged.values():
        applying = [reason for reason in rules.reasons if reason.applies(facts, pair)]
        if applying:
            openings.append(
                Opening(
                    suspect=pair.suspect,
                    victim=pair.victim,
                    process=applying[0].process,
                    reasons=tuple(reason.code for reason in applying),
                )
            )
    return tuple(openings)
