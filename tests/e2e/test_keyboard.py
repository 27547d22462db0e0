"""Keyboard only: every desk's start page can be walked with Tab and shows where the focus is, and the
analyst does the whole insight job (area, year, show, download) without a mouse."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.insights.services import figures_refresh
from tests.e2e.keyboard import keyboard_login, tab_to
from tests.patterns.helpers import LOTTE, MARCO, take_in


@pytest.mark.parametrize(
    ("username", "desk"),
    [
        ("screener", "home-queue"),
        ("veiligthuis", "home-vt-inbox"),
        ("officier", "home-zsm"),
        ("slachtofferhulp", "home-requests"),
        ("analist", "home-insights"),
    ],
)
def test_each_desk_is_reached_by_tab_with_a_visible_focus(
    live_server: Any, page: Any, username: str, desk: str
) -> None:
    demo_users_ensure()
    keyboard_login(page, live_server.url, username)
    tab_to(page, page.get_by_test_id(desk))  # every element on the way shows its focus
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_analyst_does_the_insight_job_by_keyboard(live_server: Any, page: Any) -> None:
    demo_users_ensure()
    take_in("PL0600-K1", MARCO, LOTTE, registered_at="2024-03-04T10:00:00+01:00", offences=["285b"])
    figures_refresh()
    keyboard_login(page, live_server.url, "analist")
    tab_to(page, page.get_by_test_id("home-insights"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, page.locator("#id_gebied"))  # the area: the country first, then by kind
    page.keyboard.press("ArrowDown")  # the first police unit
    page.keyboard.press("Tab")  # the year
    expect(page.locator("#id_jaar")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the button
    expect(page.get_by_test_id("insights-show")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    chosen = page.locator("#id_gebied").input_value()
    assert chosen.startswith("police_unit:"), chosen
    expect(page.get_by_test_id("insights-area")).not_to_contain_text("Nederland")
    tab_to(page, page.get_by_test_id("insights-export"))
    with page.expect_download() as waiting:
        page.keyboard.press("Enter")
    assert waiting.value.suggested_filename.startswith("ketenzicht-cijfers-")


def test_after_logging_out_the_focus_is_in_the_username_field(
    live_server: Any, page: Any, make_user: Any, login: Any
) -> None:
    make_user(
        "case_screener", organisation="oost-brabant", username="uitlogger", password="uit-wachtwoord-e2e"
    )
    login(page, "uitlogger", "uit-wachtwoord-e2e")
    with page.expect_navigation():
        page.get_by_test_id("current-user").get_by_role("button").click()
    assert "/accounts/login/" in page.url
    expect(page.locator("#id_username")).to_be_focused()
