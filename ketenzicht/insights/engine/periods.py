"""The periods figures are counted in (pure): the ISO week (from its Monday), the calendar month and year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def period_start(kind: PeriodKind | str, day: date) -> date:
    if kind == PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    if kind == PeriodKind.MONTH:
        return day.replace(day=1)
    if kind == PeriodKind.YEAR:
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown period kind {kind!r}")


def period_end(kind: PeriodKind | str, start: date) -> date:
    """The last day of the period that starts on `start`."""
    if kind == PeriodKind.WEEK:
        return start + timedelta(days=6)
    if kind == PeriodKind.MONTH:
        following = (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
        return following - timedelta(days=1)
    if kind == PeriodKind.YEAR:
        return start.replace(month=12, day=31)
    raise ValueError(f"unknown period kind {kind!r}")


def periods_of(day: date) -> Iterator[tuple[PeriodKind, date]]:
    for kind in PeriodKind:
        yield kind, period_start(kind, day)


def year_span(year: int) -> tuple[date, date]:
    """The days to read to count year `year` in every period kind: from the Monday of the week holding
    1 January to the last day of the year's last week (whose Monday may lie in the year)."""
    first = period_start(PeriodKind.WEEK, date(year, 1, 1))
    last_monday = period_start(PeriodKind.WEEK, date(year, 12, 31))
    return first, last_monday + timedelta(days=6)


def starts_in_year(kind: PeriodKind | str, year: int) -> tuple[date, date]:
    """The range of period starts that counting year `year` rewrites: for weeks every Monday from the week
    holding 1 January up to 31 December, for months and the year those within it."""
    if kind == PeriodKind.WEEK:
        return period_start(PeriodKind.WEEK, date(year, 1, 1)), date(year, 12, 31)
    return date(year, 1, 1), date(year, 12, 31)
