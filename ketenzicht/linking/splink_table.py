"""What both Splink backends (batch/ on DuckDB, spark.py on Spark) share: the columns of table `mentions`
and their types, the queries over it for the conditional u and for the m from same-BSN pairs, and the upper
bound on a pair's weight that leaves pairs out before scoring. Neither backend imports the other for these."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from ketenzicht.linking.engine.comparisons import Comparison
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS
from ketenzicht.linking.engine.model import LinkModel

BLOCK_KEYS = "block_keys"
LIST_COLUMNS = {"surname_keys", "surname_phonetic", "given_keys", "block_keys"}
INT_COLUMNS = {
    "birth_year",
    "birth_month",
    "birth_day",
    "given_count",
    "surname_freq",
    "given_freq",
    "u_position",
}
MIN_CONDITIONAL_PAIRS = 1000


def table_columns(features_df: pd.DataFrame) -> list[str]:
    """The columns Splink's table gets: the features, and the blocking keys when the frame has them."""
    extra = [c for c in (BLOCK_KEYS, U_POSITION) if c in features_df.columns]
    return [*FEATURE_COLUMNS, *extra]


def sql_type(column: str) -> str:
    """The column's type in table `mentions` (DuckDB's names; spark.py maps them to Arrow's)."""
    if column in LIST_COLUMNS:
        return "VARCHAR[]"
    if column in INT_COLUMNS:
        return "INTEGER"
    return "VARCHAR"


def _case_sql(comparison: Comparison, values: Sequence[Any]) -> str:
    """A SQL expression of a pair: `values[i]` for the comparison's level i (Splink's CASE WHEN: the first
    level whose condition holds)."""
    whens = " ".join(
        f"WHEN {level.condition.sql()} THEN {values[index]!r}"
        for index, level in enumerate(comparison.levels)
        if level.condition.sql() != "ELSE"
    )
    return f"(CASE {whens} ELSE {values[-1]!r} END)"


def _level_sql(comparison: Comparison, alias: str) -> str:
    """The comparison's level index of a pair as a SQL expression named `alias`."""
    return f"{_case_sql(comparison, range(len(comparison.levels)))} AS {alias}"


# The SQL functions whose evaluation costs (edit distances, list overlaps): the bound leaves the names'
# levels that call them out (`_cheap_levels`), and the pair-counting queries work a repeated call of one
# out once (`_levels_sql`).
_COSTLY_FUNCTIONS = (
    "levenshtein",
    "damerau_levenshtein",
    "jaro_winkler_similarity",
    "jaro_similarity",
    "list_has_any",
)
_COSTLY = re.compile(rf"\b({'|'.join(_COSTLY_FUNCTIONS)})\(")
# A call of one on plain arguments (no parentheses inside): `levenshtein(street_l, street_r)`.
_COSTLY_CALL = re.compile(rf"\b(?:{'|'.join(_COSTLY_FUNCTIONS)})\([^()]*\)")


def _levels_sql(comparisons: Sequence[Comparison], prefix: str) -> tuple[list[str], list[str]]:
    """Each comparison's level index of a pair (`_level_sql`, named prefix0, prefix1, ...), with every
    costly call that the levels make more than once worked out once: (the level expressions, which read
    such a call's value as `_h0`, `_h1`, ...; the select items that work them out, `call AS _h0`, for a
    select over the pair's columns that the levels are selected from). A comparison with two edit-distance
    levels on one column (within 1, within 2) computed the distance twice for nearly every pair of a
    random sample: the surname's levels of the u sample took half as much time again (bench/README.md,
    "Key rows by kind")."""
    levels = [_level_sql(comparison, f"{prefix}{number}") for number, comparison in enumerate(comparisons)]
    calls = Counter(call for level in levels for call in _COSTLY_CALL.findall(level))
    names = {call: f"_h{number}" for number, call in enumerate(c for c, n in calls.items() if n > 1)}
    if names:
        # As whole calls: "levenshtein(a, b)" is not the end of "damerau_levenshtein(a, b)".
        repeated = re.compile(r"\b(?:" + "|".join(re.escape(call) for call in names) + ")")
        levels = [repeated.sub(lambda found: names[found.group(0)], level) for level in levels]
    return levels, [f"{call} AS {name}" for call, name in names.items()]


