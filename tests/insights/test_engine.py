"""The pure parts: publishing counts (suppression and rounding), periods, counting facts into cells."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest

from ketenzicht.insights.engine.counting import MEDIAN, NATIONAL, Fact, count
from ketenzicht.insights.engine.periods import PeriodKind, period_end, period_start, starts_in_year, year_span
from ketenzicht.ui.disclosure import median_shown, published, share


@pytest.mark.parametrize(
    ("exact", "shown"),
    [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (7, "5"), (8, "10"), (12, "10"), (13, "15"), (1002, "1000")],
)
def test_small_counts_are_suppressed_and_the_rest_rounded_to_fives(exact: int, shown: str) -> None:
    assert published(exact).text == shown


def test_no_difference_of_published_counts_tells_a_suppressed_count() -> None:
    # Whatever two counts a user sees (a year and the sum of its shown months, the country and its shown
    # units), every published number is 0 or a multiple of 5: no difference between them is 1 to 4.
    for a, b in combinations(range(0, 200), 2):
        left, right = published(a).value, published(b).value
        if left is not None and right is not None:
            assert abs(left - right) % 5 == 0
    # The attack the rounding answers: a unit's 3 hidden, the country 1,003, the others 1,000 together.
    country, others = published(1003).value, sum(published(n).value or 0 for n in (400, 300, 300))
    assert country is not None and country - others not in (1, 2, 3, 4)


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (5, 7, None),  # 2 not in time: 71% beside a whole of "5" would tell them (published 5 of 5: "100%")
        (3, 100, None),  # a part from 1 to 4
        (96, 100, None),  # a rest from 1 to 4
        (0, 3, None),  # the whole itself is a count from 1 to 4
        (0, 0, None),
        (7, 12, 60),  # 58%, from the exact counts (published 5 of 10 would say 50%)
        (6, 11, 55),
        (50, 100, 50),
        (0, 10, 0),  # none in time: 0% is exact
        (10, 10, 100),  # all in time: 100% is exact
        (195, 200, 95),  # 97.5%: not 100% while 5 were not in time
        (5, 500, 5),  # 1%: not 0% while 5 were
    ],
)
def test_a_share_comes_from_the_exact_counts_and_never_tells_a_small_count(
    part: int, whole: int, shown: int | None
) -> None:
    assert share(part, whole) == shown


def test_every_share_shown_is_a_multiple_of_five_and_no_small_count_stands_behind_it() -> None:
    for whole in range(0, 120):
        for part in range(0, whole + 1):
            found = share(part, whole)
            if found is None:
                continue
            assert found % 5 == 0 and part not in (1, 2, 3, 4) and whole - part not in (1, 2, 3, 4)
            assert (found == 100) == (part == whole) and (found == 0) == (part == 0)
            assert abs(found - 100 * part / whole) <= 2.5
    with pytest.raises(ValueError, match="a part of 5 in a whole of 4"):
        share(5, 4)


def test_medians_only_where_five_stand_behind_them() -> None:
    assert median_shown(12.5, 5) == 12.5 and median_shown(12.5, 4) is None
    with pytest.raises(ValueError, match="negative"):
        published(-1)


def test_periods() -> None:
    day = date(2026, 1, 1)  # a Thursday
    assert period_start(PeriodKind.WEEK, day) == date(2025, 12, 29)
    assert period_start(PeriodKind.MONTH, date(2026, 2, 17)) == date(2026, 2, 1)
    assert period_end(PeriodKind.MONTH, date(2024, 2, 1)) == date(2024, 2, 29)
    assert period_end(PeriodKind.MONTH, date(2026, 12, 1)) == date(2026, 12, 31)
    assert year_span(2026) == (date(2025, 12, 29), date(2027, 1, 3))
    assert starts_in_year(PeriodKind.WEEK, 2026) == (date(2025, 12, 29), date(2026, 12, 31))
    with pytest.raises(ValueError, match="unknown period kind"):
        period_start("day", day)


def test_counting_adds_plain_facts_counts_persons_once_and_takes_medians() -> None:
    unit = ("police_unit", "oost-brabant")
    facts = [
        Fact("registrations", "stalking", date(2026, 3, 2), (NATIONAL, unit)),
        Fact("registrations", "stalking", date(2026, 3, 30), (NATIONAL, unit)),
        Fact("registrations", "stalking", date(2026, 4, 1), (NATIONAL,)),
        Fact("repeat_victims", "persons", date(2026, 3, 2), (NATIONAL, unit), key=7),
        Fact("repeat_victims", "persons", date(2026, 3, 9), (NATIONAL, unit), key=7),
        Fact("zsm_decided", "all", date(2026, 3, 2), (NATIONAL,), value=2.0),
        Fact("zsm_decided", "all", date(2026, 3, 3), (NATIONAL,), value=10.0),
    ]
    cells = count(facts)
    march, year = date(2026, 3, 1), date(2026, 1, 1)
    assert cells[("month", march, "national", "nl", "registrations", "stalking")] == 2
    assert cells[("month", march, "police_unit", "oost-brabant", "registrations", "stalking")] == 2
    assert cells[("year", year, "national", "nl", "registrations", "stalking")] == 3
    assert cells[("year", year, "police_unit", "oost-brabant", "registrations", "stalking")] == 2
    assert cells[("week", date(2026, 3, 30), "national", "nl", "registrations", "stalking")] == 2
    assert cells[("month", march, "national", "nl", "repeat_victims", "persons")] == 1  # one person, twice
    assert cells[("week", date(2026, 3, 9), "national", "nl", "repeat_victims", "persons")] == 1
    assert cells[("month", march, "national", "nl", "zsm_decided", "all")] == 2
    assert cells[("month", march, "national", "nl", "zsm_decided" + MEDIAN, "all")] == 6.0
