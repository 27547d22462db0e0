"""Keyboard only: the main job of each desk, walked with Tab, Shift+Tab, Enter, Space, the arrow keys and
typing into the focused field, from the login page on (no mouse, no other address typed in). Every element
the walk tabs to shows its focus (tests/e2e/keyboard.py); every page it opened passes axe-core (the
`page` fixture)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from tests.e2e.keyboard import (
    assert_focus_on_message,
    choose_option,
    choose_radio,
    keyboard_login,
    press,
    tab_to,
    type_into,
)
from tests.patterns.helpers import LOTTE, MARCO, take_in


def _days_ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat(timespec="seconds")


def test_the_screener_screens_a_case_from_the_queue_by_keyboard(live_server: Any, page: Any) -> None:
    demo_users_ensure()
    take_in(
        "PL0600-KB-1",
        MARCO,
        LOTTE,
        registered_at=_days_ago(2),
        offences=["285"],
        summary="Hij dreigde haar dood te maken als ze naar de politie zou gaan.",
    )
    keyboard_login(page, live_server.url, "screener")
    tab_to(page, page.get_by_test_id("home-queue"))
    press(page, "Enter", navigates=True)

    row = page.get_by_test_id("queue-row").filter(has_text="Marco Hendriks")
    tab_to(page, row.get_by_test_id("queue-case-link"))
    press(page, "Enter", navigates=True)
    expect(page.get_by_test_id("case-state")).to_have_text("Nieuw")

    tab_to(page, page.get_by_test_id("screen-case"))
    press(page, "Enter", navigates=True)
    form = page.get_by_test_id("screening-form")
    for fieldset in form.locator("fieldset.kz-item").all():
        if fieldset.locator("input[type=radio]").count():
            if not fieldset.locator("input[type=radio]:checked").count():  # what the register cannot answer
                choose_radio(page, fieldset, "Nee")
        elif fieldset.locator("select").count():
            tab_to(page, fieldset.locator("select"))
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
        else:  # a number: the register's count stays, an empty one is 0
            field = fieldset.locator("input")
            tab_to(page, field)
            if not field.input_value():
                page.keyboard.type("0")
    choose_option(page, form.get_by_label("Niveau", exact=True), "Hoog")
    type_into(
        page,
        form.get_by_label("Reden voor een ander niveau dan het berekende"),
        "Zij is doodsbang en hij weet waar ze werkt.",
    )
    tab_to(page, page.get_by_test_id("screening-record"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page)
    expect(page.get_by_test_id("screening-trend")).to_contain_text("Zij is doodsbang")
    expect(page.get_by_test_id("case-level")).to_contain_text("Hoog")

    tab_to(page, page.get_by_test_id("step-start_screening").get_by_role("button"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page, "Screening starten")
    expect(page.get_by_test_id("case-state")).to_have_text("In screening")
    step = page.get_by_test_id("step-screened")
    choose_option(page, step.get_by_label("Urgentie"), "Hoog")
    tab_to(page, step.get_by_role("button", name="Screening afronden"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page, "Screening afronden")
    expect(page.get_by_test_id("case-state")).to_have_text("Gescreend, besluit nodig")
    history = page.get_by_test_id("history-row")
    expect(history.filter(has_text="Screening afronden")).to_have_count(1)
    expect(history.filter(has_text="Screening afronden")).to_contain_text("Hoog")
