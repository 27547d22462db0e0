"""The screening side of a kernel case kept in step with it (connected in apps.py): the queue's urgency and
level, and whether the pair's case is still open."""

from __future__ import annotations

from typing import Any

from ketenzicht.workprocesses.models import Case

from .engine.urgency import rank_of
from .models import ScreeningCase


def case_urgency(data: dict[str, Any]) -> str:
    """The urgency decided at the screening, else the one the last screening suggested, else the one the
    register's facts suggested when the case opened or got a new registration."""
    for key in ("urgency", "urgency_suggested", "urgency_provisional"):
        if data.get(key):
            return str(data[key])
    return ""


def sync_screening_case(sender: Any, case: Case, **kwargs: Any) -> None:
    urgency = case_urgency(case.data)
    ScreeningCase.objects.filter(case_id=case.pk).update(
        open=case.closed_at is None,
        deadline_at=case.deadline_at,
        urgency=urgency,
        urgency_rank=rank_of(urgency),
        level=str(case.data.get("screening_level") or ""),
    )
