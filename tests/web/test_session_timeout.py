"""A login ends after a while without requests, and after a working day at the latest; the login page says
why. The clock is moved, not waited for."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import ngettext

from config.settings import base
from tests.conftest import MovedClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(make_user: Callable[..., Any]) -> Client:
    make_user("police_registrar", username="ilse", password="een-lang-wachtwoord")
    client = Client()
    response = client.post("/accounts/login/", {"username": "ilse", "password": "een-lang-wachtwoord"})
    assert response.status_code == 302
    return client


def _idle_message(minutes: int) -> str:
    with translation.override("nl"):
        return ngettext(
            "You were logged out after %(minutes)s minute without activity. Log in again.",
            "You were logged out after %(minutes)s minutes without activity. Log in again.",
            minutes,
        ) % {"minutes": minutes}


def test_the_idle_time_is_half_an_hour_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        monkeypatch.delenv("KETENZICHT_SESSION_IDLE_SECONDS", raising=False)
        assert importlib.reload(base).KETENZICHT_SESSION_IDLE_SECONDS == 30 * 60
        monkeypatch.setenv("KETENZICHT_SESSION_IDLE_SECONDS", "600")
        assert importlib.reload(base).KETENZICHT_SESSION_IDLE_SECONDS == 600
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_requests_keep_the_session_alive(moved_clock: MovedClock, logged_in: Client) -> None:
    for _ in range(5):  # 5 x 25 minutes: more than the idle time in all, never that long without a request
        assert logged_in.get("/").status_code == 200
        moved_clock.advance(25 * 60)
    assert logged_in.get("/").status_code == 200


def test_half_an_hour_without_requests_ends_the_session_on_the_login_page(
    moved_clock: MovedClock, logged_in: Client
) -> None:
    assert logged_in.get("/registraties/").status_code == 200
    moved_clock.advance(30 * 60 + 61)
    response = logged_in.get("/registraties/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/registraties/"
    assert "_auth_user_id" not in logged_in.session
    page = logged_in.get(response["Location"]).content.decode()
    assert _idle_message(30) in page
    assert 'name="username"' in page
    # the message is announced (role="status"), the focus stays in the username field
    message = page.split('data-testid="message"', 1)[0].rsplit("<div", 1)[1]
    assert 'role="status"' in message and "autofocus" not in message
    assert re.search(r'<input[^>]*id="id_username"[^>]*autofocus', page)
    # logging in again works, and the message is not shown twice
    again = logged_in.post(
        "/accounts/login/?next=/registraties/", {"username": "ilse", "password": "een-lang-wachtwoord"}
    )
    assert again.status_code == 302 and again["Location"] == "/registraties/"
    assert _idle_message(30) not in logged_in.get("/registraties/").content.decode()


@override_settings(KETENZICHT_SESSION_IDLE_SECONDS=5 * 60)
def test_the_idle_time_is_a_setting(moved_clock: MovedClock, logged_in: Client) -> None:
    assert logged_in.get("/").status_code == 200
    moved_clock.advance(5 * 60 + 61)
    response = logged_in.get("/", follow=True)
    assert _idle_message(5) in response.content.decode()


def test_a_working_day_ends_the_session_however_active(moved_clock: MovedClock, logged_in: Client) -> None:
    for _ in range(8 * 3):  # a request every 20 minutes for 8 hours
        assert logged_in.get("/").status_code == 200
        moved_clock.advance(20 * 60)
    moved_clock.advance(60)
    response = logged_in.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    with translation.override("nl"):
        expected = ngettext(
            "You were logged out: a session lasts at most %(hours)s hour. Log in again.",
            "You were logged out: a session lasts at most %(hours)s hours. Log in again.",
            8,
        ) % {"hours": 8}
    assert expected in response.content.decode()


def test_an_htmx_request_of_an_ended_session_sends_the_page_to_log_in(
    moved_clock: MovedClock, logged_in: Client
) -> None:
    assert logged_in.get("/").status_code == 200
    moved_clock.advance(31 * 60 + 61)
    response = logged_in.get("/registraties/nieuw/persoon/?index=2", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/login/"
    assert "_auth_user_id" not in logged_in.session
