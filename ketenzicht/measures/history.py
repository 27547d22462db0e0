"""What the measures registry writes down beside a measure: its own history's lines (`MeasureEvent`) and the
lines in its police case's history, in the installation's language (a history is a record, not a page)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import SYSTEM_ACTOR
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_record

from .models import Measure, MeasureEvent

# What the police case's history calls a measure's line (translated when shown).
MEASURE_LINE = gettext_noop("protective measure")


def value_shown(value: Any) -> Any:
    return value.strftime("%d-%m-%Y") if isinstance(value, date) else value


def measure_event(
    measure: Measure, *, kind: str, actor: User | None, at: datetime, reason: str = "", **detail: Any
) -> MeasureEvent:
    return MeasureEvent.objects.create(
        measure=measure,
        at=at,
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        reason=reason,
        detail=detail,
    )


def case_line(
    case: Case | None,
    *,
    note: str,
    params: Mapping[str, Any],
    actor: User | None,
    at: datetime,
    **detail: Any,
) -> None:
    """A line in the police case's history, in the installation's language (left out once it is closed)."""
    if case is None or case.closed_at is not None:
        return
    text = in_installation_language(note, **{k: value_shown(v) for k, v in params.items()})
    with contextlib.suppress(Refused):
        case_record(
            case,
            values={},
            actor=actor,
            expected_version=None,
            note=text,
            detail={"measure": params.get("measure", ""), **detail},
            at=at,
            what=MEASURE_LINE,
        )
