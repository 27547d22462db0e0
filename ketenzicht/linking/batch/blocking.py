"""The blocking keys a batch links on: the online matcher's keys (`engine.keys`), each kept where at least
two and at most `MAX_KEY_MENTIONS` mentions share it (`key_cap`), so that a rebuild scores the candidate
pairs intake does.

In Python per mention (`with_block_keys`) or built and capped by DuckDB (`held_keys_column`, and tables
`held_keys` and `held` for prediction, `_held_keys`); and every mention's uncapped keys and their digest as
intake stores them (`mention_key_rows`, `mention_key_digests`), for a rebuild.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd

from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import _features_of_row
from ketenzicht.linking.engine.keys import (
    DEFAULT_PAIR_RULE,
    KEY_INPUTS,
    KEY_LABELS,
    PairRule,
    blocking_key_hash_rows_sql,
    blocking_keys,
    blocking_keys_sql,
    key_cap,
    key_cap_sql,
    key_number_sql,
    keys_digest_sql,
)
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS
from ketenzicht.linking.splink_table import BLOCK_KEYS, INT_COLUMNS

# Prediction blocks on the online matcher's keys, so that a rebuild scores the same candidate pairs as
# intake does: two mentions are a candidate pair when they share a blocking key (engine.keys, derived from
# BLOCKING_RULES) that at most MAX_KEY_MENTIONS mentions have. A key more common than that ("jansen" born
# in 1985 at national scale) would bring thousands of pairs that the other keys decide anyway.
MAX_KEY_MENTIONS = 100


def with_block_keys(features_df: pd.DataFrame, max_key_mentions: int = MAX_KEY_MENTIONS) -> pd.DataFrame:
    """The features with column `block_keys`: each mention's keys that at least one other mention and
    at most `max_key_mentions` mentions share (a BSN key more, `engine.keys.key_cap`); computed here when
    the frame lacks them."""
    if BLOCK_KEYS in features_df.columns:
        keys: list[list[str]] = list(features_df[BLOCK_KEYS])
    else:
        keys = [
            blocking_keys(_features_of_row(row))
            for row in features_df[list(FEATURE_COLUMNS)].to_dict("records")
        ]
    counts = Counter(key for mention_keys in keys for key in mention_keys)
    frame = features_df.copy(deep=False)
    frame[BLOCK_KEYS] = [
        [k for k in mention_keys if 2 <= counts[k] <= key_cap(k, max_key_mentions)] for mention_keys in keys
    ]
    return frame


def held_keys_column(features_df: pd.DataFrame, max_key_mentions: int = MAX_KEY_MENTIONS) -> list[list[str]]:
    """Column `block_keys` of `with_block_keys` (each mention's keys that another mention and at most
    `key_cap` of `max_key_mentions` mentions share), built and capped by DuckDB (`_held_keys`) instead of
    mention by mention in Python; in the frame's order."""
    con = _connection(features_df)  # ordered: row number i is the frame's row i
    try:
        _held_keys(con, max_key_mentions)
        rows = con.execute(
            "SELECT n, list(k ORDER BY k) FROM held JOIN held_keys USING (kid) GROUP BY n"
        ).fetchall()
    finally:
        con.close()
    keys: list[list[str]] = [[] for _ in range(len(features_df))]
    for row, held in rows:
        keys[row] = held
    return keys


# What DuckDB needs to build the keys: the unique ids and the columns the keys are made of (two thirds of
# the features' columns to copy into it, and none of the lists).
_KEY_TABLE = ("unique_id", *KEY_INPUTS)


def mention_key_rows(features_df: pd.DataFrame, *, batch: int = 100_000) -> Iterator[tuple[str, int]]:
    """Every blocking key of every mention (`engine.keys.blocking_keys`, uncapped, as intake stores them:
    its number, `keys.key_number`), built by DuckDB (`keys.blocking_keys_sql`, `keys.key_number_sql`)
    rather than mention by mention in Python: (unique id, key number) rows, streamed."""
    keys = blocking_keys_sql(INT_COLUMNS, ordered=False)
    select = (
        f"SELECT unique_id, {key_number_sql('k')} FROM (SELECT unique_id, unnest({keys}) AS k FROM mentions)"
    )
    return _key_table_rows(features_df, select, batch)


