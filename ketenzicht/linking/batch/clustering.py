"""Batch clustering: the scored pairs at or above a threshold joined into persons, strongest first, never
joining two clusters that hold different valid BSNs or contradicting complete dates of birth (the guards,
`guard_columns`); `cluster_rows` by row, `cluster` by id. The batch's threshold is intake's upper one
(`DEFAULT_THRESHOLD_MATCH_WEIGHT`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from ketenzicht.linking.batch.frame import _gaps_as_none, _text_order
from ketenzicht.linking.engine.model import prob_to_match_weight
from ketenzicht.linking.engine.resolve import join_contradicts

# The batch links where intake and the rebuild do: at the upper threshold (KETENZICHT_LINK_UPPER, default a
# probability of 0.99, match weight 6.63; tests/linking/test_link_file.py holds the two together), so that
# `manage.py link_file` and the benchmarks join the pairs the application joins. Until 2026-12-04 it was
# match weight 8.0 (a probability of 0.996), which left apart in the batch the pairs between 6.63 and 8.0
# that intake links: about 1.4 points of pairwise recall, for 0.03 to 0.09 points of precision
# (bench/README.md, "One link threshold").
DEFAULT_LINK_PROBABILITY = 0.99
DEFAULT_THRESHOLD_MATCH_WEIGHT = prob_to_match_weight(DEFAULT_LINK_PROBABILITY)


def cluster(
    unique_ids: Iterable[Any],
    pairs: pd.DataFrame,
    threshold_match_weight: float,
    bsn_by_id: Mapping[str, str | None] | None = None,
    birth_date_by_id: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """`cluster_rows` by id: unique_id (as text) -> cluster id (the smallest unique_id of the cluster, as
    text), the guards' BSNs and complete dates of birth given by id (an id missing: none)."""
    texts = [str(uid) for uid in unique_ids]
    bsns = None if bsn_by_id is None else [bsn_by_id.get(uid) for uid in texts]
    dates = None if birth_date_by_id is None else [birth_date_by_id.get(uid) for uid in texts]
    roots = cluster_rows(texts, pairs, threshold_match_weight, bsns, dates)
    return dict(zip(texts, [texts[root] for root in roots.tolist()], strict=True))


def cluster_rows(
    unique_ids: Sequence[Any] | np.ndarray | pd.Series,
    pairs: pd.DataFrame,
    threshold_match_weight: float,
    bsns: Sequence[str | None] | np.ndarray | None = None,
    birth_dates: Sequence[str | None] | np.ndarray | None = None,
) -> np.ndarray:
    """Join mentions into persons: pairs at or above the threshold, strongest first, never joining two
    clusters that hold different valid BSNs or contradicting complete dates of birth
    (`engine.resolve.dates_contradict`), so no chain A-B-C can join them either. `bsns` and
    `birth_dates` hold each row's valid BSN and complete date (a gap None; `guard_columns`).

    Returns, for each row of `unique_ids` (unique; compared as text), the row of its cluster's id: the
    cluster's smallest unique_id as text. By row rather than by id, so that a batch of a million mentions
    needs no dictionary of them (the guards' two and the result took 0.9 of the clustering's 1.9 s;
    bench/README.md, "Key rows by kind").

    The guards can refuse a join only where two mentions differ in a valid BSN or a complete date. So
    the pairs are first taken together as a graph (scipy's connected components): a component in
    which no two mentions hold different BSNs or different dates is one person whatever the order, its
    smallest id the cluster id, as joining it pair by pair would give. Only the pairs of the other
    components are joined one at a time, strongest first (`_joined_in_order`); joins in one component
    never touch another, so the persons are those of joining every pair in that order
    (tests/linking/test_cluster.py). At a million generator mentions 49,031 of the 416,526 pairs are
    joined one at a time."""
    texts = [str(uid) for uid in unique_ids]
    roots = np.arange(len(texts), dtype=np.int64)
    strong = pairs[pairs["match_weight"] >= threshold_match_weight]
    if strong.empty:
        return roots
    row_of = pd.Index(texts)
    if not row_of.is_unique:
        raise ValueError("the unique ids repeat (compared as text)")
    left = row_of.get_indexer(strong["unique_id_l"].astype(str))
    right = row_of.get_indexer(strong["unique_id_r"].astype(str))
    if (left < 0).any() or (right < 0).any():
        raise ValueError("a pair names a mention that is not among the unique ids")
    # Only the mentions in a pair are looked at: at a million mentions one in four or fewer.
    codes, found = pd.factorize(np.concatenate([left, right]))
    pair_count, mentions = len(left), len(found)
    graph = coo_array(
        (np.ones(pair_count, dtype=np.int8), (codes[:pair_count], codes[pair_count:])),
        shape=(mentions, mentions),
    )
    components, component = connected_components(graph, directed=False)
    by_text = _text_order([texts[row] for row in found.tolist()])
    rank = np.empty(mentions, dtype=np.int64)
    rank[by_text] = np.arange(mentions, dtype=np.int64)
    smallest = np.full(components, mentions, dtype=np.int64)  # each component's smallest id, as its rank
    np.minimum.at(smallest, component, rank)
    guarded = np.zeros(components, dtype=bool)
    for column in (bsns, birth_dates):
        if column is not None:
            guarded |= _distinct_per(component, np.asarray(column, dtype=object)[found], components) > 1
    free = ~guarded[component]
    roots[found[free]] = found[by_text[smallest[component[free]]]]
    in_guarded = guarded[component[codes[:pair_count]]]
    if in_guarded.any():
        rest = strong[in_guarded].assign(
            _l=[texts[row] for row in left[in_guarded].tolist()],
            _r=[texts[row] for row in right[in_guarded].tolist()],
        )
        rest = rest.sort_values(["match_weight", "_l", "_r"], ascending=[False, True, True])
        rows = found[~free].tolist()  # the guarded components' mentions: their BSNs and dates by id
        bsn_of = {} if bsns is None else {texts[row]: bsns[row] for row in rows}
        date_of = {} if birth_dates is None else {texts[row]: birth_dates[row] for row in rows}
        joined = _joined_in_order(rest["_l"].tolist(), rest["_r"].tolist(), bsn_of, date_of)
        roots[row_of.get_indexer(list(joined))] = row_of.get_indexer(list(joined.values()))
    return roots


