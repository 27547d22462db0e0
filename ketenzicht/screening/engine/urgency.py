"""Urgency from a screening's level and the pair's danger facts (issue 13, item 6): acute / high / normal /
low. The work process gives each urgency its deadline."""

from __future__ import annotations

from collections.abc import Mapping

from .instrument import Level

ACUTE_FACTS = ("threat_to_kill", "weapon")


def urgency(level: Level, facts: Mapping[str, bool | int] | None = None) -> str:
    """High concern with a threat to kill or a weapon in the history is acute; otherwise the level decides."""
    facts = facts or {}
    if level is Level.HIGH:
        return "acute" if any(facts.get(name) for name in ACUTE_FACTS) else "high"
    if level is Level.MEDIUM:
        return "normal"
    return "low"
