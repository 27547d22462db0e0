"""The retention periods as data, and what is due: the verdict on one registration on one day.

A period runs from the day a registration was first processed (its `registered_at`, the Wpg's "datum van
eerste verwerking"); a registration on a case runs from the day its last case closed, and one on an open case
is not due at all. Something else that must keep it (a ZSM file, a Veilig Thuis notification, a breach of a
measure, a history that cannot be deleted) holds it whatever its period says.

The periods come from the setting RETENTION_PERIODS (source -> {"default" | kind: {"amount", "unit"}}),
laid over DEFAULT_PERIODS key by key, and RETENTION_ACCESS_LOG ({"amount", "unit"}). The legal basis of each
default is in docs/retention.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ketenzicht.measures.engine.periods import UNITS, Length

SOURCES = ("politie", "veilig_thuis", "om", "slachtofferhulp", "reclassering")
KINDS = ("aangifte", "melding", "incident", "klacht", "overtreding_maatregel")

# Per source a "default" and, where a kind differs, that kind. Every period counts from the day of first
# processing (registered_at). docs/retention.md gives the basis of each in full.
DEFAULT_PERIODS: dict[str, dict[str, dict[str, Any]]] = {
    # Police data for the daily police task (art. 8 Wpg) are removed one year after first processing, or
    # kept up to five years when needed for the police task (art. 14 lid 1 Wpg). A pattern of stalking or
    # domestic violence shows only over years, which is what Ketenzicht is for: five years.
    "politie": {"default": {"amount": 5, "unit": "years"}},
    # Veilig Thuis files: twenty years (art. 7.3.8 Jeugdwet; Veilig Thuis keeps its Wmo 2015 files, on
    # adults, for the same term).
    "veilig_thuis": {"default": {"amount": 20, "unit": "years"}},
    # Prosecution data (strafvorderlijke gegevens, titel 3A Wjsg): twenty years, the term of art. 4 lid 2 Wjsg
    # for data on a crime; stalking (art. 285b Sr) carries at most three years.
    "om": {"default": {"amount": 20, "unit": "years"}},
    # Victim support: no term in a law of its own; storage limitation (art. 5 lid 1 onder e AVG), kept no
    # longer than the police data of the same incident.
    "slachtofferhulp": {"default": {"amount": 5, "unit": "years"}},
    # Probation: storage limitation (art. 5 lid 1 onder e AVG); ten years, the span of supervision and the
    # advice on later cases.
    "reclassering": {"default": {"amount": 10, "unit": "years"}},
}

# The access log: five years, as long as the police data whose use it records, so that a data subject's
# request to see who looked at their data (art. 25 Wpg, art. 15 AVG) can still be answered.
DEFAULT_ACCESS_LOG: dict[str, Any] = {"amount": 5, "unit": "years"}


class RetentionSettingError(ValueError):
    """A retention setting that cannot be read; the message names the setting and the key at fault."""


def _length(raw: Any, setting: str, where: str) -> Length:
    at = f"{setting} {where}" if where else setting
    if not isinstance(raw, Mapping):
        raise RetentionSettingError(f"{at}: expected {{'amount': n >= 1, 'unit': ...}}, got {raw!r}")
    amount = raw.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise RetentionSettingError(f"{at}: 'amount' must be a whole number of at least 1, got {amount!r}")
    if raw.get("unit") not in UNITS:
        raise RetentionSettingError(
            f"{at}: 'unit' must be one of {', '.join(UNITS)}, got {raw.get('unit')!r}"
        )
    extra = set(raw) - {"amount", "unit"}
    if extra:
        raise RetentionSettingError(f"{at}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
    return Length(amount, str(raw["unit"]))


def describe(length: Length) -> str:
    """ "5 years", "1 month"."""
    unit = length.unit[:-1] if length.amount == 1 else length.unit
    return f"{length.amount} {unit}"


@dataclass(frozen=True)
class Periods:
    by_source: Mapping[str, Mapping[str, Length]]  # source -> {"default" | kind: length}
    access_log: Length

    def of(self, source: str, kind: str) -> Length:
        per_source = self.by_source[source]
        return per_source.get(kind, per_source["default"])

    def category_of(self, source: str, kind: str) -> tuple[str, str]:
        """The category of data the periods define for a registration: (source, kind) where the kind has a
        period of its own, else (source, "default")."""
        return (source, kind if kind in self.by_source[source] else "default")

    def categories(self) -> list[tuple[str, str]]:
        """Every category the periods define, per source in SOURCES: its default first, then its kinds with
        a period of their own, in the order of KINDS."""
        found: list[tuple[str, str]] = []
        for source in SOURCES:
            keys = self.by_source[source]
            found.append((source, "default"))
            found.extend((source, kind) for kind in KINDS if kind in keys)
        return found


def periods_with(
    overrides: Mapping[str, Any] | None = None, access_log: Mapping[str, Any] | None = None
) -> Periods:
    """DEFAULT_PERIODS with `overrides` (the setting RETENTION_PERIODS) laid over them per source and key,
    and the access log's period (RETENTION_ACCESS_LOG, default DEFAULT_ACCESS_LOG). Raises
    RetentionSettingError, naming the setting, for anything it cannot read."""
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise RetentionSettingError(f"RETENTION_PERIODS: expected an object per source, got {overrides!r}")
    merged: dict[str, dict[str, Any]] = {source: dict(keys) for source, keys in DEFAULT_PERIODS.items()}
    for source, keys in overrides.items():
        if source not in merged:
            raise RetentionSettingError(
                f"RETENTION_PERIODS: unknown source {source!r} (known: {', '.join(SOURCES)})"
            )
        if not isinstance(keys, Mapping):
            raise RetentionSettingError(f"RETENTION_PERIODS {source}: expected an object, got {keys!r}")
        for key in keys:
            if key != "default" and key not in KINDS:
                raise RetentionSettingError(
                    f"RETENTION_PERIODS {source}: unknown kind {key!r} (known: default, {', '.join(KINDS)})"
                )
        merged[source].update(keys)
    by_source = {
        source: {key: _length(raw, "RETENTION_PERIODS", f"{source}.{key}") for key, raw in keys.items()}
        for source, keys in merged.items()
    }
    log = _length(DEFAULT_ACCESS_LOG if access_log is None else access_log, "RETENTION_ACCESS_LOG", "")
    return Periods(by_source=by_source, access_log=log)


def last_day(length: Length, first: date) -> date:
    """The last day something first processed on `first` may be kept under a period of `length`."""
    return length.last_day(first)


@dataclass(frozen=True)
class Candidate:
    """One registration as retention sees it."""

    registered_on: date
    period: Length
    open_cases: Sequence[str] = ()  # references of open cases it is on
    closed_cases: Sequence[tuple[str, date]] = ()  # (reference, closed on) of closed cases it is on
    keepers: Sequence[str] = ()  # what else must keep it, in words ("ZSM file Z-1")


@dataclass(frozen=True)
class Verdict:
    due: bool  # past its period, counted from first processing
    delete: bool  # due and nothing keeps it
    until: date | None  # the last day it is kept for its period (None: while a case is open)
    reasons: tuple[str, ...] = field(default=())  # why a due registration is kept


def verdict(candidate: Candidate, today: date) -> Verdict:
    """Is the registration due on `today`, and may it go? Due: past its period from first processing. It
    is kept nonetheless while a case it is on is open, until its period has run again from the day the
    last of its closed cases closed, and while any keeper holds it."""
    until = last_day(candidate.period, candidate.registered_on)
    if until >= today:
        return Verdict(due=False, delete=False, until=until)
    reasons: list[str] = [f"open case {ref}" for ref in candidate.open_cases]
    if candidate.closed_cases and not candidate.open_cases:
        reference, closed_on = max(candidate.closed_cases, key=lambda case: (case[1], case[0]))
        case_until = last_day(candidate.period, closed_on)
        if case_until >= today:
            reasons.append(f"closed case {reference} until {case_until.isoformat()}")
    reasons.extend(candidate.keepers)
    return Verdict(due=True, delete=not reasons, until=until, reasons=tuple(reasons))
