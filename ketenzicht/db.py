"""Raw SQL for the bulk paths, once: quoted table names, slices that fit a statement, multi-row INSERTs, COPY
on PostgreSQL, one round trip for many statements, streamed and prepared reads. The ground floor: it knows
Django's connection and no ketenzicht app."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")
Statement = tuple[str, list[Any]]
CHUNK = 5_000


def quoted_table(model: type[models.Model] | Any) -> str:
    """The model's table name, quoted for the default database."""
    return str(connection.ops.quote_name(model._meta.db_table))


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most `size`: SQLite takes at most 32,766 parameters in one statement."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def one_of(column: str, values: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and its parameters. On PostgreSQL one array parameter, so that
    the statement text is the same for every list and its plan is prepared once per connection."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [[int(v) for v in values]]
    return f"{column} IN ({', '.join(str(int(v)) for v in values)})", []


def integer_array(values: Iterable[int]) -> str:
    """The integers as one PostgreSQL array literal ("{1,2,3}"), for a parameter cast to an integer array.
    Django binds parameters on the client, and psycopg quotes a list element by element in Python: for the
    21,000 keys of a bulk batch's look-up that took 36 ms against 14 ms for this text (bench/README.md)."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def query_rows(sql: str, params: Sequence[Any] = (), *, stream: bool = False) -> Iterator[tuple[Any, ...]]:
    """The rows of a query. On PostgreSQL with `stream`, through a server-side cursor (reading the whole
    register without holding it twice); else as a prepared statement, planned once per connection (the
    online step runs the same few statements for every registration: planning them anew cost more than
    running them)."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        raw = connection.connection
        if stream:
            with raw.cursor(name="kz_rows") as named:
                named.itersize = 20_000
                named.execute(sql, params or None)
                yield from named
            return
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params or None, prepare=True)
            yield from cursor.fetchall()
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            yield from batch


def insert_statements(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, suffix: str = "", db: Any = None
) -> list[Statement]:
    """Multi-row INSERTs of plain rows, at most 999 parameters each (any SQLite takes that many)."""
    db = db or connection
    names = ", ".join(db.ops.quote_name(c) for c in columns)
    row = f"({', '.join(['%s'] * len(columns))})"
    return [
        (
            f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(part))}{suffix}",
            [v for values in part for v in values],
        )
        for part in chunks(list(rows), max(1, 999 // len(columns)))
    ]


def execute_all(statements: Sequence[Statement]) -> None:
    """Run the statements in order; on PostgreSQL with client-side binding (Django's default) as one
    string, so in one round trip to the server."""
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg import ClientCursor

            if isinstance(cursor.cursor, ClientCursor):
                cursor.execute(
                    "; ".join(sql for sql, _ in statements), [v for _, ps in statements for v in ps]
                )
                return
        for sql, params in statements:
            cursor.execute(sql, params)


def copy_rows(cursor: Any, table: str, names: str, rows: Iterable[Sequence[Any]]) -> None:
    """COPY plain rows into `table` (`names`: its quoted, comma-separated columns); PostgreSQL only.
    `cursor` is a psycopg cursor or Django's wrapper around one."""
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as stream:
        for row in rows:
            stream.write_row(row)


def rows_insert(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    db: BaseDatabaseWrapper | None = None,
) -> None:
    """Insert plain rows (no model instances): multi-row INSERTs, or COPY for many rows on PostgreSQL.
    The rows are taken a slice at a time before each statement, so `rows` may read the database itself."""
    db = db or connection
    names = ", ".join(db.ops.quote_name(c) for c in columns)
    iterator = iter(rows)
    with db.cursor() as cursor:
        while chunk := list(islice(iterator, 50_000)):
            if db.vendor == "postgresql" and len(chunk) >= 1000:
                copy_rows(cursor, table, names, chunk)
                continue
            for sql, params in insert_statements(table, columns, chunk, db=db):
                cursor.execute(sql, params)


def json_value(value: Any) -> Any:
    """A value for a JSON column in a plain row (INSERT or COPY): Jsonb on PostgreSQL, text on SQLite."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return json.dumps(value)


def ids_reserve(model: type[models.Model] | Any, n: int) -> list[int]:
    """`n` new primary keys of the model's table, taken now, so that its rows and the rows that point at
    them can be written as plain rows (COPY) in one go. PostgreSQL: from the column's sequence (never given
    twice). SQLite: after the highest key it ever gave (`sqlite_sequence`, so a deleted row's key is not
    given again); the caller's transaction holds SQLite's one write lock until the rows are in."""
    if n <= 0:
        return []
    table = str(model._meta.db_table)
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, n],
            )
            return [int(row[0]) for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({connection.ops.quote_name(column)}) FROM {quoted_table(model)}), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + n))


# The largest primary key a row can have (a signed 64-bit integer on PostgreSQL and SQLite): an id in a URL
# above it is refused where it comes in (422), not sent to the database (which cannot take it).
MAX_ROW_ID = 2**63 - 1


def commit_unflushed() -> None:
    """Let the commit of the transaction running not wait for the log to reach the disk (PostgreSQL:
    `SET LOCAL synchronous_commit TO off`, for this transaction only; SQLite: nothing). For a bulk import,
    which commits a batch every second or two and stores only what is missing when it runs again: waiting
    for each commit's flush took about 5% of its time. A crash of the server may lose the batches committed
    in its last fraction of a second (at most three times `wal_writer_delay`), never part of one, and never
    one that a later commit of anyone's depends on (the log is written in order): the database stays
    consistent, as though those batches had not been imported."""
    assert connection.in_atomic_block, "only for the transaction running"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")


def statistics_refresh() -> None:
    """Let the query planner see the tables as they are now. A bulk import grows the register faster than
    PostgreSQL's autovacuum re-counts it; with statistics from when the tables were small the planner
    misjudges the batch statements by orders of magnitude (a nested loop over what it thinks is a handful
    of rows). PostgreSQL: ANALYZE, which samples a bounded number of rows per table; outside a
    transaction VACUUM (ANALYZE), which also marks the pages written since the last one all-visible, so
    that the link step's look-up reads the blocking keys from their index alone (an index-only scan of
    pages not marked fetches every row from the table as well: twice the pages read). SQLite: ANALYZE with
    a bounded sample (`analysis_limit`), which SQLite never does by itself."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
            return
        cursor.execute("ANALYZE")
