"""When a deadline falls: calendar hours, calendar days, or Dutch working days (weekends and the public
holidays of the `holidays` package excluded). A day deadline ends at the end of its last day. A deadline
not passed yet is near when it passes before the end of the next working day (`near_until`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from .definition import DeadlineUnit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(start: date, amount: int) -> date:
    """The date `amount` working days after `start` (the start day itself does not count)."""
    day = start
    left = amount
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def overridden(
    amount: int, unit: DeadlineUnit, setting: str | None, overrides: Mapping[str, Mapping[str, Any]] | None
) -> tuple[int, DeadlineUnit]:
    """A term's amount and unit as the installation's overrides (by the term's `setting` name) set them."""
    override = (overrides or {}).get(setting or "")
    if not override:
        return amount, unit
    return int(override.get("amount", amount)), DeadlineUnit(override.get("unit", unit.value))


def deadline_at(start: datetime, amount: int, unit: DeadlineUnit, tz: ZoneInfo = AMSTERDAM) -> datetime:
    """The moment a deadline set at `start` (aware) passes, in `tz`'s calendar."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if unit is DeadlineUnit.HOURS:
        return start + timedelta(hours=amount)
    local = start.astimezone(tz)
    if unit is DeadlineUnit.CALENDAR_DAYS:
        last = local.date() + timedelta(days=amount)
    else:
        last = add_working_days(local.date(), amount)
    return datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=tz)


def grace_end(passed: datetime, working_days: int, tz: ZoneInfo = AMSTERDAM) -> datetime:
    """The end of a grace of `working_days` after a deadline that passed at `passed` (aware): the end of the
    `working_days`-th working day after the day it passed, in `tz`'s calendar. A day deadline passes at the
    midnight after its last day, which counts as the day it passed. 0: the deadline itself."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    if working_days == 0:
        return passed
    return deadline_at(passed - timedelta(microseconds=1), working_days, DeadlineUnit.WORKING_DAYS, tz)


# A deadline is near when it passes within the rest of today and the next working day: on a Friday, the
# weekend and Monday; the day before Christmas, up to the end of the 28th. One rule for every process and
# unit, whatever the term (a term of 4 hours is near from its start; one of 5 working days on its last two).
NEAR_WORKING_DAYS = 1


class DeadlineStatus(StrEnum):
    NONE = ""  # no deadline, or not near yet
    NEAR = "near"
    OVERDUE = "overdue"


def near_until(now: datetime, working_days: int = NEAR_WORKING_DAYS, tz: ZoneInfo = AMSTERDAM) -> datetime:
    """Up to when a deadline counts as near at `now` (aware): midnight after the `working_days`-th working
    day after today in `tz`'s calendar. A deadline after `now` and at or before this moment is near."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    return deadline_at(now, working_days, DeadlineUnit.WORKING_DAYS, tz)


def deadline_status(
    deadline: datetime | None, now: datetime, until: datetime | None = None
) -> DeadlineStatus:
    """Overdue when `deadline` is at or before `now`, near when it passes by `until` (`near_until(now)` by
    default), else nothing to mark."""
    if deadline is None:
        return DeadlineStatus.NONE
    if deadline <= now:
        return DeadlineStatus.OVERDUE
    if deadline <= (until if until is not None else near_until(now)):
        return DeadlineStatus.NEAR
    return DeadlineStatus.NONE
