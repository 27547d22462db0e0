"""The batch linker in one call on a DataFrame of mentions: `link_dataframe` trains on the mentions
themselves, predicts and clusters (the interface the benchmarks compare, bench/linking/run.py);
`candidate_keys` gives each mention's keys that prediction blocks on, for reachability figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ketenzicht.linking.batch.blocking import with_block_keys
from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT, cluster_rows, guard_columns
from ketenzicht.linking.batch.mentions import mentions_to_features
from ketenzicht.linking.batch.prediction import predict
from ketenzicht.linking.batch.training import train
from ketenzicht.linking.splink_table import BLOCK_KEYS


def link_dataframe(
    df: pd.DataFrame, *, seed: int, threshold_match_weight: float = DEFAULT_THRESHOLD_MATCH_WEIGHT
) -> pd.Series:
    """Train on `df` itself, predict, cluster: one cluster id per row (index aligned)."""
    features = mentions_to_features(df, with_keys=False)  # predict builds the keys in DuckDB
    if features["unique_id"].duplicated().any():
        features["unique_id"] = [str(i) for i in range(len(features))]
    model = train(features, seed)
    # Only the weights are clustered: without the columns per comparison (a million pairs of them).
    pairs = predict(features, model, threshold_match_weight=threshold_match_weight, explained=False)
    ids = np.array([str(uid) for uid in features["unique_id"]], dtype=object)
    roots = cluster_rows(ids, pairs, threshold_match_weight, *guard_columns(features))
    return pd.Series(ids[roots], index=df.index, dtype=object)


def candidate_keys(df: pd.DataFrame) -> pd.Series:
    """The blocking keys of every row of a mention DataFrame that `predict` blocks on (two rows are
    candidates when the keys they share are enough, `engine.keys.PairRule`; keys of more than
    MAX_KEY_MENTIONS rows left out), for reachability figures."""
    features = with_block_keys(mentions_to_features(df))
    return pd.Series(list(features[BLOCK_KEYS]), index=df.index, dtype=object)
