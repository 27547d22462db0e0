"""The ZSM table in Chromium: the prosecutor sees the file fill as victim support and probation answer from
their own desks, settles it at the table and imposes a contact ban (art. 509hh Sv); a later incident of the
same suspect and victim, the victim's name misspelt, alerts the police case owner and the prosecutor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.demo.services import demo_users_ensure
from ketenzicht.measures.models import Measure
from ketenzicht.organisations.models import User
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.workprocesses.services import case_assign_owner
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.prosecution.helpers import send_to_zsm


def test_the_file_fills_the_prosecutor_imposes_a_contact_ban_and_a_breach_alerts(
    live_server: Any, new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    users = {u.username: u for u in demo_users_ensure()}  # officier holds the office's DV post
    password = users["officier"].password

    owner = User.objects.get(username="casusregisseur")
    file, police_case = send_to_zsm(None, "PL0600-E2E-ZSM-1", owner=owner)
    if police_case.owner_id != owner.pk:
        case_assign_owner(police_case, owner=owner, actor=owner, expected_version=None, reason="Casusregie")
    assert file.prosecutor is not None and file.prosecutor.username == "officier"

    prosecutor = new_page()
    login(prosecutor, "officier", password)
    prosecutor.get_by_test_id("home-zsm").click()
    prosecutor.get_by_test_id("zsm-row").filter(has_text=file.case.reference).get_by_test_id(
        "zsm-link"
    ).click()
    expect(prosecutor.get_by_test_id("zsm-file")).to_be_visible()
    expect(prosecutor.get_by_test_id("zsm-request-waiting")).to_have_count(2)

    # Victim support answers from its own desk: it sees the victim, not the suspect.
    support = new_page()
    login(support, "slachtofferhulp", password)
    support.get_by_test_id("home-requests").click()
    expect(support.get_by_test_id("requests-table")).not_to_contain_text("Marco")
    support.get_by_test_id("request-link").filter(has_text="Lotte").click()
    support.get_by_test_id("answer-form").get_by_role("button").click()  # nothing filled in
    expect(support.get_by_test_id("answer-form")).to_contain_text("verplicht")
    form = support.get_by_test_id("answer-form")
    form.locator("input[name=contacted][value=yes]").check()
    form.locator("input[name=wishes][value=prosecution]").check()
    form.locator("input[name=afraid][value=yes]").check()
    form.locator("textarea[name=safety]").fill(
        "Wil een contactverbod; slaapt slecht sinds hij voor de deur stond."
    )
    form.get_by_role("button").click()
    expect(support.get_by_test_id("requests-empty")).to_be_visible()

    probation = new_page()
    login(probation, "reclassering", password)
    probation.get_by_test_id("home-requests").click()
    expect(probation.get_by_test_id("requests-table")).not_to_contain_text("Lotte")
    probation.get_by_test_id("request-link").filter(has_text="Marco").click()
    form = probation.get_by_test_id("answer-form")
    form.locator("input[name=known][value=yes]").check()
    form.locator("input[name=supervised][value=no]").check()
    form.locator("input[name=advice][value=conditions]").check()
    form.get_by_role("button").click()
    expect(probation.get_by_test_id("requests-empty")).to_be_visible()

    # The file has filled: both answers, in words.
    prosecutor.reload()
    expect(prosecutor.get_by_test_id("zsm-answer")).to_have_count(2)
    expect(prosecutor.get_by_test_id("zsm-file")).to_contain_text("wil vervolging")
    expect(prosecutor.get_by_test_id("zsm-file")).to_contain_text("afdoen met bijzondere voorwaarden")
    triage = prosecutor.get_by_test_id("zsm-triage-form")
    expect(triage.locator("input[name=route][value=zsm]")).to_be_checked()  # the suggestion
    triage.get_by_role("button").click()
    expect(prosecutor.get_by_test_id("case-state")).to_have_text("Aan de ZSM-tafel, beslissing nodig")

    prosecutor.get_by_test_id("zsm-order-link").click()
    order = prosecutor.get_by_test_id("order-form")
    expect(order.locator("input[name=conditions][value=contact_ban]")).to_be_checked()
    order.locator("textarea[name=conditions_text]").fill("Geen contact met Lotte de Wit, op welke wijze ook.")
    until = timezone.localdate() + timedelta(days=89)  # the decision names its end: 90 days at most
    order.locator("input[name=ends_on]").fill(until.isoformat())
    order.get_by_role("button").click()
    expect(prosecutor.get_by_test_id("case-state")).to_have_text(
        "Gedragsaanwijzing opgelegd, vervolgbeslissing nodig"
    )
    measure = Measure.objects.get(source_case=file.case)
    assert measure.kind == "behaviour_order" and measure.prosecutor is not None and measure.ends_on == until

    # He stands at her door again; she is written "Lote Witt" this time.
    take_in(
        "PL0600-E2E-ZSM-2",
        MARCO,
        {**LOTTE, "given_names": "Lote", "surname_prefix": "", "surname": "Witt"},
        registered_at=timezone.now().isoformat(timespec="seconds"),
        offences=["285"],
        summary="V stond opnieuw voor de deur van aangeefster.",
    )
    assert measure.breaches.count() == 1
    for page, username in ((prosecutor, "officier"), (new_page(), "casusregisseur")):
        if username == "casusregisseur":
            login(page, username, password)
        page.get_by_test_id("menu-alerts").click()
        expect(page.locator("main")).to_contain_text(measure.reference)
    assert ZsmFile.objects.get(pk=file.pk).decision == "behaviour_order"
