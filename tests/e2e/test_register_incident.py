"""A police registrar registers an incident through the web form; another unit cannot see it.

Labels and options may be Dutch (the browser asks for nl), so the test selects by value, id and
data-testid, and computes the texts it expects through Django's own translations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils import translation
from playwright.sync_api import expect

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import Role
from ketenzicht.registrations.models import Registration, RelationKind

PASSWORD = "geheim-wachtwoord-e2e"
SUMMARY = "Ex-partner stond opnieuw voor de deur, dreigde haar iets aan te doen en gooide een ruit in."


def _nl(text: Any) -> str:
    """The Dutch text the pages show for a msgid or a lazy label (whatever the translations are now)."""
    with translation.override("nl"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def _fill_person(page: Any, index: int, role: str, given: str, prefix: str, surname: str, birth: str) -> None:
    page.select_option(f"#id_persons-{index}-role", value=role)
    page.fill(f"#id_persons-{index}-given_names", given)
    page.fill(f"#id_persons-{index}-surname_prefix", prefix)
    page.fill(f"#id_persons-{index}-surname", surname)
    page.fill(f"#id_persons-{index}-birth_date", birth)


def _assert_header(page: Any, organisation_code: str, role: str) -> None:
    expect(page.get_by_test_id("current-organisation")).to_have_text(
        Organisation.objects.get(code=organisation_code).name
    )
    expect(page.get_by_test_id("current-roles")).to_have_text(_nl(Role(role).label))


def test_registrar_registers_incident_other_unit_cannot_see_it(
    live_server: Any, make_user: Callable[..., Any], new_page: Callable[[], Any], login: Callable[..., None]
) -> None:
    make_user("police_registrar", organisation="oost-brabant", username="reg-oost", password=PASSWORD)
    make_user("police_registrar", organisation="zeeland-west-brabant", username="reg-zwb", password=PASSWORD)

    page = new_page()
    login(page, "reg-oost", PASSWORD)
    _assert_header(page, "oost-brabant", "police_registrar")

    page.goto(f"{live_server.url}/registraties/nieuw/")
    reference = page.input_value("#id_reference")
    assert reference.startswith("PL0600-"), reference
    page.select_option("#id_kind", value="incident")
    page.select_option("#id_municipality", value="GM0796")
    page.check('input[name="offences"][value="285"]')
    page.check('input[name="offences"][value="350"]')
    page.fill("#id_summary", SUMMARY)

    _fill_person(page, 0, "suspect", "Johannes Petrus", "van der", "Berg", "1985-04-12")
    _fill_person(page, 1, "victim", "Anna", "", "Jansen", "1990-05-00")

    # A third person through the htmx button: the server sends one more fieldset and the new total.
    expect(page.get_by_test_id("person-2")).to_have_count(0)
    page.get_by_test_id("add-person").click()
    expect(page.get_by_test_id("person-2")).to_be_visible()
    expect(page.locator("#id_persons-TOTAL_FORMS")).to_have_value("3")
    expect(page.locator("fieldset.kz-person")).to_have_count(3)
    _fill_person(page, 2, "witness", "Pieter", "de", "Vries", "1970-00-00")
    # The relation row that was there before the third person offers him too, by the name typed.
    third = page.locator('#id_relations-0-to_ref option[value="p3"]')
    expect(third).to_have_count(1)
    expect(third).to_contain_text("Pieter de Vries")

    page.select_option("#id_relations-0-from_ref", value="p1")
    page.select_option("#id_relations-0-kind", value="ex_partner")
    page.select_option("#id_relations-0-to_ref", value="p2")

    with page.expect_navigation():
        page.get_by_test_id("submit").click()

    match = re.search(r"/registraties/(\d+)/$", page.url)
    assert match, f"not on a registration's page after submitting: {page.url}"
    detail_url = page.url
    registration = Registration.objects.get(pk=int(match.group(1)))
    assert registration.reference == reference
    assert registration.kind == "incident"
    assert registration.municipality is not None and registration.municipality.code == "GM0796"
    assert sorted(o.article for o in registration.offences.all()) == ["285", "350"]
    assert registration.mentions.count() == 3

    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator(".kz-summary")).to_have_text(SUMMARY)
    persons = page.get_by_test_id("person-table")
    expect(persons).to_contain_text("Johannes Petrus van der Berg")
    expect(persons).to_contain_text("Anna Jansen")
    expect(persons).to_contain_text("Pieter de Vries")
    expect(persons).to_contain_text("mei 1990")  # written 1990-05-00
    ex_partner = _nl(RelationKind.EX_PARTNER.label).lower()
    expect(page.get_by_test_id("relations")).to_contain_text(
        f"Johannes Petrus van der Berg → Anna Jansen: {ex_partner}"
    )

    page.goto(f"{live_server.url}/registraties/")
    table = page.get_by_test_id("registration-table")
    expect(table.get_by_role("link", name=reference)).to_be_visible()

    # A registrar of another unit: not in the list, and the page itself does not exist for them.
    other = new_page()
    login(other, "reg-zwb", PASSWORD)
    _assert_header(other, "zeeland-west-brabant", "police_registrar")
    other.goto(f"{live_server.url}/registraties/")
    expect(other.locator("main")).not_to_contain_text(reference)
    expect(other.get_by_test_id("registration-table")).to_have_count(0)
    response = other.goto(detail_url)
    assert response is not None and response.status == 404
    expect(other.locator("h1")).to_have_text(_nl("Not found"))
    expect(other.locator("main")).not_to_contain_text(reference)
    expect(other.locator("main")).not_to_contain_text("Jansen")


def test_invalid_birth_date_and_postcode_are_shown_at_their_fields(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    make_user("police_registrar", organisation="oost-brabant", username="reg-oost", password=PASSWORD)
    before = Registration.objects.count()
    login(page, "reg-oost", PASSWORD)

    page.goto(f"{live_server.url}/registraties/nieuw/")
    page.select_option("#id_kind", value="incident")
    page.select_option("#id_municipality", value="GM0796")
    _fill_person(page, 0, "suspect", "Karel", "", "de Groot", "1985-13-01")
    page.fill("#id_persons-0-street", "Markt")
    page.fill("#id_persons-0-house_number", "1")
    page.fill("#id_persons-0-postcode", "12345")
    page.fill("#id_persons-0-city", "'s-Hertogenbosch")
    _fill_person(page, 1, "victim", "Sanne", "", "Bakker", "1988-02-29")
    # The form offers the relation p1 -> p2; give it a kind, so the only errors are the two above.
    page.select_option("#id_relations-0-kind", value="partner")

    with page.expect_navigation() as navigation:
        page.get_by_test_id("submit").click()
    response = navigation.value
    assert response is not None and response.status == 422
    assert "/registraties/nieuw/?formulier=" in page.url  # the form's own address (its token)

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    birth_error = page.get_by_test_id("error-persons-0-birth_date")
    postcode_error = page.get_by_test_id("error-persons-0-postcode")
    expect(birth_error).to_be_visible()
    expect(birth_error).not_to_be_empty()
    expect(postcode_error).to_be_visible()
    expect(postcode_error).to_contain_text("12345")
    # Only those two fields are marked; what the registrar typed is still there.
    expect(page.locator("[data-testid^='error-']")).to_have_count(2)
    expect(page.locator("#id_persons-0-birth_date")).to_have_value("1985-13-01")
    expect(page.locator("#id_persons-1-surname")).to_have_value("Bakker")

    assert Registration.objects.count() == before


STORED_ALREADY = (
    "This form was stored already, as registration %(ref)s. Nothing new was stored and the registration was "
    "not changed."
)


def test_back_after_storing_and_storing_again_lands_on_the_registration_stored(
    live_server: Any, make_user: Callable[..., Any], page: Any, login: Callable[..., None]
) -> None:
    """The tester's walk: store, browser Back (the form comes back filled in), fix a typo and store again.
    The form keeps its reference and token, so nothing new is stored: the registration already stored
    opens, with a message that says so."""
    make_user("police_registrar", organisation="oost-brabant", username="reg-back", password=PASSWORD)
    login(page, "reg-back", PASSWORD)
    page.goto(f"{live_server.url}/registraties/nieuw/")
    reference = page.input_value("#id_reference")
    page.select_option("#id_kind", value="incident")
    page.select_option("#id_municipality", value="GM0796")
    page.fill("#id_summary", SUMMARY)
    _fill_person(page, 0, "suspect", "Johannes", "van der", "Berg", "1985-04-12")
    _fill_person(page, 1, "victim", "Anna", "", "Jansen", "1990-05-00")
    with page.expect_navigation():
        page.get_by_test_id("submit").click()
    detail_url = page.url
    assert re.search(r"/registraties/\d+/$", detail_url), detail_url

    page.go_back()
    expect(page.locator("#id_reference")).to_have_value(reference)  # not a fresh reference
    expect(page.locator("#id_persons-0-surname")).to_have_value("Berg")  # the browser filled it in again
    page.fill("#id_summary", SUMMARY + " (typefout verbeterd)")
    with page.expect_navigation():
        page.get_by_test_id("submit").click()

    assert page.url == detail_url
    expect(page.get_by_test_id("message")).to_have_text(_nl(STORED_ALREADY) % {"ref": reference})
    assert list(Registration.objects.values_list("reference", flat=True)) == [reference]
    expect(page.locator(".kz-summary")).to_have_text(SUMMARY)
