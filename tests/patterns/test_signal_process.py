"""A signal's small process: new -> seen -> assessed -> closed with a reason, re-opened when its evidence
changes, withdrawn (closed, never deleted) when its rule no longer holds; the history is append-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from ketenzicht.patterns.models import Signal, SignalEvent

from .helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def two_reports() -> Signal:
    take_in("PL-S-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL-S-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    return Signal.objects.get(rule="possible_stalking")


def screener(make_user: Callable[..., Any]) -> tuple[Client, Any]:
    user = make_user("case_screener", organisation="oost-brabant")
    client = Client()
    client.force_login(user)
    return client, user


def steps(signal: Signal) -> list[tuple[str, str, str]]:
    return [(e.kind, e.state, e.reason) for e in SignalEvent.objects.filter(signal=signal)]


def test_the_screening_desk_walks_a_signal_from_new_to_closed(make_user: Callable[..., Any]) -> None:
    signal = two_reports()
    client, user = screener(make_user)
    assert signal.state == "new" and steps(signal) == [("raised", "new", "")]
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    assert 'data-testid="assess-form"' in page and 'data-testid="close-form"' in page
    act = f"/signalen/{signal.pk}/actie/"
    assert client.post(act, {"action": "assess", "note": ""}).status_code == 422  # refused: no note
    assert client.post(act, {"action": "close", "reason": "withdrawn"}).status_code == 422  # not the desk's
    assert client.post(act, {"action": "assess", "note": "Called the victim."}).status_code == 302
    assert client.post(act, {"action": "close", "reason": "case_opened"}).status_code == 302
    signal.refresh_from_db()
    assert (signal.state, signal.closed_reason) == ("closed", "case_opened")
    assert steps(signal) == [
        ("raised", "new", ""),
        ("seen", "seen", ""),
        ("assessed", "assessed", ""),
        ("closed", "closed", "case_opened"),
    ]
    assert SignalEvent.objects.get(kind="assessed").actor == user
    assert SignalEvent.objects.get(kind="assessed").note == "Called the victim."
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    assert 'data-testid="signal-history"' in page and "Called the victim." in page
    assert 'data-testid="assess-form"' not in page  # a closed signal takes no more steps
    assert f"/signalen/{signal.pk}/" not in client.get("/signalen/").content.decode()  # open ones only
    assert f"/signalen/{signal.pk}/" in client.get("/signalen/?alle=1").content.decode()


def test_a_closed_signal_is_reopened_when_its_evidence_changes(make_user: Callable[..., Any]) -> None:
    signal = two_reports()
    client, _user = screener(make_user)
    client.post(f"/signalen/{signal.pk}/actie/", {"action": "close", "reason": "no_action"})
    take_in("PL-S-3", MARCO, LOTTE, registered_at="2024-04-02T08:30:00+02:00", offences=["285"])
    signal.refresh_from_db()
    assert (signal.state, signal.closed_reason) == ("new", "")
    assert steps(signal)[-2:] == [("closed", "closed", "no_action"), ("reopened", "new", "new_registration")]
    assert f"/signalen/{signal.pk}/" in client.get("/signalen/").content.decode()


def test_another_unit_may_not_take_a_step(make_user: Callable[..., Any]) -> None:
    signal = two_reports()
    other = Client()
    other.force_login(make_user("case_screener", organisation="zeeland-west-brabant"))
    response = other.post(f"/signalen/{signal.pk}/actie/", {"action": "close", "reason": "no_action"})
    assert response.status_code == 404
    assert steps(signal) == [("raised", "new", "")]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE patterns_signalevent SET note = 'rewritten'", "DELETE FROM patterns_signalevent"],
)
def test_the_history_refuses_to_be_rewritten(statement: str) -> None:
    two_reports()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert SignalEvent.objects.count() >= 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one connection write at a time, so two closings cannot race there",
)
def test_two_screeners_closing_one_signal_at_once_close_it_once(make_user: Callable[..., Any]) -> None:
    import threading
    import time

    from ketenzicht.patterns.services import StepRefused, signal_close

    signal = two_reports()
    first = make_user("case_screener", organisation="oost-brabant", username="anna")
    second = make_user("case_screener", organisation="oost-brabant", username="bram")
    outcome: list[str] = []

    def close_in_a_second_tab() -> None:
        try:
            signal_close(user=second, pk=signal.pk, reason="case_opened", note="", origin="test")
            outcome.append("closed")
        except StepRefused:
            outcome.append("refused")
        finally:
            connection.close()

    with transaction.atomic():
        # Anna's closing holds the signal's row while Bram's, begun on the same open signal, comes in.
        Signal.objects.select_for_update().get(pk=signal.pk)
        other = threading.Thread(target=close_in_a_second_tab)
        other.start()
        time.sleep(1.0)  # Bram has read the signal as open and waits for the row
        signal_close(user=first, pk=signal.pk, reason="no_action", note="", origin="test")
    other.join(timeout=30)
    assert outcome == ["refused"]
    assert [(e.kind, e.reason) for e in SignalEvent.objects.filter(signal=signal, kind="closed")] == [
        ("closed", "no_action")
    ]


def test_an_empty_step_is_refused_at_its_field_and_keeps_what_was_typed(
    make_user: Callable[..., Any],
) -> None:
    """No note to an assessment, no reason to a closing: the field says what is missing (not one message
    for all cases at the top), the note typed for the closing stays, and no step is stored."""
    signal = two_reports()
    client, _user = screener(make_user)
    act = f"/signalen/{signal.pk}/actie/"
    page = client.post(act, {"action": "assess", "note": "  "})
    assert page.status_code == 422
    assess = page.content.decode().split('data-testid="assess-form"')[1].split("</form>")[0]
    assert 'data-testid="error-note"' in assess and "Schrijf uw beoordeling op." in assess
    page = client.post(act, {"action": "close", "reason": "", "note": "Eerst de melder bellen."})
    assert page.status_code == 422
    close = page.content.decode().split('data-testid="close-form"')[1].split("</form>")[0]
    assert 'data-testid="error-reason"' in close and "Kies waarom u het signaal sluit." in close
    assert "Eerst de melder bellen." in close
    signal.refresh_from_db()
    assert signal.state == "seen" and [kind for kind, _, _ in steps(signal)] == ["raised", "seen"]


def test_a_step_on_a_signal_closed_meanwhile_says_why_nothing_happened(make_user: Callable[..., Any]) -> None:
    signal = two_reports()
    client, _user = screener(make_user)
    act = f"/signalen/{signal.pk}/actie/"
    assert client.post(act, {"action": "close", "reason": "no_action"}).status_code == 302
    page = client.post(act, {"action": "assess", "note": ""})  # the second tab, its form still open
    assert page.status_code == 422
    assert "Niet gedaan" in page.content.decode()
