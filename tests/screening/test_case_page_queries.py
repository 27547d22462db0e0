"""The police case page at the speed of work (bench/desk_pages.py): the reasons of the pair's signals, with
the breaches of measures behind them, are read for all the pair's signals at once, not signal by signal;
what the user may see of them stays as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketenzicht.patterns.models import Signal
from ketenzicht.patterns.selectors import signal_reasons_for_user, signals_reasons_for_user
from tests.measures.helpers import couple_with_case, restraining_order
from tests.screening.test_cases_breach import bound_alone

pytestmark = pytest.mark.django_db

ARREST = "Aanhouding V in zijn woning na herhaalde overtreding contactverbod."


def _pair_with_breached_signals() -> tuple[Any, list[Signal]]:
    """Marco and Lotte's case; a contact ban protecting her, breached: two signals about the pair, each
    naming the breach among its reasons."""
    marco, lotte, case = couple_with_case()
    restraining_order(marco, lotte, case)
    bound_alone("PL0600-PQ-1", offences=["184a"], summary=ARREST)
    signals = list(Signal.objects.filter(suspect=marco, victim=lotte).order_by("rule"))
    assert [s.rule for s in signals] == ["escalation", "possible_stalking"]
    assert all(any(r.get("breaches") for r in s.reasons) for s in signals)
    return case, signals


def test_the_reasons_of_a_pair_s_signals_are_read_at_once_as_each_alone(
    make_user: Callable[..., Any],
) -> None:
    _case, signals = _pair_with_breached_signals()
    screener = make_user("case_screener")
    signals_reasons_for_user(user=screener, signals=signals)  # the user's roles read once, before counting
    with CaptureQueriesContext(connection) as one:
        signals_reasons_for_user(user=screener, signals=signals[:1])
    with CaptureQueriesContext(connection) as both:
        together = signals_reasons_for_user(user=screener, signals=signals)
    assert len(both) == len(one) <= 3
    # The same as each signal's reasons read alone, breaches named as before.
    assert together == [signal_reasons_for_user(user=screener, signal=s) for s in signals]
    breach = next(r for r in together[0] if r["code"] == "breach")
    assert breach["breaches"][0]["registration"].startswith("PL0600") and breach["breaches_not_shown"] == 0
    # A signal without breaches among signals with them keeps its reasons as alone (no empty breaches).
    plain = Signal(reasons=[{"code": "episodes", "value": 2}])
    mixed = signals_reasons_for_user(user=screener, signals=[plain, signals[0]])
    assert (
        mixed[0] == [{"code": "episodes", "value": 2}] == signal_reasons_for_user(user=screener, signal=plain)
    )


def test_the_case_page_does_not_read_again_for_each_signal_of_the_pair(
    make_user: Callable[..., Any],
) -> None:
    case, signals = _pair_with_breached_signals()
    client = Client()
    client.force_login(make_user("case_screener"))
    client.get(f"/zaken/{case.pk}/")
    with CaptureQueriesContext(connection) as page:
        response = client.get(f"/zaken/{case.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("overtreding van het contactverbod") >= len(signals)  # both signals name the breach
    references = [
        q["sql"]
        for q in page.captured_queries
        if q["sql"].startswith(
            'SELECT "registrations_registration"."id" AS "pk", "registrations_registration"."reference"'
        )
    ]
    assert len(references) == 1  # the breaches' registrations, once for both signals (was once per signal)
