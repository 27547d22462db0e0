"""Keyboard only: every desk's start page can be walked with Tab and shows where the focus is, and the
analyst does the whole insight job (area, year, show, download) without a mouse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.insights.services import figures_refresh
from tests.patterns.helpers import LOTTE, MARCO, take_in

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = parseFloat(style.outlineWidth) > 0 && style.outlineStyle !== 'none';
  return {tag: el.tagName, id: el.id, testid: el.dataset.testid || '',
          text: (el.innerText || el.value || '').trim(), ring: ring || style.boxShadow !== 'none'};
}"""


def keyboard_login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(10):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == "id_username":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("ketenzicht-demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("current-user")).to_be_visible()


def tab_to(page: Any, wanted: Callable[[dict[str, Any]], bool], limit: int = 80) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and wanted(focused):
            return dict(focused)
    raise AssertionError("not reached by Tab")


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
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        seen.append(focused)
        assert focused["ring"], f"no visible focus on {focused}"
        if focused["testid"] == desk:
            break
    assert seen and seen[-1]["testid"] == desk, [s["testid"] or s["text"][:30] for s in seen]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_analyst_does_the_insight_job_by_keyboard(live_server: Any, page: Any) -> None:
    demo_users_ensure()
    take_in("PL0600-K1", MARCO, LOTTE, registered_at="2024-03-04T10:00:00+01:00", offences=["285b"])
    figures_refresh()
    keyboard_login(page, live_server.url, "analist")
    tab_to(page, lambda f: f["testid"] == "home-insights")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda f: f["id"] == "id_gebied")  # the area: the country first, then by kind
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
    tab_to(page, lambda f: f["testid"] == "insights-export")
    with page.expect_download() as waiting:
        page.keyboard.press("Enter")
    assert waiting.value.suggested_filename.startswith("ketenzicht-cijfers-")
