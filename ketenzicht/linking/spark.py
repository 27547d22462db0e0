"""Batch linking on Spark: the same Splink job as `batch/` runs on DuckDB, for registers that outgrow one
machine (`manage.py link_persons --rebuild --backend spark`).

Only the place where Splink runs changes; the comparison spec, the blocking rules, the training steps and
the model artefact stay the same:

- The comparison levels and blocking rules are written once, in DuckDB's SQL (engine/comparisons.py), and
  translated here with sqlglot. sqlglot renders DuckDB's `list_has_any` as `a && b` for Spark, which Spark
  reads as a boolean AND, so array overlap is written as Spark's `arrays_overlap` explicitly.
- A model trained on Spark is saved with the canonical (DuckDB) SQL again, so the artefact is the same
  whichever backend trained it, and the online scorer (engine/model.py) accepts it.
- The session is `local[*]` unless KETENZICHT_SPARK_MASTER says otherwise (see `SparkConfig`); Splink
  keeps its intermediate tables in Spark's memory and disk on a local master, as parquet in a checkpoint
  folder under var/spark/ on a cluster; the folder is removed when the session stops. Spark logs errors
  only (data/spark-log4j2.properties).

pyspark is an optional dependency (`pip install .[spark]`) and needs Java 17 or newer: nothing here is
imported by the DuckDB path.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlglot
from sqlglot import exp

from ketenzicht.linking.engine.keys import PairRule

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MASTER = "local[*]"
DEFAULT_DRIVER_MEMORY = "4g"
DEFAULT_SHUFFLE_PARTITIONS = 8
INPUT_VIEW = "mentions"
LOG_CONFIG = Path(__file__).parent / "data" / "spark-log4j2.properties"
BREAK_LINEAGE_METHODS = ("persist", "parquet", "checkpoint")


@dataclass(frozen=True)
class SparkConfig:
    """Where and how Spark runs.

    `master`: local[*] runs Spark inside this machine (all cores), spark://host:7077 or yarn a cluster.
    `break_lineage`: how Splink materialises its intermediate tables: "parquet" files in the checkpoint
    folder (Splink's default, for big jobs on a cluster), or "persist" in Spark's memory and local disk
    (several times faster for a local session); empty: persist on a local master, parquet otherwise.
    `work_dir`: each session's checkpoint folder is a new folder under it, removed when the session stops.
    """

    master: str = DEFAULT_MASTER
    driver_memory: str = DEFAULT_DRIVER_MEMORY
    shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS
    work_dir: Path = ROOT / "var" / "spark"
    break_lineage: str = ""

    @property
    def local(self) -> bool:
        return self.master.startswith("local")

    @property
    def break_lineage_method(self) -> str:
        method = self.break_lineage or ("persist" if self.local else "parquet")
        if method not in BREAK_LINEAGE_METHODS:
            raise ValueError(f"break_lineage {method!r}: one of {', '.join(BREAK_LINEAGE_METHODS)}")
        return method

    @classmethod
    def from_settings(cls) -> SparkConfig:
        """From Django's settings when they are configured, else from the environment (same names)."""
        values: dict[str, Any] = {}
        try:
            from django.conf import settings

            configured = settings.configured
        except ImportError:  # pragma: no cover - Django is a dependency; the engine stays usable without
            configured = False
        names = {
            "master": "KETENZICHT_SPARK_MASTER",
            "driver_memory": "KETENZICHT_SPARK_DRIVER_MEMORY",
            "shuffle_partitions": "KETENZICHT_SPARK_SHUFFLE_PARTITIONS",
            "work_dir": "KETENZICHT_SPARK_DIR",
            "break_lineage": "KETENZICHT_SPARK_BREAK_LINEAGE",
        }
        for field, name in names.items():
            value = getattr(settings, name, None) if configured else os.environ.get(name)
            if value not in (None, ""):
                values[field] = value
        if "shuffle_partitions" in values:
            values["shuffle_partitions"] = int(values["shuffle_partitions"])
        if "work_dir" in values:
            values["work_dir"] = Path(values["work_dir"])
        return cls(**values)


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java), or None when a `java` executable is there."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home) / "bin" / "java", os.X_OK):
        return None
    if shutil.which("java"):
        return None
    return "no Java: Spark needs a `java` on PATH or JAVA_HOME (apt-get install default-jre-headless)"


_lock = threading.RLock()
_current: tuple[SparkSession, SparkConfig] | None = None


