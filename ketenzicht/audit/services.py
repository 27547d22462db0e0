"""Writing to the access log. Call inside the transaction of the action it records."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .models import AccessLogEntry


def request_origin(request: HttpRequest | None, channel: str) -> str:
    if request is None:
        return channel
    return f"{channel} {request.META.get('REMOTE_ADDR', '')}".strip()


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
    """Append one entry. `actor` is a user (or None for the system)."""
    username = getattr(actor, "username", "") or "system"
    organisation = getattr(actor, "organisation", None)
    roles = ",".join(sorted(getattr(actor, "role_codes", ()))) if actor is not None and actor.pk else ""
    return AccessLogEntry.objects.create(
        at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_username=username,
        organisation_code=organisation.code if organisation is not None else "",
        roles=roles,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose,
        result=result,
        origin=origin,
        detail=detail or {},
    )
