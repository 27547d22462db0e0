"""The retention engine without a database: the periods as settings, and the verdict on one registration."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ketenzicht.measures.engine.periods import Length
from ketenzicht.retention.engine.due import (
    Candidate,
    RetentionSettingError,
    describe,
    periods_with,
    verdict,
)

TODAY = date(2026, 12, 3)
FIVE_YEARS = Length(5, "years")


def test_the_defaults_per_source_and_their_overrides() -> None:
    periods = periods_with()
    assert describe(periods.of("politie", "incident")) == "5 years"
    assert describe(periods.of("veilig_thuis", "melding")) == "20 years"
    assert describe(periods.of("om", "melding")) == "20 years"
    assert describe(periods.access_log) == "5 years"
    changed = periods_with(
        {"politie": {"incident": {"amount": 1, "unit": "years"}}}, {"amount": 6, "unit": "years"}
    )
    assert describe(changed.of("politie", "incident")) == "1 year"
    assert describe(changed.of("politie", "aangifte")) == "5 years"  # the source's default stays
    assert describe(changed.access_log) == "6 years"


@pytest.mark.parametrize(
    ("periods", "access_log", "message"),
    [
        ({"politie": {"default": {"amount": 0, "unit": "years"}}}, None, "RETENTION_PERIODS politie.default"),
        ({"politie": {"default": {"amount": 5, "unit": "decades"}}}, None, "'unit' must be one of"),
        ({"politie": {"default": 5}}, None, "RETENTION_PERIODS politie.default: expected"),
        ({"politie": {"aangift": {"amount": 5, "unit": "years"}}}, None, "unknown kind 'aangift'"),
        ({"police": {"default": {"amount": 5, "unit": "years"}}}, None, "unknown source 'police'"),
        ({}, {"amount": "5", "unit": "years"}, "RETENTION_ACCESS_LOG: 'amount'"),
    ],
)
def test_a_bad_setting_is_named(periods: Any, access_log: Any, message: str) -> None:
    with pytest.raises(RetentionSettingError, match=message):
        periods_with(periods, access_log)


def test_due_counts_from_first_processing() -> None:
    kept = verdict(Candidate(date(2021, 12, 4), FIVE_YEARS), TODAY)
    assert not kept.due and kept.until == date(2026, 12, 3)  # five years up to and including today
    gone = verdict(Candidate(date(2021, 12, 3), FIVE_YEARS), TODAY)
    assert gone.due and gone.delete and gone.until == date(2026, 12, 2)


def test_an_open_case_keeps_a_registration_and_a_closed_one_for_its_period_again() -> None:
    old = date(2019, 1, 1)
    held = verdict(Candidate(old, FIVE_YEARS, open_cases=["C-1"]), TODAY)
    assert held.due and not held.delete and held.reasons == ("open case C-1",)
    recently_closed = verdict(Candidate(old, FIVE_YEARS, closed_cases=[("C-1", date(2024, 1, 1))]), TODAY)
    assert not recently_closed.delete and recently_closed.reasons == ("closed case C-1 until 2028-12-31",)
    long_closed = verdict(Candidate(old, FIVE_YEARS, closed_cases=[("C-1", date(2020, 1, 1))]), TODAY)
    assert long_closed.delete


def test_a_keeper_keeps_whatever_the_period() -> None:
    held = verdict(Candidate(date(2010, 1, 1), FIVE_YEARS, keepers=["ZSM file Z-1"]), TODAY)
    assert held.due and not held.delete and held.reasons == ("ZSM file Z-1",)
    assert not verdict(Candidate(date(2026, 1, 1), FIVE_YEARS, keepers=["ZSM file Z-1"]), TODAY).due


def test_the_categories_are_each_sources_default_and_the_kinds_with_a_period_of_their_own() -> None:
    periods = periods_with({"politie": {"incident": {"amount": 1, "unit": "years"}}})
    assert periods.categories() == [
        ("politie", "default"),
        ("politie", "incident"),
        ("veilig_thuis", "default"),
        ("om", "default"),
        ("slachtofferhulp", "default"),
        ("reclassering", "default"),
    ]
    assert periods.category_of("politie", "incident") == ("politie", "incident")
    assert periods.category_of("politie", "aangifte") == ("politie", "default")
    assert periods_with().category_of("politie", "incident") == ("politie", "default")
