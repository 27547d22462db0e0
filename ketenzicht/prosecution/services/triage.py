"""Triage: the file's suggested route (fast-track or regular) refreshed, and the prosecutor's choice."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import (
    case_take,
)

from ..engine.triage import triage
from ..facts import triage_facts
from ..models import ZsmFile
from ..rules import triage_rules
from .names import FileRefused


def triage_refresh(file: ZsmFile) -> dict[str, Any]:
    """Compute the file's triage from what it knows now and keep it on the file (shown with its reasons)."""
    found = triage(triage_facts(file), triage_rules())
    file.triage = {
        "route": found.route,
        "danger": found.danger,
        "reasons": [reason.code for reason in found.reasons],
        "version": found.rules_version,
        "facts": found.facts,
    }
    ZsmFile.objects.filter(pk=file.pk).update(triage=file.triage)
    return dict(file.triage)


def triage_choose(
    file: ZsmFile, *, route: str, actor: User, reason: str, expected_version: int | None
) -> Case:
    """The prosecutor chooses the route; another route than the rules suggest needs a reason."""
    if route not in ("zsm", "regular", "zvh"):
        raise FileRefused("route", gettext_noop("choose a route"))
    suggested = (file.triage or triage_refresh(file)).get("route")
    if route != suggested and not reason.strip():
        raise FileRefused("reason", gettext_noop("say why you choose another route than the triage suggests"))
    return case_take(
        file.case, f"triage_{route}", actor=actor, expected_version=expected_version, reason=reason.strip()
    )
