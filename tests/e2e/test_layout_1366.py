"""The desks at 1366x768, a common screen at the police and Veilig Thuis, in Chromium, over the demo register:
the ZSM table, the Veilig Thuis inbox and the screening queue fit the page without sideways scrolling, their
deadline column in view; the registration form's reference field shows the whole reference; the page header
takes two rows at most, also for the roles with the longest menus."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from tests.e2e.keyboard import press, tab_to

SCREEN = {"width": 1366, "height": 768}

# What scrolls sideways: the page itself, and the table's scroll container.
OVERFLOW = """table => {
  const doc = document.documentElement;
  const box = table.closest(".utrecht-table-container");
  return {page: [doc.scrollWidth, doc.clientWidth], table: [box.scrollWidth, box.clientWidth]};
}"""

# Where the deadline column's header ends, and where the table's visible part ends.
DEADLINE_IN_VIEW = """table => {
  const header = [...table.querySelectorAll("thead th")].find(th => th.textContent.trim() === "Termijn");
  const box = table.closest(".utrecht-table-container");
  return [header.getBoundingClientRect().right, box.getBoundingClientRect().right];
}"""


@pytest.fixture
def demo_register(live_server: Any) -> str:
    """The demo register as `make run` loads it (its storylines: a ZSM file waiting for its partners, an
    acute Veilig Thuis notification over its term, overdue and escalated screening cases); the password."""
    call_command("load_demo", "--force", "--registrations", "80", verbosity=0)
    return str(demo_users_ensure()[0].password)


def _assert_fits(page: Any, table_id: str) -> None:
    table = page.get_by_test_id(table_id)
    expect(table.locator("tbody tr").first).to_be_visible()
    sizes = table.evaluate(OVERFLOW)
    assert sizes["page"][0] <= sizes["page"][1], f"{page.url}: the page scrolls sideways {sizes['page']}"
    assert sizes["table"][0] <= sizes["table"][1], f"{page.url}: {table_id} scrolls sideways {sizes['table']}"
    header_end, visible_end = table.evaluate(DEADLINE_IN_VIEW)
    assert header_end <= visible_end <= SCREEN["width"], f"{page.url}: the deadline column is out of view"


@pytest.mark.parametrize(
    ("username", "home_link", "table_id"),
    [
        ("officier", "home-zsm", "zsm-table"),
        ("zsm-coordinator", "home-zsm", "zsm-table"),
        ("veiligthuis", "home-vt-inbox", "inbox-table"),
        ("teamleider", "home-queue", "queue-table"),  # the team lead's queue has a column more: the choice
        ("screener", "home-queue", "queue-table"),
    ],
)
def test_a_desk_fits_a_1366_screen_with_its_deadline_in_view(
    demo_register: str,
    new_page: Callable[[], Any],
    login: Callable[..., None],
    username: str,
    home_link: str,
    table_id: str,
) -> None:
    page = new_page()
    page.set_viewport_size(SCREEN)
    login(page, username, demo_register)
    page.get_by_test_id(home_link).click()
    _assert_fits(page, table_id)


def test_the_reference_field_shows_the_whole_reference(
    demo_register: str, new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    page = new_page()
    page.set_viewport_size(SCREEN)
    login(page, "registrar", demo_register)
    page.get_by_role("link", name="Nieuwe registratie").first.click()
    field = page.locator("#id_reference")
    expect(field).to_have_value(re.compile(r"^PL0600-\d{4}-\d{6}$"))  # filled in: the unit's next number
    assert field.evaluate("f => f.scrollWidth <= f.clientWidth"), "the reference filled in is cut off"
    # A reference of the unit's own system, which the form takes as well, is longer.
    field.fill("PL0600-BVH-2026-00012345")
    width, shown = field.evaluate("f => [f.scrollWidth, f.clientWidth]")
    assert width <= shown, f"a reference of the unit's own system is cut off ({width} > {shown} px)"


# How many rows the header's parts take: the name, who is logged in, the language and each menu item; a part
# whose top lies above the bottom of the row before is on that row.
HEADER_ROWS = """header => {
  const parts = [...header.querySelectorAll(".kz-brand, .kz-user, .kz-lang, .kz-nav__list > li")];
  const boxes = parts.map(part => part.getBoundingClientRect()).sort((a, b) => a.top - b.top);
  let rows = 0, bottom = -Infinity;
  for (const box of boxes) {
    if (box.top >= bottom - 1) { rows += 1; bottom = box.bottom; }
    else { bottom = Math.max(bottom, box.bottom); }
  }
  return rows;
}"""


def test_the_header_takes_two_rows_at_most_and_its_menu_is_reached_with_tab(
    demo_register: str, new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    """The header wrapped to three rows at 1366 px (the name; the menu; who is logged in and the language)
    for the roles with many menu items, pushing the page down. Now: two rows, and Tab still reaches the menu
    after the language (the page's order is the order seen) and opens a page from it."""
    for username, last_item in (
        ("beheerder", "Toegangslogboek"),
        ("screener", "Beoordelingswachtrij"),
        ("casusregisseur", "Signalen"),
        ("teamleider", "Beoordelingswachtrij"),
        ("officier", "Maatregelen"),  # the longest roles beside the name
    ):
        page = new_page()
        page.set_viewport_size(SCREEN)
        login(page, username, demo_register)
        header = page.locator("header.kz-header")
        rows = header.evaluate(HEADER_ROWS)
        assert rows <= 2, f"{username}: the header takes {rows} rows at 1366 px"
        menu = page.get_by_role("navigation", name="Hoofdmenu")
        expect(menu.get_by_role("link", name=last_item)).to_be_visible()
        page.goto(page.url)  # the focus at the top of the page again
        tab_to(page, menu.get_by_role("link", name=last_item))
        press(page, "Enter", navigates=True)
        expect(page.locator("header.kz-header nav a[aria-current=page]")).to_have_text(last_item)


# The areas compared, per theme: how wide the table is against its box, and on how many lines the longest
# area name and the tallest column head are set (a line is the cell's line height).
COMPARE_SIZES = """table => {
  const box = table.closest(".utrecht-table-container");
  const lines = cell => {
    const style = getComputedStyle(cell);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    return Math.round((cell.getBoundingClientRect().height - padding) / line);
  };
  return {
    table: [box.scrollWidth, box.clientWidth],
    name: Math.max(...[...table.querySelectorAll("tbody th")].map(lines)),
    head: Math.max(...[...table.querySelectorAll("thead th")].map(lines)),
  };
}"""


@pytest.mark.parametrize("username", ["analist", "teamleider", "portefeuillehouder"])
def test_the_areas_compared_read_on_a_1366_screen(
    demo_register: str, new_page: Callable[[], Any], login: Callable[..., None], username: str
) -> None:
    """The comparison of areas was one table of twelve columns, 2474 px wide in a box of 1152: unit names
    set over three or four lines. Per theme (police, Veilig Thuis, ZSM, measures and persons) each table
    fits its box, for every kind of area, the area's name on one or two lines and no head over four."""
    page = new_page()
    page.set_viewport_size(SCREEN)
    login(page, username, demo_register)
    page.get_by_test_id("home-insights").click()
    for kind in ("politie-eenheid", "Veilig Thuis-regio", "arrondissementsparket"):
        page.get_by_test_id("insights-filters").get_by_label("Vergelijk per", exact=True).select_option(
            label=kind
        )
        page.get_by_test_id("insights-show").click()
        for theme in ("police", "veiligthuis", "zsm", "measures"):
            table = page.get_by_test_id(f"insights-compare-{theme}")
            expect(table.locator("tbody tr").first).to_be_visible()
            sizes = table.evaluate(COMPARE_SIZES)
            where = f"{kind}, {theme}"
            assert sizes["table"][0] <= sizes["table"][1], f"{where}: scrolls sideways {sizes['table']}"
            assert sizes["name"] <= 2, f"{where}: an area's name set on {sizes['name']} lines"
            assert sizes["head"] <= 4, f"{where}: a column head set on {sizes['head']} lines"
        doc = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert doc[0] <= doc[1], f"{kind}: the page scrolls sideways {doc}"
    expect(page.get_by_test_id("insights-note-cases")).to_contain_text("patroonsignaal")
