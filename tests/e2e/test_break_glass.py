"""A police registrar searches outside the sharing rules in the browser, sees who only that search showed,
goes back and forth between the results and the confirmation, opens the whole dossier and a hidden
registration and returns to the dossier; the privacy officer filters the review list. axe-core checks each
page on the way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.dossiers.models import BreakGlassAccess
from ketenzicht.dossiers.purpose import PurposeReason
from tests.dossiers.test_hidden import HIDDEN, sandra_with_hidden_registrations

PASSWORD = "geheim-wachtwoord-e2e"
REASON = "acute dreiging vannacht, eerdere meldingen elders nodig"


def test_a_search_outside_the_rules_from_results_to_a_hidden_registration_and_back(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    sandra = sandra_with_hidden_registrations()
    make_user("police_registrar", organisation="oost-brabant", username="registrar-e2e", password=PASSWORD)
    make_user(
        "privacy_officer", organisation="ketenzicht-beheer", username="privacy-bg-e2e", password=PASSWORD
    )
    page = new_page()
    login(page, "registrar-e2e", PASSWORD)
    page.goto(f"{live_server.url}/personen/")
    page.fill("#id_q", "Sandra Verbeek")
    page.select_option("#id_purpose_reason", value=PurposeReason.SCREENING.value)
    page.fill("#id_purpose_text", "Screening of a new report about Sandra")
    with page.expect_navigation():
        page.get_by_test_id("search-submit").click()
    with page.expect_navigation():
        page.get_by_test_id("search-break-glass").locator("button").click()
    page.fill("#id_reason", REASON)
    page.locator("#id_confirm").check()
    with page.expect_navigation():
        page.get_by_test_id("break-glass-search-submit").click()
    search = BreakGlassAccess.objects.get(kind="search")
    assert page.url.endswith(f"/personen/doorbreken/?zoektocht={search.pk}")
    expect(page.get_by_test_id(f"within-rules-{sandra.pk}")).to_contain_text("3")
    page.reload()  # shows the results again, searches not again
    assert BreakGlassAccess.objects.count() == 1
    with page.expect_navigation():
        page.get_by_test_id(f"hit-{sandra.pk}").click()
    with page.expect_navigation():
        page.get_by_test_id("back-to-results").click()
    assert page.url.endswith(f"?zoektocht={search.pk}")
    with page.expect_navigation():
        page.get_by_test_id(f"hit-{sandra.pk}").click()
    page.locator("#id_confirm").check()
    with page.expect_navigation():
        page.get_by_test_id("break-glass-submit").click()
    expect(page.get_by_test_id("break-glass-banner")).to_be_visible()
    with page.expect_navigation():
        page.locator(f"main a:has-text('{HIDDEN[0]}')").first.click()
    expect(page.get_by_test_id("break-glass-banner")).to_be_visible()
    with page.expect_navigation():
        page.get_by_test_id("back-to-dossier").click()
    assert page.url.endswith(f"/personen/{sandra.pk}/")
    page.goto(f"{live_server.url}/personen/doorbreken/?zoektocht={search.pk}")
    with page.expect_navigation():
        page.get_by_test_id("back-to-search").click()
    expect(page.locator("#id_q")).to_have_value("Sandra Verbeek")

    privacy = new_page()
    login(privacy, "privacy-bg-e2e", PASSWORD)
    privacy.goto(f"{live_server.url}/privacy/doorbraken/")
    grant = BreakGlassAccess.objects.get(kind="dossier")
    expect(privacy.get_by_test_id(f"break-glass-from-{grant.pk}")).to_be_visible()
    with privacy.expect_navigation():
        privacy.get_by_test_id("break-glass-filter").locator("a[href$='?toon=beoordeeld']").click()
    expect(privacy.get_by_test_id("break-glass-none")).to_be_visible()
