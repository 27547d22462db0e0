"""Linking quality by counting: pairwise and cluster precision / recall / F1, and blocking reachability.

Nothing here enumerates the pairs inside a cluster. Everything is counted from the contingency table of
predicted cluster id x true cluster id (one row per non-empty cell, with its number of records):

- predicted pairs = sum over predicted clusters of C(size, 2)
- true pairs = sum over true clusters of C(size, 2)
- correct pairs = sum over cells of C(cell, 2) (both records in the same predicted and the same true cluster)

With `side` given (link A to B, e.g. FEBRL4), only pairs with one record on each side count: a cluster with
a records of side A and b of side B holds a * b such pairs, and the same product is taken per cell.

Cluster precision / recall / F1 ("cluster F1", the measure used with FEBRL3): a predicted cluster is correct
when it holds exactly the records of one true cluster (same members, nothing missing, nothing extra).
Singletons count like any cluster: a lone record that truly has no duplicate is a correct cluster.
cluster precision = exact clusters / predicted clusters; cluster recall = exact clusters / true clusters.

Reachability after blocking: blocking rules that are conjunctions of equalities (Splink's `block_on`)
are given as key columns (one key per rule and record, None when a part of the key is missing: the rule
then does not pair that record). A true pair is reachable when it shares a key on at least one rule. The
union over rules is counted by inclusion-exclusion: the pairs that share the keys of every rule in a subset
are counted by grouping on (true cluster, all those keys), so k rules take 2**k - 1 group-bys, no pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts they come from."""

    correct: int
    predicted: int
    true: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: pd.Series | np.ndarray) -> int:
    values = np.asarray(n, dtype=np.int64)
    return int((values * (values - 1) // 2).sum())


def _frame(predicted: Sequence[object] | pd.Series, true: Sequence[object] | pd.Series) -> pd.DataFrame:
    pred = pd.Series(predicted).reset_index(drop=True)
    truth = pd.Series(true).reset_index(drop=True)
    if len(pred) != len(truth):
        raise ValueError(f"{len(pred)} predicted cluster ids for {len(truth)} records")
    if pred.isna().any() or truth.isna().any():
        raise ValueError("every record needs a predicted and a true cluster id")
    return pd.DataFrame(
        {"pred": pd.factorize(pred)[0], "true": pd.factorize(truth)[0]},
    )


def pairwise(
    predicted: Sequence[object] | pd.Series,
    true: Sequence[object] | pd.Series,
    side: Sequence[object] | pd.Series | None = None,
) -> PRF:
    """Pairwise precision / recall / F1 of predicted cluster ids against true cluster ids (per record).

    `side` (optional, two distinct values) restricts the pairs to those across the sides (link only).
    """
    frame = _frame(predicted, true)
    if side is None:
        pred_sizes = frame.groupby("pred").size()
        true_sizes = frame.groupby("true").size()
        cells = frame.groupby(["pred", "true"]).size()
        return PRF(correct=_pairs(cells), predicted=_pairs(pred_sizes), true=_pairs(true_sizes))
    codes, labels = pd.factorize(pd.Series(side).reset_index(drop=True))
    if len(labels) > 2:
        raise ValueError(f"side has {len(labels)} values; linking counts pairs across two sides")
    if len(codes) != len(frame):
        raise ValueError("side must have one value per record")
    frame["a"] = (codes == 0).astype(np.int64)
    frame["b"] = (codes == 1).astype(np.int64)

    def across(keys: list[str]) -> int:
        sums = frame.groupby(keys)[["a", "b"]].sum()
        return int((sums["a"].to_numpy() * sums["b"].to_numpy()).sum())

    return PRF(correct=across(["pred", "true"]), predicted=across(["pred"]), true=across(["true"]))


def pairwise_from_pairs(
    left: Sequence[object] | pd.Series,
    right: Sequence[object] | pd.Series,
    true_of: pd.Series,
    side: pd.Series | None = None,
) -> PRF:
    """Pairwise figures of an explicit list of predicted pairs (left[i], right[i]) of record ids.

    `true_of` maps record id (its index) to true cluster id; it defines all records and the true pairs.
    Duplicate and reversed pairs are counted once. With `side` (indexed like `true_of`), true pairs are
    the pairs across the two sides.
    """
    pairs = pd.DataFrame({"l": pd.Series(left).to_numpy(), "r": pd.Series(right).to_numpy()})
    lo = pairs.min(axis=1) if len(pairs) else pairs["l"]
    hi = pairs.max(axis=1) if len(pairs) else pairs["r"]
    unique = pd.DataFrame({"l": lo, "r": hi}).drop_duplicates()
    unique = unique[unique["l"] != unique["r"]]
    correct = int((true_of.loc[unique["l"]].to_numpy() == true_of.loc[unique["r"]].to_numpy()).sum())
    truth = pairwise(true_of, true_of, side)
    return PRF(correct=correct, predicted=len(unique), true=truth.true)


def clusters(predicted: Sequence[object] | pd.Series, true: Sequence[object] | pd.Series) -> PRF:
    """Cluster precision / recall / F1: a predicted cluster is correct when it equals a true cluster."""
    frame = _frame(predicted, true)
    pred_sizes = frame.groupby("pred").size()
    true_sizes = frame.groupby("true").size()
    cells = frame.groupby(["pred", "true"]).size().rename("n").reset_index()
    cells["pred_size"] = pred_sizes.loc[cells["pred"]].to_numpy()
    cells["true_size"] = true_sizes.loc[cells["true"]].to_numpy()
    exact = int(((cells["n"] == cells["pred_size"]) & (cells["n"] == cells["true_size"])).sum())
    return PRF(correct=exact, predicted=len(pred_sizes), true=len(true_sizes))


@dataclass(frozen=True)
class Reachability:
    reachable: int
    true_pairs: int

    @property
    def share(self) -> float:
        return self.reachable / self.true_pairs if self.true_pairs else 1.0


def reachable_true_pairs(
    true: Sequence[object] | pd.Series,
    keys: pd.DataFrame,
    side: Sequence[object] | pd.Series | None = None,
) -> Reachability:
    """How many true pairs share the key of at least one blocking rule (one column of `keys` per rule).

    A missing key (None / NaN) never pairs. Counted by inclusion-exclusion over the rules, never by
    listing pairs. With `side`, only pairs across the two sides count (as in `pairwise`).
    """
    truth = pd.Series(pd.factorize(pd.Series(true).reset_index(drop=True))[0], name="__true")
    if len(keys) != len(truth):
        raise ValueError("keys must have one row per record")
    key_codes = pd.DataFrame(
        {
            f"k{i}": pd.factorize(keys.iloc[:, i].reset_index(drop=True), use_na_sentinel=True)[0]
            for i in range(keys.shape[1])
        }
    )
    frame = pd.concat([truth, key_codes], axis=1)
    if side is not None:
        codes, labels = pd.factorize(pd.Series(side).reset_index(drop=True))
        if len(labels) > 2:
            raise ValueError("side has more than two values")
        frame["a"] = (codes == 0).astype(np.int64)
        frame["b"] = (codes == 1).astype(np.int64)

    def count(group_keys: list[str]) -> int:
        sub = frame
        for key in group_keys[1:]:
            sub = sub[sub[key] >= 0]
        if side is None:
            return _pairs(sub.groupby(group_keys).size())
        sums = sub.groupby(group_keys)[["a", "b"]].sum()
        return int((sums["a"].to_numpy() * sums["b"].to_numpy()).sum())

    total = count(["__true"])
    rules = list(key_codes.columns)
    reachable = 0
    for size in range(1, len(rules) + 1):
        sign = 1 if size % 2 else -1
        for subset in combinations(rules, size):
            reachable += sign * count(["__true", *subset])
    return Reachability(reachable=reachable, true_pairs=total)


def reachable_true_pairs_from_key_lists(
    true: Sequence[object] | pd.Series,
    keys: Sequence[Sequence[str]] | pd.Series,
    enough: Callable[[set[str]], bool] = bool,
) -> Reachability:
    """Like `reachable_true_pairs` for blocking keys given as a list per record (any number of keys).

    A true pair is reachable when the keys its two records share are `enough` (by default: one; ours
    passes `ketenzicht.linking.engine.keys.shares_enough`, two or a BSN key). This walks the pairs inside
    true clusters only (people have few mentions), never the candidate pairs.
    """
    truth = pd.Series(pd.factorize(pd.Series(true).reset_index(drop=True))[0])
    key_lists = list(keys)
    if len(key_lists) != len(truth):
        raise ValueError("keys must have one list per record")
    sizes = truth.map(truth.value_counts())
    reachable = 0
    for _, members in truth[sizes.to_numpy() > 1].groupby(truth[sizes.to_numpy() > 1]):
        key_sets = [set(key_lists[i] or ()) for i in members.index]
        for left, right in combinations(key_sets, 2):
            if enough(left & right):
                reachable += 1
    return Reachability(reachable=reachable, true_pairs=_pairs(truth.value_counts()))
