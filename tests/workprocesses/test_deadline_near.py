"""A deadline is near when it passes within the rest of today and the next working day, counted in
Amsterdam's calendar: weekends and Dutch public holidays do not count, and the day turns at Amsterdam's
midnight, not UTC's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketenzicht.workprocesses.engine.deadlines import (
    AMSTERDAM,
    DeadlineStatus,
    deadline_status,
    near_until,
)


def ams(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (ams(2026, 12, 1, 10, 0), ams(2026, 12, 3, 0, 0)),  # Tuesday: today and Wednesday
        (ams(2026, 12, 4, 10, 0), ams(2026, 12, 8, 0, 0)),  # Friday: the weekend and Monday
        (ams(2026, 12, 5, 10, 0), ams(2026, 12, 8, 0, 0)),  # Saturday: the rest of the weekend and Monday
        (ams(2026, 12, 24, 9, 0), ams(2026, 12, 29, 0, 0)),  # Christmas Eve: 25, 26 (holidays), 27 (Sunday)
        (ams(2026, 4, 24, 16, 0), ams(2026, 4, 29, 0, 0)),  # Friday before King's Day (Monday 27 April)
        (ams(2026, 12, 31, 12, 0), ams(2027, 1, 5, 0, 0)),  # New Year's Eve: 1 January and the weekend
        # Good Friday 2027 to after Easter Monday, over the change to summer time on Sunday 28 March
        (ams(2027, 3, 26, 12, 0), ams(2027, 3, 31, 0, 0)),
    ],
)
def test_near_lasts_the_rest_of_today_and_the_next_working_day(now: datetime, until: datetime) -> None:
    assert near_until(now) == until


def test_the_day_turns_at_midnight_in_amsterdam_not_in_utc() -> None:
    # 23:30 UTC on Monday 7 December is already Tuesday 00:30 in Amsterdam: near runs to the end of Wednesday.
    assert near_until(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == ams(2026, 12, 10, 0, 0)
    # A minute before Amsterdam's midnight it is still Monday: near runs to the end of Tuesday.
    assert near_until(datetime(2026, 12, 7, 22, 59, tzinfo=UTC)) == ams(2026, 12, 9, 0, 0)


def test_more_working_days_and_none() -> None:
    friday = ams(2026, 12, 4, 10, 0)
    assert near_until(friday, 2) == ams(2026, 12, 9, 0, 0)
    assert near_until(friday, 0) == ams(2026, 12, 5, 0, 0)  # the rest of today only
    with pytest.raises(ValueError, match="negative"):
        near_until(friday, -1)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        near_until(datetime(2026, 12, 4, 10, 0))


def test_status_overdue_near_or_nothing() -> None:
    now = ams(2026, 12, 4, 10, 0)  # Friday: near up to Tuesday 00:00
    assert deadline_status(None, now) is DeadlineStatus.NONE
    assert deadline_status(now - timedelta(hours=3), now) is DeadlineStatus.OVERDUE
    assert deadline_status(now, now) is DeadlineStatus.OVERDUE  # passes at that moment: overdue, as the lists
    assert deadline_status(now + timedelta(seconds=1), now) is DeadlineStatus.NEAR
    assert deadline_status(ams(2026, 12, 5, 0, 0), now) is DeadlineStatus.NEAR  # Friday's end
    assert deadline_status(ams(2026, 12, 8, 0, 0), now) is DeadlineStatus.NEAR  # Monday's end
    assert deadline_status(ams(2026, 12, 8, 0, 0) + timedelta(seconds=1), now) is DeadlineStatus.NONE
    assert deadline_status(ams(2026, 12, 9, 0, 0), now) is DeadlineStatus.NONE  # Tuesday's end: not yet
    # Given its limit (read once for a page), the status follows that limit.
    assert deadline_status(ams(2026, 12, 9, 0, 0), now, ams(2026, 12, 9, 0, 0)) is DeadlineStatus.NEAR