def _levels_over_sql(comparisons: Sequence[Comparison], prefix: str, pairs: str) -> str:
    """SELECT of the levels (`_levels_sql`) of the pairs of the query `pairs` (the pair's columns)."""
    levels, hoisted = _levels_sql(comparisons, prefix)
    source = f"(SELECT *, {', '.join(hoisted)} FROM ({pairs}))" if hoisted else f"({pairs})"
    return f"SELECT {', '.join(levels)} FROM {source}"


def pair_columns_sql(columns: Iterable[str]) -> str:
    """The select list that carries each of `columns` of a pair's two mentions (aliases l and r) as
    `name_l` and `name_r`, as the comparisons' conditions read them."""
    return ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)


# A backend's way to run a query of this module over its table `mentions` (spark.py translates it first).
Rows = Callable[[str], Iterable[Sequence[Any]]]


# The pairs counted for the conditional u and the same-BSN m: all of them up to MAX_LEVEL_PAIRS; above
# that a share drawn by a hash of the pair (the same pairs every run). Until 2026-12-05 the first
# MAX_LEVEL_PAIRS in the order of that hash were taken: sorting the 18 million same-surname pairs of a
# 300,000-mention training sample for it took 5 of the 7.7 s of the conditional u (bench/README.md, "The
# rebuild's time by stage").
MAX_LEVEL_PAIRS = 2_000_000
DRAW_MODULUS = 1_000_000


def _pairs_sql(pairs_on: str) -> str:
    return f"mentions l JOIN mentions r ON l.unique_id < r.unique_id AND {pairs_on}"


def pairs_count_sql(pairs_on: str) -> str:
    """How many pairs of table `mentions` satisfy the join condition `pairs_on` (over aliases l and r)."""
    return f"SELECT count(*) FROM {_pairs_sql(pairs_on)}"


def _level_counts_sql(comparisons: Sequence[Comparison], pairs_on: str, share: float | None = None) -> str:
    """DuckDB's SQL over table `mentions`: (the level index of each comparison, pairs) among the pairs of
    mentions that satisfy the join condition `pairs_on` (over aliases l and r), or with `share` about
    that share of them, drawn by a hash of the pair; one pass over the pairs for all the comparisons."""
    names = ", ".join(f"level_{number}" for number in range(len(comparisons)))
    columns = pair_columns_sql(_columns_used(comparisons))
    drawn = pairs_on
    if share is not None:
        drawn += (
            f" AND abs(hash(l.unique_id, r.unique_id)) % {DRAW_MODULUS} < {math.ceil(share * DRAW_MODULUS)}"
        )
    levels = _levels_over_sql(comparisons, "level_", f"SELECT {columns} FROM {_pairs_sql(drawn)}")
    return f"SELECT {names}, count(*) FROM ({levels}) GROUP BY {names}"


def _drawn_share(pairs_on: str, rows: Rows, max_pairs: int) -> float | None:
    """The share of the pairs that satisfy `pairs_on` to count so that about `max_pairs` are (None: all)."""
    ((total, *_),) = rows(pairs_count_sql(pairs_on))
    return None if int(total) <= max_pairs else max_pairs / int(total)


def _shares(comparison: Comparison, rows: Iterable[tuple[Any, Any]]) -> tuple[list[float | None], int] | None:
    """Each level's share of the pairs outside the null level (None there; a level not seen counts as one
    pair), and how many pairs that is, from (level index, pairs) rows; None below MIN_CONDITIONAL_PAIRS."""
    counts: dict[int, int] = {}
    for level, n in rows:
        counts[int(level)] = counts.get(int(level), 0) + int(n)
    null_indexes = {i for i, level in enumerate(comparison.levels) if level.is_null}
    total = sum(n for level, n in counts.items() if level not in null_indexes)
    if total < MIN_CONDITIONAL_PAIRS:
        return None
    shares: list[float | None] = [
        None if index in null_indexes else max(counts.get(index, 0), 1) / total
        for index in range(len(comparison.levels))
    ]
    return shares, total


