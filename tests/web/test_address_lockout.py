"""Password spraying: a few wrong passwords for each of many users from one address lock that address for
every user (KETENZICHT_LOCKOUT_ADDRESS_FAILURES, 20 within the cool-off time); other addresses log in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord"
SPRAYER = "203.0.113.7"
COLLEAGUE = "198.51.100.20"


@pytest.fixture
def users(make_user: Callable[..., Any]) -> list[str]:
    names = [f"medewerker{n}" for n in range(10)]
    for name in names:
        make_user("police_registrar", username=name, password=PASSWORD)
    return names


def _log_in(address: str, username: str, password: str) -> int:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code


def test_ten_users_times_four_wrong_passwords_lock_the_address(users: list[str]) -> None:
    answers = [_log_in(SPRAYER, name, f"fout-{attempt}") for name in users for attempt in range(4)]
    assert answers[:19] == [200] * 19  # the login form again: wrong password, under both thresholds
    assert set(answers[19:]) == {429}  # the 20th failure from this address locks it
    assert _log_in(SPRAYER, users[0], PASSWORD) == 429  # the right password too, for any user
    assert _log_in(COLLEAGUE, users[0], PASSWORD) == 302  # another address logs in
    assert _log_in(COLLEAGUE, users[9], PASSWORD) == 302


def test_under_the_address_threshold_only_the_user_threshold_counts(users: list[str]) -> None:
    for name in users[:4]:  # 16 failures from one address, 4 per user: nobody locked
        for attempt in range(4):
            assert _log_in(SPRAYER, name, f"fout-{attempt}") == 200
    assert _log_in(SPRAYER, users[0], PASSWORD) == 302
    assert _log_in(SPRAYER, users[5], PASSWORD) == 302


@override_settings(KETENZICHT_LOCKOUT_ADDRESS_FAILURES=6)
def test_the_address_threshold_is_a_setting(users: list[str]) -> None:
    for name in users[:3]:
        for attempt in range(2):
            _log_in(SPRAYER, name, f"fout-{attempt}")
    assert _log_in(SPRAYER, users[5], PASSWORD) == 429
    assert _log_in(COLLEAGUE, users[5], PASSWORD) == 302
