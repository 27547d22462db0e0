"""A case screener finds a person under a misspelt name, states a purpose and reads the dossier; the
privacy officer then sees that look-up in the person's access list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.dossiers.purpose import PurposeReason
from tests.dossiers.helpers import register
from tests.people import DENNIS, SANDRA, person_of

PASSWORD = "geheim-wachtwoord-e2e"


def test_screener_looks_up_a_person_and_the_privacy_officer_sees_it(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    first = register("PL-E2E-1", DENNIS, SANDRA, offences=["285b", "300"])
    register("PL-E2E-2", DENNIS, SANDRA, offences=["285"], registered_at="2024-08-01T10:00:00+02:00")
    person = person_of(first)
    make_user("case_screener", organisation="oost-brabant", username="screener-e2e", password=PASSWORD)
    make_user("privacy_officer", organisation="ketenzicht-beheer", username="privacy-e2e", password=PASSWORD)

    page = new_page()
    login(page, "screener-e2e", PASSWORD)
    page.goto(f"{live_server.url}/personen/")
    page.fill("#id_q", "Dennis van der Lindne")  # misspelt
    page.select_option("#id_purpose_reason", value=PurposeReason.SCREENING.value)
    page.fill("#id_purpose_text", "Screening of the new report PL-E2E-2")
    with page.expect_navigation():
        page.get_by_test_id("search-submit").click()
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("Dennis Johannes van der Linden")
    with page.expect_navigation():
        page.get_by_test_id(f"hit-{person.pk}").click()
    offences = page.get_by_test_id("by-offence-table")
    expect(offences).to_contain_text("art. 285b Sr")
    expect(offences).to_contain_text("art. 300 Sr")
    expect(page.get_by_test_id("total-suspect")).to_have_text("2")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_be_visible()
    expect(timeline.locator("[data-marker=stalking]")).to_have_count(1)

    officer = new_page()
    login(officer, "privacy-e2e", PASSWORD)
    officer.goto(f"{live_server.url}/personen/{person.pk}/")
    expect(officer.get_by_test_id("purpose-refusal")).to_be_visible()
    officer.select_option("#id_purpose_reason", value=PurposeReason.PRIVACY_AUDIT.value)
    officer.fill("#id_purpose_text", "Periodic check of look-ups")
    with officer.expect_navigation():
        officer.get_by_test_id("purpose-submit").click()
    access = officer.get_by_test_id("access-list")
    expect(access).to_contain_text("screener-e2e")
    expect(access).to_contain_text("Screening of the new report PL-E2E-2")
    expect(officer.get_by_test_id("dossier-registrations")).to_have_count(0)  # no registrations for them
