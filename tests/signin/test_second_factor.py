"""The second factor after the password: set-up, the code page, wrong codes, recovery codes, the pages it
guards, the API's tokens that it leaves alone, and the access log of each step."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenzicht.audit.models import AccessLogEntry, Action, Result
from ketenzicht.organisations.services import api_token_create
from ketenzicht.signin.services import totp_code_now, totp_device_fixed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_required")]

PASSWORD = "een-lang-wachtwoord"
SECRET = "KETENZICHTTESTAB"


@pytest.fixture
def otp_required() -> Any:
    with override_settings(KETENZICHT_OTP_REQUIRED=True):
        yield


def log_in(client: Client, username: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def second_factor_entries(username: str) -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(actor_username=username, object_type="second_factor").order_by("id")
    )


def unthrottle() -> None:
    """django-otp lets a device wait 1, 2, 4 ... seconds after each wrong code: the tests do not wait."""
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)


def current_code(secret: str) -> str:
    return totp_code_now(secret, at=time.time())


def test_a_user_without_a_device_is_sent_to_set_one_up(make_user: Callable[..., Any]) -> None:
    make_user("case_screener", username="ingrid", password=PASSWORD)
    client = Client()
    assert log_in(client, "ingrid")["Location"] == "/"
    first = client.get("/")
    assert first.status_code == 302 and first["Location"].startswith("/accounts/tweede-factor/?next=")
    setup = client.get(first["Location"], follow=True)
    assert setup.redirect_chain[-1][0].startswith("/accounts/tweede-factor/instellen/")
    page = setup.content.decode()
    assert "<svg" in page and "otpauth://totp/Ketenzicht" in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)
    assert secret is not None

    wrong = client.post("/accounts/tweede-factor/instellen/", {"otp_token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(user__username="ingrid").confirmed
    unthrottle()

    done = client.post("/accounts/tweede-factor/instellen/", {"otp_token": current_code(secret.group(1))})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{8})</code>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user__username="ingrid").confirmed
    assert client.get("/personen/").status_code == 200
    steps = [(e.detail["step"], e.result) for e in second_factor_entries("ingrid")]
    assert steps == [("setup", Result.REFUSED), ("setup", Result.STORED)]
    assert all(e.action == Action.LOGIN for e in second_factor_entries("ingrid"))
    # Set up once: the set-up page does not hand out a new key to this user again.
    assert client.get("/accounts/tweede-factor/instellen/")["Location"] == "/accounts/tweede-factor/"


def test_a_user_with_a_device_enters_a_code_and_a_wrong_one_is_refused_and_logged(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("case_screener", username="kees", password=PASSWORD)
    totp_device_fixed(user, secret=SECRET)
    client = Client()
    log_in(client, "kees")
    assert client.get("/personen/")["Location"].startswith("/accounts/tweede-factor/?next=%2Fpersonen%2F")
    page = client.get("/accounts/tweede-factor/?next=/personen/")
    assert page.status_code == 200 and 'name="otp_token"' in page.content.decode()
    # No menu yet: every link would lead back to this page. Logging out stays possible.
    assert 'class="kz-nav"' not in page.content.decode() and "/accounts/logout/" in page.content.decode()

    wrong = client.post("/accounts/tweede-factor/", {"otp_token": "123456", "next": "/personen/"})
    assert wrong.status_code == 200 and "alert--error" in wrong.content.decode()
    assert client.get("/personen/").status_code == 302
    unthrottle()

    right = client.post("/accounts/tweede-factor/", {"otp_token": current_code(SECRET), "next": "/personen/"})
    assert right.status_code == 302 and right["Location"] == "/personen/"
    assert client.get("/personen/").status_code == 200
    assert 'class="kz-nav"' in client.get("/").content.decode()
    steps = [(e.detail["step"], e.result) for e in second_factor_entries("kees")]
    assert steps == [("code", Result.REFUSED), ("code", Result.GRANTED)]
    # The wrong code is no failed password login in the log: one entry per step.
    assert not AccessLogEntry.objects.filter(
        actor_username="kees", result=Result.REFUSED, object_type="session"
    )


def test_a_recovery_code_works_once(make_user: Callable[..., Any]) -> None:
    make_user("case_screener", username="ria", password=PASSWORD)
    client = Client()
    log_in(client, "ria")
    page = client.get("/accounts/tweede-factor/instellen/").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)
    assert secret is not None
    done = client.post("/accounts/tweede-factor/instellen/", {"otp_token": current_code(secret.group(1))})
    code = re.findall(r"<code>([a-z2-7]{8})</code>", done.content.decode())[0]

    for attempt in (1, 2):
        other = Client()
        log_in(other, "ria")
        answer = other.post("/accounts/tweede-factor/", {"otp_token": code})
        if attempt == 1:
            assert answer.status_code == 302 and other.get("/personen/").status_code == 200
        else:
            assert answer.status_code == 200 and other.get("/personen/").status_code == 302
    used = [e for e in second_factor_entries("ria") if e.detail["step"] == "recovery_code"]
    assert [(e.result, e.detail.get("recovery_codes_left")) for e in used] == [(Result.GRANTED, 9)]


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_lockout(make_user: Callable[..., Any]) -> None:
    user = make_user("case_screener", username="wim", password=PASSWORD)
    totp_device_fixed(user, secret=SECRET)
    client = Client()
    log_in(client, "wim")
    statuses = []
    for _ in range(3):
        unthrottle()
        statuses.append(client.post("/accounts/tweede-factor/", {"otp_token": "000000"}).status_code)
    assert statuses == [200, 200, 429]
    assert client.get("/personen/")["Location"].startswith("/accounts/login/")  # logged out
    assert log_in(Client(), "wim").status_code == 429  # the right password is locked out too
    assert [e.detail["step"] for e in second_factor_entries("wim")][-1] == "locked_out"


def test_pages_without_person_data_need_no_second_factor(make_user: Callable[..., Any]) -> None:
    user = make_user("case_screener", username="lia", password=PASSWORD)
    totp_device_fixed(user, secret=SECRET)
    client = Client()
    log_in(client, "lia")
    assert client.get("/health/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    assert client.get("/accounts/tweede-factor/").status_code == 200
    for path in ("/", "/personen/", "/registraties/", "/toegangslog/"):
        assert client.get(path)["Location"].startswith("/accounts/tweede-factor/"), path
    htmx = client.get("/personen/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith("/accounts/tweede-factor/")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/personen/")["Location"].startswith("/accounts/login/")


def test_the_api_takes_a_token_without_second_factor_but_no_unverified_session(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("police_registrar", username="rob", password=PASSWORD)
    totp_device_fixed(user, secret=SECRET)
    token = api_token_create(user=user, name="feed")
    url = "/api/v1/registrations"
    assert Client().get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client = Client()
    log_in(client, "rob")
    assert client.get(url).status_code == 401  # the password alone opens no session for the API
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.post("/accounts/tweede-factor/", {"otp_token": current_code(SECRET)})
    assert client.get(url).status_code == 200


def test_off_the_demand_leaves_logins_as_they_were(make_user: Callable[..., Any]) -> None:
    make_user("case_screener", username="bas", password=PASSWORD)
    client = Client()
    log_in(client, "bas")
    with override_settings(KETENZICHT_OTP_REQUIRED=False):
        assert client.get("/personen/").status_code == 200


def test_an_identity_providers_second_factor_counts_only_for_its_own_login(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("case_screener", username="olga", password=PASSWORD)
    user.kz_provider_mfa = True  # as ketenzicht.signin.oidc returns a user whose provider asked for MFA
    client = Client()
    client.force_login(user)
    assert client.get("/personen/").status_code == 200
    by_password = Client()  # a password login: the provider's word does not come with it
    log_in(by_password, "olga")
    assert by_password.get("/personen/").status_code == 302
