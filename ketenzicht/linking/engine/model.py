"""Fellegi-Sunter scoring of one pair with the parameters of a trained Splink model (its saved JSON).

Mirrors Splink 5 exactly (splink/internals/comparison_level.py and predict.py):

- a null level has weight 0;
- m and u of the other levels: the trained value, 1e-6 when Splink recorded the level as "not observed",
  otherwise Splink's default for a level of a comparison with that many levels;
- match weight of a level = log2(max(m, 1e-300) / max(u, 1e-300));
- total = log2(p / (1 - p)) with p the prior (probability_two_random_records_match), plus the level weights;
- probability = 1 / (1 + 2^-w) for w >= 0, 2^w / (1 + 2^w) otherwise.

Term-frequency adjustments are not used (the settings never ask for them); a model that has them is refused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein as _Levenshtein

from ketenzicht.linking.engine.comparisons import (
    COMPARISONS,
    And,
    Col,
    Comparison,
    Condition,
    Else,
    Equal,
    FirstLetterEqual,
    HasAny,
    IsNull,
    LevenshteinAtMost,
    NotEqual,
    Or,
    StartsWith,
    ValueIs,
    different_valid_bsns,
)
from ketenzicht.linking.engine.mention_features import MentionFeatures, NameFrequencies

MODEL_FORMAT = "ketenzicht-person-model"
MODEL_FORMAT_VERSION = 1
M_U_CLAMP_MIN = 1e-300
LEVEL_NOT_OBSERVED_TEXT = "level not observed in training dataset"
NOT_OBSERVED_PROBABILITY = 1e-6


def _default_m_values(num_levels: int) -> list[float]:
    exact = 0.95
    split = (1 - exact) / (num_levels - 1)
    return [split] * (num_levels - 1) + [exact]


def _default_u_values(num_levels: int) -> list[float]:
    m_values = _default_m_values(num_levels)
    if num_levels == 2:
        weights: list[float] = [-5]
    else:
        steps = num_levels - 2
        weights = [-5 + i * (8 / steps) for i in range(num_levels - 1)]
    weights = [*weights, 10]
    return [m / (2**w) for m, w in zip(m_values, weights, strict=True)]


def _probability(value: Any, default: float) -> float:
    if value == LEVEL_NOT_OBSERVED_TEXT:
        return NOT_OBSERVED_PROBABILITY
    if value is None:
        return default
    return float(value)


def prob_to_match_weight(probability: float) -> float:
    if probability == 1:
        return math.inf
    return math.log2(probability / (1 - probability))


def match_weight_to_probability(weight: float) -> float:
    if weight >= 0:
        return 1.0 / (1.0 + math.pow(2.0, -weight))
    return math.pow(2.0, weight) / (1.0 + math.pow(2.0, weight))


@dataclass(frozen=True)
class LevelParameters:
    label: str
    sql_condition: str
    is_null: bool
    m: float | None
    u: float | None
    weight: float


@dataclass(frozen=True)
class ComparisonScore:
    name: str
    level: str
    gamma: int
    weight: float


@dataclass(frozen=True)
class Score:
    prior_weight: float
    comparisons: tuple[ComparisonScore, ...]
    match_weight: float
    match_probability: float
    different_valid_bsns: bool  # the hard rule: never join these automatically, whatever the weight

    def weight_of(self, name: str) -> float:
        for comparison in self.comparisons:
            if comparison.name == name:
                return comparison.weight
        raise KeyError(name)


def splink_part(model: Mapping[str, Any]) -> dict[str, Any]:
    """Splink's model JSON inside a model artefact (or the argument itself when it is Splink's JSON)."""
    if "splink" in model:
        if model.get("format") != MODEL_FORMAT or model.get("format_version") != MODEL_FORMAT_VERSION:
            raise ValueError("not a person model of this format version")
        inner: dict[str, Any] = dict(model["splink"])
        return inner
    return dict(model)


# --- the comparisons compiled to Python, for scoring many pairs fast ------------------------------------
#
# A level applies when its condition is True (not False, not NULL). No condition negates another, so
# "is True" of an And is "all parts are True", of an Or "some part is True", and each leaf's "is True" is a
# plain Python test: the whole level choice becomes one function of plain `if`s with short-circuiting
# `and` / `or`. A condition type the compiler does not know is evaluated as written (`evaluate`).
# tests/linking/test_agreement.py checks the compiled levels against the conditions and against Splink.


def _lev_true(x: Any, y: Any, distance: int) -> bool:
    if not isinstance(x, str) or not isinstance(y, str):
        return False
    return bool(_Levenshtein.distance(x, y, score_cutoff=distance + 1) <= distance)


def _has_any_true(x: Any, y: Any) -> bool:
    return isinstance(x, list | tuple) and isinstance(y, list | tuple) and not set(x).isdisjoint(y)


class _Compiler:
    """`right_row`: the right side is a mapping of column name to value (a stored features row, as
    `MentionFeatures.as_row` makes it) instead of a MentionFeatures."""

    def __init__(self, *, right_row: bool = False) -> None:
        self.namespace: dict[str, Any] = {"_lev": _lev_true, "_has_any": _has_any_true}
        self.right_row = right_row

    def col(self, col: Col) -> str:
        if not col.name.isidentifier():
            raise ValueError(f"not a column name: {col.name!r}")
        if self.right_row and col.side == "r":
            return f"r[{col.name!r}]"
        return f"{col.side}.{col.name}"

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def true(self, condition: Condition) -> str:
        """A Python expression that is True exactly when the condition is True."""
        if isinstance(condition, Else):
            return "True"
        if isinstance(condition, IsNull):
            return f"({self.col(condition.col)} is None)"
        if isinstance(condition, Equal):
            a, b = self.col(condition.a), self.col(condition.b)
            return f"({a} is not None and {b} is not None and {a} == {b})"
        if isinstance(condition, NotEqual):
            a, b = self.col(condition.a), self.col(condition.b)
            return f"({a} is not None and {b} is not None and {a} != {b})"
        if isinstance(condition, LevenshteinAtMost):
            return f"_lev({self.col(condition.a)}, {self.col(condition.b)}, {int(condition.distance)})"
        if isinstance(condition, HasAny):
            return f"_has_any({self.col(condition.a)}, {self.col(condition.b)})"
        if isinstance(condition, StartsWith):
            a, b = self.col(condition.text), self.col(condition.prefix)
            return f"(isinstance({a}, str) and isinstance({b}, str) and {a}.startswith({b}))"
        if isinstance(condition, FirstLetterEqual):
            a, b = self.col(condition.a), self.col(condition.b)
            return f"(isinstance({a}, str) and isinstance({b}, str) and {a}[:1] == {b}[:1])"
        if isinstance(condition, ValueIs):
            a = self.col(condition.col)
            return f"({a} is not None and {a} == {self.constant(condition.value)})"
        if isinstance(condition, And):
            return "(" + " and ".join(self.true(p) for p in condition.parts) + ")"
        if isinstance(condition, Or):
            return "(" + " or ".join(self.true(p) for p in condition.parts) + ")"
        return f"({self.constant(condition)}.evaluate(l, r) is True)"

    def levels(self, comparison: Comparison) -> str:
        lines = []
        for index, level in enumerate(comparison.levels):
            lines.append(f"    if {self.true(level.condition)}:\n        return {index}")
        lines.append(f"    raise AssertionError('no level of {comparison.name} applies')")
        return "\n".join(lines)


LevelFunction = Callable[[MentionFeatures, MentionFeatures], int]
RowWeightFunction = Callable[[MentionFeatures, Mapping[str, Any]], float]


def _columns(condition: Any) -> list[Col]:
    """The columns a condition reads (its dataclass fields, nested conditions included)."""
    if isinstance(condition, Col):
        return [condition]
    found: list[Col] = []
    for value in getattr(condition, "__dict__", {}).values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, Col) or hasattr(item, "__dataclass_fields__"):
                found += _columns(item)
    return found


def compile_levels(comparisons: Sequence[Comparison]) -> tuple[LevelFunction, ...]:
    """For each comparison a function (left, right) -> the index of its level, as `level_index`."""
    compiler = _Compiler()
    source = []
    for number, comparison in enumerate(comparisons):
        source.append(f"def level_{number}(l, r):\n{compiler.levels(comparison)}\n")
    namespace = dict(compiler.namespace)
    exec(
        compile("\n".join(source), "<compiled comparisons>", "exec"), namespace
    )  # source built above from our own spec
    return tuple(namespace[f"level_{number}"] for number in range(len(comparisons)))


def compile_row_weight(
    comparisons: Sequence[Comparison], weights: Sequence[Sequence[float]], prior_weight: float
) -> RowWeightFunction:
    """One function (left features, right row) -> the total match weight: the prior plus each comparison's
    level weight, added in the same order as `LinkModel.match_weight` (so the sum is the same float),
    with the right side read from a stored features row, so that no MentionFeatures need be built for a
    candidate that is only ranked."""
    compiler = _Compiler(right_row=True)
    lines = ["def weight(l, r):", f"    total = {compiler.constant(prior_weight)}"]
    for comparison, level_weights in zip(comparisons, weights, strict=True):
        for index, level in enumerate(comparison.levels):
            keyword = "if" if index == 0 else "elif"
            lines.append(f"    {keyword} {compiler.true(level.condition)}:")
            lines.append(f"        total = total + {compiler.constant(level_weights[index])}")
        lines.append("    else:")
        lines.append(f"        raise AssertionError('no level of {comparison.name} applies')")
    lines.append("    return total")
    namespace = dict(compiler.namespace)
    exec(compile("\n".join(lines), "<compiled row weight>", "exec"), namespace)  # our own spec, above
    function: RowWeightFunction = namespace["weight"]
    return function


class LinkModel:
    """The trained parameters of one model, bound to the comparison spec it was trained with.

    `model` is the artefact of `ketenzicht.linking.batch.training.train` (Splink's JSON under "splink", the
    name frequencies under "name_frequencies"); bare Splink JSON is accepted too (then every name is rare)."""

    def __init__(self, model: Mapping[str, Any], comparisons: Sequence[Comparison] = COMPARISONS):
        self.frequencies = NameFrequencies.from_dict(
            model.get("name_frequencies") or {"total": 0, "surname": {}, "given": {}}
        )
        model_json = splink_part(model)
        self.model_json = model_json
        self.comparisons = tuple(comparisons)
        self.prior = float(model_json["probability_two_random_records_match"])
        self.prior_weight = prob_to_match_weight(self.prior)
        by_name = {c["output_column_name"]: c for c in model_json["comparisons"]}
        if set(by_name) != {c.name for c in self.comparisons}:
            raise ValueError(f"the model's comparisons {sorted(by_name)} differ from the spec")
        self.levels: dict[str, tuple[LevelParameters, ...]] = {}
        for comparison in self.comparisons:
            saved = by_name[comparison.name]["comparison_levels"]
            if len(saved) != len(comparison.levels):
                raise ValueError(f"{comparison.name}: {len(saved)} levels in the model, spec has other")
            num_levels = sum(1 for level in comparison.levels if not level.is_null)
            default_m = _default_m_values(num_levels)
            default_u = _default_u_values(num_levels)
            params: list[LevelParameters] = []
            for index, (level, entry) in enumerate(zip(comparison.levels, saved, strict=True)):
                if entry["sql_condition"].strip() != level.condition.sql().strip():
                    raise ValueError(f"{comparison.name} level {index}: SQL differs from the spec")
                if entry.get("tf_adjustment_column"):
                    raise ValueError("term-frequency adjustments are not supported by the online scorer")
                if bool(entry.get("is_null_level", False)) != level.is_null:
                    raise ValueError(f"{comparison.name} level {index}: null level differs from the spec")
                if level.is_null:
                    params.append(LevelParameters(level.label, entry["sql_condition"], True, None, None, 0.0))
                    continue
                gamma = comparison.gamma(index)
                m = _probability(entry.get("m_probability"), default_m[gamma])
                u = _probability(entry.get("u_probability"), default_u[gamma])
                weight = math.log2(max(m, M_U_CLAMP_MIN) / max(u, M_U_CLAMP_MIN))
                params.append(LevelParameters(level.label, entry["sql_condition"], False, m, u, weight))
            self.levels[comparison.name] = tuple(params)
        self._level_functions = compile_levels(self.comparisons)
        self._weights = tuple(tuple(p.weight for p in self.levels[c.name]) for c in self.comparisons)
        self._gammas = tuple(tuple(c.gamma(i) for i in range(len(c.levels))) for c in self.comparisons)
        self._row_weight = compile_row_weight(self.comparisons, self._weights, self.prior_weight)
        # Which side's frequency buckets any level reads (today only the left's): the other side's
        # features need no buckets, which saves preparing every stored candidate.
        read = {
            (col.side, col.name)
            for c in self.comparisons
            for level in c.levels
            for col in _columns(level.condition)
        }
        self._buckets_read = {
            side: bool({(side, "surname_freq"), (side, "given_freq")} & read) for side in "lr"
        }

    @classmethod
    def from_file(cls, path: str | Path, comparisons: Sequence[Comparison] = COMPARISONS) -> LinkModel:
        with open(path, encoding="utf-8") as handle:
            data: dict[str, Any] = json.load(handle)
        return cls(data, comparisons)

    def prepare(self, features: MentionFeatures) -> MentionFeatures:
        """The features with this model's name-frequency buckets. `score` does this itself, but features
        prepared once (e.g. those of stored candidates) make every later `score` cheaper."""
        return self.frequencies.apply(features)

    def prepare_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """`prepare` for features as a row (`MentionFeatures.as_row`): the buckets set in the row."""
        return self.frequencies.apply_row(row)

    def prepare_right(self, features: MentionFeatures) -> MentionFeatures:
        """`prepare` for features that will only be scored as the right side of a pair (stored
        candidates): the same features when no level reads the right side's buckets."""
        return self.frequencies.apply(features) if self._buckets_read["r"] else features

    def match_weight(self, left: MentionFeatures, right: MentionFeatures) -> float:
        """The total match weight of a pair, exactly `score(left, right).match_weight`, without building
        the explanation (for ranking many candidates; `score` the few that matter)."""
        if left.surname_freq is None and left.given_freq is None and self._buckets_read["l"]:
            left = self.frequencies.apply(left)
        if right.surname_freq is None and right.given_freq is None and self._buckets_read["r"]:
            right = self.frequencies.apply(right)
        total = self.prior_weight
        for level_of, weights in zip(self._level_functions, self._weights, strict=True):
            total = total + weights[level_of(left, right)]
        return total

    def match_weight_row(self, left: MentionFeatures, right: Mapping[str, Any]) -> float:
        """`match_weight` with the right side a stored features row (`MentionFeatures.as_row`, every
        column present): the same float, without building a MentionFeatures per candidate. The left side
        must be prepared (`prepare`); a model whose levels read the right side's frequency buckets needs
        them in the row (`prepare_right_row`)."""
        if left.surname_freq is None and left.given_freq is None and self._buckets_read["l"]:
            left = self.frequencies.apply(left)
        return self._row_weight(left, right)

    def prepare_right_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """`prepare_right` for a stored features row: the same row when no level reads the right side's
        frequency buckets."""
        if not self._buckets_read["r"]:
            return row
        return self.frequencies.apply(MentionFeatures(**row)).as_row()

    def score(self, left: MentionFeatures, right: MentionFeatures) -> Score:
        """Score a pair of mentions (frequency buckets come from this model's table; features that went
        through `prepare` already carry them and are not bucketed again)."""
        if left.surname_freq is None and left.given_freq is None:
            left = self.frequencies.apply(left)
        if right.surname_freq is None and right.given_freq is None:
            right = self.frequencies.apply(right)
        parts: list[ComparisonScore] = []
        total = self.prior_weight
        for comparison, level_of, gammas in zip(
            self.comparisons, self._level_functions, self._gammas, strict=True
        ):
            index = level_of(left, right)
            level = self.levels[comparison.name][index]
            parts.append(ComparisonScore(comparison.name, level.label, gammas[index], level.weight))
        # Summed in the same order as Splink's SQL: prior + mw_1 + mw_2 + ...
        for part in parts:
            total = total + part.weight
        return Score(
            prior_weight=self.prior_weight,
            comparisons=tuple(parts),
            match_weight=total,
            match_probability=match_weight_to_probability(total),
            different_valid_bsns=different_valid_bsns(left, right),
        )
