"""Browser tests: Playwright (sync API) drives the system's Chromium against pytest-django's live server.

No browser is ever downloaded. Chromium is /usr/bin/chromium, or the executable named in
KETENZICHT_CHROMIUM. Without it the browser tests are skipped, except in CI (env CI set), where
browser tests must run and a missing browser fails them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.e2e import axe

# Playwright's sync API keeps an event loop running in the main thread while the browser lives, and
# Django refuses ORM calls when it sees a running loop. The test code and the live server are plain
# synchronous code, so the check only gets in the way here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

E2E_DIR = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long Playwright waits for an element or a navigation, in milliseconds.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an `e2e` test (so `-m "not e2e"` leaves the browser alone)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Keep each phase's report on the item, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_executable() -> str | None:
    path = os.environ.get("KETENZICHT_CHROMIUM") or DEFAULT_CHROMIUM
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    if executable is None:
        wanted = os.environ.get("KETENZICHT_CHROMIUM") or DEFAULT_CHROMIUM
        reason = f"no Chromium executable at {wanted} (install chromium or set KETENZICHT_CHROMIUM)"
        if _in_ci():
            pytest.fail(f"CI: browser tests must run, but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs in this thread, Django keeps the thread's connections apart from
            # those it holds without a running loop (asgiref's thread-critical Local): every test after the
            # first browser test uses a second connection. Closed here, while the loop still runs, or the
            # test database cannot be dropped at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest, live_server: Any) -> Iterator[Callable[[], Any]]:
    """A factory of pages, each in a fresh browser context (own cookies, so own session).

    Dutch browser (the UI's language follows Accept-Language), Dutch time zone. On failure every page
    the test opened is saved as a screenshot in test-results/. When the test passed, every HTML page it
    opened is checked with axe-core (tests/e2e/axe.py): a WCAG 2.1 A/AA violation fails the test.
    """
    contexts: list[Any] = []
    pages: list[Any] = []
    visited: dict[int, list[str]] = {}

    def make() -> Any:
        context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        visited[id(context)] = []
        axe.record(page, live_server.url, visited[id(context)])
        return page

    yield make

    reports = (getattr(request.node, f"rep_{when}", None) for when in ("setup", "call"))
    failed = any(report is not None and report.failed for report in reports)
    if failed:
        out = Path(request.config.rootpath) / "test-results"
        out.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for number, page in enumerate(pages, start=1):
            with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
                page.screenshot(path=str(out / f"{stem}-{number}.png"), full_page=True)
    problems: list[str] = []
    if not failed:
        for context in contexts:
            problems += axe.audit(context, visited[id(context)])
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("axe-core found accessibility violations:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page: Callable[[], Any]) -> Any:
    """One page in a fresh browser context."""
    return new_page()


# The browser tests' users' authenticator key (base32). Their device allows codes up to TOLERANCE steps ahead,
# so that one user may log in again within the same 30 seconds (a code is good once).
E2E_TOTP_SECRET = "KETENZICHTE2ETEST234"
TOTP_TOLERANCE = 10


def second_factor_code(username: str) -> str:
    """Give the user the browser tests' authenticator device (unless they have one: the demo users have the
    demo key) and return a code it takes now: the current one, or the next unused step when this one was
    used already."""
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ketenzicht.organisations.models import User
    from ketenzicht.signin.services import secret_base32, totp_code_now, totp_device_fixed

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = totp_device_fixed(user, secret=E2E_TOTP_SECRET, tolerance=TOTP_TOLERANCE)
    TOTPDevice.objects.filter(pk=device.pk).update(drift=0, tolerance=TOTP_TOLERANCE)
    device.refresh_from_db()
    now_step = int(time.time()) // device.step
    step = max(now_step, device.last_t + 1)
    return totp_code_now(secret_base32(device), at=step * device.step)


@pytest.fixture
def login(live_server: Any, settings: Any) -> Callable[[Any, str, str], None]:
    """login(page, username, password): log in through the real login form, enter the second factor's code
    (the second factor is demanded in every browser test that logs in) and land on a logged-in page."""
    from playwright.sync_api import expect

    settings.KETENZICHT_OTP_REQUIRED = True

    def do_login(page: Any, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        code = second_factor_code(username)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "/accounts/tweede-factor/" in page.url, f"no second factor asked of {username}"
        page.fill("#id_otp_token", code)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        expect(page.get_by_test_id("current-user")).to_be_visible()
        assert "/accounts/login/" not in page.url, f"still on the login page after logging in as {username}"
        assert "/accounts/tweede-factor/" not in page.url, f"second factor refused for {username}"

    return do_login
