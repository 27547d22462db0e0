"""The screening side of a kernel case kept in step with it (connected in apps.py): the queue's urgency and
level, and whether the pair's case is still open."""

from __future__ import annotations

from typing import Any

from ketenzicht.workprocesses.models import Case

from .engine.urgency import rank_of
from .models import ScreeningCase

# Where a case's urgency comes from, the first that holds one counting: decided at the screening, suggested
# by the last screening, suggested by the register's facts when the case opened or got a registration.
URGENCY_SOURCES = (
    ("urgency", "decided"),
    ("urgency_suggested", "suggested"),
    ("urgency_provisional", "provisional"),
)


def case_urgency(data: dict[str, Any]) -> tuple[str, str]:
    """(the case's urgency, where it comes from), ("", "") when none is known yet."""
    for key, source in URGENCY_SOURCES:
        if data.get(key):
            return str(data[key]), source
    return "", ""


def sync_screening_case(sender: Any, case: Case, **kwargs: Any) -> None:
    urgency, _source = case_urgency(case.data)
    ScreeningCase.objects.filter(case_id=case.pk).update(
        open=case.closed_at is None,
        deadline_at=case.deadline_at,
        urgency=urgency,
        urgency_rank=rank_of(urgency),
        level=str(case.data.get("screening_level") or ""),
    )
