"""What a user typed into a form of the ZSM file's panel, kept across the redirect back to the case page
when it was refused, so that the panel shows it again instead of the defaults (a route chosen against the
triage, refused for want of a reason, came back as the triage's route: corrected and sent, it stored the
suggested route with the reason for the other)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

KEPT_KEY = "kz_zsm_kept_input"


def input_keep(request: HttpRequest, file_id: int, form: str) -> None:
    request.session[KEPT_KEY] = {
        "file": file_id,
        "form": form,
        "data": {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"},
    }


def input_kept(request: HttpRequest, file_id: int) -> dict[str, dict[str, Any]]:
    """The kept input for this file, by form name (taken out of the session: shown once)."""
    kept = request.session.pop(KEPT_KEY, None)
    if not isinstance(kept, dict) or kept.get("file") != file_id:
        return {}
    return {str(kept.get("form")): dict(kept.get("data") or {})}
