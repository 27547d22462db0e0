"""Where batch linking runs: the backends (`BACKENDS`), DuckDB's memory budget (`duckdb_config`), the
in-memory DuckDB holding a features frame as table `mentions` with explicit column types (`_connection`),
and Splink's Linker over that table (`_linker`). Training and prediction both start here; Spark's
counterpart is ketenzicht/linking/spark.py.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ketenzicht.linking.splink_table import INT_COLUMNS, sql_type, table_columns

BACKENDS = ("duckdb", "spark")


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


def _linker(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any]) -> tuple[Any, Any]:
    """Splink's Linker over table `mentions` of `con`, and the DuckDB API it runs on (which registers
    further tables of `con` for it)."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("mentions", dataset_display_name="mentions")
    return Linker(sdf, dict(settings), log_level=logging.WARNING), db_api
