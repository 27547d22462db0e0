"""The periods of protective measures as data: how long a kind lasts when no end is given, how long it may
last in all (extensions included), and whether it may be extended. Dates are inclusive: a restraining order
of 10 days from 3 March holds up to and including 12 March.

The terms come from the setting MEASURE_TERMS (kind -> {"default": {"amount", "unit"} | None,
"max": {"amount", "unit"} | None, "extendable": bool}); `terms_with` lays overrides over DEFAULT_TERMS."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

UNITS = ("days", "months", "years")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1: 28 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Length:
    amount: int
    unit: str  # days | months | years

    def last_day(self, starts_on: date) -> date:
        """The last day (inclusive) of a period of this length beginning on `starts_on`."""
        if self.unit == "days":
            return starts_on + timedelta(days=self.amount - 1)
        months = self.amount * (12 if self.unit == "years" else 1)
        return add_months(starts_on, months) - timedelta(days=1)


@dataclass(frozen=True)
class Term:
    default: Length | None  # the length when no end date is given; None: an end date is required
    maximum: Length | None  # the longest it may last in all, extensions included; None: no limit
    extendable: bool
    at_a_time: Length | None = None  # the longest the first period and each extension may run


# As the domain brief (../shared/docs/domain.md, "Protective measures") gives them: restraining order (Wet
# tijdelijk huisverbod) 10 days, extendable to at most 28 days in all; court measure (art. 38v Sr) at most 5
# years; Aware alarm typically 6 months. The others, the behaviour order (art. 509hh Sv) among them, name
# no term there: each carries the end its decision names, and is not extended (a new decision is a new
# measure). "at_a_time" (the longest the first period and each extension may run) is for a setting that
# gives a kind periods, e.g. {"behaviour_order": {"extendable": true, "at_a_time": {"amount": 90, "unit":
# "days"}}}; no kind has one by default.
DEFAULT_TERMS: dict[str, dict[str, Any]] = {
    "restraining_order": {
        "default": {"amount": 10, "unit": "days"},
        "max": {"amount": 28, "unit": "days"},
        "extendable": True,
    },
    "behaviour_order": {"default": None, "max": None, "extendable": False},
    "court_measure": {"default": None, "max": {"amount": 5, "unit": "years"}, "extendable": False},
    "suspended_conditions": {"default": None, "max": None, "extendable": False},
    "detention_conditions": {"default": None, "max": None, "extendable": False},
    "aware_alarm": {"default": {"amount": 6, "unit": "months"}, "max": None, "extendable": True},
}


class PeriodError(ValueError):
    """A period that breaks the rules; `field` names the input at fault."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        self.field = field
        self.message = message  # English, with %(name)s placeholders (translated where shown)
        self.params = params
        super().__init__(f"{field}: {message % params if params else message}")


def _length(raw: Any, where: str) -> Length | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("amount"), int) or raw["amount"] < 1:
        raise ValueError(f"MEASURE_TERMS {where}: expected {{'amount': n >= 1, 'unit': ...}}, got {raw!r}")
    if raw.get("unit") not in UNITS:
        raise ValueError(f"MEASURE_TERMS {where}: unit must be one of {', '.join(UNITS)}")
    return Length(int(raw["amount"]), str(raw["unit"]))


def terms_with(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Term]:
    """The terms per kind: DEFAULT_TERMS with `overrides` laid over them key by key."""
    merged: dict[str, dict[str, Any]] = {kind: dict(term) for kind, term in DEFAULT_TERMS.items()}
    for kind, override in (overrides or {}).items():
        if kind not in merged:
            raise ValueError(f"MEASURE_TERMS: unknown kind {kind!r}")
        merged[kind].update(override)
    return {
        kind: Term(
            default=_length(raw.get("default"), f"{kind}.default"),
            maximum=_length(raw.get("max"), f"{kind}.max"),
            extendable=bool(raw.get("extendable", False)),
            at_a_time=_length(raw.get("at_a_time"), f"{kind}.at_a_time"),
        )
        for kind, raw in merged.items()
    }


