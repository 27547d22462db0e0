"""Dutch working days: weekends and public holidays (Christmas, Easter, King's Day) do not count."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ketenzicht.workprocesses.engine.deadlines import (
    AMSTERDAM,
    add_working_days,
    deadline_at,
    grace_end,
    is_working_day,
)
from ketenzicht.workprocesses.engine.definition import DeadlineUnit


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 26), False),  # Second Day of Christmas (a Saturday too)
        (date(2027, 12, 27), True),
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 27), False),  # King's Day
        (
            date(2025, 4, 26),
            False,
        ),  # King's Day moved to Saturday 26 April when the 27th is a Sunday: weekend
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 12, 5), False),  # Saturday
        (date(2026, 12, 7), True),
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_five_working_days_across_christmas_and_new_year() -> None:
    # Wednesday 23 December 2026: 24, 28, 29, 30, 31 December count; 25, 26 (holidays), 27 (Sunday) do not.
    assert add_working_days(date(2026, 12, 23), 5) == date(2026, 12, 31)
    assert add_working_days(date(2026, 12, 23), 6) == date(2027, 1, 4)  # 1 January and the weekend skipped


def test_day_deadlines_end_at_midnight_in_amsterdam_and_hours_are_calendar_hours() -> None:
    start = datetime(2026, 4, 24, 15, 30, tzinfo=AMSTERDAM)  # Friday before King's Day
    assert deadline_at(start, 1, DeadlineUnit.WORKING_DAYS) == datetime(2026, 4, 29, 0, 0, tzinfo=AMSTERDAM)
    assert deadline_at(start, 2, DeadlineUnit.CALENDAR_DAYS) == datetime(2026, 4, 27, 0, 0, tzinfo=AMSTERDAM)
    assert deadline_at(start, 10, DeadlineUnit.HOURS) == datetime(2026, 4, 25, 1, 30, tzinfo=AMSTERDAM)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_at(datetime(2026, 1, 5, 9), 1, DeadlineUnit.HOURS)


@pytest.mark.parametrize(
    ("passed", "working_days", "ends"),
    [
        # A day term of Monday 7 December passes at midnight: one working day's grace is Tuesday.
        (datetime(2026, 12, 8, 0, 0, tzinfo=AMSTERDAM), 1, datetime(2026, 12, 9, 0, 0, tzinfo=AMSTERDAM)),
        # Passed on a Friday (a term of hours): the grace is Monday, the weekend does not count.
        (datetime(2026, 12, 11, 14, 30, tzinfo=AMSTERDAM), 1, datetime(2026, 12, 15, 0, 0, tzinfo=AMSTERDAM)),
        # The term of Thursday 2 April 2026: Good Friday, the weekend and Easter Monday do not count.
        (datetime(2026, 4, 3, 0, 0, tzinfo=AMSTERDAM), 1, datetime(2026, 4, 8, 0, 0, tzinfo=AMSTERDAM)),
        (datetime(2026, 4, 3, 0, 0, tzinfo=AMSTERDAM), 2, datetime(2026, 4, 9, 0, 0, tzinfo=AMSTERDAM)),
        # No grace: the term itself.
        (datetime(2026, 12, 8, 0, 0, tzinfo=AMSTERDAM), 0, datetime(2026, 12, 8, 0, 0, tzinfo=AMSTERDAM)),
    ],
)
def test_a_grace_after_a_deadline_counts_working_days_after_the_day_it_passed(
    passed: datetime, working_days: int, ends: datetime
) -> None:
    assert grace_end(passed, working_days) == ends


def test_a_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError, match="working_days"):
        grace_end(datetime(2026, 12, 8, tzinfo=AMSTERDAM), -1)
