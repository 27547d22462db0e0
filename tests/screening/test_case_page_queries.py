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

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.patterns.models import Signal
from ketenzicht.patterns.selectors import signal_reasons_for_user, signals_reasons_for_user
from ketenzicht.workprocesses.purpose import case_purpose_detail, case_purpose_log
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


# The police case page's own reads, each once for the page (bench/README.md, "Desk pages and steps"): the
# case's persons (were read 3x: the access log's entry, the measures panel twice), its screening case (3x:
# the step note, the screening panel, the persons), the case's registrations' ids (2x: the page's list, the
# screening panel), the persons' names under the case as purpose (2x: the heading, the persons); and the
# four access-log entries written in one transaction (were four).
CASE_PERSONS = (
    'SELECT "persons_person"."id" AS "pk" FROM "persons_person" INNER JOIN "workprocesses_case_persons"'
)
SCREENING_CASE = 'SELECT "screening_screeningcase"."case_id", "screening_screeningcase"."unit_id"'
CASE_REGISTRATIONS = (
    'SELECT "registrations_registration"."id" AS "pk" FROM "registrations_registration" '
    'INNER JOIN "workprocesses_case_registrations"'
)
MERGED_TO = 'SELECT "persons_person"."id" AS "pk", "persons_person"."merged_into_id"'
ENTRIES = 'INSERT INTO "audit_accesslogentry"'
# The page's statements for this case (in a test's transaction the access log's transaction is a savepoint,
# counted on both backends): 71 before the reads above were read once and the entries written together (54),
# and four more since a breach is counted and its history line shown only as the reader may know of it (the
# breaches' registrations and their sight, for the panel and for the history line: decision 0015).
PAGE_STATEMENTS = {"sqlite": 58, "postgresql": 58}


def test_the_police_case_page_reads_each_thing_once_and_logs_every_read_with_its_purpose(
    make_user: Callable[..., Any],
) -> None:
    case, _signals = _pair_with_breached_signals()
    screener = make_user("case_screener")
    client = Client()
    client.force_login(screener)
    client.get(f"/zaken/{case.pk}/")
    before = AccessLogEntry.objects.order_by("pk").last()
    with CaptureQueriesContext(connection) as page:
        response = client.get(f"/zaken/{case.pk}/")
    assert response.status_code == 200
    statements = [q["sql"] for q in page.captured_queries]

    def sent(start: str) -> int:
        return sum(1 for sql in statements if sql.startswith(start))

    assert sent(CASE_PERSONS) == 1  # was 3
    assert sent(SCREENING_CASE) == 1  # was 3
    assert sent(CASE_REGISTRATIONS) == 1  # was 2
    assert sent(MERGED_TO) == 2  # was 3: the names under the case (heading, persons) once, the measures' once
    assert sent(ENTRIES) == 1  # was 4: one insert for the page's entries
    assert len(statements) <= PAGE_STATEMENTS[connection.vendor], "\n".join(statements)
    # What the page shows is as before: the pair named in the heading and the persons, the measure, the
    # screening panel.
    html = response.content.decode()
    assert (
        html.count("Marco") >= 2 and html.count("Lotte") >= 2 and "overtreding van het contactverbod" in html
    )
    # Every read is still logged, each in an entry of its own with the case as purpose, the persons it named.
    entries = list(AccessLogEntry.objects.filter(pk__gt=before.pk if before else 0).order_by("pk"))
    purpose = case_purpose_log(case.reference)
    assert [(e.action, e.object_type, e.result, e.purpose) for e in entries] == [
        ("view", "case", "shown", purpose),
        ("list", "registration", "shown", purpose),
        ("list", "measure", "shown", purpose),
        ("list", "registration", "shown", purpose),
    ]
    persons = set(case.persons.values_list("pk", flat=True))
    assert all(set(e.persons.values_list("person_id", flat=True)) == persons for e in entries)
    assert entries[0].object_id == str(case.pk) and entries[0].detail == case_purpose_detail(case)
    assert [e.at for e in entries] == sorted(e.at for e in entries)  # each at the time it was read
    assert "pair_history" in entries[3].detail and "registrations" in entries[1].detail
