"""What both Splink backends (batch.py on DuckDB, spark.py on Spark) share: the columns of table `mentions`
and their types, and the conditional-u query over it. Neither backend imports the other for these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ketenzicht.linking.engine.comparisons import Comparison
from ketenzicht.linking.engine.normalise import FEATURE_COLUMNS

BLOCK_KEYS = "block_keys"
LIST_COLUMNS = {"surname_keys", "surname_phonetic", "given_keys", "block_keys"}
INT_COLUMNS = {"birth_year", "birth_month", "birth_day", "given_count", "surname_freq", "given_freq"}
MIN_CONDITIONAL_PAIRS = 1000


def table_columns(features_df: pd.DataFrame) -> list[str]:
    """The columns Splink's table gets: the features, and the blocking keys when the frame has them."""
    return [*FEATURE_COLUMNS, BLOCK_KEYS] if BLOCK_KEYS in features_df.columns else list(FEATURE_COLUMNS)


def sql_type(column: str) -> str:
    """The column's type in table `mentions` (DuckDB's names; spark.py maps them to Arrow's)."""
    if column in LIST_COLUMNS:
        return "VARCHAR[]"
    if column in INT_COLUMNS:
        return "INTEGER"
    return "VARCHAR"


def conditional_u_sql(comparison: Comparison, max_pairs: int = 2_000_000) -> str | None:
    """The query of `conditional_u` (DuckDB's SQL over table `mentions`): (level index, pairs)."""
    if comparison.u_conditional_on is None:
        return None
    cases = " ".join(
        f"WHEN {level.condition.sql()} THEN {index}"
        for index, level in enumerate(comparison.levels)
        if level.condition.sql() != "ELSE"
    )
    else_index = len(comparison.levels) - 1
    columns = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in FEATURE_COLUMNS)
    return (
        f"SELECT level, count(*) FROM ("
        f"  SELECT CASE {cases} ELSE {else_index} END AS level FROM ("
        f"    SELECT {columns} FROM mentions l JOIN mentions r"
        f"    ON l.unique_id < r.unique_id AND ({comparison.u_conditional_on}) AND l.bsn <> r.bsn"
        f"    ORDER BY hash(l.unique_id || '|' || r.unique_id) LIMIT {int(max_pairs)}"
        f"  )"
        f") GROUP BY level"
    )


def conditional_u_from_counts(
    comparison: Comparison, rows: Iterable[tuple[Any, Any]]
) -> list[float | None] | None:
    """u per level from the (level index, pairs) rows of `conditional_u_sql`'s query."""
    counts = {int(level): int(n) for level, n in rows}
    null_indexes = {i for i, level in enumerate(comparison.levels) if level.is_null}
    total = sum(n for level, n in counts.items() if level not in null_indexes)
    if total < MIN_CONDITIONAL_PAIRS:
        return None
    return [
        None if index in null_indexes else max(counts.get(index, 0), 1) / total
        for index in range(len(comparison.levels))
    ]