def _condition(comparisons: Sequence[Comparison]) -> str | None:
    """The join condition of the pairs of the comparisons' conditional u: their `u_conditional_on` (one and
    the same: they share the pass) and different valid BSNs (certainly two people); None without one."""
    conditions = {comparison.u_conditional_on for comparison in comparisons}
    if len(conditions) != 1:
        raise ValueError(
            f"conditional u of comparisons with different conditions: {sorted(map(str, conditions))}"
        )
    (condition,) = conditions
    return None if condition is None else f"({condition}) AND l.bsn <> r.bsn"


def conditional_u_sql(comparisons: Sequence[Comparison], share: float | None = None) -> str | None:
    """The query of `conditional_u` (DuckDB's SQL over table `mentions`): (each comparison's level index,
    pairs) among pairs that satisfy the comparisons' `u_conditional_on` (one and the same: they share the
    pass) and have different valid BSNs (certainly two people), or about `share` of them; None when they
    have no condition."""
    condition = _condition(comparisons)
    return None if condition is None else _level_counts_sql(comparisons, condition, share)


def conditional_u(
    comparisons: Sequence[Comparison], rows: Rows, max_pairs: int = MAX_LEVEL_PAIRS
) -> dict[str, list[float | None] | None]:
    """u per level (None for the null level) of each comparison among pairs that satisfy their (one)
    `u_conditional_on` and have different valid BSNs (certainly two people), counted in one pass over
    about `max_pairs` of them at most; None for a comparison when there are too few such pairs (data
    without BSNs)."""
    condition = _condition(comparisons)
    if condition is None:
        return {comparison.name: None for comparison in comparisons}
    sql = _level_counts_sql(comparisons, condition, _drawn_share(condition, rows, max_pairs))
    found = [tuple(row) for row in rows(sql)]
    u_of: dict[str, list[float | None] | None] = {}
    for k, comparison in enumerate(comparisons):
        shares = _shares(comparison, ((row[k], row[-1]) for row in found))
        u_of[comparison.name] = None if shares is None else shares[0]
    return u_of


SAME_BSN = "l.bsn = r.bsn"


def same_bsn_m_sql(comparison: Comparison, share: float | None = None) -> str | None:
    """The query of `same_bsn_m` (DuckDB's SQL over table `mentions`): (level index, pairs) among pairs
    with the same valid BSN (certainly one person), or about `share` of them, for a comparison with
    `m_from_same_bsn`."""
    if not comparison.m_from_same_bsn:
        return None
    return _level_counts_sql([comparison], SAME_BSN, share)


def same_bsn_m(
    comparison: Comparison, rows: Rows, max_pairs: int = MAX_LEVEL_PAIRS
) -> tuple[list[float | None], int] | None:
    """m per level counted among pairs with the same valid BSN (about `max_pairs` of them at most), and
    how many pairs (outside the null level) that is; None for a comparison without `m_from_same_bsn`, or
    with too few such pairs."""
    if not comparison.m_from_same_bsn:
        return None
    sql = _level_counts_sql([comparison], SAME_BSN, _drawn_share(SAME_BSN, rows, max_pairs))
    return _shares(comparison, (tuple(row) for row in rows(sql)))


