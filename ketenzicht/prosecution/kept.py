"""What a user typed into a form of the ZSM file's panel, kept for the case page shown again (422) when it
was refused, so that the panel shows it again instead of the defaults (a route chosen against the
triage, refused for want of a reason, came back as the triage's route: corrected and sent, it stored the
suggested route with the reason for the other), with what was refused at the field it concerns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import HttpRequest

KEPT_KEY = "kz_zsm_kept_input"


def input_keep(
    request: HttpRequest, file_id: int, form: str, refused: Mapping[str, str] | None = None
) -> None:
    """Keep the posted input of `form`; `refused`: what a service refused after the form passed, by field."""
    request.session[KEPT_KEY] = {
        "file": file_id,
        "form": form,
        "data": {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"},
        "refused": dict(refused or {}),
    }


def input_kept(request: HttpRequest, file_id: int) -> dict[str, dict[str, Any]]:
    """The kept input for this file, by form name, as {"data": ..., "refused": ...} (taken out of the
    session: shown once)."""
    kept = request.session.pop(KEPT_KEY, None)
    if not isinstance(kept, dict) or kept.get("file") != file_id:
        return {}
    return {
        str(kept.get("form")): {
            "data": dict(kept.get("data") or {}),
            "refused": dict(kept.get("refused") or {}),
        }
    }


def form_again(
    form_class: type[forms.Form], kept: Mapping[str, Any] | None, initial: Any = None
) -> forms.Form:
    """The form as the panel shows it: bound to what was kept, with its errors and the service's refusal
    at the fields they concern; else fresh, with `initial`."""
    if not kept:
        return form_class(initial=initial)
    form = form_class(data=kept.get("data") or {})
    form.is_valid()
    for field, text in (kept.get("refused") or {}).items():
        if field in form.fields and not form.has_error(field):
            form.add_error(field, text)
    return form
