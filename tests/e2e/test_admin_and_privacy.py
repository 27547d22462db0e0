"""The functional administrator's and the privacy officer's pages in the browser, so that axe-core (which runs
on every page a browser test opens) checks them too: the administrator goes from the start page to the users,
opens one and changes a role, and moves another to another unit; the privacy officer opens the
break-the-glass list and judges an access."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.dossiers.break_glass import break_glass_grant
from ketenzicht.dossiers.models import BreakGlassAccess
from ketenzicht.organisations.models import User
from tests.dossiers.test_hidden import sandra_with_hidden_registrations

DEMO_PASSWORD = "ketenzicht-demo"


def test_the_administrator_changes_a_role_from_the_start_page(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    demo_users_ensure()
    subject: User = make_user("case_screener", organisation="oost-brabant", username="aaa-e2e-screener")
    login(page, "beheerder", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_test_id("home-users").click()
    assert page.url.endswith("/beheer/gebruikers/")
    with page.expect_navigation():
        page.locator(f"main a[href='/beheer/gebruikers/{subject.pk}/']").first.click()
    form = page.get_by_test_id("roles-form")
    form.locator("input[value='case_owner']").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("user-facts")).to_be_visible()
    assert set(User.objects.get(pk=subject.pk).role_codes) == {"case_screener", "case_owner"}


def test_the_administrator_moves_a_user_to_another_unit(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    demo_users_ensure()
    subject: User = make_user("case_screener", organisation="oost-brabant", username="aaa-e2e-mover")
    login(page, "beheerder", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/beheer/gebruikers/{subject.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("move").click()
    form = page.get_by_test_id("move-form")
    form.locator("select[name=organisation]").select_option(label="Politie eenheid Rotterdam")
    form.locator("input[name=on]").fill(timezone.localdate().isoformat())
    form.locator("textarea[name=reason]").fill("Overgeplaatst naar Rotterdam.")
    with page.expect_navigation():
        page.get_by_test_id("move-confirm").click()
    expect(page.get_by_test_id("unit-history")).to_contain_text("Overgeplaatst naar Rotterdam.")
    assert User.objects.filter(pk=subject.pk, organisation__code="rotterdam").exists()


def test_the_privacy_officer_judges_an_access(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    demo_users_ensure()
    sandra = sandra_with_hidden_registrations()
    registrar = make_user("police_registrar", organisation="oost-brabant", username="e2e-registrar")
    access = break_glass_grant(
        user=registrar,
        person_id=sandra.pk,
        reason="acute threat reported tonight, earlier history in Tilburg needed",
        origin="e2e",
    )
    login(page, "privacy", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.locator("main a[href='/privacy/doorbraken/']").first.click()
    form = page.get_by_test_id(f"break-glass-form-{access.pk}")
    form.locator("select").select_option("improper")
    form.locator("textarea").fill("geen acute noodzaak: een verzoek aan de eenheid had volstaan")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.get_by_test_id(f"break-glass-{access.pk}")).to_be_visible()
    access.refresh_from_db()
    assert access.decision == "improper" and access.case is not None and access.case.state == "improper"
    # The judgement's case in the case history, without the person's name.
    page.goto(f"{live_server.url}/zaken/{access.case.pk}/")
    expect(page.locator("main")).to_contain_text(access.case.reference)
    assert "Sandra" not in page.locator("main").inner_text()
    assert BreakGlassAccess.objects.filter(decision="pending").count() == 0