@contextmanager
def spark_session(config: SparkConfig | None = None) -> Iterator[SparkSession]:
    """A Spark session for the duration of the block, stopped at its end. Inside a block that already
    holds one (a rebuild trains and predicts in one session), that session is reused and left running."""
    global _current
    with _lock:
        if _current is not None:
            yield _current[0]
            return
        reason = java_missing()
        if reason:
            raise RuntimeError(reason)
        from pyspark.sql import SparkSession

        config = config or SparkConfig.from_settings()
        config.work_dir.mkdir(parents=True, exist_ok=True)
        checkpoints = Path(tempfile.mkdtemp(prefix="checkpoints-", dir=config.work_dir))
        builder: Any = SparkSession.builder.master(config.master).appName("ketenzicht-linking")
        options = {
            "spark.driver.memory": config.driver_memory,
            "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
            "spark.default.parallelism": str(config.shuffle_partitions),
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
        }
        if config.local:  # the driver is the whole of Spark: it listens on loopback only
            options |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
        for key, value in options.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        session.sparkContext.setCheckpointDir(str(checkpoints))
        _current = (session, config)
        try:
            yield session
        finally:
            _current = None
            session.stop()
            shutil.rmtree(checkpoints, ignore_errors=True)


def _array_overlap(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="ARRAYS_OVERLAP", expressions=[node.this, node.expression])
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
        # DuckDB's hash is 64 bits; Spark's `hash` only 32 (ties in an ORDER BY ... LIMIT): xxhash64.
        return exp.Anonymous(this="XXHASH64", expressions=node.expressions)
    return node


def spark_sql(duckdb_sql: str) -> str:
    """A condition or query written in DuckDB's SQL, in Spark's."""
    if duckdb_sql.strip().upper() == "ELSE":
        return duckdb_sql
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    return tree.transform(_array_overlap).sql(dialect="spark")


def _blocking_rule_sql(rule: Any) -> str:
    return str(rule["blocking_rule"] if isinstance(rule, Mapping) else rule)


def _blocking_rule(rule: Any, sql: str, **extra: str) -> Any:
    """`rule` (a string, or a dict that may carry `arrays_to_explode`) with its SQL replaced."""
    if isinstance(rule, Mapping):
        return {**rule, "blocking_rule": sql, **extra}
    return {"blocking_rule": sql, **extra} if extra else sql


