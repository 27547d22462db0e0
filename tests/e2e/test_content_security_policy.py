"""The pages work under the content security policy: no inline script or style, no script from text.

Chromium reports every refusal on the console ("Refused to ... because it violates the following Content
Security Policy directive"); the pages here must show none, and still do what their scripts do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.dossiers.helpers import register
from tests.people import DENNIS, SANDRA, person_of

PASSWORD = "geheim-wachtwoord-e2e"


def _refusals(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return found


def test_the_registration_form_adds_rows_without_inline_script(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    make_user("police_registrar", organisation="oost-brabant", username="reg-csp", password=PASSWORD)
    refused = _refusals(page)
    login(page, "reg-csp", PASSWORD)
    response = page.goto(f"{live_server.url}/registraties/nieuw/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    persons = page.locator("#persons fieldset").count()
    page.get_by_test_id("add-person").click()
    expect(page.locator("#persons fieldset")).to_have_count(persons + 1)
    expect(page.locator("#id_persons-TOTAL_FORMS")).to_have_value(str(persons + 1))
    page.get_by_test_id("add-person").click()
    expect(page.locator(f"#id_persons-{persons + 1}-role")).to_be_attached()
    relations = int(page.input_value("#id_relations-TOTAL_FORMS"))
    page.get_by_test_id("add-relation").click()
    expect(page.locator("#id_relations-TOTAL_FORMS")).to_have_value(str(relations + 1))
    expect(page.locator(f"#id_relations-{relations}-kind")).to_be_attached()
    assert refused == []


def test_the_api_docs_load_their_own_assets_under_their_policy(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    make_user("police_registrar", organisation="oost-brabant", username="reg-docs", password=PASSWORD)
    refused = _refusals(page)
    login(page, "reg-docs", PASSWORD)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ketenzicht API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert refused == []


def test_the_pages_of_a_case_screener_show_no_refusal(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    first = register("PL-CSP-1", DENNIS, SANDRA, offences=["285b", "300"])
    register("PL-CSP-2", DENNIS, SANDRA, offences=["285"], registered_at="2024-08-01T10:00:00+02:00")
    person = person_of(first)
    make_user("case_screener", organisation="oost-brabant", username="screener-csp", password=PASSWORD)
    refused = _refusals(page)
    login(page, "screener-csp", PASSWORD)
    desks = ("/", "/registraties/", "/personen/", "/signalen/", "/screening/", "/waarschuwingen/", "/zaken/")
    for path in desks:
        page.goto(f"{live_server.url}{path}")
    page.goto(f"{live_server.url}/personen/{person.pk}/")
    page.select_option("#id_purpose_reason", value="screening")
    page.fill("#id_purpose_text", "Screening of the new report PL-CSP-2")
    with page.expect_navigation():
        page.get_by_test_id("purpose-submit").click()
    expect(page.get_by_test_id("timeline")).to_be_visible()  # the chart: an SVG with classes, no style
    page.get_by_test_id("dossier-registrations").first.locator("a").first.click()
    page.wait_for_load_state()
    assert refused == []
