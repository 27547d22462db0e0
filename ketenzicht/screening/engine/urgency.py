"""Urgency from a screening's level and the pair's danger facts (issue 13, item 6): acute / high / normal /
low. The work process gives each urgency its deadline (a state's `deadline_by: urgency`). Before a
screening, the register's facts suggest a provisional urgency, so that the queue puts danger first from the
start."""

from __future__ import annotations

from collections.abc import Mapping

from .instrument import Level

ACUTE_FACTS = ("threat_to_kill", "weapon")
URGENCIES = ("acute", "high", "normal", "low")
UNKNOWN_RANK = 9


def rank_of(urgency: str) -> int:
    """The queue's order: acute 0 .. low 3; a case without an urgency after them."""
    return URGENCIES.index(urgency) if urgency in URGENCIES else UNKNOWN_RANK


def urgency(level: Level, facts: Mapping[str, bool | int] | None = None) -> str:
    """High concern with a threat to kill or a weapon in the history is acute; otherwise the level decides."""
    facts = facts or {}
    if level is Level.HIGH:
        return "acute" if any(facts.get(name) for name in ACUTE_FACTS) else "high"
    if level is Level.MEDIUM:
        return "normal"
    return "low"


def provisional_urgency(
    facts: Mapping[str, bool | int], *, signal: bool = False, stalking: bool = False
) -> str:
    """Before any screening: a threat to kill or a weapon in the pair's reports is acute; a pattern signal,
    a stalking report, a breach of a measure or three or more reports in twelve months is high; else
    normal. Never low: lowering is the screener's call."""
    if any(facts.get(name) for name in ACUTE_FACTS):
        return "acute"
    count = facts.get("incidents_12_months") or 0
    if signal or stalking or facts.get("breach_of_ban") or (isinstance(count, int) and count >= 3):
        return "high"
    return "normal"
