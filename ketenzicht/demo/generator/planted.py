"""A planted pattern or confounder (`Plant`) and a serial of them (`Serial`), each writing its truth. Below
events.py (a draft names its plant) and plants.py (which plants them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .population import Person


@dataclass
class Serial:
    label: str
    suspect: Person
    campaigns: list[Plant] = field(default_factory=list)
    finished: int = 0

    def truth(self) -> dict[str, Any]:
        firsts = [c.first for c in self.campaigns if c.first]
        lasts = [c.last for c in self.campaigns if c.last]
        return {
            "serial": {
                "id": self.label,
                "suspect": self.suspect.tid,
                "victims": [c.data["victim"] for c in self.campaigns],
                "patterns": [c.label for c in self.campaigns],
                "first": min(firsts) if firsts else None,
                "last": max(lasts) if lasts else None,
            }
        }


@dataclass
class Plant:
    label: str
    category: str  # "pattern" or "confounder"
    data: dict[str, Any]
    expected: int = 0
    records: list[tuple[str, str]] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""
    serial: Serial | None = None
    facts: list[list[str]] = field(default_factory=list)  # per registration: danger facts of its summary

    def record(
        self, source: str, reference: str, date: str, unit: str, facts: frozenset[str] = frozenset()
    ) -> bool:
        """Note a written registration; True when this was the plant's last one."""
        self.records.append((source, reference))
        self.facts.append(sorted(facts))
        if unit and unit not in self.units:
            self.units.append(unit)
        self.first = self.first or date
        self.last = date
        return len(self.records) == self.expected

    def truth(self) -> dict[str, Any]:
        body = dict(self.data)
        body["first"], body["last"] = self.first, self.last
        body["plant"] = self.label
        if self.category == "pattern":
            body["units"] = self.units
        body["registrations"] = [list(r) for r in self.records]
        if self.category == "pattern":
            # What each registration's summary states (threat_to_kill, weapon), in the same order.
            body["summary_facts"] = self.facts
        return {self.category: body}
