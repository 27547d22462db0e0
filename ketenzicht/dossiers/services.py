"""Writes of the dossiers app: the search index, and the logged search and dossier look-ups."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from ketenzicht.audit.access import read
from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, access_log_record_many
from ketenzicht.db import chunks, copy_rows, execute_all, insert_statements, quoted_table, rows_insert
from ketenzicht.linking.engine.fields import normalise_address, normalise_birth_date, normalise_bsn
from ketenzicht.linking.engine.names import normalise_given_names, normalise_surname
from ketenzicht.linking.engine.phonetic import dutch_phonetic
from ketenzicht.organisations.models import User
from ketenzicht.registrations.models import PersonMention

from .dossier import Dossier, dossier_get_for_user
from .engine.query import QueryError, deletion_keys, mask_bsn, parse_query, sound_key
from .models import SearchEntry, SearchKey
from .purpose import Purpose
from .search import PersonHit, person_search_for_user
from .selectors import (
    PERSON_OBJECT,
    may_open_dossier,
    may_search_persons,
    may_search_persons_for_supervision,
)

SEARCH_OBJECT = "person_search"
# The privacy officer's search on the access log page (the same words as the log page's own purpose).
SUPERVISION_PURPOSE = gettext_noop("supervision of look-ups")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MENTION_FIELDS = (
    "pk",
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date_raw",
    "postcode",
    "bsn",
    "registration__source",
    "registration__unit_id",
    "registration__municipality_id",
)
# The columns of an index row, in the order `entry_rows` gives them.
ENTRY_COLUMNS = (
    "mention_id",
    "source",
    "unit_id",
    "municipality_id",
    "surname_key",
    "phonetic",
    "given_first",
    "initials",
    "birth_year",
    "birth_month",
    "birth_day",
    "pc6",
    "bsn",
)


class LookupRefused(Exception):
    """The look-up may not happen: no role that may search, or no purpose. `field` names what is missing."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# ------------------------------------------------------------------------------------------------ index


