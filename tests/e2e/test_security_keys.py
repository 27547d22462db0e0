"""A new user registers a passkey in Chromium (a virtual authenticator through the DevTools protocol) instead
of the authenticator app, gets recovery codes, logs out, and logs in again with the passkey; then sees and
removes a second key on their page of keys. No refusal of the content security policy on the way; axe-core
checks every page (tests/e2e/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from ketenzicht.audit.models import AccessLogEntry, Result

PASSWORD = "geheim-wachtwoord-e2e"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def test_a_new_user_registers_a_passkey_and_logs_in_with_it(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], settings: Any
) -> None:
    settings.KETENZICHT_OTP_REQUIRED = True
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [
        live_server.url
    ]  # http://localhost:<port>; the RP id is localhost
    assert live_server.url.startswith("http://localhost:")
    make_user("case_screener", organisation="oost-brabant", username="sleutel-e2e", password=PASSWORD)
    page = new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})[
        "authenticatorId"
    ]
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    def password() -> None:
        page.goto(f"{live_server.url}/personen/")
        page.fill("#id_username", "sleutel-e2e")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()

    # The set-up page: a passkey instead of the app; then the recovery codes, once.
    password()
    assert "/accounts/tweede-factor/instellen/" in page.url
    with page.expect_navigation(url="**/accounts/tweede-factor/herstelcodes/**"):
        page.get_by_test_id("key-register").click()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1
    assert WebAuthnCredential.objects.filter(user__username="sleutel-e2e").count() == 1
    with page.expect_navigation():
        page.get_by_test_id("continue").click()
    assert "/personen/" in page.url

    # Log out, and in again: after the password, the passkey.
    with page.expect_navigation():
        page.get_by_test_id("current-user").get_by_role("button").click()
    password()
    assert "/accounts/tweede-factor/" in page.url
    with page.expect_navigation(url="**/personen/**"):
        page.get_by_test_id("key-use").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    steps = [
        (e.detail["step"], e.result)
        for e in AccessLogEntry.objects.filter(
            actor_username="sleutel-e2e", object_type="second_factor"
        ).order_by("id")
    ]
    assert steps == [("security_key_setup", Result.STORED), ("security_key", Result.GRANTED)]

    # The user's keys: add a second one (a second authenticator), remove the first.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_test_id("home-security-keys").click()
    expect(page.get_by_test_id("key-remove")).to_have_count(1)
    with page.expect_navigation(url="**/accounts/tweede-factor/sleutels/"):
        page.get_by_test_id("key-register").click()
    expect(page.get_by_test_id("key-remove")).to_have_count(2)
    with page.expect_navigation():
        page.get_by_test_id("key-remove").first.click()
    expect(page.get_by_test_id("key-remove")).to_have_count(1)
    assert WebAuthnCredential.objects.filter(user__username="sleutel-e2e").count() == 1
    assert refused == []
