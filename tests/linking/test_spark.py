"""The Spark backend runs the same job as DuckDB (ketenzicht/linking/spark.py): every comparison level
picks the same level for every pair, the same model predicts the same pairs with the same weights, a model
trained on Spark is the same artefact in form, and `link_persons --rebuild --backend spark` relinks a small
register into the same persons as `--backend duckdb`.

Spark needs Java. Without it these tests are skipped, except in CI (env CI set), where they must run and a
missing Java fails them (as the browser tests do without Chromium).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate
from ketenzicht.linking.batch.artefact import load_model
from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import features_frame, features_from_file, with_frequencies
from ketenzicht.linking.batch.prediction import predict
from ketenzicht.linking.batch.training import train
from ketenzicht.linking.engine.comparisons import COMPARISONS
from ketenzicht.linking.engine.keys import EVERY_SHARED_KEY, PairRule
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS, NameFrequencies
from ketenzicht.linking.engine.model import LinkModel
from ketenzicht.linking.engine.normalise import features_from_exchange
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES, settings_dict
from ketenzicht.linking.splink_table import conditional_u_sql, same_bsn_m_sql

pytestmark = pytest.mark.slow

TOLERANCE = 1e-9


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local Spark session for the module (the rebuild command reuses it rather than starting one)."""
    try:
        from ketenzicht.linking.spark import SparkConfig, java_missing, spark_session

        reason = java_missing()
    except ImportError as error:  # pyspark not installed
        reason = f"no pyspark ({error}): pip install -r requirements-dev.lock"
    if reason:
        if _in_ci():
            pytest.fail(f"CI: the Spark tests must run, but {reason}", pytrace=False)
        pytest.skip(reason)
    # One core: `make test` runs a second worker beside this one on a 2-core machine (local[2] made both
    # slower: this file and the one beside it took 20-35% longer, 2026-12-03).
    config = SparkConfig(
        master="local[1]",
        driver_memory="1g",
        shuffle_partitions=2,
        work_dir=tmp_path_factory.mktemp("spark"),
    )
    with spark_session(config) as session:
        yield session
    assert not any(config.work_dir.iterdir()), "the session's checkpoint folder is removed when it stops"


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo register: 200 registrations, some 400 person mentions."""
    out = tmp_path_factory.mktemp("register")
    generate(200, 3, out)
    return out / REGISTRATIONS_FILE


# Address levels the generator's register does not reach (it writes a postcode with every street), so the
# level check below covers them too: the same street, number and place without a postcode, a street with a
# typo at the same number and place, and a PC6 letter mistyped at the same house number.
ADDRESS_VARIANTS = (
    {"street": "Kerkstraat", "house_number": "12", "city": "Eindhoven"},
    {"street": "Kerkstraat", "house_number": "12", "city": "Eindhoven", "postcode": "5611 AA"},
    {"street": "Kerkstrat", "house_number": "12", "city": "Eindhoven"},
    {"postcode": "5611 AB", "house_number": "12"},
)


@pytest.fixture(scope="module")
def frame(register: Path) -> pd.DataFrame:
    variants = [
        features_from_exchange({"surname": "Kramer", "address": address}, f"variant|{n}")
        for n, address in enumerate(ADDRESS_VARIANTS)
    ]
    return features_frame([*features_from_file(register), *variants])


def _level_sql(pairs: str) -> str:
    """Every pair of `mentions` with the index of the level each comparison picks (DuckDB's SQL)."""
    columns = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in FEATURE_COLUMNS)
    cases = []
    for comparison in COMPARISONS:
        whens = " ".join(
            f"WHEN {level.condition.sql()} THEN {index}"
            for index, level in enumerate(comparison.levels)
            if level.condition.sql() != "ELSE"
        )
        cases.append(f"CASE {whens} ELSE {len(comparison.levels) - 1} END AS {comparison.name}")
    return (
        f"SELECT unique_id_l, unique_id_r, {', '.join(cases)} FROM ("
        f"  SELECT {columns} FROM mentions l JOIN mentions r ON {pairs}"
        f") ORDER BY unique_id_l, unique_id_r"
    )


