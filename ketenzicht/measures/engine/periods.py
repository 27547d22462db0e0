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
    # The start lies at most this many days after the day it is registered (None: the start window's).
    starts_within_days: int | None = None


# As the domain brief (../shared/docs/domain.md, "Protective measures") gives them: restraining order (Wet
# tijdelijk huisverbod) 10 days, extendable to at most 28 days in all; court measure (art. 38v Sr) at most 5
# years; Aware alarm typically 6 months. "at_a_time" is the longest the first period and each extension may
# run:
# - behaviour order (art. 509hh Sv): the prosecutor gives it for at most 90 days, and may extend it, each
#   time by at most 90 days; the decision names its end (no default length).
# - Aware alarm: the committee issues it for a period, usually half a year, and looks at it again at its
#   end; an extension is another such period. Half a year at a time is the longest it runs unseen (an end
#   date a century ahead was accepted before).
# - conditions of a suspended sentence: they hold for the probation period, which art. 14b Sr sets at three
#   years at most, at ten in the cases of its second paragraph: ten years in all.
# - conditions of lifted pre-trial detention hold until the judgment; the law names no term for them.
# "starts_within_days": a measure imposed at once starts within days of it, not months ahead as a court's
# measure may: a restraining order from its service (the day after at the latest, when it is registered
# before it is served), a behaviour order once it is served on the suspect (two weeks leave room for that),
# an Aware alarm once the committee issues the button (a month).
DEFAULT_TERMS: dict[str, dict[str, Any]] = {
    "restraining_order": {
        "default": {"amount": 10, "unit": "days"},
        "max": {"amount": 28, "unit": "days"},
        "extendable": True,
        "starts_within_days": 1,
    },
    "behaviour_order": {
        "default": None,
        "max": None,
        "extendable": True,
        "at_a_time": {"amount": 90, "unit": "days"},
        "starts_within_days": 14,
    },
    "court_measure": {"default": None, "max": {"amount": 5, "unit": "years"}, "extendable": False},
    "suspended_conditions": {"default": None, "max": {"amount": 10, "unit": "years"}, "extendable": False},
    "detention_conditions": {"default": None, "max": None, "extendable": False},
    "aware_alarm": {
        "default": {"amount": 6, "unit": "months"},
        "max": None,
        "extendable": True,
        "at_a_time": {"amount": 6, "unit": "months"},
        "starts_within_days": 30,
    },
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


def _days(raw: Any, where: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"MEASURE_TERMS {where}: expected a whole number of days >= 0, got {raw!r}")
    return raw


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
            starts_within_days=_days(raw.get("starts_within_days"), f"{kind}.starts_within_days"),
        )
        for kind, raw in merged.items()
    }


# How far from today a measure's start may lie when it is registered; the setting MEASURE_START_WINDOW
# (environment KETENZICHT_MEASURE_START_WINDOW, JSON) is laid over it. A measure is registered when it is
# imposed, or days or weeks later when it is entered after the fact (an order dated back: intake's breaches
# are judged again from its start); a year either way leaves room for that, and for a court judgment that
# reaches the registry late, while a slip of the year (01-01-1900, 2126) is refused. A measure registered
# from a case also starts not before the case does: it was imposed over what the case reports.
DEFAULT_START_WINDOW: dict[str, int] = {"days_back": 365, "days_ahead": 365}


@dataclass(frozen=True)
class StartWindow:
    days_back: int  # the start lies at most this many days before the day it is registered
    days_ahead: int  # and at most this many days after it


def start_window_with(overrides: Mapping[str, Any] | None = None) -> StartWindow:
    """DEFAULT_START_WINDOW with `overrides` laid over it; ValueError naming what is wrong."""
    merged = {**DEFAULT_START_WINDOW, **(overrides or {})}
    unknown = sorted(set(merged) - set(DEFAULT_START_WINDOW))
    if unknown:
        raise ValueError(f"MEASURE_START_WINDOW: unknown keys {', '.join(map(str, unknown))}")
    for key, value in merged.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"MEASURE_START_WINDOW {key}: expected a whole number of days >= 0, got {value!r}"
            )
    return StartWindow(days_back=merged["days_back"], days_ahead=merged["days_ahead"])


# Why a start lies out of its window (services.PERIOD_MESSAGES translates); by what bounds it.
START_BEFORE_REGISTRATION = (
    "the start cannot lie before %(limit)s: the earliest incident of the case's registrations happened "
    "that day"
)
START_BEFORE_OPENED = "the start cannot lie before %(limit)s: the case was opened on that day"
START_TOO_EARLY = (
    "the start cannot lie before %(limit)s: a measure is registered within %(days)s days after it starts"
)
START_TOO_LATE = (
    "the start cannot lie after %(limit)s: a measure is registered at most %(days)s days before it starts"
)
START_TOO_LATE_FOR_KIND = (
    "the start cannot lie after %(limit)s: this kind of measure starts within %(days)s days of being imposed"
)


def check_start(
    starts_on: date,
    *,
    today: date,
    window: StartWindow,
    case_start: date | None = None,
    case_start_by: str = "registration",
    term: Term | None = None,
) -> None:
    """PeriodError ("starts_on") for a start out of its window: before the case's start (`case_start`, known
    by `case_start_by`: "registration" or "opened"), more than `window.days_back` days before `today`, or
    more than `window.days_ahead` days after it, or than the `term`'s `starts_within_days` (the measure's
    kind)."""
    if case_start is not None and starts_on < min(case_start, today):
        if case_start_by == "opened":
            raise PeriodError("starts_on", START_BEFORE_OPENED, limit=case_start)
        raise PeriodError("starts_on", START_BEFORE_REGISTRATION, limit=case_start)
    earliest = today - timedelta(days=window.days_back)
    if starts_on < earliest:
        raise PeriodError("starts_on", START_TOO_EARLY, limit=earliest, days=window.days_back)
    within = term.starts_within_days if term is not None else None
    if within is not None and within < window.days_ahead:
        latest = today + timedelta(days=within)
        if starts_on > latest:
            raise PeriodError("starts_on", START_TOO_LATE_FOR_KIND, limit=latest, days=within)
    latest = today + timedelta(days=window.days_ahead)
    if starts_on > latest:
        raise PeriodError("starts_on", START_TOO_LATE, limit=latest, days=window.days_ahead)


def latest_end(kind: str, starts_on: date, terms: Mapping[str, Term]) -> date | None:
    """The last day a measure of `kind` beginning on `starts_on` may hold at most (None: no limit)."""
    term = terms[kind]
    return term.maximum.last_day(starts_on) if term.maximum else None


# A measure that is extended period by period starts with one period (services.PERIOD_MESSAGES translates).
FIRST_PERIOD_ENDS = (
    "the end date cannot lie after %(limit)s: the first period ends then at the latest; extend it after that"
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
