"""Triage of a ZSM file: settle at the ZSM table, or the regular route (district office) or the Zorg- en
Veiligheidshuis, by versioned rules (data/triage_rules.yaml) over the facts of the file. Pure: no Django.

The rules are read in order; the first that holds decides the route, and every rule that holds is a reason
shown to the prosecutor. With none, the file is simple enough for the table (the file's `default`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketenzicht.datafile import DataFileError, read_mapping, validated

Route = Literal["zsm", "regular", "zvh"]
DANGER_ORDER = ("low", "normal", "high", "acute")
# Facts counted in the register: counted over what the file's readers may see and what the sharing rules
# let them count of what they may not see (the rules' `counted`; for the prosecution nothing), never over
# more (prosecution/facts.py). The file shows each as the count the reader may see. A rule on one of them
# says so in words of its own, without a count, to a reader whose own count does not meet it while the
# counted ones do (`Rule.label_partly_hidden`): "five or more" beside "2" would tell that 3 are hidden.
COUNTED_FACTS = ("registrations", "measures", "breaches")


class TriageRulesError(DataFileError):
    """A triage rule file that cannot be used."""


@dataclass(frozen=True)
class TriageFacts:
    """What the file knows when the prosecutor triages. Empty strings: not known (yet)."""

    urgency: str = ""  # the police's urgency: acute, high, normal, low
    screening_level: str = ""  # the police screening's level, e.g. high
    signals: frozenset[str] = frozenset()  # active pattern signals about the pair (rule names)
    offences: frozenset[str] = frozenset()  # the articles of the file's registrations
    max_severity: int = 0  # the highest severity rank among them
    violence: bool = False
    registrations: int = 0  # the pair's police registrations over all units
    children: bool = False  # children named in the file's registrations
    measures: int = 0  # protective measures of the suspect started before the file's offences (any kind)
    breaches: int = 0  # breaches of measures by the suspect (found by the registry, or of a breach offence)
    vt_unsafety: str = ""  # Veilig Thuis's finding: acute, structural, complex, none
    vt_outcome: str = ""  # investigation, child_protection, conditions, local_care, end
    victim_wishes: str = ""  # victim support: prosecution, no_prosecution, undecided
    victim_afraid: bool = False  # victim support: the victim fears for their safety
    probation_known: str = ""  # probation: yes, no
    probation_supervised: str = ""  # probation: yes, no
    probation_advice: str = ""  # probation: zsm, conditions, regular, zvh

    @property
    def danger(self) -> str:
        """The danger level: the highest of the police's urgency, Veilig Thuis's acute unsafety and the
        pattern signals (escalation counts as high)."""
        levels = [self.urgency if self.urgency in DANGER_ORDER else "normal"]
        if self.vt_unsafety == "acute":
            levels.append("acute")
        if "escalation" in self.signals or self.screening_level == "high":
            levels.append("high")
        return max(levels, key=DANGER_ORDER.index)

    def value(self, name: str) -> Any:
        return self.danger if name == "danger" else getattr(self, name)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    nl: str
    en: str


# A condition names a fact and what it must be: `in` a list of values, `any` (a set fact meets one of them),
# `at_least` a number, `is` a truth value. Every condition of a rule must hold.
class Condition(_Strict):
    fact: str
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    any: tuple[str, ...] | None = None
    at_least: int | None = None
    is_: bool | None = Field(default=None, alias="is")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.in_, self.any, self.at_least, self.is_]
        if sum(test is not None for test in tests) != 1:
            raise ValueError("a condition needs exactly one of in, any, at_least, is")
        known = {f for f in TriageFacts.__dataclass_fields__} | {"danger"}
        if self.fact not in known:
            raise ValueError(f"unknown fact {self.fact!r}; known: {', '.join(sorted(known))}")
        return self

    def holds(self, facts: TriageFacts) -> bool:
        value = facts.value(self.fact)
        if self.in_ is not None:
            return str(value) in self.in_
        if self.any is not None:
            return bool(set(value) & set(self.any))
        if self.at_least is not None:
            return int(value) >= self.at_least
        return bool(value) is self.is_


class Rule(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    route: Route
    label: Label
    # Required for a rule on a counted fact (COUNTED_FACTS): its words for a reader whose own counts do
    # not meet it, saying that it counts what they may not see, and never how many.
    label_partly_hidden: Label | None = None
    when: tuple[Condition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _counted_facts_have_words_without_a_count(self) -> Rule:
        counted = sorted({c.fact for c in self.when if c.fact in COUNTED_FACTS})
        if counted and self.label_partly_hidden is None:
            raise ValueError(
                f"rule {self.code!r} counts {', '.join(counted)}: it needs label_partly_hidden, its words "
                "for a reader who may count more of them than they may see (without a count)"
            )
        if self.label_partly_hidden is not None:
            for language, text in self.label_partly_hidden:
                if any(character.isdigit() for character in text):
                    raise ValueError(f"label_partly_hidden.{language} of rule {self.code!r} tells a count")
        return self

    def holds(self, facts: TriageFacts) -> bool:
        return all(condition.holds(facts) for condition in self.when)

    def label_seen(self, seen: TriageFacts | None) -> Label:
        """The rule's words for a reader who sees the counted facts as `seen` holds them (the counts they
        may see; None: all of them): its own words when what they see meets its conditions on those
        facts, else its words without a count."""
        if self.label_partly_hidden is None or seen is None:
            return self.label
        if all(c.holds(seen) for c in self.when if c.fact in COUNTED_FACTS):
            return self.label
        return self.label_partly_hidden


class Default(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    route: Route
    label: Label


class TriageRules(_Strict):
    dataset: Literal["zsm_triage"]
    version: str
    content_hash: str = ""
    rules: tuple[Rule, ...] = Field(min_length=1)
    default: Default

    @model_validator(mode="after")
    def _unique_codes(self) -> TriageRules:
        codes = [rule.code for rule in self.rules] + [self.default.code]
        doubled = sorted({code for code in codes if codes.count(code) > 1})
        if doubled:
            raise ValueError(f"rule codes used twice: {', '.join(doubled)}")
        return self

    @property
    def fingerprint(self) -> str:
        return f"{self.version}:{self.content_hash[:12]}"


@dataclass(frozen=True)
class Reason:
    code: str
    label: Label
    route: Route


@dataclass(frozen=True)
class Triage:
    route: Route
    reasons: tuple[Reason, ...]  # the deciding rule first; the default when no rule holds
    danger: str
    rules_version: str
    facts: dict[str, Any] = field(default_factory=dict)


def triage(facts: TriageFacts, rules: TriageRules) -> Triage:
    held = [rule for rule in rules.rules if rule.holds(facts)]
    reasons = tuple(Reason(rule.code, rule.label, rule.route) for rule in held) or (
        Reason(rules.default.code, rules.default.label, rules.default.route),
    )
    shown = {
        name: sorted(value) if isinstance(value, frozenset) else value
        for name, value in facts.__dict__.items()
    }
    return Triage(reasons[0].route, reasons, facts.danger, rules.fingerprint, shown)


def parse_triage_rules(raw: bytes, source: str = "<triage rules>") -> TriageRules:
    return validated(TriageRules, read_mapping(raw, source, TriageRulesError), source, TriageRulesError)


def load_triage_rules(path: Path) -> TriageRules:
    return parse_triage_rules(path.read_bytes(), str(path))
