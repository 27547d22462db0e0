"""Login with lockout, health without login, every page behind login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_health_answers_without_login() -> None:
    response = Client().get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_pages_send_anonymous_visitors_to_login() -> None:
    response = Client().get("/registraties/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_login_with_the_right_password_shows_organisation_and_role(make_user: Callable[..., Any]) -> None:
    make_user("case_screener", username="ingrid", password="een-lang-wachtwoord")
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "ingrid", "password": "een-lang-wachtwoord"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Politie eenheid Oost-Brabant" in page
    assert 'data-testid="current-roles"' in page


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(
    make_user: Callable[..., Any],
) -> None:
    make_user("police_registrar", username="rachid", password="een-lang-wachtwoord")
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "rachid", "password": "fout"})
    response = client.post("/accounts/login/", {"username": "rachid", "password": "een-lang-wachtwoord"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_outside_tests() -> None:
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_the_interface_is_dutch_even_for_an_english_browser_until_the_user_chooses() -> None:
    client = Client()
    page = client.get("/accounts/login/", headers={"Accept-Language": "en-GB,en;q=0.9"}).content.decode()
    assert "Inloggen" in page and 'lang="nl"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Log in" in page and 'lang="en"' in page
