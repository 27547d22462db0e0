"""A team lead chooses every case on a page of the screening queue (and every notification of the Veilig
Thuis inbox) with one check box, by keyboard, under the content security policy; without the page's script
the check box is not there and each row is chosen on its own, as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.screening.models import ScreeningCase
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.veiligthuis.test_pages import SANNE

PASSWORD = "geheim-wachtwoord-e2e"
ANNA = {"given_names": "Anna", "surname": "de Boer", "birth_date": "1990-02-02"}
KEES = {"given_names": "Kees", "surname": "Smits", "birth_date": "1970-07-07"}


def _refusals(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return found


def _three_cases() -> None:
    at = (timezone.now() - timedelta(days=1)).isoformat()
    take_in("PL0600-SA-1", MARCO, LOTTE, registered_at=at, relation="partner")
    take_in("PL0600-SA-2", KEES, ANNA, registered_at=at, offences=["285b"])
    take_in("PL0600-SA-3", MARCO, SANNE, registered_at=at)


def test_the_team_lead_chooses_all_cases_of_the_page_by_keyboard_and_hands_them_over(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    _three_cases()
    make_user("team_lead", "case_screener", username="teamleider-sa", password=PASSWORD)
    colleague = make_user("case_screener", username="screener-sa")
    refused = _refusals(page)
    login(page, "teamleider-sa", PASSWORD)
    page.get_by_test_id("home-queue").click()
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(3)
    boxes = page.locator('input[name="cases"][form="bulk-form"]')
    everything = page.get_by_role("checkbox", name="Alle zaken op deze pagina kiezen")
    expect(everything).to_be_visible()
    # By keyboard: from the table's region, Tab reaches the check box first; Space ticks every row.
    page.locator('[role="region"][aria-label]').first.focus()
    page.keyboard.press("Tab")
    expect(everything).to_be_focused()
    page.keyboard.press("Space")
    for number in range(3):
        expect(boxes.nth(number)).to_be_checked()
    page.keyboard.press("Space")  # and clears them again
    for number in range(3):
        expect(boxes.nth(number)).not_to_be_checked()
    # One row chosen by hand: the control says "some", and choosing it then takes all.
    boxes.first.check()
    assert everything.evaluate("box => box.indeterminate") is True
    expect(everything).not_to_be_checked()
    everything.focus()
    page.keyboard.press("Space")
    for number in range(3):
        expect(boxes.nth(number)).to_be_checked()
    assert everything.evaluate("box => box.indeterminate") is False
    page.locator('select[name="person"]').select_option(str(colleague.pk))
    page.locator('textarea[name="reason"]').fill("Vakantie van de eigenaar")
    page.get_by_test_id("bulk-submit").click()
    expect(page.locator("main")).to_contain_text(f"3 zaken overgedragen aan {colleague.display_name}.")
    assert set(ScreeningCase.objects.values_list("case__owner", flat=True)) == {colleague.pk}
    assert refused == []


def test_without_the_script_each_case_is_still_chosen_on_its_own(
    live_server: Any, make_user: Callable[..., Any], browser: Any, login: Callable[..., None]
) -> None:
    _three_cases()
    make_user("team_lead", "case_screener", username="teamleider-sa2", password=PASSWORD)
    colleague = make_user("case_screener", username="screener-sa2")
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "teamleider-sa2", PASSWORD)
        page.goto(f"{live_server.url}/screening/")
        expect(page.get_by_test_id("bulk-choose-all")).to_be_hidden()
        boxes = page.locator('input[name="cases"][form="bulk-form"]')
        boxes.nth(0).check()
        boxes.nth(2).check()
        page.locator('select[name="person"]').select_option(str(colleague.pk))
        page.locator('textarea[name="reason"]').fill("Ziekte")
        page.get_by_test_id("bulk-submit").click()
        expect(page.locator("main")).to_contain_text(f"2 zaken overgedragen aan {colleague.display_name}.")
    finally:
        context.close()


def test_the_veilig_thuis_team_lead_chooses_all_notifications_of_the_page(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    take_in("PL0600-SA-4", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=2)).isoformat())
    take_in("PL0600-SA-5", MARCO, SANNE, registered_at=timezone.now().isoformat())
    make_user(
        "team_lead", organisation="vt-brabant-noordoost", username="teamleider-vt-sa", password=PASSWORD
    )
    refused = _refusals(page)
    login(page, "teamleider-vt-sa", PASSWORD)
    page.get_by_test_id("home-vt-inbox").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(2)
    everything = page.get_by_role("checkbox", name="Alle meldingen op deze pagina kiezen")
    everything.focus()
    page.keyboard.press("Space")
    expect(page.get_by_test_id("bulk-choose").nth(0)).to_be_checked()
    expect(page.get_by_test_id("bulk-choose").nth(1)).to_be_checked()
    assert refused == []
