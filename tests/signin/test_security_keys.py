"""Security keys and passkeys (WebAuthn, django-otp-webauthn) as the second factor: the settings, a first key
with its recovery codes, logging in with a key, failures that are logged and count towards the lockout, the
user's own list of keys, and the access log of each step. A software key (softkey.py) answers the server's
options; the server's verification is the real one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext
from django_otp_webauthn.models import WebAuthnCredential

from config.settings.base import webauthn_origins
from ketenzicht.audit.models import AccessLogEntry, Action, Result
from ketenzicht.signin.services import totp_code_now, totp_device_fixed
from tests.signin.softkey import SoftKey

PASSWORD = "een-lang-wachtwoord"
SECRET = "KETENZICHTTESTAB"
KEYS = "/accounts/tweede-factor/sleutel/"


@pytest.fixture
def otp_required() -> Any:
    with override_settings(KETENZICHT_OTP_REQUIRED=True):
        yield


def log_in(client: Client, username: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def register(client: Client, key: SoftKey) -> Any:
    begin = client.post(f"{KEYS}registratie/begin/")
    assert begin.status_code == 200, begin.content
    return post_json(client, f"{KEYS}registratie/afronden/", key.register(begin.json()))


def use(client: Client, key: SoftKey, *, next: str = "/personen/", signer: SoftKey | None = None) -> Any:
    begin = client.post(f"{KEYS}gebruik/begin/")
    assert begin.status_code == 200, begin.content
    return post_json(
        client, f"{KEYS}gebruik/afronden/?next={next}", key.authenticate(begin.json(), signer=signer)
    )


def steps(username: str) -> list[tuple[str, str]]:
    entries = AccessLogEntry.objects.filter(actor_username=username, object_type="second_factor").order_by(
        "id"
    )
    assert all(e.action == Action.LOGIN for e in entries)
    return [(e.detail["step"], e.result) for e in entries]


# The settings ----------------------------------------------------------------------------------------------


def test_the_origins_must_be_addresses_of_the_relying_party() -> None:
    assert webauthn_origins("https://ketenzicht.politie.nl, https://kz.politie.nl/", "politie.nl") == [
        "https://ketenzicht.politie.nl",
        "https://kz.politie.nl",
    ]
    assert webauthn_origins("http://localhost:8000", "localhost") == ["http://localhost:8000"]
    for value, complaint in (
        ("", "at least one address"),
        ("http://ketenzicht.politie.nl", "must use https"),
        ("https://ketenzicht.example.org", "is not KETENZICHT_WEBAUTHN_RP_ID"),
        ("https://nietpolitie.nl", "is not KETENZICHT_WEBAUTHN_RP_ID"),
        ("ketenzicht.politie.nl", "no address"),
        ("https://ketenzicht.politie.nl/login", "no address"),
    ):
        with pytest.raises(ImproperlyConfigured, match=complaint) as error:
            webauthn_origins(value, "politie.nl")
        assert "KETENZICHT_WEBAUTHN_ORIGINS" in str(error.value)


def _production_settings(extra: dict[str, str]) -> list[Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KETENZICHT_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "ketenzicht.example.nl,kz.example.nl",
        **extra,
    }
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.OTP_WEBAUTHN_RP_ID, s.OTP_WEBAUTHN_RP_NAME, s.OTP_WEBAUTHN_ALLOWED_ORIGINS, "
        "s.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN]))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert found.returncode == 0 or extra, found.stderr
    return json.loads(found.stdout) if found.returncode == 0 else [found.stderr]


def test_production_binds_keys_to_the_sites_domain_unless_told_otherwise() -> None:
    assert _production_settings({}) == [
        "ketenzicht.example.nl",
        "Ketenzicht",
        ["https://ketenzicht.example.nl"],
        False,
    ]
    told = {
        "KETENZICHT_WEBAUTHN_RP_ID": "example.nl",
        "KETENZICHT_WEBAUTHN_RP_NAME": "Ketenzicht (politie)",
        "KETENZICHT_WEBAUTHN_ORIGINS": "https://ketenzicht.example.nl,https://kz.example.nl",
    }
    assert _production_settings(told) == [
        "example.nl",
        "Ketenzicht (politie)",
        ["https://ketenzicht.example.nl", "https://kz.example.nl"],
        False,
    ]
    (refused,) = _production_settings({"KETENZICHT_WEBAUTHN_ORIGINS": "http://ketenzicht.example.nl"})
    assert "KETENZICHT_WEBAUTHN_ORIGINS" in refused and "must use https" in refused


@pytest.mark.django_db
def test_the_permissions_policy_allows_security_keys_on_our_own_pages_only() -> None:
    policy = Client().get("/accounts/login/")["Permissions-Policy"].split(", ")
    assert "publickey-credentials-get=(self)" in policy and "publickey-credentials-create=(self)" in policy
    assert "camera=()" in policy


# Registering and using a key --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
def test_a_new_user_registers_a_key_instead_of_the_app_and_gets_recovery_codes_once(
    make_user: Callable[..., Any],
) -> None:
    make_user("case_screener", username="sanne", password=PASSWORD)
    client = Client()
    log_in(client, "sanne")
    setup = client.get("/accounts/tweede-factor/instellen/?next=/personen/").content.decode()
    assert 'id="otp_webauthn_config"' in setup and "otp_webauthn_register.js" in setup
    assert 'data-kz-done-url="/accounts/tweede-factor/herstelcodes/?next=%2Fpersonen%2F"' in setup
    assert client.get("/personen/").status_code == 302

    done = register(client, SoftKey())
    assert done.status_code == 200, done.content
    key = WebAuthnCredential.objects.get(user__username="sanne")
    assert done.json()["id"] == key.pk and key.confirmed
    assert client.get("/personen/").status_code == 200  # the first key passes the second factor

    codes_page = client.get("/accounts/tweede-factor/herstelcodes/?next=/personen/")
    assert codes_page.status_code == 200
    assert len(set(codes_page.content.decode().split("<code>"))) == 11  # ten codes
    again = client.get("/accounts/tweede-factor/herstelcodes/?next=/personen/")
    assert again.status_code == 302 and again["Location"] == "/personen/"  # shown once
    assert steps("sanne") == [("security_key_setup", Result.STORED)]
    entry = AccessLogEntry.objects.get(actor_username="sanne", object_type="second_factor")
    assert entry.detail == {"step": "security_key_setup", "key": key.pk, "recovery_codes": 10}
    # Set up: the set-up page sends to the code page, which asks for the key.
    assert client.get("/accounts/tweede-factor/instellen/")["Location"] == "/accounts/tweede-factor/"


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
def test_a_user_with_a_key_logs_in_with_it(make_user: Callable[..., Any]) -> None:
    make_user("case_screener", username="joris", password=PASSWORD)
    key = SoftKey()
    first = Client()
    log_in(first, "joris")
    assert register(first, key).status_code == 200

    client = Client()
    log_in(client, "joris")
    assert client.get("/personen/")["Location"].startswith("/accounts/tweede-factor/?next=")
    page = client.get("/accounts/tweede-factor/?next=/personen/").content.decode()
    assert 'id="passkey-verification-button"' in page and "otp_webauthn_auth.js" in page
    assert 'name="otp_token"' in page  # the recovery codes still work
    assert 'data-testid="code-hint-recovery"' in page and 'data-testid="code-hint-app"' not in page
    session_before = client.session.session_key

    answer = use(client, key)
    assert answer.status_code == 200, answer.content
    assert answer.json()["redirect_url"] == "/personen/"
    assert client.get("/personen/").status_code == 200
    assert client.session.session_key != session_before  # a new session id once both factors passed
    stored = WebAuthnCredential.objects.get(user__username="joris")
    assert stored.sign_count == 1 and stored.last_used_at is not None
    assert steps("joris")[-1] == ("security_key", Result.GRANTED)
    entry = (
        AccessLogEntry.objects.filter(actor_username="joris", object_type="second_factor")
        .order_by("id")
        .last()
    )
    assert entry is not None and entry.detail == {"step": "security_key", "key": stored.pk}
    assert entry.origin.startswith("web")


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_forged_or_foreign_key_is_refused_logged_and_counts_towards_the_lockout(
    make_user: Callable[..., Any],
) -> None:
    for name in ("karin", "lotte"):
        make_user("case_screener", username=name, password=PASSWORD)
    keys = {"karin": SoftKey(), "lotte": SoftKey()}
    for name, key in keys.items():
        client = Client()
        log_in(client, name)
        assert register(client, key).status_code == 200

    client = Client()
    log_in(client, "karin")
    forged = use(client, keys["karin"], signer=SoftKey())  # signed by another private key
    assert forged.status_code == 403
    with translation.override("nl"):
        assert forged.json()["detail"] == gettext(
            "Your security key was not accepted. Try again, or use a code."
        )
    foreign = use(client, keys["lotte"])  # Lotte's key in Karin's session
    assert foreign.status_code == 403
    assert client.get("/personen/").status_code == 302
    assert steps("karin")[1:] == [("security_key", Result.REFUSED), ("security_key", Result.REFUSED)]
    reasons = [
        e.detail["reason"]
        for e in AccessLogEntry.objects.filter(
            actor_username="karin", result=Result.REFUSED, object_type="second_factor"
        ).order_by("id")
    ]
    assert reasons == ["invalid_authentication_response", "credential_user_mismatch"]

    third = use(client, keys["karin"], signer=SoftKey())  # the third failure reaches the limit
    assert third.status_code == 429
    assert client.get("/personen/")["Location"].startswith("/accounts/login/")  # logged out
    assert steps("karin")[-1] == ("locked_out", Result.REFUSED)
    assert log_in(Client(), "karin").status_code == 429


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
def test_an_unverified_session_cannot_add_a_key_to_an_account_that_has_a_second_factor(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("case_screener", username="daan", password=PASSWORD)
    totp_device_fixed(user, secret=SECRET)
    client = Client()
    log_in(client, "daan")  # the password only
    refused = client.post(f"{KEYS}registratie/begin/")
    assert refused.status_code == 403
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert steps("daan") == [("security_key_setup", Result.REFUSED)]
    assert client.get("/accounts/tweede-factor/sleutels/")["Location"].startswith("/accounts/tweede-factor/")

    # With the app's code the session is verified: then a key may be added beside the app.
    client.post("/accounts/tweede-factor/", {"otp_token": totp_code_now(SECRET)})
    assert register(client, SoftKey()).status_code == 200
    assert steps("daan")[-1] == ("security_key_setup", Result.STORED)
    entry = (
        AccessLogEntry.objects.filter(actor_username="daan", object_type="second_factor")
        .order_by("id")
        .last()
    )
    assert entry is not None and "recovery_codes" not in entry.detail  # beside the app: the codes stay
    # A session that passed the second factor at the identity provider may add a key as well.
    user.kz_provider_mfa = True
    provider = Client()
    provider.force_login(user)
    assert register(provider, SoftKey()).status_code == 200
    assert WebAuthnCredential.objects.filter(user=user).count() == 2
    page = Client()
    log_in(page, "daan")
    code_page = page.get("/accounts/tweede-factor/").content.decode()
    assert 'id="passkey-verification-button"' in code_page and 'data-testid="code-hint-app"' in code_page


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
def test_the_user_lists_and_removes_their_own_keys_but_not_the_last_device(
    make_user: Callable[..., Any],
) -> None:
    make_user("case_screener", username="emma", password=PASSWORD)
    other = make_user("case_screener", username="fleur", password=PASSWORD)
    client = Client()
    log_in(client, "emma")
    register(client, SoftKey())
    register(client, SoftKey())
    first, second = WebAuthnCredential.objects.filter(user__username="emma").order_by("pk")
    page = client.get("/accounts/tweede-factor/sleutels/").content.decode()
    assert page.count('data-testid="key-remove"') == 2 and 'id="passkey-register-button"' in page

    assert client.post("/accounts/tweede-factor/sleutels/", {"key": first.pk}).status_code == 302
    assert list(WebAuthnCredential.objects.filter(user__username="emma")) == [second]
    assert (
        client.get("/personen/").status_code == 200
    )  # this session passed with the removed key: still passed
    assert steps("emma")[-1] == ("security_key_removed", Result.STORED)
    last = client.post("/accounts/tweede-factor/sleutels/", {"key": second.pk})
    assert last.status_code == 409 and 'role="alert"' in last.content.decode()
    assert WebAuthnCredential.objects.filter(pk=second.pk).exists()

    fleur = Client()
    log_in(fleur, "fleur")
    register(fleur, SoftKey())
    fleurs_key = WebAuthnCredential.objects.get(user=other)
    assert client.post("/accounts/tweede-factor/sleutels/", {"key": fleurs_key.pk}).status_code == 404
    assert client.post("/accounts/tweede-factor/sleutels/", {"key": "x"}).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=fleurs_key.pk).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
def test_the_administrators_reset_removes_the_keys_too(make_user: Callable[..., Any]) -> None:
    user = make_user("case_screener", username="gijs", password=PASSWORD)
    client = Client()
    log_in(client, "gijs")
    assert register(client, SoftKey()).status_code == 200
    assert client.get("/personen/").status_code == 200

    admin = make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer-a")
    admin_client = Client()
    admin_client.force_login(admin)
    with override_settings(KETENZICHT_OTP_REQUIRED=False):
        page = admin_client.get(f"/beheer/gebruikers/{user.pk}/").content.decode()
        facts = page.split('data-testid="user-second-factor">', 1)[1].split("</dd>", 1)[0]
        assert "10" in facts and "1 " in facts  # ten recovery codes, one key
        done = admin_client.post(
            f"/beheer/gebruikers/{user.pk}/", {"action": "second_factor", "confirm": "on"}
        )
    assert done.status_code == 302
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    entry = AccessLogEntry.objects.get(object_type="user", action="reset", object_id=str(user.pk))
    assert entry.detail["second_factor"] == {"authenticators": 0, "recovery_codes": 10, "security_keys": 1}
    # The session that passed with the removed key no longer counts; the next login sets up anew.
    assert client.get("/personen/")["Location"].startswith("/accounts/tweede-factor/")
    again = Client()
    log_in(again, "gijs")
    assert again.get("/accounts/tweede-factor/")["Location"].startswith("/accounts/tweede-factor/instellen/")


@pytest.mark.django_db
@pytest.mark.usefixtures("otp_required")
def test_the_user_makes_new_recovery_codes_shown_once_and_logged(make_user: Callable[..., Any]) -> None:
    from django_otp.plugins.otp_static.models import StaticToken

    make_user("case_screener", username="hanna", password=PASSWORD)
    client = Client()
    client.cookies["django_language"] = "en"
    log_in(client, "hanna")
    register(client, SoftKey())
    first = set(StaticToken.objects.filter(device__user__username="hanna").values_list("token", flat=True))
    client.get("/accounts/tweede-factor/herstelcodes/")  # the first key's codes, shown once
    StaticToken.objects.filter(device__user__username="hanna").delete()  # all used
    page = client.get("/accounts/tweede-factor/sleutels/").content.decode()
    left = page.split('data-testid="recovery-codes-left">', 1)[1].split("</p>", 1)[0]
    assert "no recovery codes" in left and "keep working" not in page
    made = client.post("/accounts/tweede-factor/sleutels/", {"action": "recovery_codes"})
    assert made.status_code == 302
    shown = client.get(made["Location"])
    codes = set(StaticToken.objects.filter(device__user__username="hanna").values_list("token", flat=True))
    assert len(codes) == 10 and not codes & first
    content = shown.content.decode()
    assert 'data-testid="recovery-codes-renewed"' in content and all(code in content for code in codes)
    assert 'href="/accounts/tweede-factor/sleutels/"' in content  # back to the keys
    again = client.get(made["Location"])  # once
    assert again.status_code == 302 and not any(code in again.content.decode() for code in codes)
    assert steps("hanna")[-1] == ("recovery_codes_renewed", Result.STORED)
    entry = AccessLogEntry.objects.filter(actor__username="hanna").order_by("-id").first()
    assert entry is not None and entry.detail["recovery_codes"] == 10
    assert not any(code in json.dumps(entry.detail) for code in codes)  # the codes are never logged
    left = client.get("/accounts/tweede-factor/sleutels/").content.decode()
    assert "You have 10 recovery codes left" in left


@pytest.mark.django_db
def test_a_user_without_a_second_factor_device_gets_no_recovery_codes(make_user: Callable[..., Any]) -> None:
    user = make_user("case_screener", username="ivo", password=PASSWORD)
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/tweede-factor/sleutels/").content.decode()
    assert 'data-testid="recovery-codes-form"' not in page
    assert client.post("/accounts/tweede-factor/sleutels/", {"action": "recovery_codes"}).status_code == 404
