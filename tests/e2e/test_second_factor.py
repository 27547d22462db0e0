"""A new user sets up the second factor in the browser: the QR code and key, a first code, the recovery codes;
then a recovery code gets them in once. No refusal of the content security policy on the way."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.signin.services import totp_code_now

PASSWORD = "geheim-wachtwoord-e2e"


def test_a_new_user_sets_up_the_second_factor_and_a_recovery_code_works_once(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], settings: Any
) -> None:
    settings.KETENZICHT_OTP_REQUIRED = True
    make_user("case_screener", organisation="oost-brabant", username="nieuw-2fa", password=PASSWORD)
    page = new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    def password(page: Any) -> None:
        page.goto(f"{live_server.url}/personen/")
        page.fill("#id_username", "nieuw-2fa")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()

    password(page)
    assert "/accounts/tweede-factor/instellen/" in page.url
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("totp-uri")).to_contain_text("otpauth://totp/Ketenzicht")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.fill("#id_otp_token", totp_code_now(secret, at=time.time()))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    with page.expect_navigation():
        page.get_by_test_id("continue").click()
    assert "/personen/" in page.url

    for attempt in (1, 2):
        other = new_page()
        password(other)
        assert "/accounts/tweede-factor/" in other.url
        other.fill("#id_otp_token", codes[0])
        with other.expect_navigation():
            other.locator("main form button[type=submit]").first.click()
        if attempt == 1:
            assert "/personen/" in other.url
        else:
            assert "/accounts/tweede-factor/" in other.url
            expect(other.get_by_role("alert")).to_be_visible()
    assert refused == []
