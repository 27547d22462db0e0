"""A case screener sees a new stalking signal at the top of the unit's list and opens its evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from ketenzicht.patterns.models import Signal
from tests.patterns.helpers import LOTTE, MARCO, take_in

PASSWORD = "geheim-wachtwoord-e2e"
SOFIE = {"given_names": "Sofie", "surname": "Mulder", "birth_date": "1991-07-07", "sex": "F"}
RUUD = {"given_names": "Ruud", "surname": "Kramer", "birth_date": "1979-12-12", "sex": "M"}


def test_screener_sees_the_new_signal_first_and_opens_the_evidence(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    # An older pattern in the unit: a threat and vandalism by an ex-partner.
    take_in("PL0600-E2E-S1", MARCO, LOTTE, registered_at="2024-02-01T09:00:00+01:00")
    take_in("PL0600-E2E-S2", MARCO, LOTTE, registered_at="2024-02-10T09:00:00+01:00", offences=["350"])
    # Then: an insult, and a threat to kill under a misspelt name.
    take_in("PL0600-E2E-N1", RUUD, SOFIE, registered_at="2024-03-01T21:00:00+01:00", offences=["266"])
    take_in(
        "PL0600-E2E-N2",
        {**RUUD, "surname": "Kramr"},
        SOFIE,
        registered_at="2024-03-04T22:15:00+01:00",
        offences=["285"],
        summary="V stond voor de deur van A en dreigde A te vermoorden.",
    )
    new = Signal.objects.get(rule="possible_stalking", victim__isnull=False, severity=3)
    make_user("case_screener", organisation="oost-brabant", username="screener-sig", password=PASSWORD)

    page = new_page()
    login(page, "screener-sig", PASSWORD)
    page.goto(f"{live_server.url}/signalen/")
    rows = page.get_by_test_id("signal-table").locator("tbody tr")
    # At the top: the new pair's signals (possible stalking and escalation, both high), each person by
    # their list name (Ruud is written once each way: the tie goes to the latest registration); the older,
    # medium signal below them.
    for top in (rows.nth(0), rows.nth(1)):
        expect(top).to_contain_text("Ruud Kramr")
        expect(top).to_contain_text("Sofie Mulder")
        expect(top.get_by_test_id("new-for-you")).to_be_visible()
    expect(rows.last).to_contain_text("Marco Hendriks")
    row = page.get_by_test_id(f"signal-row-{new.pk}")
    expect(row).to_be_visible()
    with page.expect_navigation():
        row.get_by_test_id(f"signal-link-{new.pk}").click()
    expect(page.get_by_test_id("signal-heading")).to_be_visible()
    evidence = page.get_by_test_id("signal-evidence")
    expect(evidence.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("evidence-PL0600-E2E-N2")).to_contain_text("vermoorden")
    expect(page.get_by_test_id("evidence-PL0600-E2E-N2").get_by_test_id("fired-here")).to_be_visible()
    expect(page.get_by_test_id("signal-reasons")).to_be_visible()
    expect(page.get_by_test_id("seen-by")).to_contain_text("screener-sig")