def latest_end(kind: str, starts_on: date, terms: Mapping[str, Term]) -> date | None:
    """The last day a measure of `kind` beginning on `starts_on` may hold at most (None: no limit)."""
    term = terms[kind]
    return term.maximum.last_day(starts_on) if term.maximum else None


# A measure that is extended period by period starts with one period (services.PERIOD_MESSAGES translates).
FIRST_PERIOD_ENDS = (
    "the first period of this kind of measure ends on %(limit)s at the latest; extend it after that"
)


def end_for(kind: str, starts_on: date, ends_on: date | None, terms: Mapping[str, Term]) -> date:
    """The last day of a new measure: `ends_on` when given and allowed, else the kind's default length."""
    if kind not in terms:
        raise PeriodError("kind", "unknown kind of measure: %(kind)s", kind=kind)
    term = terms[kind]
    if ends_on is None:
        if term.default is None:
            raise PeriodError("ends_on", "this kind of measure needs an end date")
        ends_on = term.default.last_day(starts_on)
    if ends_on < starts_on:
        raise PeriodError("ends_on", "the end date lies before the start date")
    limit = latest_end(kind, starts_on, terms)
    if limit is not None and ends_on > limit:
        raise PeriodError("ends_on", "this kind of measure may last until %(limit)s at most", limit=limit)
    if term.at_a_time is not None and ends_on > term.at_a_time.last_day(starts_on):
        raise PeriodError(
            "ends_on",
            FIRST_PERIOD_ENDS,
            limit=term.at_a_time.last_day(starts_on),
        )
    if term.default is not None and term.extendable and term.maximum is not None:
        # An extendable measure starts with its default length; longer comes by extending it.
        first = term.default.last_day(starts_on)
        if ends_on > first:
            raise PeriodError("ends_on", FIRST_PERIOD_ENDS, limit=first)
    return ends_on


def extension_limit(kind: str, starts_on: date, ends_on: date, terms: Mapping[str, Term]) -> date | None:
    """The latest day one extension of a measure running `starts_on`..`ends_on` may reach (None: the kind
    is not extendable, or nothing limits it)."""
    term = terms[kind]
    if not term.extendable:
        return None
    limits = [
        limit
        for limit in (
            latest_end(kind, starts_on, terms),
            term.at_a_time.last_day(ends_on + timedelta(days=1)) if term.at_a_time else None,
        )
        if limit is not None
    ]
    return min(limits) if limits else None


def check_extension(
    kind: str, starts_on: date, ends_on: date, until: date, terms: Mapping[str, Term]
) -> date:
    """The new last day when a measure running `starts_on`..`ends_on` is extended to `until`."""
    term = terms[kind]
    if not term.extendable:
        raise PeriodError("until", "this kind of measure cannot be extended")
    if until <= ends_on:
        raise PeriodError("until", "an extension must end after the current end date (%(end)s)", end=ends_on)
    limit = latest_end(kind, starts_on, terms)
    if limit is not None and until > limit:
        raise PeriodError("until", "this kind of measure may last until %(limit)s at most", limit=limit)
    step = term.at_a_time.last_day(ends_on + timedelta(days=1)) if term.at_a_time else None
    if step is not None and until > step:
        raise PeriodError("until", "this kind of measure may be extended until %(limit)s at most", limit=step)
    return until


class Dated(Protocol):
    starts_on: date
    ends_on: date


def active_on(measure: Dated, day: date) -> bool:
    """Whether the measure holds on `day` (an early end has moved its end date)."""
    return measure.starts_on <= day <= measure.ends_on


def days_left(measure: Dated, today: date) -> int:
    """The days it still holds, today included (0 once over; the whole length before it starts)."""
    if today > measure.ends_on:
        return 0
    return (measure.ends_on - max(today, measure.starts_on)).days + 1
