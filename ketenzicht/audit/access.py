"""The one road to protected data: a `<thing>_get_for_user` selector either returns the object or raises
NotVisible, for a missing and a forbidden object alike, after logging the refusal here, once. Views and API
routes turn NotVisible into the same 404."""

from __future__ import annotations

from typing import Any

from .services import access_log_record


class NotVisible(Exception):
    """The object does not exist or the user may not see it: callers answer 404 either way."""


def refuse(
    *, actor: Any, object_type: str, object_id: str | int, origin: str = "", purpose: str = ""
) -> NotVisible:
    """Log a refused look-up and return the exception to raise."""
    access_log_record(
        actor=actor,
        action="view",
        object_type=object_type,
        object_id=object_id,
        result="refused",
        purpose=purpose,
        origin=origin,
        detail={"refused": "not visible"},
    )
    return NotVisible(f"{object_type} {object_id}")
