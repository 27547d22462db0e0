"""A case screener opens a doubtful pair from the review queue in the browser: the terms explained, the two
registrations linked, the way there and back; a decision taken and taken back; axe-core checks every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import override_settings
from playwright.sync_api import expect

from ketenzicht.linking.models import ReviewItem
from tests.people import DENNIS, person_of, register

PASSWORD = "geheim-wachtwoord-e2e"


def test_the_screener_opens_a_pair_and_one_of_its_registrations(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        register("R1", DENNIS)
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    item = ReviewItem.objects.get()
    make_user("case_screener", organisation="oost-brabant", username="review-e2e", password=PASSWORD)
    login(page, "review-e2e", PASSWORD)
    page.goto(f"{live_server.url}/koppelingen/beoordelen/")
    expect(page.get_by_test_id("review-terms")).to_be_visible()
    with page.expect_navigation():
        page.locator(f"main a[href='/koppelingen/beoordelen/{item.pk}/']").click()
    expect(page.get_by_test_id("review-terms")).to_be_visible()
    side = "a" if item.mention.registration_id == second.pk else "b"
    with page.expect_navigation():
        page.get_by_test_id(f"registration-{side}").click()
    assert f"/registraties/{second.pk}/?terug=" in page.url
    expect(page.locator("h1")).to_contain_text(second.reference)
    with page.expect_navigation():
        page.get_by_test_id("back").click()  # back to the item, not to the list of registrations
    assert page.url.endswith(f"/koppelingen/beoordelen/{item.pk}/")


def test_the_screener_decides_a_pair_and_takes_the_decision_back(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5):
        first = register("R1", DENNIS)
        second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    item = ReviewItem.objects.get()
    make_user("case_screener", organisation="oost-brabant", username="undo-e2e", password=PASSWORD)
    login(page, "undo-e2e", PASSWORD)
    page.goto(f"{live_server.url}/koppelingen/beoordelen/")
    with page.expect_navigation():
        page.locator(f"main a[href='/koppelingen/beoordelen/{item.pk}/']").click()
    with page.expect_navigation():
        page.get_by_test_id("accept").click()
    expect(page.locator("main")).to_contain_text("zijn dezelfde persoon")
    assert person_of(first) == person_of(second)
    with page.expect_navigation():
        page.get_by_test_id("decisions-link").click()
    with page.expect_navigation():
        page.locator(f"main a[href='/koppelingen/beoordelen/{item.pk}/']").click()
    expect(page.get_by_test_id("decided")).to_contain_text("dezelfde persoon")
    with page.expect_navigation():
        page.get_by_test_id("undo").click()
    expect(page.locator("main")).to_contain_text("Besluit teruggedraaid: het item is weer open.")
    expect(page.get_by_test_id("accept")).to_be_visible()  # to decide again
    assert person_of(first) != person_of(second)
