"""What the measures registry writes down beside a measure: its own history's lines (`MeasureEvent`) and the
lines in its police case's history, in the installation's language (a history is a record, not a page)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext, gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import SYSTEM_ACTOR
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import NOTE_WORDS
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_record

from .models import Measure, MeasureEvent, MeasureKind

# What the police case's history calls a measure's line (translated when shown).
MEASURE_LINE = gettext_noop("protective measure")
# A measure's line in a police case's history keeps what its note says (the English text and its values)
# under this name (`workprocesses.labels.NOTE_WORDS`), so a page shows it in its reader's language
# (`case_note`, registered in apps.py); the note itself is written in the installation's language.
NOTE_NAME = "measures"


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
    """A line in the police case's history, written in the installation's language with its words kept, so a
    page shows it in its reader's language (`case_note`); left out once the case is closed."""
    if case is None or case.closed_at is not None:
        return
    text = in_installation_language(
        note, **{k: v.label if isinstance(v, MeasureKind) else value_shown(v) for k, v in params.items()}
    )
    words = {
        NOTE_WORDS: NOTE_NAME,
        "note_text": note,
        "note_params": {
            k: v.value if isinstance(v, MeasureKind) else value_shown(v) for k, v in params.items()
        },
        "note_kinds": sorted(k for k, v in params.items() if isinstance(v, MeasureKind)),
    }
    with contextlib.suppress(Refused):
        case_record(
            case,
            values={},
            actor=actor,
            expected_version=None,
            note=text,
            detail={"measure": params.get("measure", ""), **detail, **words},
            at=at,
            what=MEASURE_LINE,
        )


def case_note(detail: Mapping[str, Any]) -> str | None:
    """The note of a measure's line in a police case's history (`case_line`) in the reader's language: the
    kind of measure by its label, a reason as it was typed. None for a line written before its words were
    kept (then it is shown as written). Registered with the kernel (`labels.history_note_register`)."""
    note, params = detail.get("note_text"), detail.get("note_params")
    if not isinstance(note, str) or not isinstance(params, dict):
        return None
    shown = {key: str(value) for key, value in params.items()}
    for key in detail.get("note_kinds") or ():
        if shown.get(key) in MeasureKind.values:
            shown[key] = str(MeasureKind(shown[key]).label)
    try:
        return gettext(note) % shown
    except (KeyError, TypeError, ValueError):
        return None