def test_every_level_picks_the_same_pairs_on_spark_as_on_duckdb(spark: Any, frame: pd.DataFrame) -> None:
    """All pairs of the register, not only the blocked ones: list overlap, prefixes, first letters and edit
    distances translate to Spark with the same result, NULLs included."""
    from ketenzicht.linking.spark import SparkBackend, spark_sql

    model = load_model()
    features = with_frequencies(frame, NameFrequencies.from_dict(model["name_frequencies"]))
    sql = _level_sql("l.unique_id < r.unique_id")
    on_duckdb = _connection(features).execute(sql).df()
    SparkBackend(spark, features)
    on_spark = spark.sql(spark_sql(sql)).toPandas()
    assert len(on_duckdb) == len(frame) * (len(frame) - 1) // 2 > 50_000
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_dtype=False)
    for comparison in COMPARISONS:  # the pairs reach all levels but a few, so the check means something
        assert on_duckdb[comparison.name].nunique() >= len(comparison.levels) - 2, comparison.name


def test_spark_predicts_the_same_pairs_and_weights_as_duckdb(spark: Any, frame: pd.DataFrame) -> None:
    model = load_model()
    on_duckdb = predict(frame, model)
    on_spark = predict(frame, model, backend="spark")
    assert len(on_duckdb) > 50
    assert sorted(on_spark.columns) == sorted(on_duckdb.columns)
    key = ["unique_id_l", "unique_id_r"]
    on_duckdb = on_duckdb.sort_values(key).reset_index(drop=True)
    on_spark = on_spark[list(on_duckdb.columns)].sort_values(key).reset_index(drop=True)
    assert on_spark[key].equals(on_duckdb[key])
    numbers = ["match_weight", "match_probability", *(f"mw_{c.name}" for c in COMPARISONS)]
    assert set(numbers) <= set(on_duckdb.columns)
    for column in on_duckdb.columns:
        if pd.api.types.is_float_dtype(on_duckdb[column]):
            worst = (on_spark[column] - on_duckdb[column]).abs().max()
            assert worst <= TOLERANCE, (column, worst)
        else:
            assert on_spark[column].astype(str).equals(on_duckdb[column].astype(str)), column
    above = predict(frame, model, threshold_match_weight=8.0, backend="spark")
    assert set(zip(above["unique_id_l"], above["unique_id_r"], strict=True)) == set(
        zip(*(on_duckdb.loc[on_duckdb["match_weight"] >= 8.0, k] for k in key), strict=True)
    )


def test_spark_scores_only_the_pairs_that_share_enough_keys_as_duckdb_does(
    spark: Any, frame: pd.DataFrame
) -> None:
    """The candidate pairs are found in Spark SQL by the pair rule (`spark.candidate_pairs_sql`): a
    stricter rule scores fewer pairs, the same ones as on DuckDB, with a key cap and without."""
    model = load_model()

    def pairs(backend: str, rule: PairRule, cap: int) -> set[tuple[str, str]]:
        scored = predict(
            frame, model, threshold_match_weight=None, backend=backend, max_key_mentions=cap, pair_rule=rule
        )
        return set(zip(scored["unique_id_l"], scored["unique_id_r"], strict=True))

    every = pairs("spark", EVERY_SHARED_KEY, 100)
    for rule, cap in ((PairRule(minimum=3, rare=0), 100), (PairRule(minimum=2, rare=2), 5)):
        on_spark = pairs("spark", rule, cap)
        assert on_spark == pairs("duckdb", rule, cap)
        assert 0 < len(on_spark) < len(every)


def test_the_conditional_u_and_same_bsn_m_queries_count_the_same_on_spark(
    spark: Any, frame: pd.DataFrame
) -> None:
    from ketenzicht.linking.spark import SparkBackend, spark_sql

    SparkBackend(spark, frame)
    queried = []
    conditional = [c for c in COMPARISONS if c.u_conditional_on]
    queries = [
        *((c.name, same_bsn_m_sql(c)) for c in COMPARISONS),
        *((c.name, conditional_u_sql([c])) for c in COMPARISONS),
        ("conditional together", conditional_u_sql(conditional)),  # one pass for all that share it
    ]
    for name, sql in queries:
        if sql is None:
            continue
        on_duckdb = sorted(_connection(frame).execute(sql).fetchall())
        on_spark = sorted(tuple(row) for row in spark.sql(spark_sql(sql)).collect())
        assert on_spark == on_duckdb and sum(row[-1] for row in on_duckdb) > 0, name
        queried.append(name)
    assert queried == ["birth_date", "address", "phone", "conditional together"]


