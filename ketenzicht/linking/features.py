"""The stored comparison features of mentions, their blocking keys and the count per key: written with
the mentions on intake (`online.mentions_link`), all anew in a rebuild (`features_store_all`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from ketenzicht.db import (
    Statement,
    chunks,
    execute_all,
    insert_statements,
    json_value,
    quoted_table,
    rows_insert,
)
from ketenzicht.registrations.models import PersonMention

from .engine.keys import blocking_keys
from .engine.normalise import FEATURE_COLUMNS, normalise_columns, normalise_mention
from .engine.normalise import MentionFeatures as Features
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


def features_of_all(mentions: Sequence[PersonMention]) -> list[Features]:
    """`features_of` of many mentions (a rebuild), normalised column by column (`normalise_columns`: each
    distinct name, date or address normalised once; the same features as one by one)."""
    ids = [str(m.pk) for m in mentions]
    columns = normalise_columns(
        ids, {name: [getattr(m, field) for m in mentions] for name, field in MENTION_INPUTS.items()}
    )
    return [Features(*row) for row in zip(*(columns[name] for name in FEATURE_COLUMNS), strict=True)]


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


def _key_counts_statements(counts: Mapping[str, int]) -> list[Statement]:
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


def _key_counts_subtract(counts: Mapping[str, int]) -> None:
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
        old: Counter[str] = Counter()
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
FEATURES_COLUMNS = ("mention_id", "data", "bsn")
KEY_COLUMNS = ("mention_id", "key")


def features_write(
    pairs: Sequence[tuple[PersonMention, Features]],
    keys_of: Mapping[int, Sequence[str]] | None,
    *,
    also: Sequence[Statement] = (),
) -> None:
    """Write the features, blocking keys and key counts of new mentions (plain rows: no model instance for
    each of the tens of keys per mention), and the statements `also` after them. A few mentions (an
    intake) in one round trip on PostgreSQL; a bulk batch's keys by COPY there."""
    keys = [(m.pk, key) for m, f in pairs for key in (keys_of[m.pk] if keys_of else blocking_keys(f))]
    rows = list(_features_rows(pairs))
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


def _features_rows(pairs: Iterable[tuple[PersonMention, Features]]) -> Iterator[tuple[Any, ...]]:
    """Rows of MentionFeatures (mention_id, data, bsn); `data` as JSON for the database at hand."""
    return ((m.pk, json_value(f.as_row()), f.bsn) for m, f in pairs)


def features_store_all(
    pairs: Iterable[tuple[PersonMention, Features]], keys: Iterable[tuple[int, str]], *, chunk: int = 20_000
) -> None:
    """Replace the features, blocking keys and key counts of every mention (a rebuild): the old ones
    deleted, the new ones written in bulk a chunk at a time (COPY on PostgreSQL), the keys counted once.
    `keys`: every (mention id, key) of these mentions, built already (`batch.mention_key_rows`)."""
    MentionFeatures.objects.all().delete()
    MentionKey.objects.all().delete()
    KeyCount.objects.all().delete()
    iterator = iter(pairs)
    while part := list(islice(iterator, chunk)):
        rows_insert(quoted_table(MentionFeatures), FEATURES_COLUMNS, _features_rows(part))
    rows_insert(quoted_table(MentionKey), KEY_COLUMNS, keys)
    key_counts_recount()
