"""The radar class of a Veilig Thuis notification, from the persons it names and the organisation's earlier
notifications: the categories Veilig Thuis reports to CBS (table 85361NED).

- first notification: none of its persons was known before;
- re-notification: one, or several, of its persons were known from an earlier notification that is no
  longer being worked;
- notification during involvement: a person of it is in a notification still being worked, during the
  safety assessment, during an investigation, or during monitoring (conditions and follow-up).

Pure: the caller gives the history as it stood (each earlier notification with its persons and the periods
of its phases), so a class can be recomputed as of any moment, e.g. after persons were relinked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Phase(StrEnum):
    ASSESSMENT = "assessment"  # the safety assessment (veiligheidsbeoordeling)
    INVESTIGATION = "investigation"  # own investigation (onderzoek)
    MONITORING = "monitoring"  # conditions and follow-up (voorwaarden en vervolg)


class RadarClass(StrEnum):
    FIRST = "first"
    RE_ONE = "re_one"  # re-notification, one person known
    RE_SEVERAL = "re_several"  # re-notification, several persons known
    DURING_ASSESSMENT = "during_assessment"
    DURING_INVESTIGATION = "during_investigation"
    DURING_MONITORING = "during_monitoring"

    @property
    def group(self) -> str:
        """The CBS main category: first, re (re-notification) or during (during involvement)."""
        if self is RadarClass.FIRST:
            return "first"
        return "re" if self in (RadarClass.RE_ONE, RadarClass.RE_SEVERAL) else "during"


DURING = {
    Phase.ASSESSMENT: RadarClass.DURING_ASSESSMENT,
    Phase.INVESTIGATION: RadarClass.DURING_INVESTIGATION,
    Phase.MONITORING: RadarClass.DURING_MONITORING,
}


@dataclass(frozen=True)
class Period:
    phase: Phase
    start: datetime
    end: datetime | None = None  # None: still in it

    def holds(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class Earlier:
    """An earlier notification: when it came in, whom it named, and the phases it went through (none for a
    registration Veilig Thuis made in its own system, which counts only as "known")."""

    key: str  # how the caller names it (e.g. a case id)
    received_at: datetime
    persons: frozenset[int]
    periods: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Radar:
    radar_class: RadarClass
    known: frozenset[int]  # the persons of this notification known before
    earlier: tuple[str, ...]  # keys of the earlier notifications naming any of them, the latest first
    involved_in: str = ""  # the key of the notification being worked, for a notification during involvement


def classify(at: datetime, persons: Iterable[int], history: Iterable[Earlier]) -> Radar:
    """The class of a notification received at `at` naming `persons`, given the earlier notifications.
    Notifications received at or after `at` do not count. Of several being worked, the latest received
    decides the phase."""
    named = frozenset(persons)
    before = sorted(
        (e for e in history if e.received_at < at and e.persons & named),
        key=lambda e: (e.received_at, e.key),
        reverse=True,
    )
    known = frozenset().union(*(e.persons & named for e in before)) if before else frozenset()
    keys = tuple(e.key for e in before)
    for earlier in before:
        for period in earlier.periods:
            if period.holds(at):
                return Radar(DURING[period.phase], known, keys, earlier.key)
    if not known:
        return Radar(RadarClass.FIRST, known, keys)
    return Radar(RadarClass.RE_SEVERAL if len(known) > 1 else RadarClass.RE_ONE, known, keys)
