"""Writes of the dossiers app: the search index, and the logged search and dossier look-ups."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record, access_log_record_many
from ketenzicht.linking.engine.normalise import (
    normalise_address,
    normalise_birth_date,
    normalise_given_names,
    normalise_surname,
)
from ketenzicht.linking.engine.phonetic import dutch_phonetic
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention

from .engine.query import QueryError, deletion_keys, mask_bsn, parse_query, sound_key
from .models import SearchEntry, SearchKey
from .purpose import Purpose
from .selectors import (
    PERSON_OBJECT,
    Dossier,
    PersonHit,
    dossier_for_user,
    may_open_dossier,
    may_search_persons,
    person_resolve,
    person_search_for_user,
)

SEARCH_OBJECT = "person_search"
_MENTION_FIELDS = ("pk", "given_names", "surname_prefix", "surname", "birth_date_raw", "postcode")


class LookupRefused(Exception):
    """The look-up may not happen: no role that may search, or no purpose. `field` names what is missing."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# ------------------------------------------------------------------------------------------------ index


def entries_of(mention: Any) -> list[SearchEntry]:
    """The index rows of one mention (anything with the PersonMention name, birth and postcode fields)."""
    surname = normalise_surname(mention.surname or "", mention.surname_prefix or "")
    given = normalise_given_names(mention.given_names or "")
    birth = normalise_birth_date(mention.birth_date_raw)
    pc6, _pc4, _number = normalise_address(mention.postcode, None)
    return [
        SearchEntry(
            mention_id=mention.pk,
            surname_key=key[:100],
            phonetic=(dutch_phonetic(key) or key)[:100],
            head=key[:3],
            tail=key[-3:],
            given_first=(given.first or "")[:100],
            initials=(given.initials or "")[:20],
            birth_year=birth.year,
            birth_month=birth.month,
            birth_day=birth.day,
            pc6=pc6 or "",
        )
        for key in surname.keys
    ]


def search_index_add(*, mention_ids: Iterable[int], replace: bool = False) -> int:
    """Index these new mentions (`replace`: mentions indexed before). Returns the rows written."""
    ids = list(mention_ids)
    if not ids:
        return 0
    if replace:
        SearchKey.objects.filter(entry__mention_id__in=ids).delete()
        SearchEntry.objects.filter(mention_id__in=ids).delete()
    rows = [e for m in PersonMention.objects.filter(pk__in=ids).only(*_MENTION_FIELDS) for e in entries_of(m)]
    _store(rows, batch_size=2_000)
    return len(rows)


def _store(entries: list[SearchEntry], *, batch_size: int) -> None:
    SearchEntry.objects.bulk_create(entries, batch_size=batch_size)
    SearchKey.objects.bulk_create(
        [
            SearchKey(entry_id=e.pk, key=key)
            for e in entries
            for key in (*deletion_keys(e.surname_key), sound_key(e.surname_key))
        ],
        batch_size=batch_size * 4,
    )


def search_index_rebuild(
    *, chunk: int = 5_000, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Rewrite the whole index from the linked mentions. Returns (mentions, rows)."""
    mentions = PersonMention.objects.filter(link__isnull=False).order_by("pk")
    total = mentions.count()
    done = rows = 0
    with transaction.atomic():
        with connection.cursor() as cursor:  # the whole table: no need to collect rows first
            for model in (SearchKey, SearchEntry):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        last = 0
        while True:
            batch = list(mentions.filter(pk__gt=last).only(*_MENTION_FIELDS)[:chunk])
            if not batch:
                break
            entries = [e for m in batch for e in entries_of(m)]
            _store(entries, batch_size=chunk)
            last = batch[-1].pk
            done += len(batch)
            rows += len(entries)
            if progress is not None:
                progress(done, total)
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
    hits = person_search_for_user(user=user, query=query)
    with transaction.atomic():
        _log_search(user=user, purpose=purpose, origin=origin, masked=masked, hits=hits)
    return hits


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
    """A person's dossier for `user`, logged with its purpose (refusals too, so no transaction here:
    a refusal's entry must stay). Raises LookupRefused, or Person.DoesNotExist
    when there is no such person or nothing the user may see of them (logged as refused too)."""
    if not may_open_dossier(user):
        raise _refuse(
            user=user,
            action=Action.VIEW,
            object_type=PERSON_OBJECT,
            object_id=person_id,
            field="role",
            message="your role may not open person dossiers",
            origin=origin,
        )
    if purpose is None:
        raise _refuse(
            user=user,
            action=Action.VIEW,
            object_type=PERSON_OBJECT,
            object_id=person_id,
            field="purpose",
            message="state a purpose before opening a person's dossier",
            origin=origin,
        )
    try:
        person = person_resolve(person_id)
        dossier = dossier_for_user(user=user, person=person)
    except Person.DoesNotExist:
        access_log_record(
            actor=user,
            action=Action.VIEW,
            object_type=PERSON_OBJECT,
            object_id=person_id,
            result=Result.REFUSED,
            purpose=purpose.for_log(),
            origin=origin,
            detail={"refused": "not found"},
        )
        raise
    access_log_record(
        actor=user,
        action=Action.VIEW,
        object_type=PERSON_OBJECT,
        object_id=person.pk,
        result=Result.SHOWN,
        purpose=purpose.for_log(),
        origin=origin,
        detail={"registrations": len(dossier.lines), "purpose": purpose.detail()},
    )
    return dossier


__all__: Sequence[str] = (
    "LookupRefused",
    "QueryError",
    "dossier_open",
    "entries_of",
    "person_search",
    "search_index_add",
    "search_index_rebuild",
)
