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
from ketenzicht.measures.models import Measure
from ketenzicht.measures.services import measure_impose
from ketenzicht.organisations.models import User
from ketenzicht.registrations.models import Registration
from ketenzicht.veiligthuis.models import Notification
from tests.e2e.keyboard import (
    assert_focus_on_message,
    choose_by_typing,
    choose_option,
    choose_radio,
    keyboard_login,
    press,
    skip_to_content,
    tab_to,
    type_into,
)
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.prosecution.helpers import send_to_zsm


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
    skip_to_content(page)
    tab_to(page, page.get_by_test_id("home-queue"))
    press(page, "Enter", navigates=True)

    row = page.get_by_test_id("queue-row").filter(has_text="Marco Hendriks")
    tab_to(page, row.get_by_test_id("queue-case-link"))
    press(page, "Enter", navigates=True)
    expect(page.get_by_test_id("case-state")).to_have_text("Nieuw")

    tab_to(page, page.get_by_test_id("screen-case"))
    press(page, "Enter", navigates=True)
    form = page.get_by_test_id("screening-form")
    for fieldset in form.locator(".kz-item").all():
        if fieldset.locator("input[type=radio]").count():
            if not fieldset.locator("input[type=radio]:checked").count():  # what the register cannot answer
                choose_radio(
                    page, fieldset.locator("input[type=radio]"), fieldset.get_by_label("Nee", exact=True)
                )
        elif fieldset.locator("select").count():
            tab_to(page, fieldset.locator("select"))
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
        else:  # a number: the register's count stays, an empty one is 0
            field = fieldset.locator("input")
            tab_to(page, field)
            if not field.input_value():
                page.keyboard.type("0")
    tab_to(page, page.get_by_test_id("screening-preview"))
    press(page, "Enter", navigates=True)
    preview = page.get_by_test_id("preview")
    expect(preview).to_be_focused()  # the computed level, not the top of the page
    expect(preview).to_contain_text("Berekend niveau")
    form = page.get_by_test_id("screening-form")
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
    # Recording the screening started it: completing it is the next step.
    expect(page.get_by_test_id("case-state")).to_have_text("In screening")
    expect(page.get_by_test_id("step-start_screening")).to_have_count(0)
    step = page.get_by_test_id("step-screened")
    choose_option(page, step.get_by_label("Urgentie"), "Hoog")  # below the suggested "Acuut": say why
    type_into(
        page,
        step.get_by_label("Toelichting (verplicht bij een lagere keuze dan voorgesteld: Acuut)"),
        "Hij zit sinds vannacht vast; zij is bij haar zus.",
    )
    tab_to(page, step.get_by_role("button", name="Screening afronden"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page, "Screening afronden")
    # A lower urgency than suggested waits for a team lead of the unit (the demo's `teamleider`).
    expect(page.get_by_test_id("case-state")).to_have_text("In screening")
    expect(page.get_by_test_id("pending-lowering")).to_contain_text("van Acuut naar Hoog")
    history = page.get_by_test_id("history-row")
    expect(history.filter(has_text="Screening afronden")).to_have_count(1)


def test_the_veilig_thuis_assessor_takes_a_notification_and_records_the_assessment_by_keyboard(
    live_server: Any, page: Any
) -> None:
    demo_users_ensure()
    # 's-Hertogenbosch: Veilig Thuis Brabant-Noordoost, where the demo's assessor works.
    registration = take_in(
        "PL0600-KB-VT-1",
        BART,
        ILSE,
        registered_at=_days_ago(1),
        offences=["300"],
        municipality="GM0796",
        summary="Hij duwde haar tegen de muur tijdens een ruzie over de kinderen.",
    )
    notification = Notification.objects.select_related("case").get(registration=registration)
    assert notification.case.owner_id is None
    keyboard_login(page, live_server.url, "veiligthuis")
    tab_to(page, page.get_by_test_id("home-vt-inbox"))
    press(page, "Enter", navigates=True)

    row = page.get_by_test_id("inbox-row").filter(has_text=notification.case.reference)
    tab_to(page, row.get_by_test_id("inbox-take"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page, notification.case.reference)
    expect(page.get_by_test_id("case-owner")).to_contain_text("Fatma Yilmaz")

    step = page.get_by_test_id("step-agree_conditions")
    choose_option(page, step.get_by_label("Onveiligheid"), "Structurele onveiligheid")
    type_into(
        page,
        step.get_by_label("Veiligheidsvoorwaarden"),
        "Geen contact zonder begeleiding; hulp via het wijkteam.",
    )
    tab_to(page, step.get_by_role("button", name="Voorwaarden en vervolg afspreken"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page, "Voorwaarden en vervolg afspreken")
    expect(page.get_by_test_id("case-state")).to_have_text("Voorwaarden en vervolg (monitoring)")
    history = page.get_by_test_id("history-row").filter(has_text="Voorwaarden en vervolg afspreken")
    expect(history).to_contain_text("Structurele onveiligheid")


def _zsm_file() -> Any:
    owner = User.objects.get(username="casusregisseur")
    file, _police_case = send_to_zsm(None, "PL0600-KB-ZSM-1", owner=owner)
    assert file.prosecutor is not None and file.prosecutor.username == "officier"
    return file


def test_the_prosecutor_triages_a_file_and_imposes_a_behaviour_order_by_keyboard(
    live_server: Any, page: Any
) -> None:
    demo_users_ensure()
    file = _zsm_file()
    keyboard_login(page, live_server.url, "officier")
    tab_to(page, page.get_by_test_id("home-zsm"))
    press(page, "Enter", navigates=True)
    row = page.get_by_test_id("zsm-row").filter(has_text=file.case.reference)
    tab_to(page, row.get_by_test_id("zsm-link"))
    press(page, "Enter", navigates=True)
    expect(page.get_by_test_id("zsm-file")).to_be_visible()

    triage = page.get_by_test_id("zsm-triage-form")
    routes = triage.locator("input[name=route]")
    choose_radio(page, routes, triage.get_by_label("Afdoen aan de ZSM-tafel"))
    tab_to(page, triage.get_by_role("button"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page)
    expect(page.get_by_test_id("case-state")).to_have_text("Aan de ZSM-tafel, beslissing nodig")
    expect(page.get_by_test_id("zsm-route")).to_contain_text("Afdoen aan de ZSM-tafel")

    tab_to(page, page.get_by_test_id("zsm-order-link"))
    press(page, "Enter", navigates=True)
    order = page.get_by_test_id("order-form")
    expect(order.locator("input[name=conditions][value=contact_ban]")).to_be_checked()
    reporting = order.locator("input[name=conditions][value=reporting_duty]")
    tab_to(page, reporting)
    press(page, "Space")
    expect(reporting).to_be_checked()
    type_into(
        page,
        order.locator("textarea[name=conditions_text]"),
        "Geen contact met Lotte de Wit; melden op maandag.",
    )
    # The decision names its end, typed digit by digit; day and month alike, so the browser's order of the
    # date's parts (day or month first, by the machine's locale) does not matter. Within the order's 90 days
    # (there is such a day every month or so: 1-1, 2-2, ... 12-12).
    today = timezone.localdate()
    until = next(day for day in (today + timedelta(days=n) for n in range(1, 90)) if day.day == day.month)
    type_into(page, order.locator("input[name=ends_on]"), f"{until:%d%m%Y}")
    expect(order.locator("input[name=ends_on]")).to_have_value(until.isoformat())
    tab_to(page, order.get_by_role("button"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page)
    expect(page.get_by_test_id("case-state")).to_have_text(
        "Gedragsaanwijzing opgelegd, vervolgbeslissing nodig"
    )
    measure = Measure.objects.get(source_case=file.case)
    assert measure.kind == "behaviour_order" and measure.ends_on == until
    assert set(measure.conditions) == {"contact_ban", "reporting_duty"}


def test_victim_support_answers_a_request_of_the_zsm_table_by_keyboard(live_server: Any, page: Any) -> None:
    demo_users_ensure()
    file = _zsm_file()
    keyboard_login(page, live_server.url, "slachtofferhulp")
    tab_to(page, page.get_by_test_id("home-requests"))
    press(page, "Enter", navigates=True)
    tab_to(page, page.get_by_test_id("request-link").filter(has_text="Lotte"))
    press(page, "Enter", navigates=True)

    form = page.get_by_test_id("answer-form")
    choose_radio(
        page, form.locator("input[name=contacted]"), form.locator("input[name=contacted][value=yes]")
    )
    choose_radio(
        page, form.locator("input[name=wishes]"), form.locator("input[name=wishes][value=prosecution]")
    )
    choose_radio(page, form.locator("input[name=afraid]"), form.locator("input[name=afraid][value=yes]"))
    type_into(
        page,
        form.locator("textarea[name=safety]"),
        "Wil een contactverbod; slaapt slecht sinds hij voor de deur stond.",
    )
    tab_to(page, form.get_by_role("button"))
    press(page, "Enter", navigates=True)
    assert_focus_on_message(page)
    expect(page.get_by_test_id("requests-empty")).to_be_visible()
    answered = file.requests.get(partner="victim_support")
    assert answered.answered_at is not None and answered.answer["wishes"] == "prosecution"


def _register_by_keyboard(
    page: Any,
    *,
    kind: str,
    persons: list[dict[str, str]],
    relation: str,
    summary: str,
    add_witness: bool,
    check_errors: bool = False,
) -> None:
    """From the start page: the registration form, filled in and stored by keyboard. The form opens with a
    suspect, a victim and the relation row between them."""
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="Nieuwe registratie"))
    press(page, "Enter", navigates=True)
    choose_option(page, page.locator("#id_kind"), kind)
    if check_errors:
        # Stored too early: the form comes back with the focus on what went wrong, not at the top.
        tab_to(page, page.get_by_test_id("submit"), limit=100)  # past every field of the long form
        press(page, "Enter", navigates=True)
        expect(page.get_by_test_id("form-errors")).to_be_focused()
        expect(page.locator("#id_kind")).to_have_value("incident")
    choose_by_typing(page, page.locator("#id_municipality"), "'s-H", "'s-Hertogenbosch")
    offence = page.locator("input[name=offences][value='285']")
    tab_to(page, offence)
    press(page, "Space")
    expect(offence).to_be_checked()
    type_into(page, page.locator("#id_summary"), summary)
    for index, person in enumerate(persons):
        type_into(page, page.locator(f"#id_persons-{index}-given_names"), person["given_names"])
        if person.get("surname_prefix"):
            type_into(page, page.locator(f"#id_persons-{index}-surname_prefix"), person["surname_prefix"])
        type_into(page, page.locator(f"#id_persons-{index}-surname"), person["surname"])
        type_into(page, page.locator(f"#id_persons-{index}-birth_date"), person["birth_date"])
    if add_witness:
        # The inline action: the new person's first field takes the focus.
        tab_to(page, page.get_by_test_id("add-person"))
        press(page, "Enter")
        expect(page.get_by_test_id("person-2")).to_be_visible()
        expect(page.locator("#id_persons-2-role")).to_be_focused()
        choose_option(page, page.locator("#id_persons-2-role"), "Getuige")
        type_into(page, page.locator("#id_persons-2-surname"), "Vries")
    choose_option(page, page.locator("#id_relations-0-kind"), relation)
    if check_errors:
        # Back up with Shift+Tab to one more offence: he broke a window too.
        damage = page.locator("input[name=offences][value='350']")
        tab_to(page, damage, backwards=True, limit=80)
        press(page, "Space")
        expect(damage).to_be_checked()
    tab_to(page, page.get_by_test_id("submit"))
    press(page, "Enter", navigates=True)


def test_the_registrar_registers_an_incident_with_two_persons_and_their_relation_by_keyboard(
    live_server: Any, page: Any
) -> None:
    demo_users_ensure()
    keyboard_login(page, live_server.url, "registrar")
    _register_by_keyboard(
        page,
        kind="Incident",
        persons=[
            {"given_names": "Johannes", "surname": "Berg", "birth_date": "12-04-1985"},
            {"given_names": "Anna", "surname": "Jansen", "birth_date": "1990-05-00"},
        ],
        relation="Ex-partner",
        summary="Ex-partner stond opnieuw voor de deur en dreigde haar iets aan te doen.",
        add_witness=True,
        check_errors=True,
    )
    assert_focus_on_message(page, "opgeslagen")
    registration = Registration.objects.get()
    assert registration.kind == "incident"
    assert registration.municipality is not None and registration.municipality.code == "GM0796"
    assert sorted(o.article for o in registration.offences.all()) == ["285", "350"]
    expect(page.locator("h1")).to_contain_text(registration.reference)
    persons = page.get_by_test_id("person-table")
    expect(persons).to_contain_text("Johannes Berg")
    expect(persons).to_contain_text("Anna Jansen")
    expect(persons).to_contain_text("Vries")
    expect(page.get_by_test_id("relations")).to_contain_text("Johannes Berg → Anna Jansen: ex-partner")


def test_a_breach_of_a_measure_is_registered_and_the_case_owner_finds_it_by_keyboard(
    live_server: Any, new_page: Any
) -> None:
    demo_users_ensure()
    file = _zsm_file()
    measure = measure_impose(
        kind="behaviour_order",
        suspect=file.suspect,
        protected=[file.victim],
        conditions=["contact_ban"],
        starts_on=timezone.localdate(),  # the day of the incident that led to it: not judged again
        ends_on=timezone.localdate() + timedelta(days=60),
        imposed_by="prosecutor",
        organisation=file.district_office,
        actor=User.objects.get(username="officier"),
        police_case=file.police_case,
        source_case=file.case,
    )
    assert (MARCO["birth_date"], LOTTE["birth_date"]) == ("1984-05-19", "1989-01-30")
    registrar = new_page()
    keyboard_login(registrar, live_server.url, "registrar")
    _register_by_keyboard(
        registrar,
        kind="Overtreding van een beschermingsmaatregel",
        persons=[  # as the register knows them (tests/patterns/helpers.py): linked to the same persons
            {"given_names": "Marco", "surname": "Hendriks", "birth_date": "1984-05-19"},
            {"given_names": "Lotte", "surname_prefix": "de", "surname": "Wit", "birth_date": "1989-01-30"},
        ],
        relation="Ex-partner",
        summary="Verdachte stond ondanks het contactverbod weer bij haar voor de deur.",
        add_witness=False,
    )
    assert_focus_on_message(registrar)
    breach = measure.breaches.get()
    assert breach.registration.kind == "overtreding_maatregel"

    owner = new_page()
    keyboard_login(owner, live_server.url, "casusregisseur")
    tab_to(owner, owner.get_by_test_id("menu-measures"))
    press(owner, "Enter", navigates=True)
    tab_to(owner, owner.get_by_role("link", name=measure.reference))
    press(owner, "Enter", navigates=True)
    expect(owner.get_by_test_id("breaches")).to_contain_text(breach.registration.reference)
    expect(owner.get_by_test_id("measure-history")).to_contain_text(breach.registration.reference)
