"""A colleague on leave, in Chromium, as the police team lead does the job from the landing page: record the
screener's absence, find her cases marked in the queue through the filter, and hand them over in one go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.organisations.models import MemberAbsence
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_assign_owner
from tests.patterns.helpers import LOTTE, MARCO, take_in

PASSWORD = "geheim-wachtwoord-e2e"
KEES = {"given_names": "Kees", "surname": "Smits", "birth_date": "1970-07-07"}
ANNA = {"given_names": "Anna", "surname": "de Boer", "birth_date": "1990-02-02"}
JOS = {"given_names": "Jos", "surname": "Hermans", "birth_date": "1975-04-04"}
MIEKE = {"given_names": "Mieke", "surname": "Lemmens", "birth_date": "1979-09-09"}


def test_the_team_lead_records_the_screener_s_absence_and_hands_her_cases_over(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    take_in("PL0600-F-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", relation="partner")
    take_in("PL0600-F-2", KEES, ANNA, registered_at="2024-03-07T09:12:00+01:00", relation="partner")
    take_in("PL0600-F-3", JOS, MIEKE, registered_at="2024-03-08T09:12:00+01:00", relation="partner")
    screener = make_user("case_screener", username="screener", password=PASSWORD)
    screener.first_name, screener.last_name = "Ingrid", "Verhoeven"
    screener.save(update_fields=["first_name", "last_name"])
    owner = make_user("case_owner", username="casusregisseur", password=PASSWORD)
    owner.first_name, owner.last_name = "Marco", "van Dijk"
    owner.save(update_fields=["first_name", "last_name"])
    make_user("team_lead", "case_screener", username="teamleider", password=PASSWORD)
    cases = list(Case.objects.filter(organisation__code="oost-brabant").order_by("pk"))
    assert len(cases) == 3
    for case in cases[:2]:  # two are hers, the third the case owner's
        case_assign_owner(case, owner=screener, actor=screener, expected_version=None)
    case_assign_owner(cases[2], owner=owner, actor=owner, expected_version=None)

    page = new_page()
    login(page, "teamleider", PASSWORD)
    page.get_by_test_id("home-absences").click()
    expect(page.locator("h1")).to_have_text("Afwezigheid van het team")
    form = page.get_by_test_id("member-absence-form")
    form.get_by_label("Collega").select_option(label="Ingrid Verhoeven")
    form.get_by_label("Afwezig vanaf").fill(str(timezone.localdate()))
    with page.expect_navigation():
        form.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_test_id("message")).to_contain_text(
        "De afwezigheid van Ingrid Verhoeven is vastgelegd."
    )
    row = page.get_by_test_id("absence-row").filter(has_text="Ingrid Verhoeven")
    expect(row.get_by_test_id("absent-now")).to_be_visible()
    expect(row).to_contain_text("tot nader order")
    assert MemberAbsence.objects.get().user == screener

    # From the page to her cases: the queue filtered on an absent owner, each row marked.
    page.get_by_test_id("absences-queue-link").get_by_role("link").click()
    expect(page.get_by_test_id("queue-filters").get_by_label("Eigenaar")).to_have_value("absent")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)
    expect(rows.get_by_test_id("owner-absent")).to_have_count(2)
    for n in range(2):
        rows.nth(n).locator("input[name=cases]").check()
    page.get_by_label("Nieuwe eigenaar").select_option(label="Marco van Dijk")
    page.get_by_label("Reden van de overdracht").fill("Verlof van Ingrid.")
    with page.expect_navigation():
        page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("message")).to_contain_text("2 zaken overgedragen aan Marco van Dijk")
    # Back in the queue as it was filtered: nothing of hers is left to hand over.
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    assert {case.owner_id for case in Case.objects.filter(pk__in=[c.pk for c in cases])} == {owner.pk}
