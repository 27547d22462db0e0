"""The charts on a phone (390 x 844): a chart wider than the screen scrolls sideways in its own box, and a
box that scrolls must be reached with the keyboard (axe-core's scrollable-region-focusable, WCAG 2.1.1).
The figures, the Veilig Thuis timeliness and a person's timeline, each reached by clicks from the start
page; axe runs on each at the phone's width (the fixture's own audit runs at the desktop's). A wide table
with a form in a row (a planned roll-out and its withdrawal) scrolls in its own box too, not the page."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.insights.services import figures_refresh
from tests.e2e import axe
from tests.patterns.helpers import LOTTE, MARCO, take_in

PASSWORD = "geheim-wachtwoord-e2e"
PHONE = {"width": 390, "height": 844}


# How far the page itself scrolls sideways: [scrollWidth, innerWidth].
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


def _no_violations(page: Any) -> None:
    found = axe.violations(page)
    assert not found, axe.describe(page.url, found)


def test_a_chart_that_scrolls_on_a_phone_is_reached_with_the_keyboard(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    for n, month in enumerate(("03", "04", "05")):  # Marco stalks Lotte: a signal, a timeline, figures
        take_in(
            f"PL0600-P{n}", MARCO, LOTTE, registered_at=f"2024-{month}-04T10:00:00+01:00", offences=["285b"]
        )
    figures_refresh()
    make_user("national_analyst", organisation="landelijke-eenheid", username="analist-p", password=PASSWORD)
    make_user("case_screener", organisation="oost-brabant", username="screener-p", password=PASSWORD)
    make_user("vt_assessor", organisation="vt-brabant-noordoost", username="vt-p", password=PASSWORD)

    page = new_page()
    page.set_viewport_size(PHONE)
    login(page, "analist-p", PASSWORD)
    page.get_by_test_id("home-insights").click()
    page.get_by_test_id("insights-filters").get_by_label("Jaar", exact=True).select_option("2024")
    page.get_by_test_id("insights-show").click()
    chart = page.get_by_test_id("insights-section-registrations").get_by_role("region").first
    expect(chart).to_have_attribute("tabindex", "0")
    _no_violations(page)

    page = new_page()
    page.set_viewport_size(PHONE)
    login(page, "screener-p", PASSWORD)
    page.get_by_role("link", name="Signalen", exact=True).first.click()
    page.get_by_test_id("signal-table").locator("tbody tr a").first.click()
    page.get_by_test_id("victim-dossier").click()
    expect(page.get_by_test_id("dossier-heading")).to_be_visible()
    _no_violations(page)

    page = new_page()
    page.set_viewport_size(PHONE)
    login(page, "vt-p", PASSWORD)
    page.locator("main").get_by_role("link", name="Tijdigheid Veilig Thuis per week en regio").click()
    expect(page.locator("main figure")).to_be_visible()
    _no_violations(page)


def test_a_planned_roll_out_is_withdrawn_on_a_phone(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    """The withdrawal form in the planned roll-outs' table: its label's hidden "(verplicht)" escaped the
    table's scroll box and made the whole page wider than the phone (498 of 390 px), the "Intrekken" button
    off screen. The page fits; the table scrolls in its box, and the button is reached and works."""
    make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer-p", password=PASSWORD)
    page = new_page()
    page.set_viewport_size(PHONE)
    login(page, "beheer-p", PASSWORD)
    page.get_by_role("link", name="Werkprocessen", exact=True).first.click()
    page.get_by_label("Versie").select_option(label="Ex-partnerstalking (verbeterde werkwijze), versie 2")
    page.get_by_label("Organisatie").select_option(label="Politie eenheid Oost-Brabant")
    later = datetime.date.today() + datetime.timedelta(days=30)
    page.get_by_test_id("rollout-form").get_by_label("Vanaf").fill(later.isoformat())
    page.get_by_role("button", name="Uitrollen").click()
    row = page.get_by_test_id("planned-table").locator("tbody tr").first
    expect(row).to_contain_text("Oost-Brabant")
    width, screen = page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the page scrolls sideways on a phone: {width} px of {screen}"
    box = page.get_by_test_id("planned-table").locator("xpath=..")
    expect(box).to_have_attribute("tabindex", "0")
    _no_violations(page)

    row.get_by_label("Reden van intrekken").fill("Pilot uitgesteld tot na de zomer")
    button = row.get_by_role("button", name="Intrekken")
    button.scroll_into_view_if_needed()
    right = button.evaluate("b => b.getBoundingClientRect().right")
    assert right <= screen, f"the withdraw button ends at {right} px, off a {screen} px screen"
    button.click()
    expect(page.get_by_test_id("planned-none")).to_be_visible()
