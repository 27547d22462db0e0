"""The charts on a phone (390 x 844): a chart wider than the screen scrolls sideways in its own box, and a
box that scrolls must be reached with the keyboard (axe-core's scrollable-region-focusable, WCAG 2.1.1).
The figures, the Veilig Thuis timeliness and a person's timeline, each reached by clicks from the start
page; axe runs on each at the phone's width (the fixture's own audit runs at the desktop's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.insights.services import figures_refresh
from tests.e2e import axe
from tests.patterns.helpers import LOTTE, MARCO, take_in

PASSWORD = "geheim-wachtwoord-e2e"
PHONE = {"width": 390, "height": 844}


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