# Training as `train` does it (u counted in DuckDB over a sample drawn in pandas on either backend; the
# prior, the conditional u and EM on the backend), with two EM iterations per blocking rule so that
# Spark's share stays short (each runs the same E and M steps as the next would).
TRAINING: dict[str, Any] = {"em_max_iterations": 2}


def test_a_model_trained_on_spark_is_the_same_artefact(spark: Any, frame: pd.DataFrame) -> None:
    """Same prior, same form (DuckDB's SQL, so the online scorer takes it), same parameters: the same
    steps on the same pairs give the same estimates, m from EM included."""
    on_duckdb = train(frame, seed=1, **TRAINING)
    on_spark = train(frame, seed=1, backend="spark", **TRAINING)
    LinkModel(on_spark)  # refuses a model whose SQL differs from the spec
    assert on_spark["name_frequencies"] == on_duckdb["name_frequencies"]
    spark_json, duckdb_json = on_spark["splink"], on_duckdb["splink"]
    assert spark_json["sql_dialect"] == "duckdb"
    assert spark_json["blocking_rules_to_generate_predictions"] == [
        {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
    ]
    prior = spark_json["probability_two_random_records_match"]
    assert abs(prior - duckdb_json["probability_two_random_records_match"]) <= TOLERANCE
    spec = settings_dict()["comparisons"]
    estimated = {"m_probability": 0, "u_probability": 0}
    for ours, theirs, wanted in zip(spark_json["comparisons"], duckdb_json["comparisons"], spec, strict=True):
        for a, b, level in zip(
            ours["comparison_levels"], theirs["comparison_levels"], wanted["comparison_levels"], strict=True
        ):
            assert a["sql_condition"] == b["sql_condition"] == level["sql_condition"]
            where = (ours["output_column_name"], a["label_for_charts"])
            assert a.get("fix_u_probability") == b.get("fix_u_probability"), where
            for name in estimated:
                x, y = a.get(name), b.get(name)
                if isinstance(x, float) and isinstance(y, float):
                    assert abs(x - y) <= TOLERANCE, (*where, name, x, y)
                    estimated[name] += name not in level  # trained here, not fixed in the spec
                else:
                    assert x == y, (*where, name, x, y)
    assert estimated["m_probability"] > 15 and estimated["u_probability"] > 25, estimated


@pytest.mark.django_db
def test_link_persons_on_spark_relinks_into_the_same_persons(spark: Any, register: Path, capsys: Any) -> None:
    from ketenzicht.intake.bulk import import_file
    from ketenzicht.linking.models import MentionLink

    import_file(register)

    def snapshot() -> tuple[dict[int, int], dict[int, float | None], str]:
        links = MentionLink.objects.values_list("mention_id", "person_id", "probability")
        out = capsys.readouterr().out
        return {m: p for m, p, _ in links}, {m: q for m, _, q in links}, out

    call_command("link_persons", "--rebuild", "--backend", "duckdb", "--no-progress")
    persons, probabilities, said = snapshot()
    call_command("link_persons", "--rebuild", "--backend", "spark", "--no-progress")
    persons_spark, probabilities_spark, said_spark = snapshot()

    assert len(persons) > 300 and len(set(persons.values())) < len(persons)
    assert persons_spark == persons  # same persons, and they keep their ids
    for mention, probability in probabilities.items():
        other = probabilities_spark[mention]
        if probability is None or other is None:
            assert probability is other, mention
        else:
            assert abs(probability - other) <= TOLERANCE, mention
    counts = said.split(" -> ")[0]  # "N mentions, M pairs scored"
    assert said_spark.startswith(counts) and "(0 new ids, 0 merged)" in said_spark
