"""The one road to protected data: a `<thing>_get_for_user` selector either returns the object or raises
NotVisible, for a missing and a forbidden object alike, after logging the refusal here, once. Reads that
were shown are logged here too (`read`, `listed`), so the access log is written in one place.

NotVisible is an Http404: a page that lets it through answers Django's 404 page, and the API's handler
(ketenzicht.api.api) answers the one JSON 404 body. Views therefore never catch it."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.http import Http404

from ketenzicht.organisations.models import User

from .models import Action, Result
from .services import access_log_held, access_log_record

NOT_FOUND_BODY = {"detail": "Not found"}  # the API's one answer for missing and forbidden


class NotVisible(Http404):
    """The object does not exist or the user may not see it: callers answer 404 either way."""


def refuse(
    *,
    actor: User | None,
    object_type: str,
    object_id: str | int,
    origin: str = "",
    purpose: str = "",
    action: str = Action.VIEW,
) -> NotVisible:
    """Log a refused look-up and return the exception to raise. The entry is written in its own
    transaction: it must stay whatever the request does next."""
    with transaction.atomic():
        access_log_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            result=Result.REFUSED,
            purpose=purpose,
            origin=origin,
            detail={"refused": "not visible"},
        )
    return NotVisible(f"{object_type} {object_id}")


def read(
    *,
    actor: User | None,
    object_type: str,
    object_id: str | int,
    origin: str,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
    persons: Iterable[int | None] = (),
) -> None:
    """Log that one protected object was shown to `actor`, with the persons whose data it showed."""
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        object_type=object_type,
        object_id=object_id,
        result=Result.SHOWN,
        purpose=purpose,
        origin=origin,
        detail=detail,
        persons=persons,
        together=True,
    )


def listed(
    *,
    actor: User | None,
    object_type: str,
    origin: str,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
    persons: Iterable[int | None] = (),
    refused: bool = False,
) -> None:
    """Log that a list of protected objects was shown to `actor` (or refused: the role sees none). Within
    `services.access_log_together()` it is written with the block's other entries, in their transaction."""
    with nullcontext() if access_log_held() else transaction.atomic():
        access_log_record(
            actor=actor,
            action=Action.LIST,
            object_type=object_type,
            result=Result.REFUSED if refused else Result.SHOWN,
            purpose=purpose,
            origin=origin,
            detail=detail,
            persons=persons,
            together=True,
        )
