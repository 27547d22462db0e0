"""Batch person linking with Splink 5 (DuckDB backend): training without labels, prediction, clustering.

The input is a pandas DataFrame of `MentionFeatures` rows (`features_frame`). The comparison spec, the
blocking rules and the settings come from `ketenzicht.linking.engine`; the trained model is Splink's own
JSON, which `ketenzicht.linking.engine.model.LinkModel` reads for online scoring.
"""

from __future__ import annotations

import copy
import gc
import json
import logging
import math
import operator
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from ketenzicht.linking.engine.comparisons import COMPARISONS, Comparison
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
from ketenzicht.linking.engine.model import (
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    prob_to_match_weight,
    splink_part,
)
from ketenzicht.linking.engine.normalise import (
    FEATURE_COLUMNS,
    RARE_SHARE,
    FeatureColumns,
    MentionFeatures,
    NameFrequencies,
    features_from_exchange,
    normalise_columns,
    normalise_mention,
    processes_for,
)
from ketenzicht.linking.engine.resolve import join_contradicts
from ketenzicht.linking.engine.splink_settings import (
    BLOCKING_RULES,
    DETERMINISTIC_RECALL,
    DETERMINISTIC_RULES,
    EM_BLOCKING_RULES,
    settings_dict,
)
from ketenzicht.linking.splink_table import (
    BLOCK_KEYS,
    INT_COLUMNS,
    LIST_COLUMNS,
    Counts,
    conditional_u,
    pair_columns_sql,
    random_u_sql,
    same_bsn_m,
    sql_type,
    table_columns,
    u_sample,
    weight_bound_sql,
)
from ketenzicht.linking.splink_table import random_u as u_by_sampling

logger = logging.getLogger(__name__)

MODEL_VERSION = "4"
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_MODEL_PATH = DATA_DIR / f"person-model-v{MODEL_VERSION}.json"


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