def entry_rows(mention: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The index rows of one mention, as tuples in ENTRY_COLUMNS order; `mention` holds the values of
    _MENTION_FIELDS (the mention's name, birth date, postcode and BSN, and its registration's fields that
    the sharing rules read)."""
    pk, given_names, prefix, surname, birth_raw, postcode, bsn, source, unit_id, municipality_id = mention
    keys = normalise_surname(surname or "", prefix or "").keys
    if not keys:
        return []
    given = normalise_given_names(given_names or "")
    birth = normalise_birth_date(birth_raw)
    pc6, _pc4, _number = normalise_address(postcode, None)
    valid_bsn, _digits = normalise_bsn(bsn)
    first, initials = (given.first or "")[:100], (given.initials or "")[:20]
    return [
        (
            pk,
            source,
            unit_id,
            municipality_id,
            key[:100],
            (dutch_phonetic(key) or key)[:100],
            first,
            initials,
            birth.year,
            birth.month,
            birth.day,
            pc6 or "",
            valid_bsn or "",
        )
        for key in keys
    ]


def _keys_store(names: Iterable[str], *, only_new: bool) -> int:
    """Look-up keys for these surname keys (those not yet in the index when `only_new`): plain rows, a key
    present already left as it is."""
    names = set(names)
    if only_new and names:
        present = SearchKey.objects.filter(key__in=names, key=F("surname_key"))
        names -= set(present.values_list("surname_key", flat=True))
    rows = [
        (key, name)
        for name in sorted(names)
        for key in dict.fromkeys((*deletion_keys(name), sound_key(name)))
    ]
    for part in chunks(rows, 20_000):  # a batch's new names in one round trip; a rebuild's in slices
        execute_all(
            insert_statements(
                quoted_table(SearchKey), ("key", "surname_key"), part, suffix=" ON CONFLICT DO NOTHING"
            )
        )
    return len(rows)


def search_index_add(*, mention_ids: Iterable[int], replace: bool = False) -> int:
    """Index these new mentions (`replace`: mentions indexed before): plain rows, by COPY on PostgreSQL for
    a bulk batch. Returns the rows written."""
    ids = list(mention_ids)
    if not ids:
        return 0
    if replace:
        SearchEntry.objects.filter(mention_id__in=ids).delete()
    mentions = PersonMention.objects.filter(pk__in=ids).values_list(*_MENTION_FIELDS)
    rows = [row for mention in mentions for row in entry_rows(mention)]
    rows_insert(quoted_table(SearchEntry), ENTRY_COLUMNS, rows)
    _keys_store({row[4] for row in rows}, only_new=True)
    return len(rows)


def search_index_rebuild(
    *, chunk: int = 5_000, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Rewrite the whole index from the linked mentions, in one transaction (searches see the old index
    until it commits). On PostgreSQL the rows are copied in bulk and stored in surname order, so the rows
    of one surname share a few pages, and the old rows are vacuumed away afterwards (unless called inside
    a transaction). Returns (mentions, rows)."""
    mentions = PersonMention.objects.filter(link__isnull=False).order_by("pk")
    total = mentions.count()
    done = rows = 0
    names: set[str] = set()
    postgresql = connection.vendor == "postgresql"
    table = quoted_table(SearchEntry)
    keys_table = quoted_table(SearchKey)
    columns = ", ".join(ENTRY_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        # The whole table: no need to collect rows first; DELETE, not TRUNCATE, so searches go on.
        for model in (SearchKey, SearchEntry):
            cursor.execute(f"DELETE FROM {quoted_table(model)}")
        if postgresql:
            cursor.execute(
                "CREATE TEMP TABLE dossiers_rebuild ON COMMIT DROP"
                f" AS SELECT {columns} FROM {table} WITH NO DATA"
            )
        # One streamed read (a server-side cursor on PostgreSQL): slicing by primary key made the database
        # join the links from the start again for every slice.
        stream = mentions.values_list(*_MENTION_FIELDS).iterator(chunk_size=chunk)
        while batch := list(islice(stream, chunk)):
            entries = [row for mention in batch for row in entry_rows(mention)]
            names.update(row[4] for row in entries)
            if postgresql:
                copy_rows(cursor.cursor, "dossiers_rebuild", columns, entries)
            else:
                rows_insert(table, ENTRY_COLUMNS, entries)
            done += len(batch)
            rows += len(entries)
            if progress is not None:
                progress(done, total)
        if postgresql:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM dossiers_rebuild"
                " ORDER BY surname_key, source, unit_id, mention_id"
            )
        _keys_store(names, only_new=False)
        if postgresql:
            cursor.execute(f"ANALYZE {table}, {keys_table}")
    if postgresql and not connection.in_atomic_block:
        # The old rows are dead now: without a vacuum every rebuild would double the table and its indexes
        # until autovacuum comes by, and searches would step over the dead index entries.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {table}, {keys_table}")
    return done, rows


# ------------------------------------------------------------------------------------ logged look-ups


def _refuse(
    *, user: User, action: str, object_type: str, object_id: str | int, field: str, message: str, **log: Any
) -> LookupRefused:
    access_log_record(
        actor=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result=Result.REFUSED,
        detail={"refused": field, **log.pop("detail", {})},
        **log,
    )
    return LookupRefused(field, message)


def person_search(*, user: User, text: str, purpose: Purpose | None, origin: str) -> list[PersonHit]:
    """Search persons for `user` with a stated purpose; every search lands in the access log (without a
    BSN in clear), with one entry per person shown. Raises LookupRefused or QueryError."""
    masked = mask_bsn(text)[:200]
    if not may_search_persons(user):
        raise _refuse(
            user=user,
            action=Action.SEARCH,
            object_type=SEARCH_OBJECT,
            object_id="",
            field="role",
            message="your role may not search persons",
            origin=origin,
            detail={"query": masked},
        )
    if purpose is None:
        raise _refuse(
            user=user,
            action=Action.SEARCH,
            object_type=SEARCH_OBJECT,
            object_id="",
            field="purpose",
            message="state a purpose before searching persons",
            origin=origin,
            detail={"query": masked},
        )
    query = parse_query(text)  # QueryError: nothing to log, nothing was searched
    hits = person_search_for_user(user=user, query=query, purposed=True)  # under the purpose checked above
    with transaction.atomic():
        _log_search(user=user, purpose=purpose, origin=origin, masked=masked, hits=hits)
    return hits


def person_search_for_supervision(*, user: User, text: str, origin: str) -> list[tuple[int, str, int | None]]:
    """The persons a name (and a date of birth) typed on the access log page names, for the privacy officer
    auditing who looked at them: (person id, name, year of birth) each, best first, found by the police's
    person search over every registration. Logged once, with its purpose and the persons shown; nothing is
    shown of the registrations. Raises ValueError (a message for the field) for text that is no search,
    and PermissionError (logged) for any other role."""
    masked = mask_bsn(text)[:200]
    if not may_search_persons_for_supervision(user):
        with transaction.atomic():
            access_log_record(
                actor=user, action=Action.SEARCH, object_type=SEARCH_OBJECT, result=Result.REFUSED,
                purpose=SUPERVISION_PURPOSE, origin=origin, detail={"query": masked, "refused": "role"},
            )  # fmt: skip
        raise PermissionError("your role may not search persons by name")
    try:
        query = parse_query(text)
    except QueryError as error:
        raise ValueError(error.message) from error
    hits = person_search_for_user(user=user, query=query, everything=True)
    with transaction.atomic():
        access_log_record(
            actor=user, action=Action.SEARCH, object_type=SEARCH_OBJECT, result=Result.SHOWN,
            purpose=SUPERVISION_PURPOSE, origin=origin,
            detail={"query": masked, "count": len(hits), "supervision": True},
            persons=[hit.person_id for hit in hits],
        )  # fmt: skip
    found = []
    for hit in hits:
        year = next((m.group(1) for b in hit.birth_dates if (m := _YEAR.search(b))), None)
        found.append((hit.person_id, hit.name, int(year) if year else None))
    return found


def _log_search(*, user: User, purpose: Purpose, origin: str, masked: str, hits: list[PersonHit]) -> None:
    access_log_record(
        actor=user,
        action=Action.SEARCH,
        object_type=SEARCH_OBJECT,
        result=Result.SHOWN,
        purpose=purpose.for_log(),
        origin=origin,
        detail={"query": masked, "count": len(hits), "purpose": purpose.detail()},
    )
    access_log_record_many(
        actor=user,
        action=Action.SEARCH,
        object_type=PERSON_OBJECT,
        result=Result.SHOWN,
        purpose=purpose.for_log(),
        origin=origin,
        objects=[(hit.person_id, {"rank": rank, "query": masked}) for rank, hit in enumerate(hits, 1)],
    )


def dossier_open(*, user: User, person_id: int, purpose: Purpose | None, origin: str) -> Dossier:
    """A person's dossier for `user`, logged with its purpose. Raises NotVisible (logged as refused) for
    a missing person, a role that opens no dossiers and a person the user may see nothing of, alike; and
    LookupRefused (logged) when the user may open dossiers but has stated no purpose."""
    if purpose is None and may_open_dossier(user):
        raise _refuse(
            user=user,
            action=Action.VIEW,
            object_type=PERSON_OBJECT,
            object_id=person_id,
            field="purpose",
            message="state a purpose before opening a person's dossier",
            origin=origin,
        )
    dossier = dossier_get_for_user(
        user=user, person_id=person_id, origin=origin, purpose=purpose.for_log() if purpose else ""
    )
    assert purpose is not None  # a role that opens no dossiers was refused above
    detail: dict[str, Any] = {"registrations": len(dossier.lines), "purpose": purpose.detail()}
    if dossier.break_glass is not None:  # outside the sharing rules: flagged for the privacy officer
        grant = dossier.break_glass
        detail |= {"break_glass": True, "grant": grant.pk, "reason": grant.reason}
        detail["references"] = sorted({line.registration.reference for line in dossier.lines})
    with transaction.atomic():
        read(
            actor=user,
            object_type=PERSON_OBJECT,
            object_id=dossier.person.pk,
            purpose=purpose.for_log(),
            origin=origin,
            detail=detail,
            persons=[c.person_id for c in dossier.companions],  # shown in the dossier, by name
        )
    return dossier


__all__: Sequence[str] = (
    "LookupRefused",
    "QueryError",
    "dossier_open",
    "entry_rows",
    "person_search",
    "search_index_add",
    "search_index_rebuild",
)
