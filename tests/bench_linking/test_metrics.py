"""The benchmark's counting metrics against pairs listed by hand (bench/linking/metrics.py)."""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "linking"))

import metrics


def listed_pairs(ids: list[str], side: list[str] | None = None) -> set[tuple[int, int]]:
    """All pairs of records in the same cluster, listed one by one (the slow way)."""
    return {
        (i, j)
        for i, j in combinations(range(len(ids)), 2)
        if ids[i] == ids[j] and (side is None or side[i] != side[j])
    }


CASES = [
    # predicted, true, (correct, predicted, true) pairs
    (["a", "a", "b", "c"], ["x", "x", "y", "z"], (1, 1, 1)),
    (["a", "a", "a", "a"], ["x", "x", "y", "y"], (2, 6, 2)),
    (["a", "b", "c", "d"], ["x", "x", "x", "y"], (0, 0, 3)),
    (["a", "a", "b", "b", "b"], ["x", "x", "x", "y", "y"], (2, 4, 4)),
    (["a"], ["x"], (0, 0, 0)),
]


@pytest.mark.parametrize(("predicted", "true", "expected"), CASES)
def test_pairwise_counts_match_listed_pairs(
    predicted: list[str], true: list[str], expected: tuple[int, ...]
) -> None:
    result = metrics.pairwise(predicted, true)
    pred, truth = listed_pairs(predicted), listed_pairs(true)
    assert (result.correct, result.predicted, result.true) == expected
    assert (len(pred & truth), len(pred), len(truth)) == expected


def test_precision_recall_f1() -> None:
    result = metrics.pairwise(["a", "a", "b", "b", "b"], ["x", "x", "x", "y", "y"])
    assert result.precision == pytest.approx(0.5)
    assert result.recall == pytest.approx(0.5)
    assert result.f1 == pytest.approx(0.5)
    empty = metrics.pairwise(["a", "b"], ["x", "y"])
    assert (empty.precision, empty.recall) == (1.0, 1.0)


def test_pairwise_across_two_sides_counts_only_links() -> None:
    predicted = ["a", "a", "a", "b", "b"]
    true = ["x", "x", "y", "y", "z"]
    side = ["A", "B", "A", "B", "A"]
    result = metrics.pairwise(predicted, true, side)
    pred, truth = listed_pairs(predicted, side), listed_pairs(true, side)
    assert (result.correct, result.predicted, result.true) == (len(pred & truth), len(pred), len(truth))
    assert (result.correct, result.predicted, result.true) == (1, 3, 2)


def test_pairwise_from_pairs_ignores_duplicates_and_self_pairs() -> None:
    true_of = pd.Series(["x", "x", "x", "y"], index=[1, 2, 3, 4])
    result = metrics.pairwise_from_pairs([1, 2, 3, 1], [2, 1, 4, 1], true_of)
    assert (result.correct, result.predicted, result.true) == (1, 2, 3)


@pytest.mark.parametrize(
    ("predicted", "true", "expected"),
    [
        (["a", "a", "b", "c"], ["x", "x", "y", "z"], (3, 3, 3)),  # all exact, singletons count
        (["a", "a", "a", "c"], ["x", "x", "y", "z"], (1, 2, 3)),  # one cluster too big
        (["a", "b", "c", "d"], ["x", "x", "y", "y"], (0, 4, 2)),  # every true cluster split
    ],
)
def test_cluster_exact_match(predicted: list[str], true: list[str], expected: tuple[int, ...]) -> None:
    result = metrics.clusters(predicted, true)
    assert (result.correct, result.predicted, result.true) == expected


def test_cluster_f1() -> None:
    result = metrics.clusters(["a", "a", "a", "c"], ["x", "x", "y", "z"])
    assert result.precision == pytest.approx(1 / 2)
    assert result.recall == pytest.approx(1 / 3)
    assert result.f1 == pytest.approx(0.4)


def test_reachability_by_inclusion_exclusion_matches_listing() -> None:
    true = ["p", "p", "p", "q", "q", "r"]
    keys = pd.DataFrame(
        {
            "surname": ["jansen", "jansen", "janssen", "bakker", "bakker", None],
            "birth": ["1980", None, "1980", "1990", "1991", "1980"],
            "bsn": [None, "1", "1", None, None, None],
        }
    )
    reached = set()
    for i, j in listed_pairs(true):
        if any(keys[c][i] is not None and keys[c][i] == keys[c][j] for c in keys.columns):
            reached.add((i, j))
    result = metrics.reachable_true_pairs(true, keys)
    assert (result.reachable, result.true_pairs) == (len(reached), len(listed_pairs(true)))
    assert (result.reachable, result.true_pairs) == (4, 4)
    result = metrics.reachable_true_pairs(true, keys[["surname"]])
    assert (result.reachable, result.true_pairs) == (2, 4)
    assert result.share == pytest.approx(0.5)


def test_reachability_across_sides() -> None:
    true = ["p", "p", "q", "q"]
    keys = pd.DataFrame({"k": ["1", "1", "2", "3"]})
    result = metrics.reachable_true_pairs(true, keys, side=["A", "B", "A", "B"])
    assert (result.reachable, result.true_pairs) == (1, 2)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        metrics.pairwise(["a"], ["x", "y"])


def test_reachability_from_key_lists() -> None:
    true = ["p", "p", "p", "q", "q", "r"]
    keys = [["a", "b"], ["b"], ["c"], ["d"], [], ["a"]]
    result = metrics.reachable_true_pairs_from_key_lists(true, keys)
    assert (result.reachable, result.true_pairs) == (1, 4)
