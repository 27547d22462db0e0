"""Writing to the access log. Call inside the transaction of the action it records."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ketenzicht.organisations.models import User

from .models import AccessLogEntry, AccessLogPerson, AccessLogPurge
from .text import storable

PERSON_OBJECT = "person"
_LONG_DIGIT_RUN = re.compile(r"\d{8,}")
# Within `access_log_together()`: the entries recorded so far, each with its persons, not yet written.
_together: ContextVar[list[tuple[AccessLogEntry, set[int]]] | None] = ContextVar(
    "access_log_together", default=None
)


def mask_long_numbers(text: str) -> str:
    """Text as it may be logged: every run of eight or more digits (a BSN, an account number) hidden, the
    same way the person search box is logged."""
    return _LONG_DIGIT_RUN.sub(lambda m: "*" * len(m.group(0)), text)


def request_origin(request: HttpRequest | None, channel: str) -> str:
    if request is None:
        return channel
    return f"{channel} {request.META.get('REMOTE_ADDR', '')}".strip()


def _entry(
    *, actor: User | None, action: str, object_type: str, result: str, purpose: str, origin: str
) -> dict[str, Any]:
    organisation = getattr(actor, "organisation", None)
    has_pk = actor is not None and getattr(actor, "pk", None) is not None
    return {
        "at": timezone.now(),
        "actor": actor if has_pk else None,
        "actor_username": getattr(actor, "username", "") or "system",
        "organisation_code": organisation.code if organisation is not None else "",
        "roles": ",".join(sorted(getattr(actor, "role_codes", ()))) if has_pk else "",
        "action": action,
        "object_type": object_type,
        "purpose": storable(mask_long_numbers(purpose)),
        "result": result,
        "origin": storable(origin),
    }


def access_log_record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    result: str,
    purpose: str = "",
    origin: str = "",
    detail: dict[str, Any] | None = None,
    persons: Iterable[int | None] = (),
    actor_username: str = "",
    together: bool = False,
) -> AccessLogEntry:
    """Append one entry. `actor` is a user (or None for the system). `persons`: the ids of the persons whose
    data the action showed or changed, so that the entry is in each one's access list (an entry about a
    person, object type `person`, is in theirs without). A NUL or lone surrogate in what a caller typed
    becomes U+FFFD, so the entry is always written (a refusal's entry above all). `together`: inside
    `access_log_together()` the entry, complete as of now, is written with the block's others at its end."""
    template = _entry(
        actor=actor, action=action, object_type=object_type, result=result, purpose=purpose, origin=origin
    )
    if actor_username:  # who a failed login claimed to be: there is no actor
        template["actor_username"] = storable(mask_long_numbers(actor_username))[:150]
    entry = AccessLogEntry(**template, object_id=storable(str(object_id)), detail=storable(detail or {}))
    pending = _together.get() if together else None
    if pending is not None:
        pending.append((entry, _persons_of(entry, persons)))
        return entry
    entry.save(force_insert=True)
    _record_persons([(entry, _persons_of(entry, persons))])
    return entry


def access_log_held() -> bool:
    """Whether an `access_log_together()` block is open: its entries are written at its end."""
    return _together.get() is not None


@contextmanager
def access_log_together() -> Iterator[None]:
    """Write the entries recorded with `together=True` while the block runs (the reads a page shows, see
    `access.read` and `access.listed`) at its end, together: one transaction, one insert for the entries,
    one for their persons, in the order they were recorded. Each entry is as it would have been alone: its
    time, actor, purpose, detail and persons are taken when it is recorded. They are written also when the
    block ends in an exception (what was read was read). A refusal is never held back (`access.refuse`).
    Within an enclosing block, that block writes them."""
    if _together.get() is not None:
        yield
        return
    pending: list[tuple[AccessLogEntry, set[int]]] = []
    token = _together.set(pending)
    try:
        yield
    finally:
        _together.reset(token)
        if pending:
            with transaction.atomic():
                written = AccessLogEntry.objects.bulk_create([entry for entry, _ids in pending])
                _record_persons(
                    [(entry, ids) for entry, (_entry_, ids) in zip(written, pending, strict=True)]
                )


def _persons_of(entry: AccessLogEntry, persons: Iterable[int | None]) -> set[int]:
    ids = {int(p) for p in persons if p is not None}
    if entry.object_type == PERSON_OBJECT and entry.object_id.isdigit():
        ids.add(int(entry.object_id))
    return ids


def _record_persons(entries: list[tuple[AccessLogEntry, set[int]]]) -> None:
    rows = [AccessLogPerson(entry=entry, person_id=p) for entry, ids in entries for p in sorted(ids)]
    if rows:
        AccessLogPerson.objects.bulk_create(rows)


def access_log_record_many(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    result: str,
    objects: list[tuple[Any, dict[str, Any]]],
    purpose: str = "",
    origin: str = "",
) -> None:
    """One entry per (object id, detail), written with one insert: for bulk actions such as an import."""
    if not objects:
        return
    template = _entry(
        actor=actor, action=action, object_type=object_type, result=result, purpose=purpose, origin=origin
    )
    entries = AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(**{**template, "object_id": storable(str(object_id)), "detail": storable(detail)})
            for object_id, detail in objects
        ]
    )
    if object_type == PERSON_OBJECT:
        _record_persons([(entry, _persons_of(entry, ())) for entry in entries])


def access_log_purge(
    *,
    horizon: datetime.datetime,
    keep: Iterable[int] = (),
    batch: int = 5_000,
    progress: Callable[[int, int], None] | None = None,
    actor: User | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Delete the entries from before `horizon` (and their person rows), except the ids in `keep`, `batch`
    per transaction; returns how many. The horizon is recorded first (`AccessLogPurge`, append-only): the
    database deletes no entry that is not behind a recorded horizon, and refuses a horizon less than
    `triggers.FLOOR_DAYS` old (an IntegrityError / DatabaseError then, before anything is deleted)."""
    kept = set(keep)
    past = AccessLogEntry.objects.filter(at__lt=horizon).exclude(pk__in=kept)
    total = past.count()
    if not total:
        return 0
    with transaction.atomic():  # a refused horizon leaves an outer transaction usable
        AccessLogPurge.objects.create(
            at=timezone.now(),
            horizon=horizon,
            actor_username=actor.get_username() if actor is not None else "",
            detail=detail or {},
        )
    done = 0
    if progress is not None:
        progress(0, total)
    while True:
        with transaction.atomic():
            ids = list(past.order_by("id").values_list("id", flat=True)[: max(batch, 1)])
            if not ids:
                break
            AccessLogPerson.objects.filter(entry_id__in=ids).delete()
            AccessLogEntry.objects.filter(pk__in=ids).delete()
        done += len(ids)
        if progress is not None:
            progress(done, total)
    return done