def mention_key_digests(features_df: pd.DataFrame, *, batch: int = 100_000) -> Iterator[tuple[int, str]]:
    """(mention id, `keys.keys_digest` of its blocking keys) of every mention, in the order of the ids (the
    frame's unique ids are mention ids), built by DuckDB (`keys.keys_digest_sql`): what a rebuild compares
    with the stored fingerprints (`features.features_changed`)."""
    select = (
        f"SELECT CAST(unique_id AS BIGINT) AS id, {keys_digest_sql(INT_COLUMNS)} FROM mentions ORDER BY id"
    )
    return _key_table_rows(features_df, select, batch)


def _key_table_rows(features_df: pd.DataFrame, select: str, batch: int) -> Iterator[Any]:
    """The rows of `select` over the frame's key columns (table `mentions`, `_KEY_TABLE`), streamed."""
    con = _connection(features_df, ordered=False, columns=_KEY_TABLE)
    cursor = con.execute(select)
    try:
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        con.close()


def _held_keys(
    con: duckdb.DuckDBPyConnection,
    max_key_mentions: int,
    rule: PairRule = DEFAULT_PAIR_RULE,
    *,
    mention: str = "rowid",
    given: bool = False,
    hashed: bool = False,
) -> None:
    """Tables `held_keys` (k: a key; kid: its number; w: what it counts towards `rule`'s minimum,
    `PairRule.weight_sql` of how many mentions hold it) and `held` (n: the mention's `mention` column in
    table `mentions`, its `rowid` or its numbered unique id; kid, w): each mention's keys that at least one
    other mention and at most `key_cap` of `max_key_mentions` mentions share, as `with_block_keys` keeps
    them. The keys are built by DuckDB (`keys.blocking_keys_sql`), or with `given` read from column
    `block_keys` (each mention's `blocking_keys`, e.g. stored ones). Numbered, the keys are joined as
    integers rather than as text (bench/README.md, "Keys joined by number"). `hashed` (built keys only):
    each key is its label's number and a hash of its values (`keys.blocking_key_hash_rows_sql`), never
    written out, and `held_keys` has the label (k, as "label:") in place of the key."""
    if hashed and not given:
        con.execute(
            "CREATE TEMP TABLE mention_keys AS "
            + blocking_key_hash_rows_sql("mentions", mention, INT_COLUMNS)
        )
        labels = ", ".join(f"({number}, '{label}:')" for number, label in enumerate(KEY_LABELS))
        key, kinds = "kind, h", f"JOIN (VALUES {labels}) AS kinds(kind, k) USING (kind)"
    else:
        keys = BLOCK_KEYS if given else blocking_keys_sql(INT_COLUMNS, ordered=False)
        con.execute(
            f"CREATE TEMP TABLE mention_keys AS SELECT {mention} AS n, unnest({keys}) AS k FROM mentions"
        )
        key, kinds = "k", ""
    counted = f"SELECT {key}, count(*) AS c FROM mention_keys GROUP BY {key}"
    con.execute(
        f"CREATE TEMP TABLE held_keys AS SELECT {key}, CAST(row_number() OVER () AS UINTEGER) AS kid, "
        f"CAST({rule.weight_sql('k', 'c')} AS UTINYINT) AS w FROM ({counted}) {kinds} "
        f"WHERE c BETWEEN 2 AND {key_cap_sql('k', max_key_mentions)}"
    )
    con.execute(f"CREATE TEMP TABLE held AS SELECT n, kid, w FROM mention_keys JOIN held_keys USING ({key})")
    con.execute("DROP TABLE mention_keys")
