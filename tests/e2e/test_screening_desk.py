"""The screening desk in Chromium, as a screener does the job from the landing page: the top acute case,
the history from another unit, the pre-filled screening raised with a reason, an owner and a contact for the
victim, "notify Veilig Thuis"; a screener of a pilot unit who works on version 2's steps; and a lowered level
a team lead declines with a reason, screened again from its answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.models import ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable
from tests.patterns.helpers import LOTTE, MARCO, take_in

PASSWORD = "geheim-wachtwoord-e2e"
KEES = {"given_names": "Kees", "surname": "Smits", "birth_date": "1970-07-07"}
ANNA = {"given_names": "Anna", "surname": "de Boer", "birth_date": "1990-02-02"}
JOS = {"given_names": "Jos", "surname": "Hermans", "birth_date": "1975-04-04"}
MIEKE = {"given_names": "Mieke", "surname": "Lemmens", "birth_date": "1979-09-09"}


def _days_ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat(timespec="seconds")


def test_a_screener_works_the_top_acute_case_from_the_queue_to_veilig_thuis(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    # Marco threatened Lotte in Zeeland-West-Brabant before; now, in Oost-Brabant, he threatens to kill her.
    take_in(
        "PL0900-E-1",
        MARCO,
        LOTTE,
        registered_at=_days_ago(60),
        offences=["285"],
        unit="zeeland-west-brabant",
        municipality="GM0855",
        summary="Hij stond voor haar deur en schreeuwde dat ze ervoor zou boeten.",
    )
    take_in(
        "PL0600-E-2",
        MARCO,
        LOTTE,
        registered_at=_days_ago(2),
        offences=["285"],
        summary="Hij dreigde haar dood te maken als ze naar de politie zou gaan.",
    )
    take_in("PL0600-E-3", KEES, ANNA, registered_at=_days_ago(1), relation="partner")  # a normal case
    make_user("case_screener", organisation="oost-brabant", username="screener-e2e", password=PASSWORD)
    make_user("case_owner", organisation="oost-brabant", username="regisseur-e2e", password=PASSWORD)

    page = new_page()
    login(page, "screener-e2e", PASSWORD)
    page.get_by_test_id("home-queue").click()
    rows = page.get_by_test_id("queue-row")
    expect(rows.first).to_have_attribute("data-urgency", "acute")
    expect(rows.first).to_contain_text("Marco")
    rows.first.get_by_test_id("queue-case-link").click()

    # The case holds the other unit's earlier report: the case is the purpose of that look-up.
    expect(page.get_by_test_id("pair-history")).to_contain_text("PL0900")
    expect(page.get_by_test_id("case-urgency")).to_contain_text("Acuut")
    page.get_by_test_id("take-case").click()
    expect(page.get_by_test_id("case-owner")).not_to_have_text("nog niemand")

    page.get_by_test_id("screen-case").click()
    expect(page.get_by_test_id("prefill-threat_to_kill")).to_contain_text("PL0600")
    expect(page.get_by_test_id("item-threat_to_kill").get_by_label("Ja")).to_be_checked()
    for fieldset in page.locator("fieldset.kz-item").all():  # what the register cannot answer: no
        no = fieldset.get_by_label("Nee")
        if no.count() and not fieldset.get_by_label("Ja").is_checked():
            no.check()
    page.get_by_label("Hoe lang duurt het ongewenste contact al?").select_option(index=2)
    page.get_by_test_id("screening-preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Berekend niveau")
    page.get_by_label("Niveau", exact=True).select_option(label="Hoog")
    page.get_by_label("Reden voor een ander niveau dan het berekende").fill(
        "Zij is doodsbang en hij weet waar ze werkt."
    )
    page.get_by_test_id("screening-record").click()
    expect(page.get_by_test_id("screening-trend")).to_contain_text("Zij is doodsbang")
    expect(page.get_by_test_id("case-level")).to_contain_text("Hoog")

    # Recording the screening started it: no "Screening starten" any more, completing it is offered.
    expect(page.get_by_test_id("case-state")).to_have_text("In screening")
    expect(page.get_by_test_id("step-start_screening")).to_have_count(0)
    step = page.get_by_test_id("step-screened")
    expect(step.get_by_label("Urgentie")).to_have_value("acute")  # suggested by the screening
    step.get_by_role("button", name="Screening afronden").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Gescreend, besluit nodig")

    owner = page.get_by_test_id("owner-form")
    owner.get_by_label("Collega").select_option(label="regisseur-e2e")
    owner.get_by_label("Reden van de overdracht").fill("Casusregie bij de vaste regisseur")
    owner.get_by_role("button").click()
    contact = page.get_by_test_id("contact-form")
    contact.get_by_label("Collega").select_option(label="regisseur-e2e")
    contact.get_by_role("button").click()
    expect(page.get_by_test_id("case-contact")).to_contain_text("regisseur-e2e")

    page.get_by_test_id("step-notify_vt").get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Bij ketenpartners")
    expect(page.get_by_test_id("handoff-veilig_thuis")).to_contain_text("wacht op oppakken")


def test_a_screener_of_a_pilot_unit_sees_version_two_s_steps(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    rollout_enable(
        process_version=ProcessVersion.objects.get(process="ex_partner_stalking", version=2),
        organisation=Organisation.objects.get(code="limburg"),
        valid_from=date(2020, 1, 1),
        actor=None,
        today=date(2020, 1, 1),  # set up as if rolled out then
    )
    take_in("PL1000-E-1", JOS, MIEKE, registered_at=_days_ago(3), unit="limburg", municipality="GM0935")
    make_user("case_screener", organisation="limburg", username="screener-limburg", password=PASSWORD)
    page = new_page()
    login(page, "screener-limburg", PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Screening").click()
    page.get_by_test_id("queue-case-link").first.click()
    expect(page.get_by_test_id("case-version")).to_contain_text("versie 2")
    page.get_by_test_id("step-start_screening").get_by_role("button").click()
    expect(page.get_by_test_id("step-screened")).to_contain_text("Aanwijzingen voor stalking")
    expect(page.get_by_test_id("step-close_without_action")).to_contain_text("tweede persoon")
    expect(page.get_by_test_id("step-notify_vt")).to_have_count(0)  # only after contact and a safety plan


def test_a_team_lead_declines_a_lowered_level_with_a_reason_and_the_screener_screens_again_from_it(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    """The walk the testers took: a lowered level declined from the team lead's alert. The decline asks
    why; the case keeps the computed level; the screener screens again from the answers given."""
    rollout_enable(
        process_version=ProcessVersion.objects.get(process="ex_partner_stalking", version=2),
        organisation=Organisation.objects.get(code="oost-brabant"),
        valid_from=date(2020, 1, 1),
        actor=None,
        today=date(2020, 1, 1),  # set up as if rolled out then
    )
    take_in("PL0600-E-9", MARCO, LOTTE, registered_at=_days_ago(1), offences=["285"],
            summary="Hij dreigde haar dood te maken met een mes.")  # fmt: skip
    make_user("case_screener", organisation="oost-brabant", username="screener-lowers", password=PASSWORD)
    make_user("team_lead", organisation="oost-brabant", username="lead-declines", password=PASSWORD)

    page = new_page()
    login(page, "screener-lowers", PASSWORD)
    page.get_by_test_id("home-queue").click()
    page.get_by_test_id("queue-case-link").first.click()
    case_url = page.url
    page.get_by_test_id("screen-case").click()
    for key in ("earlier_violence", "breach_of_ban", "victim_fear", "turns_up", "watches"):
        page.get_by_test_id(f"item-{key}").get_by_label("Ja").check()
    for fieldset in page.locator("fieldset.kz-item").all():
        no = fieldset.get_by_label("Nee")
        if no.count() and not fieldset.get_by_label("Ja").is_checked():
            no.check()
    page.get_by_label("Hoe lang duurt het ongewenste contact al?").select_option("over_6_months")
    page.get_by_test_id("screening-preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Hoog")
    page.get_by_label("Niveau", exact=True).select_option(label="Verhoogd")
    page.get_by_label("Reden voor een ander niveau dan het berekende").fill("Zij is naar een geheim adres.")
    page.get_by_test_id("screening-record").click()
    expect(page.get_by_test_id("screening-awaits-second")).to_be_visible()

    lead = new_page()
    login(lead, "lead-declines", PASSWORD)
    lead.get_by_test_id("menu-alerts").click()
    lead.get_by_test_id("alert-second_person").get_by_role("link").click()
    decline = lead.get_by_test_id("screening-decline")
    decline.get_by_role("button").click()  # no reason: the browser asks for it, nothing is sent
    expect(lead.get_by_test_id("screening-awaits-second")).to_be_visible()
    decline.get_by_role("textbox").fill("Hij heeft het mes nog; niet verlagen.")
    decline.get_by_role("button").click()
    expect(lead.get_by_test_id("screening-declined")).to_be_visible()
    expect(lead.get_by_test_id("case-level")).to_contain_text("Hoog")  # the computed level
    expect(lead.get_by_test_id("screening-trend")).to_contain_text("Hij heeft het mes nog; niet verlagen.")
    expect(lead.get_by_test_id("history")).to_contain_text("Hij heeft het mes nog; niet verlagen.")

    page.goto(case_url)
    expect(page.get_by_test_id("case-alerts")).to_contain_text("Hij heeft het mes nog; niet verlagen.")
    page.get_by_test_id("screen-case").click()
    expect(page.get_by_test_id("redo-notice")).to_contain_text("Hij heeft het mes nog; niet verlagen.")
    for key in ("threat_to_kill", "earlier_violence", "breach_of_ban", "victim_fear", "turns_up", "watches"):
        expect(page.get_by_test_id(f"item-{key}").get_by_label("Ja")).to_be_checked()
    expect(page.get_by_test_id("item-suicide_threat").get_by_label("Nee")).to_be_checked()
    expect(page.get_by_label("Hoe lang duurt het ongewenste contact al?")).to_have_value("over_6_months")
