"""The radar class on constructed histories: table-driven (CBS categories: first, re-notification with one
or several persons known, during involvement in each phase)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ketenzicht.veiligthuis.engine.radar import Earlier, Period, Phase, RadarClass, classify
from ketenzicht.workprocesses.engine.deadlines import AMSTERDAM

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def earlier(
    key: str, received: float, persons: set[int], *periods: tuple[Phase, float, float | None]
) -> Earlier:
    return Earlier(
        key,
        day(received),
        frozenset(persons),
        tuple(
            Period(phase, day(start), day(end) if end is not None else None) for phase, start, end in periods
        ),
    )


CLOSED_CASE = earlier("1", 0, {1, 2}, (Phase.ASSESSMENT, 0, 4))  # assessed in 4 days, then closed
INVESTIGATED = earlier("2", 0, {1, 2}, (Phase.ASSESSMENT, 0, 3), (Phase.INVESTIGATION, 3, 60))
MONITORED = earlier("3", 0, {1, 2}, (Phase.ASSESSMENT, 0, 2), (Phase.MONITORING, 2, None))
OPEN = earlier("4", 0, {1}, (Phase.ASSESSMENT, 0, None))
OWN_REGISTRATION = earlier("r9", 0, {3})  # Veilig Thuis's own registration: known, no phases


@pytest.mark.parametrize(
    ("at", "persons", "history", "expected", "known"),
    [
        pytest.param(10, {1, 2}, [], RadarClass.FIRST, set(), id="nothing before"),
        pytest.param(10, {5, 6}, [CLOSED_CASE], RadarClass.FIRST, set(), id="others known, not these"),
        pytest.param(10, {1, 7}, [CLOSED_CASE], RadarClass.RE_ONE, {1}, id="one person known"),
        pytest.param(10, {1, 2}, [CLOSED_CASE], RadarClass.RE_SEVERAL, {1, 2}, id="both known"),
        pytest.param(2, {1}, [CLOSED_CASE], RadarClass.DURING_ASSESSMENT, {1}, id="during the assessment"),
        pytest.param(4, {1}, [CLOSED_CASE], RadarClass.RE_ONE, {1}, id="the moment the assessment ended"),
        pytest.param(
            30, {2}, [INVESTIGATED], RadarClass.DURING_INVESTIGATION, {2}, id="during investigation"
        ),
        pytest.param(61, {2}, [INVESTIGATED], RadarClass.RE_ONE, {2}, id="after the investigation"),
        pytest.param(300, {1, 2}, [MONITORED], RadarClass.DURING_MONITORING, {1, 2}, id="monitoring goes on"),
        pytest.param(-1, {1}, [OPEN], RadarClass.FIRST, set(), id="a later notification does not count"),
        pytest.param(0, {1}, [OPEN], RadarClass.FIRST, set(), id="nor one received at the same moment"),
        pytest.param(
            5, {3}, [OWN_REGISTRATION], RadarClass.RE_ONE, {3}, id="known from its own registration"
        ),
        pytest.param(
            30, {1, 2}, [CLOSED_CASE, MONITORED], RadarClass.DURING_MONITORING, {1, 2}, id="involvement wins"
        ),
    ],
)
def test_radar_class(
    at: float, persons: set[int], history: list[Earlier], expected: RadarClass, known: set[int]
) -> None:
    radar = classify(day(at), persons, history)
    assert radar.radar_class is expected
    assert radar.known == frozenset(known)


def test_the_latest_notification_being_worked_decides_the_phase_and_is_named() -> None:
    old = earlier("old", 0, {1}, (Phase.MONITORING, 1, None))
    new = earlier("new", 5, {1}, (Phase.ASSESSMENT, 5, None))
    radar = classify(day(6), {1}, [old, new])
    assert radar.radar_class is RadarClass.DURING_ASSESSMENT and radar.involved_in == "new"
    assert radar.earlier == ("new", "old")


def test_groups_are_the_cbs_main_categories() -> None:
    assert {c.group for c in RadarClass} == {"first", "re", "during"}
    assert RadarClass.RE_SEVERAL.group == "re" and RadarClass.DURING_MONITORING.group == "during"
