"""Pattern rules as versioned data: one YAML file, validated by these pydantic models, with a content hash.

Each rule names the kind of logic it uses (`kind`) and carries every count, window, weight and threshold of
that logic, so that changing a threshold is a change of data with a new version and hash, not of code."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ketenzicht.registrations.domestic import domestic_violence

Severity = Literal["low", "medium", "high"]
SEVERITY_ORDER: dict[str, int] = {"low": 1, "medium": 2, "high": 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Strict):
    nl: str
    en: str


class Episodes(_Strict):
    """How registrations make episodes. A registration by a partner organisation (a notification by Veilig
    Thuis, a case entered by the prosecution, victim support) within `follow_up_days` after a registration of
    the same pair tells of the same episode and is not counted again; a breach of a measure always counts."""

    follow_up_days: int = Field(ge=0, le=90)
    follow_up_sources: list[str]


class Relations(_Strict):
    """Relations the register does not write down. `infer_from_homes`: a pair for whom no relation was ever
    recorded counts as a `household` when registered at one home, as `neighbour` when registered at
    different homes of one postcode (or street)."""

    infer_from_homes: bool


class WordLists(_Strict):
    danger: list[str] = Field(min_length=1)  # categories that signal danger (threat to kill, weapon, ...)
    stalking: list[str] = Field(min_length=1)  # categories that describe stalking behaviour (following, ...)
    mutual: list[str] = Field(default_factory=list)  # categories that say both sides took part
    lists: dict[str, list[str]]

    @model_validator(mode="after")
    def _known(self) -> WordLists:
        for name in (*self.danger, *self.stalking, *self.mutual):
            if name not in self.lists:
                raise ValueError(f"word category {name!r} has no list")
        return self


class _Rule(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Labels
    description: Labels


class PossibleStalking(_Rule):
    """Repeated unwanted contact of one suspect towards one victim across offence types.

    Each episode of the pair in the window weighs by what was registered (offence weights; a registration
    without an offence weighs `no_offence`, more with stalking words), times the relation's factor. The rule
    fires when the pair has at least `min_episodes` episodes and the weighted sum reaches `min_score`, unless
    the contact goes both ways (`max_reverse_share` or more of the episodes the other way round, an episode
    whose summary says both sides took part counting both ways)."""

    kind: Literal["possible_stalking"]
    window_days: int = Field(gt=0)
    min_episodes: int = Field(ge=2)
    min_score: float = Field(gt=0)
    offence_weights: dict[str, float]
    other_offence: float = Field(ge=0)
    no_offence: float = Field(ge=0)
    stalking_words: float = Field(ge=0)  # added to an episode with stalking words
    danger_words: float = Field(ge=0)  # added to an episode with danger words
    breach: float = Field(ge=0)  # weight of an episode with a breach of a measure
    relation_factor: dict[str, float]
    unknown_relation: float = Field(ge=0)
    max_reverse_share: float = Field(ge=0, le=1)
    high_at_episodes: int = Field(ge=2)
    high_with_danger_words: bool


class Escalation(_Rule):
    """A pair with a history that grows worse: danger words, a breach of a measure, violence after none, a
    rising severity or a rising frequency."""

    kind: Literal["escalation"]
    window_days: int = Field(gt=0)
    min_episodes: int = Field(ge=2)
    severity_rise: int = Field(ge=1)  # latest episode's severity above the earlier maximum by at least this
    frequency_min_episodes: int = Field(ge=3)
    frequency_ratio: float = Field(gt=0, lt=1)  # latest gaps below this share of the earlier mean gap
    max_reverse_share: float = Field(ge=0, le=1)  # at or above: a quarrel both ways, not an escalation
    triggers: list[Literal["danger_words", "breach", "first_violence", "severity", "frequency"]]
    high_triggers: list[Literal["danger_words", "breach", "first_violence", "severity", "frequency"]]


class RepeatVictimisation(_Rule):
    """MARAC-style: at least `min_incidents` domestic-violence episodes against one victim within the window,
    whoever the suspect."""

    kind: Literal["repeat_victimisation"]
    window_days: int = Field(gt=0)
    min_incidents: int = Field(ge=2)
    domestic_relations: list[str] = Field(min_length=1)
    severity: Severity


class SerialPerpetrator(_Rule):
    """One suspect in DV or stalking patterns with more than one victim: victims counted are those of a pair
    for which one of `pattern_rules` fired, or with at least `min_domestic_episodes` domestic episodes."""

    kind: Literal["serial_perpetrator"]
    window_days: int = Field(gt=0)
    min_victims: int = Field(ge=2)
    pattern_rules: list[str]
    min_domestic_episodes: int = Field(ge=2)
    domestic_relations: list[str] = Field(min_length=1)
    severity: Severity


class MutualConflict(_Rule):
    """Two persons who are suspect and victim of each other in turn: a quarrel, not stalking."""

    kind: Literal["mutual_conflict"]
    window_days: int = Field(gt=0)
    min_episodes: int = Field(ge=2)
    min_each_way: int = Field(ge=1)
    min_reverse_share: float = Field(gt=0, le=1)
    severity: Severity


Rule = Annotated[
    PossibleStalking | Escalation | RepeatVictimisation | SerialPerpetrator | MutualConflict,
    Field(discriminator="kind"),
]


class RuleSet(_Strict):
    dataset: Literal["pattern_rules"]
    version: str
    episodes: Episodes
    relations: Relations
    words: WordLists
    rules: list[Rule] = Field(min_length=1)
    content_hash: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("rule names must be unique")
        for rule in self.rules:
            if isinstance(rule, SerialPerpetrator):
                for name in rule.pattern_rules:
                    if name not in names:
                        raise ValueError(f"rule {rule.name!r}: pattern rule {name!r} is not defined")
        return self

    def rule(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(name)

    @property
    def stamp(self) -> str:
        """Version and short hash: what a stored signal remembers of the rules that raised it."""
        return f"{self.version}+{self.content_hash[:12]}"


DOMESTIC_CIRCLE = "domestic_circle"


def _with_domestic_circle(data: Any, circle: Sequence[str]) -> bool:
    """Replace `domestic_circle` in the rules' `domestic_relations` by the circle's relation kinds (the one
    definition in registrations/data/domestic_violence.yaml). True when a rule used it."""
    used = False
    for rule in data.get("rules") or [] if isinstance(data, dict) else []:
        relations = rule.get("domestic_relations") if isinstance(rule, dict) else None
        if isinstance(relations, list) and DOMESTIC_CIRCLE in relations:
            expanded = [r for name in relations for r in (circle if name == DOMESTIC_CIRCLE else [name])]
            rule["domestic_relations"] = list(dict.fromkeys(expanded))
            used = True
    return used


def load_rules(path: Path, *, domestic_circle: Sequence[str] | None = None) -> RuleSet:
    """Read and validate a rule file; the error names the file and the failing field. `domestic_circle`
    (default: the shared definition) stands in for `domestic_circle` in a rule's relations; the content
    hash then covers the circle as well as the file."""
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    circle = tuple(domestic_violence().circle if domestic_circle is None else domestic_circle)
    if _with_domestic_circle(data, circle):
        raw += ("\n# " + DOMESTIC_CIRCLE + ": " + ", ".join(circle)).encode()
    ruleset = RuleSet.model_validate(data)
    return ruleset.model_copy(update={"content_hash": hashlib.sha256(raw).hexdigest()})
