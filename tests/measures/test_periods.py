"""The periods engine, table-driven: defaults, limits, extensions, being in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from ketenzicht.measures.engine.periods import (
    PeriodError,
    StartWindow,
    active_on,
    check_extension,
    check_start,
    days_left,
    end_for,
    extension_limit,
    latest_end,
    start_window_with,
    terms_with,
)

TERMS = terms_with()
START = date(2026, 3, 3)


@pytest.mark.parametrize(
    ("kind", "starts_on", "ends_on", "expected"),
    [
        ("restraining_order", START, None, date(2026, 3, 12)),  # 10 days, both ends inclusive
        ("restraining_order", START, date(2026, 3, 8), date(2026, 3, 8)),  # shorter is allowed
        ("aware_alarm", START, None, date(2026, 9, 2)),  # 6 months
        (
            "aware_alarm",
            date(2026, 8, 31),
            None,
            date(2027, 2, 27),
        ),  # 31 Aug + 6 months: 28 Feb is the 1st day after
        ("court_measure", START, date(2031, 3, 2), date(2031, 3, 2)),  # exactly 5 years
        ("behaviour_order", START, date(2026, 4, 30), date(2026, 4, 30)),  # the end its decision names
        ("behaviour_order", START, date(2026, 5, 31), date(2026, 5, 31)),  # 90 days, the most at a time
        ("aware_alarm", START, date(2026, 9, 2), date(2026, 9, 2)),  # 6 months, the most at a time
        ("suspended_conditions", START, date(2028, 3, 2), date(2028, 3, 2)),
        ("suspended_conditions", START, date(2036, 3, 2), date(2036, 3, 2)),  # 10 years (art. 14b Sr)
        ("detention_conditions", START, START, START),  # one day
    ],
)
def test_end_for_allowed(kind: str, starts_on: date, ends_on: date | None, expected: date) -> None:
    assert end_for(kind, starts_on, ends_on, TERMS) == expected


@pytest.mark.parametrize(
    ("kind", "ends_on", "field", "message_part"),
    [
        ("restraining_order", date(2026, 3, 13), "ends_on", "extend it after that"),  # 11 days at once
        ("restraining_order", date(2026, 3, 2), "ends_on", "before the start"),
        ("court_measure", date(2031, 3, 3), "ends_on", "at most"),  # 5 years and a day
        ("court_measure", None, "ends_on", "needs an end date"),
        ("behaviour_order", None, "ends_on", "needs an end date"),  # the brief gives it no term
        # 91 days (an end a century ahead was accepted): art. 509hh Sv gives 90 days at a time.
        ("behaviour_order", date(2026, 6, 1), "ends_on", "extend it after that"),
        ("behaviour_order", date(2126, 12, 7), "ends_on", "extend it after that"),
        ("aware_alarm", date(2026, 9, 3), "ends_on", "extend it after that"),  # 6 months and a day
        ("suspended_conditions", date(2036, 3, 3), "ends_on", "at most"),  # 10 years and a day
        ("suspended_conditions", None, "ends_on", "needs an end date"),
        ("detention_conditions", None, "ends_on", "needs an end date"),
        ("no_such_kind", None, "kind", "unknown kind"),
    ],
)
def test_end_for_refused(kind: str, ends_on: date | None, field: str, message_part: str) -> None:
    with pytest.raises(PeriodError) as refused:
        end_for(kind, START, ends_on, TERMS)
    assert refused.value.field == field and message_part in str(refused.value)


@pytest.mark.parametrize(
    ("kind", "ends_on", "until", "allowed"),
    [
        ("restraining_order", date(2026, 3, 12), date(2026, 3, 30), True),  # 28 days in all
        ("restraining_order", date(2026, 3, 12), date(2026, 3, 31), False),  # 29 days
        ("restraining_order", date(2026, 3, 12), date(2026, 3, 20), True),
        ("restraining_order", date(2026, 3, 20), date(2026, 3, 30), True),  # a second extension
        ("restraining_order", date(2026, 3, 12), date(2026, 3, 12), False),  # no later than now
        ("aware_alarm", date(2026, 9, 2), date(2027, 3, 2), True),
        ("court_measure", date(2027, 3, 2), date(2028, 3, 2), False),  # not extendable
        ("aware_alarm", date(2026, 9, 2), date(2027, 3, 3), False),  # 6 months and a day more
        ("behaviour_order", date(2026, 5, 31), date(2026, 8, 29), True),  # 90 days more
        ("behaviour_order", date(2026, 5, 31), date(2026, 8, 30), False),  # 91 days more
    ],
)
def test_extensions(kind: str, ends_on: date, until: date, allowed: bool) -> None:
    if allowed:
        assert check_extension(kind, START, ends_on, until, TERMS) == until
    else:
        with pytest.raises(PeriodError) as refused:
            check_extension(kind, START, ends_on, until, TERMS)
        assert refused.value.field == "until"


def test_latest_end_and_settings_override() -> None:
    assert latest_end("restraining_order", START, TERMS) == date(2026, 3, 30)
    assert latest_end("court_measure", START, TERMS) == date(2031, 3, 2)
    assert latest_end("aware_alarm", START, TERMS) is None
    shorter = terms_with({"aware_alarm": {"default": {"amount": 3, "unit": "months"}}})
    assert end_for("aware_alarm", START, None, shorter) == date(2026, 6, 2)
    with pytest.raises(ValueError, match="unit"):
        terms_with({"aware_alarm": {"default": {"amount": 3, "unit": "weeks"}}})
    with pytest.raises(ValueError, match="unknown kind"):
        terms_with({"huisverbod": {}})


@dataclass
class _M:
    starts_on: date
    ends_on: date


@pytest.mark.parametrize(
    ("day", "active", "left"),
    [
        (date(2026, 3, 2), False, 10),
        (START, True, 10),
        (date(2026, 3, 12), True, 1),
        (date(2026, 3, 13), False, 0),
    ],
)
def test_active_on_and_days_left(day: date, active: bool, left: int) -> None:
    measure = _M(START, date(2026, 3, 12))
    assert active_on(measure, day) is active
    assert days_left(measure, day) == left


def test_extension_limits() -> None:
    assert extension_limit("behaviour_order", START, date(2026, 5, 31), TERMS) == date(2026, 8, 29)
    assert extension_limit("restraining_order", START, date(2026, 3, 12), TERMS) == date(2026, 3, 30)
    assert extension_limit("court_measure", START, date(2027, 3, 2), TERMS) is None


# A setting that gives the behaviour order periods of 90 days at a time, each extendable (should the law be
# read so: MEASURE_TERMS, docs/measures.md).
PERIODS = terms_with(
    {
        "behaviour_order": {
            "default": {"amount": 90, "unit": "days"},
            "extendable": True,
            "at_a_time": {"amount": 90, "unit": "days"},
        }
    }
)


def test_a_setting_may_give_a_kind_periods_at_a_time() -> None:
    assert end_for("behaviour_order", START, None, PERIODS) == date(2026, 5, 31)  # 90 days
    with pytest.raises(PeriodError, match="extend it after that"):
        end_for("behaviour_order", START, date(2026, 6, 1), PERIODS)  # 91 days at once
    assert extension_limit("behaviour_order", START, date(2026, 5, 31), PERIODS) == date(2026, 8, 29)
    assert check_extension("behaviour_order", START, date(2026, 5, 31), date(2026, 8, 29), PERIODS) == date(
        2026, 8, 29
    )
    with pytest.raises(PeriodError, match="may be extended until") as refused:
        check_extension("behaviour_order", START, date(2026, 5, 31), date(2026, 8, 30), PERIODS)  # 91 more
    assert refused.value.field == "until" and refused.value.params == {"limit": date(2026, 8, 29)}


def _engine_messages() -> set[str]:
    """Every message the engine raises a PeriodError with: literal, or a module constant."""
    import ast
    import inspect

    from ketenzicht.measures.engine import periods

    tree = ast.parse(inspect.getsource(periods))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PeriodError":
            message = node.args[1]
            if isinstance(message, ast.Constant):
                found.add(str(message.value))
            else:
                assert isinstance(message, ast.Name)
                found.add(getattr(periods, message.id))
    return found


def test_every_message_of_the_engine_is_marked_for_translation_and_translated() -> None:
    """The extension refusal came out in English: the engine's messages are marked in services (the engine
    imports no Django), each one of them, and each has its Dutch."""
    from django.utils import translation

    from ketenzicht.measures.services import PERIOD_MESSAGES, PERIOD_MESSAGES_IN_DAYS

    messages = _engine_messages()
    assert len(messages) >= 8 and messages <= set(PERIOD_MESSAGES) | set(PERIOD_MESSAGES_IN_DAYS)
    with translation.override("nl"):
        untranslated = [m for m in PERIOD_MESSAGES if translation.gettext(m) == m]
        # A number of days in the singular or the plural as it asks, in Dutch too.
        one = [words(1) for words in PERIOD_MESSAGES_IN_DAYS.values()]
        more = [words(365) for words in PERIOD_MESSAGES_IN_DAYS.values()]
    assert untranslated == []
    assert all("%(days)s dag " in text for text in one) and all("%(days)s dagen " in text for text in more)


def test_a_start_a_single_day_out_of_its_window_says_one_day() -> None:
    """A setting of one day back ("binnen 1 dagen") reads in the singular."""
    from django.utils import translation

    from ketenzicht.measures.services import MeasureInvalid

    window = start_window_with({"days_back": 1, "days_ahead": 2})
    with pytest.raises(PeriodError) as early:
        check_start(date(2026, 12, 1), today=date(2026, 12, 7), window=window)
    with pytest.raises(PeriodError) as late:
        check_start(date(2026, 12, 20), today=date(2026, 12, 7), window=window)
    with translation.override("nl"):
        one = MeasureInvalid(early.value.field, early.value.message, **early.value.params).text()
        two = MeasureInvalid(late.value.field, late.value.message, **late.value.params).text()
    assert one == (
        "de ingangsdatum kan niet voor 06-12-2026 liggen: een maatregel wordt binnen 1 dag na de ingang "
        "geregistreerd"
    )
    assert two == (
        "de ingangsdatum kan niet na 09-12-2026 liggen: een maatregel wordt ten hoogste 2 dagen voor de "
        "ingang geregistreerd"
    )


WINDOW = start_window_with()


@pytest.mark.parametrize(
    ("starts_on", "case_start", "by", "message_part", "limit"),
    [
        # A restraining order "from 01-01-1900" was registered for a case of this year.
        (date(1900, 1, 1), date(2026, 8, 3), "registration", "earliest incident", date(2026, 8, 3)),
        (date(2026, 8, 2), date(2026, 8, 3), "registration", "earliest incident", date(2026, 8, 3)),
        (date(2026, 8, 2), date(2026, 8, 3), "opened", "was opened", date(2026, 8, 3)),
        (date(1900, 1, 1), None, "", "within 365 days", date(2025, 12, 7)),  # a year before today
        (date(2025, 12, 6), date(2020, 1, 1), "registration", "within 365 days", date(2025, 12, 7)),
        (date(2027, 12, 8), None, "", "at most 365 days", date(2027, 12, 7)),
    ],
)
def test_a_start_out_of_its_window_is_refused_with_its_bound(
    starts_on: date, case_start: date | None, by: str, message_part: str, limit: date
) -> None:
    with pytest.raises(PeriodError) as refused:
        check_start(
            starts_on, today=date(2026, 12, 7), window=WINDOW, case_start=case_start, case_start_by=by
        )
    assert refused.value.field == "starts_on" and message_part in str(refused.value)
    assert refused.value.params["limit"] == limit


@pytest.mark.parametrize("starts_on", [date(2026, 8, 3), date(2026, 12, 7), date(2027, 12, 7)])
def test_a_start_within_its_window_is_taken(starts_on: date) -> None:
    check_start(starts_on, today=date(2026, 12, 7), window=WINDOW, case_start=date(2026, 8, 3))


@pytest.mark.parametrize(
    ("kind", "latest"),
    [
        ("restraining_order", date(2026, 12, 8)),
        ("behaviour_order", date(2026, 12, 21)),  # imposed at the ZSM table: served within two weeks
        ("aware_alarm", date(2027, 1, 6)),
    ],
)
def test_a_measure_imposed_at_once_starts_within_days_not_a_year_ahead(kind: str, latest: date) -> None:
    """A behaviour order imposed at the ZSM table could start up to a year ahead, as a court's measure may."""
    today = date(2026, 12, 7)
    check_start(latest, today=today, window=WINDOW, term=TERMS[kind])
    with pytest.raises(PeriodError) as refused:
        check_start(date.fromordinal(latest.toordinal() + 1), today=today, window=WINDOW, term=TERMS[kind])
    assert refused.value.field == "starts_on" and "this kind of measure starts within" in str(refused.value)
    assert refused.value.params["limit"] == latest
    # A court's measure keeps the window's year.
    check_start(date(2027, 12, 7), today=today, window=WINDOW, term=TERMS["court_measure"])


def test_a_kinds_start_term_is_a_whole_number_of_days() -> None:
    with pytest.raises(ValueError, match=r"behaviour_order\.starts_within_days"):
        terms_with({"behaviour_order": {"starts_within_days": -2}})
    assert (
        terms_with({"behaviour_order": {"starts_within_days": 3}})["behaviour_order"].starts_within_days == 3
    )


def test_the_start_window_is_a_setting_checked_when_read() -> None:
    assert start_window_with({"days_back": 30}) == StartWindow(days_back=30, days_ahead=365)
    with pytest.raises(ValueError, match="days_back"):
        start_window_with({"days_back": -1})
    with pytest.raises(ValueError, match="unknown keys weeks"):
        start_window_with({"weeks": 2})