def _distinct_per(component: np.ndarray, values: np.ndarray, components: int) -> np.ndarray:
    """How many distinct values (None and "" not counted, as the guards do not count them) each of
    `components` components holds."""
    held = pd.DataFrame({"c": component, "v": values}).dropna()
    held = held[held["v"] != ""].drop_duplicates()
    counts = np.zeros(components, dtype=np.int64)
    per = held["c"].value_counts()
    counts[per.index.to_numpy()] = per.to_numpy()
    return counts


def _joined_in_order(
    left: Sequence[str],
    right: Sequence[str],
    bsn_by_id: Mapping[str, str | None],
    date_of: Mapping[str, str | None],
) -> dict[str, str]:
    """`cluster`'s joins one pair at a time, in the order given (strongest first), each refused that would
    put two valid BSNs or contradicting dates of birth in one person: every mention of the pairs -> the
    smallest unique_id of its cluster."""
    parent: dict[str, str] = {}
    # By cluster root: its valid BSN (one at most: the guard keeps two apart), and the complete dates of
    # birth of a cluster joined from more than one mention (a mention's own date is read from `date_of`
    # until then). An empty set and a one-date Counter for each mention took half the clustering's time.
    taken: dict[str, str] = {}  # the BSN a root took from a child (a copy of every mention's took longer)

    def bsn_of(root: str) -> str | None:
        return taken.get(root) or bsn_by_id.get(root)

    joined_dates: dict[str, Counter[str]] = {}

    def dates(root: str) -> Counter[str]:
        found = joined_dates.get(root)
        if found is None:
            date = date_of.get(root)
            found = joined_dates[root] = Counter([date] if date else [])
        return found

    def find(uid: str) -> str:
        root = parent.setdefault(uid, uid)
        while parent[root] != root:
            root = parent[root]
        while parent[uid] != root:
            parent[uid], uid = root, parent[uid]
        return root

    for left_id, right_id in zip(left, right, strict=True):
        a, b = find(left_id), find(right_id)
        if a == b:
            continue
        bsn_a, bsn_b = bsn_of(a), bsn_of(b)
        if bsn_a and bsn_b and bsn_a != bsn_b:
            continue
        dated = (joined_dates.get(a) or date_of.get(a)) and (joined_dates.get(b) or date_of.get(b))
        if dated and join_contradicts(dates(a), dates(b), date_of.get(left_id), date_of.get(right_id)):
            continue
        root, child = (a, b) if a < b else (b, a)
        parent[child] = root
        child_bsn = bsn_of(child)
        if child_bsn:  # the root holds none or the same
            taken[root] = child_bsn
        if joined_dates.get(child) or date_of.get(child):
            dates(root).update(dates(child))
            joined_dates.pop(child)
    return {uid: find(uid) for uid in parent}


def guard_maps(features: pd.DataFrame) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The valid BSN and the complete date of birth of every mention of a features frame, by unique id:
    the two maps `cluster` keeps its guards with (ids as text, as `cluster` looks them up)."""
    ids = features["unique_id"].astype(str).tolist()
    bsns, dates = guard_columns(features)
    return dict(zip(ids, bsns, strict=True)), dict(zip(ids, dates, strict=True))


def guard_columns(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The valid BSN and the complete date of birth of each row of a features frame (a gap None): the two
    columns `cluster_rows` keeps its guards with."""
    return _gaps_as_none(features["bsn"]), _gaps_as_none(features["birth_date"])
