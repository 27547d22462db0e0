"""What a new user of the police desks tripped on in the browser, walked by clicks from the start page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from tests.patterns.helpers import LOTTE, MARCO, take_in

PASSWORD = "geheim-wachtwoord-e2e"


def test_a_team_lead_who_hands_over_without_choosing_is_told_by_the_page_what_is_missing(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    """The bulk hand-over asked the browser to check its fields: the browser's own bubble (in the browser's
    language, naming no case) stopped the form before the page could say, in Dutch and at each field, what
    is missing. Now the page answers, with nothing handed over."""
    take_in("PL0600-W-1", MARCO, LOTTE, registered_at=(timezone.now() - timedelta(days=1)).isoformat())
    make_user("team_lead", "case_screener", username="teamleider-e2e", password=PASSWORD)
    page = new_page()
    login(page, "teamleider-e2e", PASSWORD)
    page.get_by_test_id("home-queue").click()
    expect(page.get_by_test_id("queue-row")).to_have_count(1)
    with page.expect_response(lambda answer: "/screening/overdragen/" in answer.url) as sent:
        page.get_by_test_id("bulk-submit").click()
    assert sent.value.status == 422
    expect(page.get_by_test_id("error-cases")).to_contain_text("Kies minstens één zaak.")
    expect(page.locator("main")).to_contain_text("Kies de collega die de zaken overneemt.")
    expect(page.locator("main")).to_contain_text("Geef een reden voor de overdracht.")
    expect(page.get_by_test_id("queue-row").get_by_text("nog niemand")).to_be_visible()
