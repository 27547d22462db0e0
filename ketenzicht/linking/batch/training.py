"""Training a person model without labels: `train` estimates the prior from deterministic rules, u by
random sampling (in this process's DuckDB, `u_counts`) and m by EM, with Splink on DuckDB (`_DuckDBBackend`)
or on Spark (ketenzicht/linking/spark.py); m's other sources and floors are in `m_estimates`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd

from ketenzicht.linking.batch.connection import BACKENDS, _connection, _linker
from ketenzicht.linking.batch.frame import name_frequencies, with_frequencies
from ketenzicht.linking.batch.m_estimates import (
    _apply_m_floors,
    _floors_held,
    _floors_released,
    _m_changed,
    _m_from_same_bsn,
    _m_from_shipped,
)
from ketenzicht.linking.engine.comparisons import COMPARISONS, Comparison
from ketenzicht.linking.engine.mention_features import RARE_SHARE
from ketenzicht.linking.engine.model import MODEL_FORMAT, MODEL_FORMAT_VERSION
from ketenzicht.linking.engine.splink_settings import (
    BLOCKING_RULES,
    DETERMINISTIC_RECALL,
    DETERMINISTIC_RULES,
    EM_BLOCKING_RULES,
    settings_dict,
)
from ketenzicht.linking.splink_table import Counts, conditional_u, random_u_sql, u_sample
from ketenzicht.linking.splink_table import random_u as u_by_sampling

logger = logging.getLogger(__name__)


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
        from ketenzicht.linking.spark import SparkBackend, spark_session

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


def _em(linker: Any, rule: str, max_pairs: float | None, steps: str) -> None:
    linker.training.estimate_parameters_using_expectation_maximisation(
        rule, max_pairs=max_pairs, estimate_without_term_frequencies=steps == "grouped"
    )


def _em_underflow(error: ValueError) -> bool:
    return "below the minimum allowed" in str(error)
