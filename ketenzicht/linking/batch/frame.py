"""The batch's features frame: a pandas DataFrame with a column per feature (`FEATURE_COLUMNS`).

Made of features (`features_frame`), of features held as columns (`columns_frame`, a rebuild) or of an
exchange-format file (`features_from_file`); the name-frequency buckets of a model added as columns
(`with_frequencies`, counted by `name_frequencies`); a frame's row read back as features
(`_features_of_row`); and the order of ids as text (`_text_order`), by which prediction numbers the
mentions and clustering names a person.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ketenzicht.linking.engine.columns import FeatureColumns
from ketenzicht.linking.engine.keys import blocking_keys
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS, MentionFeatures, NameFrequencies
from ketenzicht.linking.engine.normalise import features_from_exchange
from ketenzicht.linking.splink_table import BLOCK_KEYS, LIST_COLUMNS


def features_from_file(path: str | Path) -> list[MentionFeatures]:
    """The features of every person mention in an exchange-format file; unique id `source|reference|ref`."""
    features: list[MentionFeatures] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            registration = json.loads(line)
            for person in registration["persons"]:
                uid = f"{registration['source']}|{registration['reference']}|{person['ref']}"
                features.append(features_from_exchange(person, uid))
    return features


def features_frame(features: Iterable[MentionFeatures], *, with_keys: bool = False) -> pd.DataFrame:
    """The features as a frame (`FEATURE_COLUMNS`); `with_keys`: also each mention's blocking keys
    (engine.keys, the online matcher's keys) in column `block_keys`, for `predict`."""
    # One tuple per mention and the columns from those (a dict per mention costs twice the time).
    columns = list(FEATURE_COLUMNS)
    values = operator.attrgetter(*columns)
    if with_keys:
        rows = [(*values(f), blocking_keys(f)) for f in features]
        columns.append(BLOCK_KEYS)
    else:
        rows = [values(f) for f in features]
    frame = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for name in LIST_COLUMNS & set(FEATURE_COLUMNS):  # the frame never shares a list with the features
        frame[name] = [list(v) for v in frame[name]]
    return frame


def columns_frame(features: FeatureColumns) -> pd.DataFrame:
    """`features_frame` of features held as columns (a rebuild): the same frame, made from the columns
    without an object per mention. The frame holds the columns' values as they are (every column of
    dtype object: a number stays a Python int, None stays None), not copies of them, in arrays of its
    own: `FeatureColumns.of_frame` reads the features from those arrays, so that the columns' lists need
    not be kept beside them (neither is changed)."""
    return pd.DataFrame(
        {name: features.columns[name] for name in FEATURE_COLUMNS},
        columns=list(FEATURE_COLUMNS),
        dtype=object,
    )


def with_frequencies(features_df: pd.DataFrame, frequencies: NameFrequencies) -> pd.DataFrame:
    """The frequency buckets of `NameFrequencies.apply`, as columns: each name in the table bucketed once
    (`NameFrequencies.bucket`), every other name rare, no name None."""
    frame = features_df.copy(deep=False)  # the two columns are replaced, not written into
    unknown = frequencies.bucket({}, "")  # a name missing from the table
    for column, name, counts in (
        ("surname_freq", "surname_first", frequencies.surname),
        ("given_freq", "given_first", frequencies.given),
    ):
        # Each known name's bucket, and the unknown bucket last: a name's position in the table, found by
        # pandas' hash table (-1, the last, for a name not in it), picks its bucket. A third of the time
        # of looking each mention's name up in Python (0.5 s at a million mentions).
        table = np.array([*(frequencies.bucket(counts, known) for known in counts), unknown], dtype=np.int64)
        names = frame[name].to_numpy(dtype=object)
        found = table[pd.Index(list(counts), dtype=object).get_indexer(names)]
        missing = np.equal(names, cast(Any, None))  # None is no name (NaN is one, unknown to the table)
        if missing.any():  # a column of floats, as pandas makes of the buckets with None among them
            found = found.astype(np.float64)
            found[missing] = np.nan
        frame[column] = found
    return frame


def name_frequencies(features_df: pd.DataFrame) -> NameFrequencies:
    """`NameFrequencies.count` of the features' first surname parts and first given names, counted by
    pandas."""

    def counts(column: str) -> dict[str, int]:
        names = features_df[column]
        named = names[names.notna() & (names != "")]
        return {str(name): int(n) for name, n in named.value_counts(sort=False).items()}

    return NameFrequencies.from_counts(len(features_df), counts("surname_first"), counts("given_first"))


def _features_of_row(row: Mapping[str, Any]) -> MentionFeatures:
    """A frame row (`FEATURE_COLUMNS`) as features again."""
    return MentionFeatures(**{k: _none_row(row[k]) for k in FEATURE_COLUMNS})


def _none_row(value: Any) -> Any:
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):  # a list column's shared tuple (`mentions_to_features`)
        return list(value)
    value = _none(value)
    if isinstance(value, float) and value.is_integer():  # pandas turns int columns with None into float
        return int(value)
    return value


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _gaps_as_none(column: pd.Series) -> np.ndarray:
    """The column's values (an array of objects, a copy) with every gap (None, NaN, pandas' NA) as None."""
    values: np.ndarray = column.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def _text_order(texts: list[str]) -> np.ndarray:
    """The indices of `texts` in the order of the texts (stable): Python's sort of the indices, the order
    numpy's argsort of the texts as objects gives in a fraction of its time (it compares through Python
    objects; at a million ids 0.9 s)."""
    return np.fromiter(sorted(range(len(texts)), key=texts.__getitem__), dtype=np.int64, count=len(texts))
