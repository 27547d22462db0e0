"""Keyboard-only walks in the browser tests: log in, Tab (or Shift+Tab) to an element, and check on every stop
that the focus shows.

`tab_to(page, target)` presses Tab until `target` (a Playwright locator: by label, by role and name, by test
id) holds the focus, at most `limit` times. On every element it stops at, the focus must be visible: an
outline or a box shadow. When the target is not reached, the failure lists what got the focus, in order.
"""

from __future__ import annotations

import os
from typing import Any

from playwright.sync_api import expect

DEMO_PASSWORD = "ketenzicht-demo"

# The focused element, described for a failure message, and whether its focus shows (an outline that is not
# "none" with a width, or a box shadow).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = parseFloat(style.outlineWidth) > 0 && style.outlineStyle !== 'none';
  const label = (el.labels && el.labels.length) ? el.labels[0].textContent : '';
  const name = el.getAttribute('aria-label') || label || el.innerText || el.value || el.title || '';
  return {tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id, testid: el.dataset.testid || '',
          name: name.replace(/\\s+/g, ' ').trim().slice(0, 60), ring: ring || style.boxShadow !== 'none'};
}"""


def focused(page: Any) -> dict[str, Any] | None:
    """The element that holds the focus (None for the page itself)."""
    found = page.evaluate(FOCUSED)
    return dict(found) if found else None


def describe(element: dict[str, Any] | None) -> str:
    if element is None:
        return "(the page)"
    what = element["tag"] + (f"[{element['type']}]" if element["type"] else "")
    where = f"#{element['id']}" if element["id"] else (f"[{element['testid']}]" if element["testid"] else "")
    return f"{what}{where} {element['name']!r}"


def assert_focus_visible(page: Any) -> dict[str, Any]:
    """The focused element, which must be an element (not the page) whose focus shows."""
    element = focused(page)
    assert element is not None, "the focus is on the page itself, not on an element"
    assert element["ring"], f"no visible focus on {describe(element)}"
    return element


def holds_focus(target: Any) -> bool:
    """Whether one of the elements of the locator `target` holds the focus."""
    return bool(target.evaluate_all("els => els.includes(document.activeElement)"))


def tab_to(page: Any, target: Any, *, limit: int = 60, backwards: bool = False) -> dict[str, Any]:
    """Press Tab (Shift+Tab with `backwards`), if need be, until `target` (or, for a locator of several
    elements, one of them) holds the focus; every element passed must show its focus. Fails after `limit`
    presses, listing what got the focus."""
    expect(target.first).to_be_attached()
    key = "Shift+Tab" if backwards else "Tab"
    if holds_focus(target):  # there already (e.g. a field an inline action focused)
        return assert_focus_visible(page)
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        seen.append(describe(element))
        if element is not None:
            assert element["ring"], f"no visible focus on {describe(element)}; tabbed through: {seen}"
        if holds_focus(target):
            if os.environ.get("KETENZICHT_KEYBOARD_LOG"):  # the presses each step took, for the figures
                print(f"{len(seen):3d} x {key} to {describe(element)}")
            return dict(element or {})
    raise AssertionError(f"{target} not reached with {limit} presses of {key}; the focus went to: {seen}")


def press(page: Any, key: str, *, navigates: bool = False) -> None:
    """Press a key on the focused element (it must show its focus); with `navigates`, wait for the page
    that the key loads."""
    assert_focus_visible(page)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)


def type_into(page: Any, target: Any, text: str) -> None:
    """Tab to a text field and type into it."""
    tab_to(page, target)
    page.keyboard.type(text)


def choose_option(page: Any, target: Any, label: str, *, limit: int = 400) -> None:
    """Tab to a closed select and move through its options with the arrow keys until `label` is chosen
    (Home first, so the walk starts at the top)."""
    tab_to(page, target)
    target = target.first
    page.keyboard.press("Home")
    chosen: list[str] = []
    for _ in range(limit):
        text = target.evaluate("el => el.selectedIndex < 0 ? '' : el.options[el.selectedIndex].text.trim()")
        chosen.append(text)
        if text == label:
            assert_focus_visible(page)
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {label!r} not reached with the arrow keys; passed {chosen[:20]}")


def choose_by_typing(page: Any, target: Any, text: str, label: str) -> None:
    """Tab to a closed select and type the start of an option (the browser's type-ahead) until `label` is
    chosen."""
    tab_to(page, target)
    page.keyboard.type(text)
    target = target.first
    chosen = target.evaluate("el => el.selectedIndex < 0 ? '' : el.options[el.selectedIndex].text.trim()")
    assert chosen == label, f"typing {text!r} chose {chosen!r}, not {label!r}"
    assert_focus_visible(page)


def choose_radio(page: Any, radios: Any, wanted: Any, *, limit: int = 10) -> None:
    """Tab into a radio group (`radios`: the group's inputs) and move with the arrow keys to `wanted`, then
    Space: the arrows check the radio they reach, Space the one the Tab landed on."""
    tab_to(page, radios)
    for _ in range(limit):
        if holds_focus(wanted):
            page.keyboard.press("Space")
            expect(wanted).to_be_checked()
            assert_focus_visible(page)
            return
        page.keyboard.press("ArrowRight")
        assert_focus_visible(page)
    raise AssertionError(f"radio {wanted} not reached with the arrow keys in {radios}")


def assert_focus_on_message(page: Any, text: str = "") -> None:
    """After an action's page loaded: the focus is on the message that says what the action did (not at the
    top of the page), so the next Tab goes on from there."""
    message = page.get_by_test_id("message")
    expect(message).to_be_focused()
    if text:
        expect(message).to_contain_text(text)


def skip_to_content(page: Any) -> None:
    """The first Tab on a freshly loaded page is the skip link; Enter on it puts the focus on the main
    content, so the next Tab is the first link or field there, past the menu."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Direct naar de inhoud")
    expect(skip).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def keyboard_login(page: Any, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Open the login page and log in by keyboard (the test settings demand no second factor)."""
    page.goto(f"{url}/accounts/login/")
    type_into(page, page.locator("#id_username"), username)
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(password)
    press(page, "Enter", navigates=True)
    expect(page.get_by_test_id("current-user")).to_be_visible()
