"""The functional administrator rolls out ex-partner stalking v2 for one unit from today; a case opened
there follows v2's steps, a case in another unit v1's, and both histories say which. Two users acting on
one case: the second is told and loses nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

PASSWORD = "geheim-wachtwoord-e2e"


def _open_case(page: Any, title: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Zaken").click()
    page.get_by_role("link", name="Nieuwe zaak openen").click()
    page.get_by_label("Werkproces").select_option(label="Ex-partnerstalking")  # not DV screening
    page.get_by_label("Waar gaat de zaak over?").fill(title)
    page.get_by_role("button", name="Zaak openen").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Nieuw")


def test_a_pilot_unit_follows_v2_and_another_unit_v1(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    make_user("functional_admin", organisation="ketenzicht-beheer", username="beheer-e2e", password=PASSWORD)
    make_user("case_screener", organisation="oost-brabant", username="screener-ob", password=PASSWORD)
    make_user(
        "case_screener", organisation="zeeland-west-brabant", username="screener-zwb", password=PASSWORD
    )

    admin = new_page()
    login(admin, "beheer-e2e", PASSWORD)
    admin.goto(f"{live_server.url}/")
    admin.get_by_role("navigation").get_by_role("link", name="Werkprocessen").click()
    admin.get_by_label("Versie").select_option(label="Ex-partnerstalking (verbeterde werkwijze), versie 2")
    admin.get_by_label("Organisatie").select_option(label="Politie eenheid Oost-Brabant")
    admin.get_by_role("button", name="Uitrollen").click()
    expect(admin.get_by_role("status")).to_contain_text("Politie eenheid Oost-Brabant")
    # One row per unit and process (DV screening runs everywhere on its national default).
    stalking = admin.get_by_test_id("rollout-table").get_by_role("row").filter(has_text="Ex-partnerstalking")
    expect(stalking.filter(has_text="Oost-Brabant")).to_contain_text("versie 2")
    expect(stalking.filter(has_text="Zeeland-West-Brabant")).to_contain_text("versie 1")

    pilot = new_page()
    login(pilot, "screener-ob", PASSWORD)
    _open_case(pilot, "Ex-partner bestookt aangeefster met berichten")
    expect(pilot.get_by_test_id("case-version")).to_contain_text("versie 2")
    expect(pilot.get_by_test_id("step-notify_vt")).to_have_count(0)  # v2: Veilig Thuis only after screening
    pilot.get_by_test_id("step-start_screening").get_by_role("button").click()
    expect(pilot.get_by_test_id("case-state")).to_have_text("In screening")
    step = pilot.get_by_test_id("step-screened")
    step.get_by_label("Urgentie").select_option(label="Hoog")
    step.get_by_label("Aanwijzingen voor stalking").select_option(label="Ja")
    step.get_by_role("button", name="Screening afronden").click()
    # v2 requires the open stalking screening first, and says so (the screening desk records it).
    expect(pilot.locator(".utrecht-alert--error")).to_contain_text("Niveau van de risicoscreening")
    expect(pilot.get_by_test_id("case-state")).to_have_text("In screening")
    for version in pilot.get_by_test_id("history-version").all():
        expect(version).to_have_text("versie 2")

    other = new_page()
    login(other, "screener-zwb", PASSWORD)
    _open_case(other, "Ex-partner volgt aangeefster")
    expect(other.get_by_test_id("case-version")).to_contain_text("versie 1")
    other.get_by_test_id("step-start_screening").get_by_role("button").click()
    step = other.get_by_test_id("step-screened")
    step.get_by_label("Urgentie").select_option(label="Normaal")
    step.get_by_role("button", name="Screening afronden").click()  # v1: no instrument required
    expect(other.get_by_test_id("case-state")).to_have_text("Gescreend, besluit nodig")
    other.get_by_test_id("step-notify_vt").get_by_role("button").click()
    expect(other.get_by_test_id("case-state")).to_have_text("Bij ketenpartners")
    expect(other.get_by_test_id("handoff-veilig_thuis")).to_contain_text("wacht op oppakken")
    expect(other.get_by_test_id("history-version").first).to_have_text("versie 1")


def test_the_second_of_two_users_on_one_case_is_told_and_keeps_the_note(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    make_user("case_screener", organisation="oost-brabant", username="screener-a", password=PASSWORD)
    make_user("case_owner", organisation="oost-brabant", username="regisseur-b", password=PASSWORD)
    first = new_page()
    login(first, "screener-a", PASSWORD)
    _open_case(first, "Dreiging na de breuk")
    address = first.url
    second = new_page()
    login(second, "regisseur-b", PASSWORD)
    second.goto(address)

    first.get_by_test_id("step-start_screening").get_by_role("button").click()
    expect(first.get_by_test_id("case-state")).to_have_text("In screening")

    note = "Slachtoffer gebeld: wil een vaste contactpersoon"
    second.get_by_test_id("note-form").get_by_label("Notitie").fill(note)
    second.get_by_role("button", name="Notitie toevoegen").click()
    told = second.get_by_role("alert").or_(second.locator(".utrecht-alert--error"))
    expect(told).to_contain_text("intussen gewijzigd")
    expect(told).to_contain_text("screener-a")  # who changed it
    expect(second.get_by_test_id("case-state")).to_have_text("In screening")
    expect(second.get_by_test_id("note-form").get_by_label("Notitie")).to_have_value(note)
    second.get_by_role("button", name="Notitie toevoegen").click()  # the second try is on the current case
    expect(second.get_by_test_id("history")).to_contain_text(note)


def test_a_double_click_sends_a_form_once(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    """The page's script stops the second submit of a form while the first is under way; a form that
    something else stopped is not marked, so it can still be sent."""
    make_user("case_screener", organisation="oost-brabant", username="screener-dubbel", password=PASSWORD)
    page = new_page()
    login(page, "screener-dubbel", PASSWORD)
    _open_case(page, "Twee keer geklikt")
    page.get_by_test_id("note-form").get_by_label("Notitie").fill("Eén keer")
    passed = page.evaluate(
        """() => {
            const form = document.querySelector('[data-testid="note-form"]');
            let passed = 0;
            let stopFirst = true;
            form.addEventListener('submit', (event) => {
                if (stopFirst) { stopFirst = false; event.preventDefault(); }
            });
            window.addEventListener('submit', (event) => {
                if (!event.defaultPrevented) { passed += 1; }
                event.preventDefault();
            });
            form.requestSubmit();  // stopped by the page itself: not marked as sent
            form.requestSubmit();  // sent
            form.requestSubmit();  // the second click: stopped
            return [passed, form.dataset.kzSent || ""];
        }"""
    )
    assert passed == [1, "yes"]


def test_a_team_lead_reopens_a_case_a_screener_closed(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    make_user("case_screener", organisation="oost-brabant", username="screener-sluit", password=PASSWORD)
    make_user("team_lead", organisation="oost-brabant", username="teamleider-ob", password=PASSWORD)
    screener = new_page()
    login(screener, "screener-sluit", PASSWORD)
    _open_case(screener, "Ex-partner belt steeds")
    step = screener.get_by_test_id("step-no_further_action")
    step.get_by_label("Reden").fill("Aangeefster trekt de aangifte in")
    confirm = step.get_by_label(
        "Ik begrijp dat deze stap de zaak afsluit; alleen een teamleider kan haar weer openen."
    )
    # The box before its label on one line: the label squeezed into the box's column read one letter a line.
    label = step.locator("label", has_text="Ik begrijp dat deze stap").bounding_box()
    box = confirm.bounding_box()
    assert label is not None and box is not None
    assert label["width"] > 10 * box["width"] and label["height"] < 3 * box["height"]
    assert label["x"] > box["x"]
    confirm.check()
    step.get_by_role("button", name="Geen verdere actie").click()
    expect(screener.get_by_test_id("case-state")).to_have_text("Afgesloten")
    expect(screener.get_by_test_id("reopen")).to_have_count(0)  # a screener does not reopen

    lead = new_page()
    login(lead, "teamleider-ob", PASSWORD)
    lead.goto(screener.url)
    section = lead.get_by_test_id("reopen")
    expect(section.get_by_role("heading", name="Zaak heropenen")).to_be_visible()
    expect(section.get_by_test_id("reopen-to")).to_contain_text("terug naar ‘Nieuw’")
    section.get_by_label("Waarom heropent u de zaak?").fill("Nieuwe aangifte: hij staat weer voor de deur")
    section.get_by_role("button", name="Zaak heropenen").click()
    expect(lead.get_by_test_id("message")).to_contain_text("Zaak heropend.")
    expect(lead.get_by_test_id("case-state")).to_have_text("Nieuw")
    expect(lead.get_by_test_id("history").get_by_role("row").last).to_contain_text(
        "Nieuwe aangifte: hij staat weer voor de deur"
    )
    expect(lead.get_by_test_id("step-start_screening")).to_be_visible()