def spark_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Splink settings (or a saved model) with every SQL condition and blocking rule in Spark's SQL."""
    result = deepcopy(dict(settings))
    result.pop("sql_dialect", None)
    for comparison in result["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = spark_sql(level["sql_condition"])
    rules = result.get("blocking_rules_to_generate_predictions", [])
    for rule in rules:
        if isinstance(rule, dict):
            rule.pop("sql_dialect", None)  # the linker's dialect applies
    result["blocking_rules_to_generate_predictions"] = [
        _blocking_rule(rule, spark_sql(_blocking_rule_sql(rule))) for rule in rules
    ]
    return result


def canonical_model(saved: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """A model Splink saved on Spark, with the SQL of `settings` (DuckDB's, as written in the spec) put
    back, so it equals in form a model trained on DuckDB."""
    result = deepcopy(dict(saved))
    canonical = {
        spark_sql(level["sql_condition"]): level["sql_condition"]
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
    }
    for comparison in result["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = canonical[level["sql_condition"]]
    rules = {
        spark_sql(_blocking_rule_sql(rule)): _blocking_rule_sql(rule)
        for rule in settings.get("blocking_rules_to_generate_predictions", [])
    }
    result["blocking_rules_to_generate_predictions"] = [
        _blocking_rule(rule, rules[_blocking_rule_sql(rule)], sql_dialect="duckdb")
        for rule in result.get("blocking_rules_to_generate_predictions", [])
    ]
    result["sql_dialect"] = "duckdb"
    return result


def _arrow_table(features_df: pd.DataFrame) -> Any:
    """The features (and blocking keys, when the frame has them) with the column types of
    batch.connection._connection: VARCHAR[] as array<string>, INTEGER as int, VARCHAR as string."""
    import pyarrow as pa

    from ketenzicht.linking.splink_table import sql_type, table_columns

    types = {"VARCHAR[]": pa.list_(pa.string()), "INTEGER": pa.int32(), "VARCHAR": pa.string()}
    columns = table_columns(features_df)
    frame = features_df[columns].copy()
    for column in columns:
        if sql_type(column) == "INTEGER":
            frame[column] = frame[column].astype("Int64")
    schema = pa.schema([(column, types[sql_type(column)]) for column in columns])
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


# Tables Splink reads again and again that it does not keep itself: EM on level-pattern counts
# (batch.training.train) runs one query per iteration over this small table, which Spark would otherwise
# recompute from the comparison vectors each time.
KEEP_TABLES = ("__splink__agreement_pattern_counts",)


def _spark_api() -> Any:
    """Splink's SparkAPI, keeping KEEP_TABLES in Spark's memory as well."""
    from splink import SparkAPI

    class KeepingSparkAPI(SparkAPI):
        def _break_lineage_and_repartition(
            self, spark_df: Any, templated_name: str, physical_name: str
        ) -> Any:
            keep: Any = super()._break_lineage_and_repartition  # untyped in Splink
            spark_df = keep(spark_df, templated_name, physical_name)
            if templated_name in KEEP_TABLES:
                spark_df = spark_df.persist()
            return spark_df

    return KeepingSparkAPI


class SparkBackend:
    """Splink on Spark over the features as the temporary view `mentions`: the backend interface of
    `batch.training.train` (linker, conditional u, the saved model in canonical SQL), and prediction's
    linker."""

    def __init__(self, spark: SparkSession, features_df: pd.DataFrame):
        self.spark = spark
        frame = spark.createDataFrame(_arrow_table(features_df))
        frame.createOrReplaceTempView(INPUT_VIEW)
        self._settings: dict[str, Any] | None = None
        self.db_api: Any = None  # Splink's SparkAPI of the last linker (registers further tables for it)

    def linker(self, settings: Mapping[str, Any]) -> Any:
        from splink import Linker

        self._settings = dict(settings)
        config = _current[1] if _current is not None else SparkConfig.from_settings()
        db_api = _spark_api()(
            spark_session=self.spark,
            break_lineage_method=config.break_lineage_method,
            register_udfs_automatically=False,  # jaro-winkler & co. from Splink's jar: not used
        )
        self.db_api = db_api
        sdf = db_api.register(INPUT_VIEW, dataset_display_name=INPUT_VIEW)
        return Linker(sdf, spark_settings(settings), log_level=logging.WARNING)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of one of splink_table's queries (DuckDB's SQL), run on the input view."""
        return [tuple(row) for row in self.spark.sql(spark_sql(sql)).collect()]

    def splink_json(self, linker: Any) -> dict[str, Any]:
        if self._settings is None:
            raise RuntimeError("no linker yet")
        saved: dict[str, Any] = linker.misc.save_model_to_json()
        return canonical_model(saved, self._settings)


HELD_KEYS_VIEW = "held_keys"
CANDIDATE_PAIRS_VIEW = "candidate_pairs"


def held_keys_sql(rule: PairRule, view: str = INPUT_VIEW) -> str:
    """Spark SQL: each mention's keys (n: its unique id; k: a key of column `block_keys` of `view`, capped
    already) with what the key counts towards `rule`'s minimum (w, `PairRule.weight_sql`)."""
    return (
        f"SELECT n, k, {rule.weight_sql('k', 'c')} AS w FROM ("
        "  SELECT n, k, count(*) OVER (PARTITION BY k) AS c FROM ("
        f"    SELECT unique_id AS n, explode(block_keys) AS k FROM {view}))"
    )


def candidate_pairs_sql(rule: PairRule, held: str = HELD_KEYS_VIEW) -> str:
    """Spark SQL: Splink's blocked pairs (match_key, join_key_l, join_key_r) of the mentions whose shared
    keys (`held`, as `held_keys_sql` gives them) are enough by `rule` (`PairRule.pairs_sql`, as
    `batch.prediction._candidate_pairs` finds them on DuckDB), the smaller unique id on the left as Splink
    puts it."""
    return f"SELECT '0' AS match_key, a AS join_key_l, b AS join_key_r FROM ({rule.pairs_sql(held, 'k')})"


def predict_pairs(
    features_df: pd.DataFrame,
    splink_json: Mapping[str, Any],
    threshold_match_weight: float | None,
    rule: PairRule,
) -> pd.DataFrame:
    """Splink's prediction on Spark of the candidate pairs (`candidate_pairs_sql`) of the features (with
    their frequency buckets and capped `block_keys`), as a pandas frame."""
    with spark_session() as spark:
        backend = SparkBackend(spark, features_df)
        linker = backend.linker(splink_json)
        held = spark.sql(held_keys_sql(rule)).persist()  # counted once, read by each join below
        held.createOrReplaceTempView(HELD_KEYS_VIEW)
        pairs_df = spark.sql(candidate_pairs_sql(rule)).persist()  # found once, read by Splink's joins
        pairs_df.createOrReplaceTempView(CANDIDATE_PAIRS_VIEW)
        linker.table_management.register_blocked_pairs_for_predict(
            backend.db_api.register(CANDIDATE_PAIRS_VIEW)
        )
        result = linker.inference.predict(threshold_match_weight=threshold_match_weight)
        pairs: pd.DataFrame = result.as_pandas_dataframe()
        result.drop_table_from_database_and_remove_from_cache()
        pairs_df.unpersist()
        held.unpersist()
        return pairs
