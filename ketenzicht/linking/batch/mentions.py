"""A DataFrame of mention columns as written (`MENTION_FIELDS`) as a features frame: `mentions_to_features`,
mention by mention with each one's blocking keys, or column by column (`normalise_columns`) without them,
with Python's garbage collector paused while it builds (`_collector_paused`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import pandas as pd

from ketenzicht.linking.batch.frame import _gaps_as_none, _none, features_frame
from ketenzicht.linking.engine.columns import normalise_columns, processes_for
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS
from ketenzicht.linking.engine.normalise import normalise_mention
from ketenzicht.linking.splink_table import INT_COLUMNS

MENTION_FIELDS = (
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date",
    "sex",
    "bsn",
    "postcode",
    "house_number",
    "street",
    "city",
    "phone",
)


def _text(value: Any) -> str | None:
    value = _none(value)
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def mentions_to_features(
    df: pd.DataFrame, id_column: str = "mention_id", *, with_keys: bool = True
) -> pd.DataFrame:
    """Features of a DataFrame of mention columns (given_names, surname_prefix, surname, birth_date
    `YYYY-MM-DD`, sex, bsn, house_number, postcode, street, city, phone; missing columns count as empty), with
    each mention's blocking keys (`features_frame`) unless `with_keys` is false."""

    def column(name: str) -> Sequence[str | None]:
        if name not in df.columns:
            return [None] * len(df)
        series = df[name]
        if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            return cast(Sequence[str | None], _gaps_as_none(series))  # text and gaps: nothing to convert
        return [v if type(v) is str else _text(v) for v in series]

    ids = [str(v) for v in df[id_column]] if id_column in df.columns else [str(i) for i in df.index]
    fields = MENTION_FIELDS
    values = {name: column(name) for name in fields}
    with _collector_paused():
        if not with_keys:  # column by column (the keys are built in DuckDB, `predict`)
            # A Series per column, not copied into one block: half the time of a frame from the lists. Each
            # column an array the Series takes as it is. The list columns hold each name's tuple, shared by
            # its mentions (a list per mention each: three million lists at a million mentions, about 0.3 s
            # and 200 MB; DuckDB and Arrow read a tuple as a list, and the readers of a frame's row take
            # either, `_none_row`).
            columns = normalise_columns(
                ids, values, arrays=True, shared_lists=True, processes=processes_for(len(ids))
            )
            # The integer columns become numbers (floats where there is a gap, as from a list); the others
            # hold text, tuples and gaps and stay objects, without pandas scanning them (0.65 s at a million).
            return pd.DataFrame(
                {
                    name: pd.Series(columns[name], copy=False).infer_objects()
                    if name in INT_COLUMNS
                    else pd.Series(columns[name], copy=False)
                    for name in FEATURE_COLUMNS
                },
                copy=False,
            )
        return features_frame(
            (
                normalise_mention(uid, **{name: values[name][i] for name in fields})
                for i, uid in enumerate(ids)
            ),
            with_keys=with_keys,
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block. Building the features of a million mentions
    makes millions of small objects without cycles (strings, tuples, lists), and each burst of them set off
    a collection that scanned every live object again: half the time of normalising a million mentions
    (20.6 s against 11.0 s, bench/README.md). The collector runs again after the block as it did before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
