"""A closed signal can be re-opened: by whoever may close it, from the signal's page, with a reason (back
among the open signals with its evidence, a "re-opened" step in its history, the access logged, the pair's
case owner or else the unit's screeners told); by Ketenzicht itself when a new registration comes in after
it was closed. A second reopening (another tab) is refused and stores nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.patterns.models import Signal, SignalEvent
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.alerts import alert_list_for_user, alert_text
from ketenzicht.workprocesses.models import Alert
from ketenzicht.workprocesses.services import case_assign_owner

from .helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

REASON = "Closed by mistake: the victim reported again by phone."


def closed_signal(make_user: Callable[..., Any]) -> tuple[Signal, Client, Any]:
    """Marco and Lotte's stalking signal, closed by a screener of Oost-Brabant as 'no action needed'."""
    take_in("PL-R-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL-R-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.get(rule="possible_stalking")
    user = make_user("case_screener", organisation="oost-brabant", username="screener-r")
    client = Client()
    client.force_login(user)
    response = client.post(f"/signalen/{signal.pk}/actie/", {"action": "close", "reason": "no_action"})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.state == "closed"
    return signal, client, user


def reopen(client: Client, signal: Signal, reason: str = REASON) -> Any:
    return client.post(f"/signalen/{signal.pk}/actie/", {"action": "reopen", "reason": reason})


def main(content: bytes) -> str:
    """What a page says (its <main>), without the header's tokens and paths."""
    found = re.search(r"<main.*?</main>", content.decode(), re.S)
    assert found is not None
    return found.group(0)


def reopened_events(signal: Signal) -> list[SignalEvent]:
    return list(SignalEvent.objects.filter(signal=signal, kind="reopened"))


def pair_case_owned_by(owner: Any) -> Any:
    """The pair's open screening case (opened by intake), given to `owner`."""
    row = ScreeningCase.objects.select_related("case").get(open=True)
    return case_assign_owner(row.case, owner=owner, actor=None, expected_version=None)


def test_a_screener_reopens_a_closed_signal_with_a_reason(make_user: Callable[..., Any]) -> None:
    signal, client, user = closed_signal(make_user)
    owner = make_user("case_owner", organisation="oost-brabant", username="owner-r")
    case = pair_case_owned_by(owner)
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    assert 'data-testid="reopen-form"' in page and 'data-testid="assess-form"' not in page
    assert f"/signalen/{signal.pk}/" not in client.get("/signalen/").content.decode()

    response = reopen(client, signal)
    assert response.status_code == 302
    signal.refresh_from_db()
    assert (signal.state, signal.closed_reason) == ("seen", "")
    # Back among the open signals of the unit, on the page and in the API, with its evidence.
    assert f"/signalen/{signal.pk}/" in client.get("/signalen/").content.decode()
    listing = client.get("/api/v1/signals").json()
    assert signal.pk in [item["id"] for item in listing["items"]]
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    references = list(signal.evidence.values_list("registration__reference", flat=True))
    assert len(references) == 2
    assert all(f'data-testid="evidence-{reference}"' in page for reference in references)
    assert 'data-testid="assess-form"' in page and 'data-testid="reopen-form"' not in page
    # A "re-opened" step with who, when and why, in the history, in both languages.
    [event] = reopened_events(signal)
    assert (event.actor, event.state, event.note) == (user, "seen", REASON) and event.at is not None
    client.cookies["django_language"] = "en"
    english = client.get(f"/signalen/{signal.pk}/").content.decode()
    del client.cookies["django_language"]
    assert REASON in english and "Re-opened" in english and "screener-r" in english
    assert REASON in page and "Heropend" in page  # Dutch, the installation's language
    # The access logged with its purpose.
    entry = AccessLogEntry.objects.get(object_type="signal", object_id=str(signal.pk), action="reopen")
    assert entry.result == "stored" and entry.purpose and entry.actor_username == "screener-r"
    # The pair's case owner is told, with the reason, and a link to the signal.
    [alert] = alert_list_for_user(user=owner).filter(kind="signal_reopened")
    assert alert.case_id == case.pk and REASON in alert_text(alert)
    # It names the signal as the desk knows it (its rule), not by its number alone.
    with translation.override("nl"):
        assert f"Patroonsignaal “Mogelijke belaging” (nr. {signal.pk})" in alert_text(alert)
    with translation.override("en"):
        assert "reopened by" in alert_text(alert)
    owner_client = Client()
    owner_client.force_login(owner)
    alerts_page = owner_client.get("/waarschuwingen/").content.decode()
    assert f'href="/signalen/{signal.pk}/"' in alerts_page


def test_an_empty_reason_is_refused_at_its_field_and_stores_nothing(make_user: Callable[..., Any]) -> None:
    signal, client, _user = closed_signal(make_user)
    events, alerts = SignalEvent.objects.count(), Alert.objects.count()
    response = reopen(client, signal, reason="   ")
    assert response.status_code == 422
    assert 'data-testid="error-reason"' in response.content.decode()
    signal.refresh_from_db()
    assert (signal.state, signal.closed_reason) == ("closed", "no_action")
    assert (SignalEvent.objects.count(), Alert.objects.count()) == (events, alerts)
    assert not AccessLogEntry.objects.filter(object_type="signal", action="reopen").exists()


def test_who_may_not_close_it_gets_the_404_of_a_missing_signal(make_user: Callable[..., Any]) -> None:
    signal, _client, _user = closed_signal(make_user)
    missing = Signal.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    outsiders = [
        make_user("case_screener", organisation="zeeland-west-brabant"),
        make_user("police_registrar", organisation="oost-brabant"),
    ]
    for outsider in outsiders:
        client = Client()
        client.force_login(outsider)
        gone = reopen(client, Signal(pk=missing))
        refused = reopen(client, signal)
        assert refused.status_code == gone.status_code == 404
        assert main(refused.content) == main(gone.content)
        api_gone = client.get(f"/api/v1/signals/{missing}")
        api_refused = client.get(f"/api/v1/signals/{signal.pk}")
        assert (api_refused.status_code, api_refused.json()) == (api_gone.status_code, api_gone.json())
        assert api_refused.status_code == 404
    signal.refresh_from_db()
    assert signal.state == "closed" and reopened_events(signal) == []
    # The unit's case owners may close it, so they may reopen it.
    owner = Client()
    owner.force_login(make_user("case_owner", organisation="oost-brabant"))
    assert reopen(owner, signal).status_code == 302
    signal.refresh_from_db()
    assert signal.state == "seen" and len(reopened_events(signal)) == 1


def test_reopening_twice_is_refused_once(make_user: Callable[..., Any]) -> None:
    signal, client, user = closed_signal(make_user)
    other_tab = Client()  # the same screener in a second tab, opened before the first reopened it
    other_tab.force_login(user)
    assert reopen(client, signal).status_code == 302
    alerts = Alert.objects.filter(kind="signal_reopened").count()
    second = reopen(other_tab, signal, reason="Reopened in another tab.")
    assert second.status_code == 409
    assert "al open" in second.content.decode()  # the installation's language
    other_tab.cookies["django_language"] = "en"
    english = reopen(other_tab, signal, reason="Once more.")
    assert english.status_code == 409 and "open already" in english.content.decode()
    assert len(reopened_events(signal)) == 1
    assert Alert.objects.filter(kind="signal_reopened").count() == alerts == 1
    assert AccessLogEntry.objects.filter(object_type="signal", action="reopen").count() == 1


def test_the_screener_who_reopens_an_unowned_pair_s_signal_is_not_told_of_it(
    make_user: Callable[..., Any],
) -> None:
    # Nobody owns the pair's case: the unit's screeners are told, but not the one who reopened it.
    signal, client, user = closed_signal(make_user)
    colleague = make_user("case_screener", organisation="oost-brabant")
    assert reopen(client, signal).status_code == 302
    assert not alert_list_for_user(user=user).filter(kind="signal_reopened").exists()
    [told] = alert_list_for_user(user=colleague).filter(kind="signal_reopened")
    assert told.role == "case_screener" and REASON in alert_text(told)


def test_a_new_registration_after_closing_reopens_it_and_the_unit_is_told(
    make_user: Callable[..., Any],
) -> None:
    signal, _client, _user = closed_signal(make_user)
    screener = make_user("case_screener", organisation="oost-brabant")
    take_in("PL-R-3", MARCO, LOTTE, registered_at="2024-04-02T08:30:00+02:00", offences=["285"])
    signal.refresh_from_db()
    assert (signal.state, signal.closed_reason) == ("new", "")
    [event] = reopened_events(signal)
    assert (event.actor, event.reason) == (None, "new_registration")
    with translation.override("en"):
        assert str(event.get_reason_display()) == "new registration after closing"
    with translation.override("nl"):
        assert str(event.get_reason_display()) == "nieuwe registratie na afsluiten"
    page = Client()
    page.force_login(screener)
    assert "nieuwe registratie na afsluiten" in page.get(f"/signalen/{signal.pk}/").content.decode()
    # Nobody owns the pair's case yet: the unit's case screeners are told.
    [alert] = alert_list_for_user(user=screener).filter(kind="signal_reopened")
    assert alert.recipient is None and alert.role == "case_screener"
    with translation.override("en"):
        assert "a new registration came in after it was closed" in alert_text(alert)
    # A registration that only confirms what is there re-opens nothing more.
    take_in("PL-R-3", MARCO, LOTTE, registered_at="2024-04-02T08:30:00+02:00", offences=["285"])
    assert len(reopened_events(signal)) == 1


def test_a_withdrawn_signal_is_not_reopened_by_the_desk(make_user: Callable[..., Any]) -> None:
    signal, client, _user = closed_signal(make_user)
    Signal.objects.filter(pk=signal.pk).update(closed_reason="withdrawn", fingerprint="")
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    assert 'data-testid="reopen-form"' not in page
    response = reopen(client, signal)
    assert response.status_code == 409 and reopened_events(signal) == []
