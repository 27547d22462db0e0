"""Batch prediction: `predict` scores with Splink the candidate pairs of a features frame, the pairs whose
shared blocking keys are enough by the pair rule (`blocking`), found first in DuckDB (`_candidate_pairs`,
pairs that cannot reach the threshold left out) or on Spark, and flags the pairs with different valid BSNs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ketenzicht.linking.batch.blocking import MAX_KEY_MENTIONS, _held_keys, held_keys_column, with_block_keys
from ketenzicht.linking.batch.connection import BACKENDS, _connection, _linker
from ketenzicht.linking.batch.frame import _text_order, with_frequencies
from ketenzicht.linking.engine.comparisons import COMPARISONS
from ketenzicht.linking.engine.keys import DEFAULT_PAIR_RULE, PairRule
from ketenzicht.linking.engine.mention_features import NameFrequencies
from ketenzicht.linking.engine.model import splink_part
from ketenzicht.linking.splink_table import BLOCK_KEYS, pair_columns_sql, weight_bound_sql

# What `predict` gives without explanations: the pair and its score (the BSNs and their flag are added).
_SCORED_ALONE = ("unique_id_l", "unique_id_r", "match_weight", "match_probability")


def predict(
    features_df: pd.DataFrame,
    model_json: Mapping[str, Any],
    threshold_match_weight: float | None = None,
    backend: str = "duckdb",
    max_key_mentions: int = MAX_KEY_MENTIONS,
    pair_rule: PairRule = DEFAULT_PAIR_RULE,
    *,
    bounded: bool = True,
    explained: bool = True,
) -> pd.DataFrame:
    """Score every pair whose shared blocking keys of at most `max_key_mentions` mentions each are enough
    by `pair_rule` (the online matcher's candidates, see `with_block_keys` and `engine.keys.PairRule`), at
    or above the threshold if given, with Splink on `backend` ("duckdb" or "spark"). The candidate pairs
    are found first and Splink scores those only: in DuckDB (`_candidate_pairs`) or in Spark
    (`spark.candidate_pairs_sql`). On DuckDB with a threshold, the candidates whose weight cannot reach it
    (`splink_table.weight_bound_sql`) are left out before Splink scores (`bounded=False`: not; the same
    pairs and weights come out either way).

    Columns: unique_id_l, unique_id_r, match_weight, match_probability, gamma_<c> and mw_<c> per
    comparison, bsn_l, bsn_r and `different_valid_bsns` (the hard rule's flag). `explained=False`: without
    the columns per comparison (a rebuild reads the probability alone; at a million mentions they were
    hundreds of MB of its peak)."""
    frequencies = NameFrequencies.from_dict(model_json["name_frequencies"])
    frame = with_frequencies(features_df, frequencies)
    if backend == "spark":
        from ketenzicht.linking.spark import predict_pairs

        if BLOCK_KEYS in frame.columns:
            frame = with_block_keys(frame, max_key_mentions)  # the keys as given (e.g. stored), capped
        else:  # built and capped by DuckDB here, not mention by mention in the driver
            frame = frame.copy(deep=False)
            frame[BLOCK_KEYS] = held_keys_column(frame, max_key_mentions)
        settings = prediction_settings(splink_part(model_json), explained=explained)
        return _flag_different_valid_bsns(predict_pairs(frame, settings, threshold_match_weight, pair_rule))
    if backend != "duckdb":
        raise ValueError(f"backend {backend!r}: one of {', '.join(BACKENDS)}")
    numbered, order = _numbered(frame)
    ids, bsns = (frame[c].to_numpy(dtype=object)[order] for c in ("unique_id", "bsn"))  # by number
    del frame
    con = _connection(numbered, ordered=False, numbered=True)
    # The keys as given (e.g. stored) or built here, capped here.
    given = BLOCK_KEYS in numbered.columns
    _held_keys(con, max_key_mentions, pair_rule, mention="unique_id", given=given, hashed=not given)
    del numbered
    bound = None
    if bounded and threshold_match_weight is not None:
        found = weight_bound_sql(model_json, COMPARISONS)  # None for a model of an earlier spec
        bound = None if found is None else (*found, threshold_match_weight)
    chunks = _candidate_pairs(con, pair_rule, bound)
    settings = prediction_settings(splink_part(model_json), explained=explained)
    settings["retain_matching_columns"] = False  # the BSNs are added below; the rest nobody reads
    linker, db_api = _linker(con, settings)
    scored = []
    for chunk in range(chunks):  # each chunk of candidate pairs registered in turn (it replaces the last)
        con.execute(
            "CREATE OR REPLACE TABLE pairs_chunk AS SELECT match_key, join_key_l, join_key_r "
            f"FROM candidate_pairs WHERE chunk = {chunk}"
        )
        linker.table_management.register_blocked_pairs_for_predict(db_api.register("pairs_chunk"))
        result = linker.inference.predict(
            threshold_match_weight=threshold_match_weight, warning_mode="never" if chunk else "auto"
        )
        chunk_scored = result.as_pandas_dataframe()
        scored.append(chunk_scored if explained else chunk_scored[list(_SCORED_ALONE)])
        result.drop_table_from_database_and_remove_from_cache()
    con.close()
    pairs = pd.concat(scored, ignore_index=True)
    left, right = pairs["unique_id_l"].to_numpy(dtype=np.int64), pairs["unique_id_r"].to_numpy(dtype=np.int64)
    pairs["unique_id_l"], pairs["unique_id_r"] = ids[left], ids[right]
    pairs["bsn_l"], pairs["bsn_r"] = bsns[left], bsns[right]
    return _flag_different_valid_bsns(pairs)


def prediction_settings(splink_json: Mapping[str, Any], *, explained: bool = True) -> dict[str, Any]:
    """The model's settings for prediction: no blocking rules (Splink is given the candidate pairs, on
    DuckDB and on Spark alike); `explained`: with the columns per comparison (gamma_, mw_)."""
    settings = dict(splink_json)
    settings["blocking_rules_to_generate_predictions"] = []
    settings["retain_intermediate_calculation_columns"] = explained
    return settings


def _numbered(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame with its unique ids replaced by numbers in the order of the ids as text (so that a pair's
    smaller number is its smaller id, the left side Splink gives it, whatever the ids), and that order
    (the row of each number: a column's values by number are `column[order]`). DuckDB joins and groups
    numbers much faster than text (bench/README.md, "Blocked pairs given to Splink")."""
    order = _text_order([str(uid) for uid in frame["unique_id"]])
    numbers = np.empty(len(frame), dtype=np.int64)
    numbers[order] = np.arange(len(frame), dtype=np.int64)
    numbered = frame.copy(deep=False)
    numbered["unique_id"] = numbers
    return numbered, order


# Candidate pairs scored by Splink at once (bounds DuckDB's pair tables). Each chunk costs Splink one
# selection of the mentions its pairs name (about 1.7 s at a million mentions, nearly all of them every
# time); the scoring itself streams, so a larger chunk did not raise the peak (12.5 million pairs in one
# chunk at a million mentions: 40.2 s and 2,692 MiB against 43.7 s and 2,699 MiB in three).
PREDICT_PAIRS_CHUNK = 20_000_000


def _candidate_pairs(
    con: duckdb.DuckDBPyConnection, rule: PairRule, bound: tuple[str, list[str], float] | None = None
) -> int:
    """Table `candidate_pairs` (chunk, match_key, join_key_l, join_key_r): the pairs of mentions whose
    shared keys in table `held` (`_held_keys` for `rule`) are enough by `rule` (`PairRule.pairs_sql` over
    the keys' numbers and the mentions' numbers), as Splink's blocked pairs (the smaller number on the
    left, as Splink puts it), spread by a hash over chunks of about PREDICT_PAIRS_CHUNK pairs or fewer;
    with `bound` (an upper bound on a pair's weight, the columns it reads, the threshold) only those whose
    bound reaches the threshold. Returns the number of chunks (at least one).

    Splink then scores exactly these pairs (`register_blocked_pairs_for_predict`): blocking on the keys
    made it score every pair that shares any one key (three in four of them or more sharing too little)
    and drop those afterwards (bench/README.md, "Candidate pairs before scoring"), and blocking on pair
    numbers made it explode and join lists again (bench/README.md, "Blocked pairs given to Splink")."""
    con.execute(
        "CREATE TEMP TABLE pair_ids AS SELECT CAST(p >> 32 AS UINTEGER) AS a, "
        f"CAST(p & 4294967295 AS UINTEGER) AS b FROM ({rule.pairs_sql('held', 'kid', packed=True)})"
    )
    con.execute("DROP TABLE held")
    if bound is not None:  # (an upper bound on a pair's weight, the columns it reads, the threshold)
        expression, columns, threshold = bound
        carried = pair_columns_sql(columns)
        con.execute(
            f"CREATE TEMP TABLE reaching AS SELECT a, b FROM (SELECT p.a AS a, p.b AS b, {carried} FROM "
            "pair_ids p JOIN mentions l ON l.unique_id = p.a JOIN mentions r ON r.unique_id = p.b) "
            f"WHERE {expression} >= {float(threshold)!r}"
        )
        con.execute("DROP TABLE pair_ids")
        con.execute("ALTER TABLE reaching RENAME TO pair_ids")
    total = con.execute("SELECT count(*) FROM pair_ids").fetchone()
    chunks = max(1, math.ceil((total[0] if total else 0) / PREDICT_PAIRS_CHUNK))
    con.execute(
        f"CREATE TEMP TABLE candidate_pairs AS SELECT CAST(hash(a, b) % {chunks} AS INTEGER) AS chunk, "
        "'0' AS match_key, CAST(a AS BIGINT) AS join_key_l, CAST(b AS BIGINT) AS join_key_r FROM pair_ids"
    )
    con.execute("DROP TABLE pair_ids")
    return chunks


def _flag_different_valid_bsns(pairs: pd.DataFrame) -> pd.DataFrame:
    pairs["different_valid_bsns"] = (
        pairs["bsn_l"].notna() & pairs["bsn_r"].notna() & (pairs["bsn_l"] != pairs["bsn_r"])
    )
    return pairs
