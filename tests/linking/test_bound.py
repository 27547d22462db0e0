"""Pairs that cannot reach the threshold are left out before Splink scores (`splink_table.weight_bound_sql`):
the bound is never below the weight Splink gives, and the pairs at or above the threshold come out the same,
with the same weights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model
from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import features_frame, features_from_file, with_frequencies
from ketenzicht.linking.batch.prediction import predict
from ketenzicht.linking.engine.comparisons import COMPARISONS
from ketenzicht.linking.engine.mention_features import NameFrequencies
from ketenzicht.linking.splink_table import (
    BOUND_MARGIN,
    _bounded_levels,
    _cheap_levels,
    pair_columns_sql,
    weight_bound_sql,
)


def _weights(pairs: pd.DataFrame) -> dict[tuple[str, str], float]:
    return dict(
        zip(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True), pairs["match_weight"], strict=True)
    )


def test_the_bound_is_never_below_splinks_weight_and_the_same_pairs_come_out(tmp_path: Path) -> None:
    generate(1200, 21, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    model = load_model(DEFAULT_MODEL_PATH)
    every = predict(frame, model)  # no threshold: every candidate pair, scored by Splink
    assert len(every) > 1000

    # The bound of each scored pair, worked out in DuckDB over the same features.
    con = _connection(with_frequencies(frame, NameFrequencies.from_dict(model["name_frequencies"])))
    bound = weight_bound_sql(model, COMPARISONS)
    assert bound is not None
    expression, columns = bound
    con.register("scored", every[["unique_id_l", "unique_id_r", "match_weight"]])
    carried = pair_columns_sql(c for c in columns if c != "unique_id")
    rows = con.execute(
        f"SELECT match_weight, {expression} FROM (SELECT s.match_weight, {carried}, "
        "l.unique_id AS unique_id_l, r.unique_id AS unique_id_r FROM scored s "
        "JOIN mentions l ON l.unique_id = s.unique_id_l JOIN mentions r ON r.unique_id = s.unique_id_r)"
    ).fetchall()
    assert len(rows) == len(every)
    assert all(bound >= weight for weight, bound in rows)
    below = sum(bound < 6.63 for _, bound in rows)
    assert below > len(rows) / 4  # the bound leaves many pairs out at the link weight

    for threshold in (-5.0, 6.63, 12.0):
        bounded = _weights(predict(frame, model, threshold_match_weight=threshold))
        every_above = _weights(predict(frame, model, threshold_match_weight=threshold, bounded=False))
        assert bounded.keys() == every_above.keys() and len(bounded) > 50, threshold
        assert all(abs(bounded[p] - every_above[p]) < 1e-9 for p in bounded)


def test_a_model_of_an_earlier_spec_is_scored_without_the_bound(tmp_path: Path) -> None:
    generate(300, 22, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    earlier = load_model(DEFAULT_MODEL_PATH.with_name("person-model-v3.json"))  # no phone comparison
    bounded = _weights(predict(frame, earlier, threshold_match_weight=6.63))
    assert bounded == _weights(predict(frame, earlier, threshold_match_weight=6.63, bounded=False))
    assert len(bounded) > 20


def test_without_explanations_the_same_pairs_come_out_with_the_same_scores_and_flags(tmp_path: Path) -> None:
    generate(600, 23, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    model = load_model(DEFAULT_MODEL_PATH)
    explained = predict(frame, model, threshold_match_weight=-5.0)
    lean = predict(frame, model, threshold_match_weight=-5.0, explained=False)
    assert any(c.startswith("mw_") for c in explained.columns)
    assert set(lean.columns) == {
        "unique_id_l", "unique_id_r", "match_weight", "match_probability",
        "bsn_l", "bsn_r", "different_valid_bsns",
    }  # fmt: skip
    columns = sorted(lean.columns)
    key = ["unique_id_l", "unique_id_r"]
    pd.testing.assert_frame_equal(
        explained[columns].sort_values(key).reset_index(drop=True),
        lean[columns].sort_values(key).reset_index(drop=True),
    )
    assert len(lean) > 100


def test_the_names_are_bounded_by_their_cheap_levels_and_the_best_of_the_rest(tmp_path: Path) -> None:
    # The surname and the given names are worked out in the bound up to their first level with an edit
    # distance or a list overlap; a pair at none of those levels gets the best weight of the rest.
    surname = next(c for c in COMPARISONS if c.name == "surname")
    given = next(c for c in COMPARISONS if c.name == "given_names")
    assert [level.label for level in surname.levels[: _cheap_levels(surname)]] == [
        "null", "exact, rare name", "exact, common name", "exact",
    ]  # fmt: skip
    assert _cheap_levels(given) == 5 and "levenshtein" in given.levels[5].condition.sql()
    weights = [float(n) for n in range(len(given.levels))]
    bounded, bounded_weights = _bounded_levels(given, weights)
    assert bounded.levels == (*given.levels[:5], given.levels[-1])
    assert bounded_weights == [0.0, 1.0, 2.0, 3.0, 4.0, float(len(given.levels) - 1)]

    generate(600, 24, tmp_path)
    frame = features_frame(features_from_file(tmp_path / "registrations.jsonl"))
    model = load_model(DEFAULT_MODEL_PATH)
    every = predict(frame, model)
    bound = weight_bound_sql(model, COMPARISONS)
    assert bound is not None
    con = _connection(with_frequencies(frame, NameFrequencies.from_dict(model["name_frequencies"])))
    con.register("scored", every[["unique_id_l", "unique_id_r", "match_weight"]])
    carried = pair_columns_sql(c for c in bound[1] if c != "unique_id")
    rows = con.execute(
        f"SELECT match_weight, {bound[0]} FROM (SELECT s.match_weight, {carried} FROM scored s "
        "JOIN mentions l ON l.unique_id = s.unique_id_l JOIN mentions r ON r.unique_id = s.unique_id_r)"
    ).fetchall()
    # Where both names are at a cheap level and the rest is worked out, the bound is the weight itself.
    assert sum(abs(weight + BOUND_MARGIN - float(found)) < 1e-6 for weight, found in rows) > len(rows) / 10
    assert all(found >= weight for weight, found in rows)
