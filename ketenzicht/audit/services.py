"""Writing to the access log. Call inside the transaction of the action it records."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .models import AccessLogEntry
from .text import storable


def request_origin(request: HttpRequest | None, channel: str) -> str:
    if request is None:
        return channel
    return f"{channel} {request.META.get('REMOTE_ADDR', '')}".strip()


def _entry(
    *, actor: Any, action: str, object_type: str, result: str, purpose: str, origin: str
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
        "purpose": storable(purpose),
        "result": result,
        "origin": storable(origin),
    }


def access_log_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str | int = "",
    result: str,
    purpose: str = "",
    origin: str = "",
    detail: dict[str, Any] | None = None,
) -> AccessLogEntry:
    """Append one entry. `actor` is a user (or None for the system). A NUL or lone surrogate in what a
    caller typed becomes U+FFFD, so the entry is always written (a refusal's entry above all)."""
    template = _entry(
        actor=actor, action=action, object_type=object_type, result=result, purpose=purpose, origin=origin
    )
    return AccessLogEntry.objects.create(
        **template, object_id=storable(str(object_id)), detail=storable(detail or {})
    )


def access_log_record_many(
    *,
    actor: Any,
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
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(**{**template, "object_id": storable(str(object_id)), "detail": storable(detail)})
            for object_id, detail in objects
        ]
    )