# u by random sampling in few queries. Splink's own `estimate_u_using_random_sampling` runs, per comparison,
# a probe on 1% of the sampled pairs and then up to ten chunks of 10%, stopping when every level has been
# seen `U_MIN_COUNT` times: up to 11 queries per comparison, which a DuckDB in the same process takes in its
# stride but which cost Spark a job, a shuffle and a persisted table each (most of the 1,190 s of a Spark
# retrain). Here the same estimate (all pairs of a random sample of mentions; u per level = its share of
# the pairs outside the null level; a comparison stops once each of its levels has been seen U_MIN_COUNT
# times) takes one query per stage for all comparisons not yet done: stage s counts the pairs whose later
# mention (in a random order) falls in the stage, so the stages are nested random samples of pairs of 1%,
# 10%, 20%, ... 100% of `max_pairs` and nothing counted is thrown away. The sample and its order are drawn
# in pandas, so both backends count the same pairs and give the same u to the last digit.
U_SAMPLE_TABLE = "u_sample"
U_POSITION = "u_position"
U_MIN_COUNT = 100
U_STAGES = (0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def u_sample_rows(max_pairs: float) -> int:
    """Mentions whose pairs number about `max_pairs` (r (r - 1) / 2 = max_pairs, as Splink sizes it)."""
    return math.ceil(0.5 * (math.sqrt(8 * max_pairs + 1) + 1))


def u_sample(features_df: pd.DataFrame, max_pairs: float, seed: int) -> pd.DataFrame:
    """The random sample of mentions whose pairs the u estimate counts (all mentions when fewer), in a
    random order given by column `u_position` (1, 2, ...)."""
    rows = min(u_sample_rows(max_pairs), len(features_df))
    sample = features_df.sample(n=rows, random_state=seed).copy(deep=False)
    sample[U_POSITION] = range(1, rows + 1)
    return sample


def u_stage_bounds(rows: int, stages: Sequence[float] = U_STAGES) -> list[tuple[int, int]]:
    """(after, up to) positions of each stage: the pairs whose later mention is in (after, up to]; up to
    is the number of mentions with the stage's share of all pairs among them."""
    bounds: list[tuple[int, int]] = []
    after = 1
    for share in stages:
        upto = min(rows, max(after, u_sample_rows(share * rows * (rows - 1) / 2)))
        if upto > after:
            bounds.append((after, upto))
            after = upto
    return bounds


def _columns_used(comparisons: Sequence[Comparison]) -> list[str]:
    """The feature columns the comparisons' conditions read (as `name_l` / `name_r`)."""
    used = {
        match
        for comparison in comparisons
        for level in comparison.levels
        for match in re.findall(r"\b(\w+)_[lr]\b", level.condition.sql())
    }
    return ["unique_id", *(c for c in FEATURE_COLUMNS if c in used and c != "unique_id")]


def random_u_sql(
    comparisons: Sequence[Comparison], after: int, upto: int, table: str = U_SAMPLE_TABLE
) -> str:
    """Every pair of `table` whose later mention has a `u_position` in (after, upto], with each
    comparison's level index, counted per combination of levels (DuckDB's SQL; spark.py translates it):
    columns c0, c1, ... in the order of `comparisons`, then n. Each pair is taken as Splink does, the
    smaller unique_id on the left; only the columns the comparisons read are carried."""
    columns = pair_columns_sql(_columns_used(comparisons))
    names = ", ".join(f"c{position}" for position in range(len(comparisons)))
    late = f"(SELECT * FROM {table} WHERE {U_POSITION} > {int(after)} AND {U_POSITION} <= {int(upto)})"
    early = f"(SELECT * FROM {table} WHERE {U_POSITION} <= {int(upto)})"
    # The stage's pairs: a later mention in the stage with an earlier one, either side of the pair.
    pairs = (
        f"SELECT {columns} FROM {late} l JOIN {early} r"
        f" ON r.{U_POSITION} < l.{U_POSITION} AND l.unique_id < r.unique_id"
        f" UNION ALL "
        f"SELECT {columns} FROM {early} l JOIN {late} r"
        f" ON l.{U_POSITION} < r.{U_POSITION} AND l.unique_id < r.unique_id"
    )
    return (
        f"SELECT {names}, count(*) AS n FROM ({_levels_over_sql(comparisons, 'c', pairs)}) GROUP BY {names}"
    )


Counts = Callable[[Sequence[Comparison], int, int], Iterable[Sequence[Any]]]


def random_u(
    comparisons: Sequence[Comparison], rows: int, counts: Counts, min_count: int | None = U_MIN_COUNT
) -> dict[str, list[float | None]]:
    """u per level of each comparison over the pairs of a sample of `rows` mentions, stage by stage;
    `counts(comparisons, after, upto)` runs `random_u_sql` on the backend. A comparison stops after the
    stage in which each of its levels outside the null level has been seen `min_count` times (None: all
    stages). u is the level's share of the counted pairs outside the null level; None for the null level
    and for a level no pair reached (Splink's "not observed": the level keeps the u it had)."""
    totals = {c.name: [0] * len(c.levels) for c in comparisons}
    todo = list(comparisons)
    for after, upto in u_stage_bounds(rows):
        if not todo:
            break
        for row in counts(todo, after, upto):
            n = int(row[-1])
            for comparison, level in zip(todo, row[:-1], strict=True):
                totals[comparison.name][int(level)] += n
        if min_count is not None:
            todo = [c for c in todo if min(_non_null(c, totals[c.name])) < min_count]
    result: dict[str, list[float | None]] = {}
    for comparison in comparisons:
        per_level = totals[comparison.name]
        total = sum(_non_null(comparison, per_level))
        result[comparison.name] = [
            None if level.is_null or n == 0 else n / total
            for level, n in zip(comparison.levels, per_level, strict=True)
        ]
    return result


def _non_null(comparison: Comparison, per_level: Sequence[int]) -> list[int]:
    return [n for level, n in zip(comparison.levels, per_level, strict=True) if not level.is_null]


# --- pairs that cannot reach the threshold, left out before Splink scores ----------------------------------
#
# Of the candidate pairs at a million mentions only one in thirty reaches the link weight, and Splink works
# out every level of every comparison for each. The names' levels cost most (list overlaps, edit distances:
# 11 of 19 s at a million mentions). So the other comparisons' levels are worked out first, and of the
# names only the levels that cost little (equal names, equal initials: up to the first level with a list
# overlap or an edit distance, `_cheap_levels`), the best of the others assumed where none of those holds;
# a pair whose weight cannot reach the threshold even so is not given to Splink (nine in ten candidates at
# the link weight). The bound is never below the weight (each comparison's weight is its level's, or at
# most the best of the levels after the cheap ones when it is one of those), so every pair at or above the
# threshold is still scored, by Splink, with the same weight (tests/linking/test_bound.py).
BOUND_EXACT = ("bsn", "birth_date", "address", "sex", "phone")
# Bits added to the bound so that a pair at the threshold is never left out over how the weights are
# summed (the online scorer's weights equal Splink's to about 1e-12, tests/linking/test_agreement.py).
BOUND_MARGIN = 0.01


def _cheap_levels(comparison: Comparison) -> int:
    """How many of the comparison's first levels need none of the costly functions (`_COSTLY`)."""
    for index, level in enumerate(comparison.levels):
        if level.condition.sql() == "ELSE" or _COSTLY.search(level.condition.sql()):
            return index
    return len(comparison.levels)


def _bounded_levels(comparison: Comparison, weights: Sequence[float]) -> tuple[Comparison, list[float]]:
    """The comparison's cheap levels (`_cheap_levels`) with their weights, and after them one ELSE with the
    best weight of the levels left."""
    cheap = _cheap_levels(comparison)
    levels = (*comparison.levels[:cheap], comparison.levels[-1])
    return replace(comparison, levels=levels), [*weights[:cheap], max(weights[cheap:])]


def weight_bound_sql(
    model: Mapping[str, Any], comparisons: Sequence[Comparison]
) -> tuple[str, list[str]] | None:
    """(a SQL expression over the columns `name_l` / `name_r` of a pair, the feature columns it reads): an
    upper bound on the match weight `model` gives the pair: the prior, each comparison in BOUND_EXACT at
    its level, each other at its level when that is one of its cheap first levels, else at the best of the
    rest (`_bounded_levels`). None for a model of another comparison spec (an earlier version's, which
    `LinkModel` refuses): Splink scores every pair then."""
    try:
        scorer = LinkModel(dict(model), comparisons)
    except ValueError:
        return None
    parts = [repr(scorer.prior_weight + BOUND_MARGIN)]
    read = []
    for comparison in comparisons:
        weights = [level.weight for level in scorer.levels[comparison.name]]
        if comparison.name not in BOUND_EXACT:
            comparison, weights = _bounded_levels(comparison, weights)
        if len(comparison.levels) == 1:  # no cheap level: the best of all
            parts.append(repr(weights[0]))
            continue
        parts.append(_case_sql(comparison, weights))
        read.append(comparison)
    return " + ".join(parts), _columns_used(read)