def prediction_settings(splink_json: Mapping[str, Any], *, explained: bool = True) -> dict[str, Any]:
    """The model's settings for prediction: no blocking rules (Splink is given the candidate pairs, on
    DuckDB and on Spark alike); `explained`: with the columns per comparison (gamma_, mw_)."""
    settings = dict(splink_json)
    settings["blocking_rules_to_generate_predictions"] = []
    settings["retain_intermediate_calculation_columns"] = explained
    return settings


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


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's limits for batch linking. By default DuckDB takes up to 80% of the machine's memory before
    it spills to disk; a rebuild shares its machine with the application, so it gets a fixed budget
    (`KETENZICHT_DUCKDB_MEMORY`, default 1500MB) and spills the rest to `KETENZICHT_DUCKDB_TEMP` (default
    the system's temporary directory)."""
    return {
        "memory_limit": os.environ.get("KETENZICHT_DUCKDB_MEMORY", "1500MB"),
        "temp_directory": os.environ.get(
            "KETENZICHT_DUCKDB_TEMP", str(Path(tempfile.gettempdir()) / "ketenzicht-duckdb")
        ),
    }


def _connection(
    features_df: pd.DataFrame,
    *,
    ordered: bool = True,
    numbered: bool = False,
    columns: Sequence[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the features as table `mentions`, with explicit column types.
    `ordered=False` lets DuckDB drop insertion order (less memory for large joins; for prediction, whose
    result is a set of pairs; training keeps it, so that seeded samples repeat). `numbered`: the frame's
    unique ids are integers (`_numbered`), kept as such. `columns`: only these (default: every column
    Splink's table has, `table_columns`)."""
    config = duckdb_config()
    if not ordered:
        config["preserve_insertion_order"] = False
    con = duckdb.connect(":memory:", config=config)
    columns = list(columns) if columns is not None else table_columns(features_df)
    # A frame of the same column objects (no deep copy of a million rows), the integers as nullable ints.
    frame = pd.DataFrame(
        {c: features_df[c].astype("Int64") if c in INT_COLUMNS else features_df[c] for c in columns},
        copy=False,
    )
    con.register("mentions_frame", frame)
    types = {c: sql_type(c) for c in columns} | ({"unique_id": "BIGINT"} if numbered else {})
    casts = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in columns)
    con.execute(f"CREATE TABLE mentions AS SELECT {casts} FROM mentions_frame")
    con.unregister("mentions_frame")
    del frame
    return con


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


def _linker(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any]) -> tuple[Any, Any]:
    """Splink's Linker over table `mentions` of `con`, and the DuckDB API it runs on (which registers
    further tables of `con` for it)."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("mentions", dataset_display_name="mentions")
    return Linker(sdf, dict(settings), log_level=logging.WARNING), db_api


BACKENDS = ("duckdb", "spark")


def u_counts(sample_df: pd.DataFrame) -> Counts:
    """`splink_table.random_u`'s counts over the pairs of the sample (`u_sample`), in DuckDB, the names'
    keys as an enum (`_name_keys_as_enum`)."""
    con = _connection(sample_df)
    _name_keys_as_enum(con)
    return lambda comparisons, after, upto: con.execute(
        random_u_sql(comparisons, after, upto, table="mentions")
    ).fetchall()


# The names' list columns, which the comparisons only test for a common element (`list_has_any`).
NAME_KEY_COLUMNS = ("surname_keys", "surname_phonetic", "given_keys")


def _name_keys_as_enum(con: duckdb.DuckDBPyConnection) -> None:
    """The names' list columns of table `mentions` as lists of one ENUM of all their keys, which DuckDB
    compares as small integers: the same overlaps, and the five million pairs of the u sample counted in
    0.7 s less (4.7 s against 5.4 s; bench/README.md, "Clustering by components, a tighter bound"). One
    enum for all three, as the surname's keys are tested against the given names' too."""
    keys = " UNION ALL ".join(f"SELECT unnest({column}) AS k FROM mentions" for column in NAME_KEY_COLUMNS)
    con.execute(f"CREATE TEMP TABLE name_keys AS SELECT DISTINCT k FROM ({keys}) WHERE k IS NOT NULL")
    found = con.execute("SELECT count(*) FROM name_keys").fetchone()
    if found and found[0]:  # an enum needs a value: a table without name keys keeps its lists of text
        con.execute("CREATE TYPE name_key AS ENUM (SELECT k FROM name_keys ORDER BY k)")
        for column in NAME_KEY_COLUMNS:
            con.execute(f"ALTER TABLE mentions ALTER COLUMN {column} TYPE name_key[]")
    con.execute("DROP TABLE name_keys")


class _DuckDBBackend:
    """Splink on an in-memory DuckDB holding the features as table `mentions`."""

    def __init__(self, features_df: pd.DataFrame):
        self.features_df = features_df
        self.con = _connection(features_df)

    def linker(self, settings: Mapping[str, Any]) -> Any:
        linker, _ = _linker(self.con, settings)
        return linker

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of one of splink_table's queries over table `mentions`."""
        return self.con.execute(sql).fetchall()

    def splink_json(self, linker: Any) -> dict[str, Any]:
        saved: dict[str, Any] = linker.misc.save_model_to_json()
        return saved


@contextmanager
def _backend(name: str, features_df: pd.DataFrame) -> Iterator[Any]:
    """Where Splink runs: DuckDB here, or Spark (a session for the block, see spark.py)."""
    if name == "duckdb":
        yield _DuckDBBackend(features_df)
    elif name == "spark":
        from .spark import SparkBackend, spark_session

        with spark_session() as spark:
            yield SparkBackend(spark, features_df)
    else:
        raise ValueError(f"backend {name!r}: one of {', '.join(BACKENDS)}")


TRAIN_SAMPLE = 300_000
TRAINING_STEPS = ("grouped", "splink")


def train(
    features_df: pd.DataFrame,
    seed: int,
    *,
    u_max_pairs: float = 5e6,
    em_max_pairs: float | None = 2e6,
    em_max_iterations: int = 25,
    blocking_rules: Sequence[str] = BLOCKING_RULES,
    backend: str = "duckdb",
    sample: int | None = TRAIN_SAMPLE,
    prior: float | None = None,
    steps: str = "grouped",
) -> dict[str, Any]:
    """Estimate the prior from deterministic rules, u by random sampling, m by EM (and, for the date of
    birth, from pairs that share a valid BSN: the one label a register has). `backend`:
    where Splink runs, "duckdb" (in this process) or "spark" (ketenzicht/linking/spark.py).

    The name frequencies are counted on all mentions; the Splink estimates on a random sample of at most
    `sample` mentions (seeded; None: all). Every estimate is a ratio that a uniform sample keeps (the
    prior: matching pairs per pair; u and m: level shares), and EM and u sampling are capped in pairs
    anyway, so a larger register only costs time.

    u by random sampling: the pairs of a seeded random sample of mentions with about `u_max_pairs` pairs,
    all comparisons counted together in a few staged queries (`splink_table.random_u`; Splink's own
    estimate runs a query per comparison and chunk of pairs, each a job on Spark), in this process's
    DuckDB whatever the backend: the sample does not grow with the register.
    EM runs on the counts of each pattern of comparison levels among the blocked pairs (Splink's
    `estimate_without_term_frequencies`: the same estimate, as the model has no term-frequency
    adjustments, with each iteration over a few thousand patterns instead of every pair).
    `steps="splink"`: Splink's own u estimate (chunk by chunk, one comparison at a time; the pairs depend
    on the backend's hash function) and EM over every pair instead, as before 2026-12, for comparison.
    `em_max_iterations`: per EM blocking rule, at most this many iterations (Splink stops earlier at
    convergence).

    The model's prior is the register's own estimate (from deterministic rules, see splink_settings);
    `prior` sets it instead. The estimate is recorded under `training.prior_estimated`.

    Comparisons with `u_conditional_on` get their u from `splink_table.conditional_u` (fixed, so EM keeps
    it) when the data allows; the others keep u from random sampling. Comparisons with `m_from_same_bsn`
    get their m from the pairs with the same valid BSN (`splink_table.same_bsn_m`; fixed, so EM keeps it
    and weighs the others with it) when the data has enough of them; else EM estimates it like the others.
    Returns the model artefact: Splink's model JSON under "splink" and the name-frequency table under
    "name_frequencies"."""
    frequencies = name_frequencies(features_df)
    mentions = len(features_df)
    if sample is not None and len(features_df) > sample:
        features_df = features_df.sample(n=sample, random_state=seed).sort_index()
    features_df = with_frequencies(features_df, frequencies)  # of the sample only: the same rows' buckets
    if steps not in TRAINING_STEPS:
        raise ValueError(f"steps {steps!r}: one of {', '.join(TRAINING_STEPS)}")
    with _backend(backend, features_df) as db:
        settings = settings_dict(blocking_rules=blocking_rules)
        settings["max_iterations"] = em_max_iterations
        linker = db.linker(settings)
        linker.training.estimate_probability_two_random_records_match(
            list(DETERMINISTIC_RULES), recall=DETERMINISTIC_RECALL
        )
        if steps == "splink":
            linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
            model_u = db.splink_json(linker)
        else:
            model_u = db.splink_json(linker)
            u_mentions = u_sample(features_df, u_max_pairs, seed)
            # In this process's DuckDB whatever the backend: the sample is small by construction (about
            # `u_max_pairs` pairs, whatever the register's size), and DuckDB counts its pairs many times
            # faster than a local Spark (bench/README.md, "Spark training").
            random_u = u_by_sampling(COMPARISONS, len(u_mentions), u_counts(u_mentions))
            for saved in model_u["comparisons"]:
                levels = saved["comparison_levels"]
                for entry, u in zip(levels, random_u[saved["output_column_name"]], strict=True):
                    if u is not None and not entry.get("fix_u_probability"):
                        entry["u_probability"] = u
        # The comparisons with one condition share the pass over its pairs (the address and the phone).
        by_condition: dict[str, list[Comparison]] = defaultdict(list)
        for comparison in COMPARISONS:
            if comparison.u_conditional_on is not None:
                by_condition[comparison.u_conditional_on].append(comparison)
        conditional = {
            name: u for group in by_condition.values() for name, u in conditional_u(group, db.rows).items()
        }
        for saved in model_u["comparisons"]:
            u_values = conditional.get(saved["output_column_name"])
            if u_values is None:
                continue
            for entry, u in zip(saved["comparison_levels"], u_values, strict=True):
                if u is not None:
                    entry["u_probability"] = max(u, float(entry.get("u_probability", 0.0)))
                    entry["fix_u_probability"] = True
        labelled = _m_from_same_bsn(db, model_u)
        linker = db.linker(model_u)
        estimated: set[str] = set(labelled)
        skipped: list[str] = []
        held: dict[str, list[str]] = {}
        for rule in EM_BLOCKING_RULES:
            before = db.splink_json(linker)
            try:
                _em(linker, rule, em_max_pairs, steps)
            except ValueError as error:
                # Splink refuses an m that EM drives below 1e-300: a level this block shows (almost)
                # only among non-matches, whose m falls every iteration (at a million mentions the
                # address level "street within 2 edits, same house number and place"). Once more with
                # the levels the data cannot teach held at their floor; when that fails too, this rule
                # estimates nothing and what only it would have estimated comes from the shipped model.
                if not _em_underflow(error):
                    raise
                floored = _floors_held(before)
                try:
                    linker = db.linker(floored.splink_json)
                    _em(linker, rule, em_max_pairs, steps)
                except ValueError as again:
                    if not _em_underflow(again):
                        raise
                    logger.warning("EM on %r skipped: %s", rule, again)
                    skipped.append(rule)
                    linker = db.linker(before)
                    continue
                logger.warning(
                    "EM on %r ran again with %s held at their floor", rule, ", ".join(floored.labels)
                )
                held[rule] = floored.labels
                linker = db.linker(_floors_released(db.splink_json(linker), floored.labels))
            estimated |= _m_changed(before, db.splink_json(linker))
        splink_json = db.splink_json(linker)
    from_shipped = _m_from_shipped(splink_json, estimated) if skipped else []
    _apply_m_floors(splink_json)
    # The prior is the register's own estimate (splink_settings), unless given; the estimate is recorded.
    estimated_prior = float(splink_json["probability_two_random_records_match"])
    splink_json["probability_two_random_records_match"] = prior if prior is not None else estimated_prior
    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "rare_share": RARE_SHARE,
        "name_frequencies": frequencies.as_dict(),
        "splink": splink_json,
        # How the m values came about when an EM rule failed (empty: every one was estimated).
        "training": {
            "em_skipped": skipped,
            "em_floors_held": held,
            "m_from_shipped_model": from_shipped,
            # Comparisons whose m was counted among pairs with the same valid BSN: how many pairs.
            "m_from_same_bsn": labelled,
            "prior_estimated": estimated_prior,
            "prior": "estimated" if prior is None else "given",
            "prior_mentions": mentions,
        },
    }


def _m_from_same_bsn(db: Any, splink_json: dict[str, Any]) -> dict[str, int]:
    """Give each comparison with `m_from_same_bsn` the m counted among pairs with the same valid BSN (in
    place, fixed for EM) where the data has enough of them; per comparison given, how many pairs."""
    by_name = {c.name: c for c in COMPARISONS}
    given: dict[str, int] = {}
    for saved in splink_json["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        counted = same_bsn_m(comparison, db.rows)
        if counted is None:
            continue
        m_values, pairs = counted
        for entry, m in zip(saved["comparison_levels"], m_values, strict=True):
            if m is not None:
                entry["m_probability"] = m
                entry["fix_m_probability"] = True
        given[comparison.name] = pairs
    return given


def _em(linker: Any, rule: str, max_pairs: float | None, steps: str) -> None:
    linker.training.estimate_parameters_using_expectation_maximisation(
        rule, max_pairs=max_pairs, estimate_without_term_frequencies=steps == "grouped"
    )


def _em_underflow(error: ValueError) -> bool:
    return "below the minimum allowed" in str(error)


@dataclass(frozen=True)
class _Floored:
    splink_json: dict[str, Any]
    labels: list[str]  # "comparison: level" of each level held at its floor


def _floors_held(splink_json: Mapping[str, Any], comparisons: Sequence[Comparison] = COMPARISONS) -> _Floored:
    """The settings with every level that has a floor (`min_m`: a level training data may not teach, see
    engine/comparisons.py) fixed at that floor, so that EM leaves it alone."""
    by_name = {c.name: c for c in comparisons}
    out = copy.deepcopy(dict(splink_json))
    labels: list[str] = []
    for saved in out["comparisons"]:
        name = saved["output_column_name"]
        for level, entry in zip(by_name[name].levels, saved["comparison_levels"], strict=True):
            if level.min_m is None or entry.get("fix_m_probability"):
                continue
            entry["m_probability"] = level.min_m
            entry["fix_m_probability"] = True
            labels.append(f"{name}: {level.label}")
    return _Floored(out, labels)


def _floors_released(
    splink_json: Mapping[str, Any], labels: Sequence[str], comparisons: Sequence[Comparison] = COMPARISONS
) -> dict[str, Any]:
    """The settings after EM with the levels `_floors_held` fixed (`labels`, "comparison: level")
    estimable again; their m stays. Levels fixed for another reason (by design, from same-BSN pairs) stay
    fixed."""
    by_name = {c.name: c for c in comparisons}
    held = set(labels)
    out = copy.deepcopy(dict(splink_json))
    for saved in out["comparisons"]:
        name = saved["output_column_name"]
        for level, entry in zip(by_name[name].levels, saved["comparison_levels"], strict=True):
            if f"{name}: {level.label}" in held:
                entry.pop("fix_m_probability", None)
    return out


class TrainingFailed(RuntimeError):
    """Training cannot give a usable model (an EM rule failed and the shipped model cannot stand in)."""


def _m_values(splink_json: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        saved["output_column_name"]: [level.get("m_probability") for level in saved["comparison_levels"]]
        for saved in splink_json["comparisons"]
    }


def _m_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The comparisons whose m an EM run changed (those it estimated)."""
    was, now = _m_values(before), _m_values(after)
    return {name for name, values in now.items() if values != was.get(name)}


def _m_from_shipped(
    splink_json: dict[str, Any], estimated: set[str], shipped_path: str | Path | None = None
) -> list[str]:
    """Give every comparison that no EM rule estimated the m of the shipped model (in place), so a failed
    EM rule never leaves Splink's untrained starting values in a model; the names it gave. Raises
    TrainingFailed when the shipped model does not have the comparison with the same levels."""
    shipped = _m_values(load_model(shipped_path or DEFAULT_MODEL_PATH)["splink"])
    given: list[str] = []
    for saved in splink_json["comparisons"]:
        name = saved["output_column_name"]
        if name in estimated:
            continue
        values = shipped.get(name)
        if values is None or len(values) != len(saved["comparison_levels"]):
            raise TrainingFailed(f"EM estimated no m for {name} and the shipped model has none to give")
        for entry, m in zip(saved["comparison_levels"], values, strict=True):
            if m is not None:
                entry["m_probability"] = m
        given.append(name)
    if given:
        logger.warning("m of %s taken from the shipped model: EM could not estimate it", ", ".join(given))
    return given


def _apply_m_floors(splink_json: dict[str, Any], comparisons: Sequence[Comparison] = COMPARISONS) -> None:
    """Raise a trained m to the level's `min_m` (in place)."""
    by_name = {c.name: c for c in comparisons}
    for saved in splink_json["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        for level, entry in zip(comparison.levels, saved["comparison_levels"], strict=True):
            m = entry.get("m_probability")
            if level.min_m is not None and isinstance(m, float | int) and m < level.min_m:
                entry["m_probability"] = level.min_m


def save_model(model_json: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(model_json, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


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
        from .spark import predict_pairs

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


def _text_order(texts: list[str]) -> np.ndarray:
    """The indices of `texts` in the order of the texts (stable): Python's sort of the indices, the order
    numpy's argsort of the texts as objects gives in a fraction of its time (it compares through Python
    objects; at a million ids 0.9 s)."""
    return np.fromiter(sorted(range(len(texts)), key=texts.__getitem__), dtype=np.int64, count=len(texts))


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


# The batch links where intake and the rebuild do: at the upper threshold (KETENZICHT_LINK_UPPER, default a
# probability of 0.99, match weight 6.63; tests/linking/test_link_file.py holds the two together), so that
# `manage.py link_file` and the benchmarks join the pairs the application joins. Until 2026-12-04 it was
# match weight 8.0 (a probability of 0.996), which left apart in the batch the pairs between 6.63 and 8.0
# that intake links: about 1.4 points of pairwise recall, for 0.03 to 0.09 points of precision
# (bench/README.md, "One link threshold").
DEFAULT_LINK_PROBABILITY = 0.99
DEFAULT_THRESHOLD_MATCH_WEIGHT = prob_to_match_weight(DEFAULT_LINK_PROBABILITY)
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


def _gaps_as_none(column: pd.Series) -> np.ndarray:
    """The column's values (an array of objects, a copy) with every gap (None, NaN, pandas' NA) as None."""
    values: np.ndarray = column.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def candidate_keys(df: pd.DataFrame) -> pd.Series:
    """The blocking keys of every row of a mention DataFrame that `predict` blocks on (two rows are
    candidates when the keys they share are enough, `engine.keys.PairRule`; keys of more than
    MAX_KEY_MENTIONS rows left out), for reachability figures."""
    features = with_block_keys(mentions_to_features(df))
    return pd.Series(list(features[BLOCK_KEYS]), index=df.index, dtype=object)


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
