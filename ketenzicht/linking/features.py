"""The stored comparison features of mentions, their blocking keys and the count per key: written with
the mentions on intake (`online.mentions_link`), anew in a rebuild where they changed
(`features_store_changed`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from ketenzicht.db import (
    CHUNK,
    Statement,
    chunks,
    execute_all,
    insert_statements,
    json_value,
    one_of,
    quoted_table,
    rows_insert,
)
from ketenzicht.registrations.models import PersonMention

from .engine.columns import FeatureColumns, normalise_columns, processes_for
from .engine.keys import blocking_keys, keys_digest, keys_numbered
from .engine.mention_features import MentionFeatures as Features
from .engine.normalise import normalise_mention
from .models import (
    KeyCount,
    MentionFeatures,
    MentionKey,
)

# The features' inputs as `normalise_mention` names them, and the mention field each is read from.
MENTION_INPUTS = {
    "given_names": "given_names",
    "surname_prefix": "surname_prefix",
    "surname": "surname",
    "birth_date": "birth_date_raw",
    "sex": "sex",
    "bsn": "bsn",
    "postcode": "postcode",
    "house_number": "house_number",
    "street": "street",
    "city": "city",
    "phone": "phone",
}


@dataclass(frozen=True)
class MentionColumns:
    """Every mention's id, registration and the inputs of its features, column by column (`MENTION_INPUTS`
    names them): a rebuild of a million mentions holds plain values, not a million model instances."""

    ids: list[int]
    registrations: list[int]
    inputs: dict[str, list[Any]]

    def keeping(self, *names: str) -> MentionColumns:
        """The same mentions with only these inputs (the others freed once normalised)."""
        return MentionColumns(self.ids, self.registrations, {name: self.inputs[name] for name in names})


def mention_columns() -> MentionColumns:
    """`MentionColumns` of every stored mention, in the order of their ids, read a chunk at a time."""
    fields = list(MENTION_INPUTS.values())
    ids: list[int] = []
    registrations: list[int] = []
    values: list[list[Any]] = [[] for _ in fields]
    rows = PersonMention.objects.order_by("id").values_list("id", "registration_id", *fields)
    for mention, registration, *inputs in rows.iterator(chunk_size=20_000):
        ids.append(mention)
        registrations.append(registration)
        for column, value in zip(values, inputs, strict=True):
            column.append(value)
    return MentionColumns(ids, registrations, dict(zip(MENTION_INPUTS, values, strict=True)))


def features_of_all(mentions: MentionColumns) -> FeatureColumns:
    """`features_of` of many mentions (a rebuild), normalised column by column (`normalise_columns`: each
    distinct name, date or address normalised once; the same features as one by one), held as columns."""
    return FeatureColumns(
        normalise_columns(
            [str(i) for i in mentions.ids],
            mentions.inputs,
            shared_lists=True,
            processes=processes_for(len(mentions.ids)),
        )
    )


def features_of(mention: PersonMention) -> Features:
    return normalise_mention(
        str(mention.pk), **{name: getattr(mention, field) for name, field in MENTION_INPUTS.items()}
    )


def key_counts_kept(db: BaseDatabaseWrapper | None = None) -> bool:
    """Whether this database keeps KeyCount. PostgreSQL's look-up counts a key's mentions itself (at most
    the cap + 1 of them, by MentionKey's primary key: `online._lookup_statement_postgresql`), so there the
    counts would only cost writes: tens of upserts per registration, and row locks held until the commit
    that make two intakes sharing a common key ("c:amsterdam...") wait for each other. The other databases
    read a key's count by primary key before its mentions (`online._lookup_statement`)."""
    return (db or connection).vendor != "postgresql"


def _key_counts_statements(counts: Mapping[int, int]) -> list[Statement]:
    """Add to the count of each key: upserts in key order (two transactions that count the same keys
    lock their rows in the same order, so they wait for each other instead of deadlocking); none where
    the database keeps no counts."""
    if not key_counts_kept():
        return []
    table = quoted_table(KeyCount)
    items = sorted((key, n) for key, n in counts.items() if n)
    return insert_statements(
        table,
        ("key", "n"),
        items,
        suffix=f' ON CONFLICT ("key") DO UPDATE SET n = {table}.n + excluded.n',
    )


def _key_counts_subtract(counts: Mapping[int, int]) -> None:
    if not key_counts_kept():
        return
    table = quoted_table(KeyCount)
    items = sorted((key, n) for key, n in counts.items() if n)
    with connection.cursor() as cursor:
        cursor.executemany(f'UPDATE {table} SET n = n - %s WHERE "key" = %s', [(n, key) for key, n in items])
    for chunk in chunks([key for key, _ in items]):
        KeyCount.objects.filter(key__in=chunk, n__lte=0).delete()


def key_counts_recount(*, db: BaseDatabaseWrapper | None = None) -> None:
    """Count the stored keys anew (after storing all keys at once, or to repair the counts)."""
    db = db or connection
    counts, keys = (db.ops.quote_name(m._meta.db_table) for m in (KeyCount, MentionKey))
    with db.cursor() as cursor:
        cursor.execute(f"DELETE FROM {counts}")
        if key_counts_kept(db):
            cursor.execute(
                f'INSERT INTO {counts} ("key", n) SELECT "key", COUNT(*) FROM {keys} GROUP BY "key"'
            )


def features_store(
    pairs: Sequence[tuple[PersonMention, Features]],
    *,
    replace: bool = False,
    keys_of: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """Keep the features and blocking keys of these mentions, and count their keys (`replace`: of
    mentions that had them; their old keys are counted out)."""
    if replace:
        ids = [m.pk for m, _ in pairs]
        old: Counter[int] = Counter()
        for chunk in chunks(ids):
            old.update(MentionKey.objects.filter(mention_id__in=chunk).values_list("key", flat=True))
            MentionFeatures.objects.filter(mention_id__in=chunk).delete()
            MentionKey.objects.filter(mention_id__in=chunk).delete()
        _key_counts_subtract(old)
    features_write(pairs, keys_of)


# From this many key rows on, PostgreSQL takes the features and keys by COPY: a bulk batch's (about 26 keys
# per mention) as INSERT statements are tens of thousands of parameters that the driver quotes one by one
# into the statement's text, which cost more than the rest of writing the batch.
COPY_KEYS_FROM = 1_000
FEATURES_COLUMNS = ("mention_id", "data", "bsn", "keys_digest")
KEY_COLUMNS = ("mention_id", "key")


def features_write(
    pairs: Sequence[tuple[PersonMention, Features]],
    keys_of: Mapping[int, Sequence[str]] | None,
    *,
    also: Sequence[Statement] = (),
    numbers_of: Mapping[int, Sequence[int]] | None = None,
) -> None:
    """Write the features, blocking keys (as their numbers, `engine.keys.key_number`) and key counts of new
    mentions (plain rows: no model instance for each of the tens of keys per mention), and the statements
    `also` after them. A few mentions (an intake) in one round trip on PostgreSQL; a bulk batch's keys by
    COPY there. `numbers_of`: the numbers of each mention's keys of `keys_of`, in their order (worked out
    here when not given)."""
    keys_by = {m.pk: list(keys_of[m.pk]) if keys_of else blocking_keys(f) for m, f in pairs}
    if numbers_of is None or keys_of is None:
        numbers_of = dict(zip(keys_by, keys_numbered(keys_by.values()), strict=True))
    keys = [(mention, number) for mention in keys_by for number in numbers_of[mention]]
    rows = list(
        _features_rows(((m.pk, f) for m, f in pairs), {m: keys_digest(k) for m, k in keys_by.items()})
    )
    statements: list[Statement] = []
    if connection.vendor == "postgresql" and len(keys) >= COPY_KEYS_FROM:
        rows_insert(quoted_table(MentionFeatures), FEATURES_COLUMNS, rows)
        rows_insert(quoted_table(MentionKey), KEY_COLUMNS, keys)
    else:
        statements += insert_statements(quoted_table(MentionFeatures), FEATURES_COLUMNS, rows)
        statements += insert_statements(quoted_table(MentionKey), KEY_COLUMNS, keys)
    execute_all(
        [
            *statements,
            *_key_counts_statements(Counter(key for _, key in keys)),
            *also,
        ]
    )


def _features_rows(
    features: Iterable[tuple[int, Features]], digests: Mapping[int, str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of MentionFeatures (mention_id, data, bsn, keys_digest); `data` as JSON for the database at
    hand."""
    return ((mention, json_value(f.as_row()), f.bsn, digests[mention]) for mention, f in features)


def features_changed(
    features: FeatureColumns,
    digests: Iterable[tuple[int, str]],
    prepare_row: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[int, str]:
    """The mentions among `features` (in the order of their ids) whose stored features or keys differ from
    these, or that have none stored, with their keys' new fingerprint. `digests`: (mention id,
    `keys_digest` of its keys) of every one of them, in the same order (`batch.blocking.mention_key_digests`).
    `prepare_row`: what is stored of a features row (the model's `prepare_row`: with its name-frequency
    buckets, as intake stores them). The stored features are read a chunk at a time beside them
    (`_stored_rows`), and compared as rows: no MentionFeatures is made for either side (a rebuild of a
    million mentions compares them all)."""
    stored_rows = _stored_rows()
    row = next(stored_rows, None)
    changed: dict[int, str] = {}
    for new, (mention, digest) in zip(features.rows(), digests, strict=True):
        if int(new["unique_id"]) != mention:
            raise ValueError(f"features of mention {new['unique_id']} beside the keys of mention {mention}")
        while row is not None and row[0] < mention:  # stored for a mention not being rebuilt: left
            row = next(stored_rows, None)
        if row is None or row[0] != mention or row[2] != digest or orjson.loads(row[1]) != prepare_row(new):
            changed[mention] = digest
    return changed


def _stored_rows(chunk: int = 10_000) -> Iterator[tuple[int, str, str | None]]:
    """(mention id, features as JSON text, keys' fingerprint) of every stored MentionFeatures row, in the
    order of the mention ids, read `chunk` rows at a time (a server-side cursor on PostgreSQL). The JSON
    is left as text for orjson: the ORM's JSON field decoded it with the json module, a third of the
    time of comparing a million mentions' features."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT mention_id, CAST(data AS text), keys_digest FROM {quoted_table(MentionFeatures)} "
            "ORDER BY mention_id"
        )
        while part := cursor.fetchmany(chunk):
            yield from part


def mentions_delete(model: type[Any], mention_ids: Sequence[int]) -> None:
    """Delete the rows of `model` (a table with a `mention_id` column) of these mentions, in parts: on
    PostgreSQL 100,000 ids a statement (one array parameter), elsewhere `db.CHUNK`."""
    table = quoted_table(model)
    size = 100_000 if connection.vendor == "postgresql" else CHUNK
    with connection.cursor() as cursor:
        for part in chunks(mention_ids, size):
            where, params = one_of('"mention_id"', part)
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)


def features_store_changed(
    features: FeatureColumns,
    changed: Mapping[int, str],
    keys: Iterable[tuple[int, int]],
    prepare: Callable[[Features], Features],
    *,
    chunk: int = 20_000,
) -> None:
    """Replace the features, blocking keys and key counts of the mentions in `changed` (`features_changed`:
    mention id -> its keys' fingerprint) and leave every other mention's as stored: a rebuild with the same
    normalisation and key scheme writes almost nothing, where writing a million mentions' 27 million keys
    anew was two thirds of its time (bench/README.md, "The application's rebuild"). When every mention is
    in `changed` (the caller's choice when most changed: a new scheme, or no fingerprints stored yet),
    every mention's rows are written anew. Only the rows of these mentions are deleted (`mentions_delete`),
    never those of a mention registered while the rebuild ran. The new rows are written in bulk a chunk at
    a time (COPY on PostgreSQL), the keys counted once.
    `keys`: every (mention id, key number) of the changed mentions, built already
    (`batch.blocking.mention_key_rows`); `prepare` as for `features_changed`."""
    mentions_delete(MentionFeatures, list(changed))
    mentions_delete(MentionKey, list(changed))
    iterator = ((mention, prepare(features.of(str(mention)))) for mention in sorted(changed))
    while part := list(islice(iterator, chunk)):
        rows_insert(quoted_table(MentionFeatures), FEATURES_COLUMNS, _features_rows(part, changed))
    rows_insert(quoted_table(MentionKey), KEY_COLUMNS, keys)
    key_counts_recount()
