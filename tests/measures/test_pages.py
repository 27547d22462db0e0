"""The measures pages: who sees which measure (the one 404 for others), registering from a police case,
extending and ending, the case panel and the dossier panel, and the access log."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.measures.models import Measure, MeasureEvent
from ketenzicht.measures.services import MeasureInvalid, measure_impose
from ketenzicht.organisations.models import Organisation
from ketenzicht.registrations.models import Disclosure
from ketenzicht.workprocesses.models import Case
from tests.clients import signed_in
from tests.measures.helpers import LOTTE_MISSPELT, couple_with_case, recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.summary import linked_fields, marked_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user: Callable[..., Any]) -> dict[str, Any]:
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    return {"marco": marco, "lotte": lotte, "case": case, "measure": measure}


def test_the_unit_and_the_district_office_see_it_others_get_the_same_404(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    measure = world["measure"]
    for role, organisation in (
        ("case_owner", "oost-brabant"),
        ("case_screener", "oost-brabant"),
        ("team_lead", "oost-brabant"),
        ("prosecutor", "om-oost-brabant"),
    ):
        client = signed_in(make_user(role, organisation=organisation))
        page = client.get(f"/maatregelen/{measure.pk}/")
        assert page.status_code == 200, role
        # Named as the registrations the user may see name her: a team lead sees them only under a stated
        # purpose, the district office none of them (no ZSM file, no breach disclosed one): their number.
        named = "Lotte de Wit" if role.startswith("case_") else str(world["lotte"])
        assert named in page.content.decode(), role
        if not role.startswith("case_"):
            assert "Lotte" not in page.content.decode(), role
        assert measure.reference in client.get("/maatregelen/").content.decode()
    for role, organisation in (
        ("case_owner", "zeeland-west-brabant"),
        ("prosecutor", "om-zeeland-west-brabant"),
        ("vt_assessor", "vt-brabant-noordoost"),
        ("police_registrar", "oost-brabant"),
    ):
        client = signed_in(make_user(role, organisation=organisation))
        other = client.get(f"/maatregelen/{measure.pk}/")
        missing = client.get("/maatregelen/999999/")
        assert other.status_code == missing.status_code == 404, role
        assert measure.reference not in other.content.decode()
    assert (
        AccessLogEntry.objects.filter(object_type="measure", result="refused").count() == 8
    )  # each look-up once
    shown = AccessLogEntry.objects.filter(object_type="measure", action="view", result="shown").first()
    assert shown is not None and world["lotte"].pk in set(shown.persons.values_list("person_id", flat=True))


def test_other_units_list_is_empty_and_others_may_not_list(
    make_user: Callable[..., Any], world: dict[str, Any]
) -> None:
    other = signed_in(make_user("case_owner", organisation="zeeland-west-brabant"))
    assert world["measure"].reference not in other.get("/maatregelen/").content.decode()
    assert (
        signed_in(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
        .get("/maatregelen/")
        .status_code
        == 403
    )


def test_the_case_owner_registers_a_restraining_order_from_the_case_then_extends_and_ends_it(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    owner = signed_in(make_user("case_owner"))
    panel = owner.get(f"/zaken/{case.pk}/").content.decode()
    assert 'data-testid="measures-panel"' in panel and 'data-testid="new-restraining-order"' in panel
    form = owner.get(f"/zaken/{case.pk}/maatregelen/nieuw/?soort=restraining_order")
    assert form.status_code == 200 and "Marco Hendriks" in form.content.decode()
    assert re.search(r'value="contact_ban"[^>]*checked', form.content.decode())  # the usual condition
    alarm = owner.get(f"/zaken/{case.pk}/maatregelen/nieuw/?soort=aware_alarm").content.decode()
    assert 'value="contact_ban"' in alarm and not re.search(r'value="contact_ban"[^>]*checked', alarm)
    today = timezone.localdate()
    data = {
        "kind": "restraining_order",
        "suspect": marco.pk,
        "protected": [lotte.pk],
        "starts_on": today.isoformat(),
        "conditions": ["contact_ban", "area_ban"],
        "area_postcodes": "5611-5616",
    }
    too_long = owner.post(
        f"/zaken/{case.pk}/maatregelen/nieuw/", {**data, "ends_on": (today + timedelta(days=20)).isoformat()}
    )
    assert too_long.status_code == 422 and 'data-testid="error-ends_on"' in too_long.content.decode()
    bad_area = owner.post(f"/zaken/{case.pk}/maatregelen/nieuw/", {**data, "area_postcodes": "56AB"})
    assert bad_area.status_code == 422 and 'data-testid="error-area_postcodes"' in bad_area.content.decode()
    backwards = owner.post(f"/zaken/{case.pk}/maatregelen/nieuw/", {**data, "area_postcodes": "5699-5600"})
    shown = backwards.content.decode()
    assert backwards.status_code == 422 and 'data-testid="error-area_postcodes"' in shown
    assert "5699-5600" in shown and "5600-5699" in shown and "[&#x27;" not in shown and "['" not in shown
    done = owner.post(f"/zaken/{case.pk}/maatregelen/nieuw/", data)
    measure = Measure.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/maatregelen/{measure.pk}/"
    again = owner.post(f"/zaken/{case.pk}/maatregelen/nieuw/", data)  # the same form from a second tab
    assert again.status_code == 422 and Measure.objects.count() == 1
    assert (
        f"deze maatregel is al geregistreerd voor deze periode: {measure.reference}" in again.content.decode()
    )
    assert (measure.imposed_by, measure.police_case, measure.areas) == (
        "mayor",
        case,
        {"postcodes": [["5611", "5616"]]},
    )
    # The mayor imposed it; the police registered it: the history says so, not "opgelegd" by the officer.
    history = owner.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert ": geregistreerd" in history and ": opgelegd" not in history
    panel = owner.get(f"/zaken/{case.pk}/").content.decode()
    assert (
        measure.reference in panel and 'data-testid="extendable-until"' in panel and "Lotte de Wit" in panel
    )
    refused = owner.post(
        f"/maatregelen/{measure.pk}/verlengen/",
        {"until": (today + timedelta(days=28)).isoformat(), "reason": "x"},
    )
    assert refused.status_code == 422 and 'data-testid="error-until"' in refused.content.decode()
    extended = owner.post(
        f"/maatregelen/{measure.pk}/verlengen/",
        {"until": (today + timedelta(days=27)).isoformat(), "reason": "Gevaar"},
    )
    assert extended.status_code == 302
    ended = owner.post(
        f"/maatregelen/{measure.pk}/beeindigen/",
        {"on": today.isoformat(), "reason": "Ingetrokken", "confirm_end": "on"},
    )
    assert ended.status_code == 302
    assert list(MeasureEvent.objects.values_list("kind", flat=True)) == ["imposed", "extended", "ended"]
    # A prosecutor sees it but does not change it here; another unit cannot even find it.
    prosecutor = signed_in(make_user("prosecutor", organisation="om-oost-brabant"))
    assert prosecutor.post(f"/maatregelen/{measure.pk}/beeindigen/", {}).status_code == 403
    other = signed_in(make_user("case_owner", organisation="zeeland-west-brabant"))
    assert other.post(f"/maatregelen/{measure.pk}/verlengen/", {}).status_code == 404
    assert other.get(f"/zaken/{case.pk}/maatregelen/nieuw/").status_code == 404


def test_the_dossier_shows_measures_binding_and_protecting_the_person(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    client = signed_in(make_user("case_screener"))
    purpose = {"purpose_reason": "case_management", "purpose_text": "casusoverleg over deze persoon"}
    client.post(f"/personen/{world['lotte'].pk}/", purpose)
    page = client.get(f"/personen/{world['lotte'].pk}/").content.decode()
    assert 'data-testid="person-measures"' in page and world["measure"].reference in page
    assert "beschermd" in page or "protected by it" in page
    # Another unit's screener sees that a measure exists, not whom it binds.
    other = signed_in(make_user("case_screener", organisation="zeeland-west-brabant"))
    other.post(f"/personen/{world['lotte'].pk}/", purpose)
    shown = other.get(f"/personen/{world['lotte'].pk}/").content.decode()
    if 'data-testid="person-measures"' in shown:
        assert "Marco Hendriks" not in shown.split('data-testid="person-measures"')[1]


def test_the_district_office_follows_the_municipality_when_not_given(world: dict[str, Any]) -> None:
    assert world["measure"].district_office == Organisation.objects.get(code="om-oost-brabant")


def test_the_list_reads_the_same_number_of_times_for_one_measure_or_many(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(make_user("team_lead"))
    client.get("/maatregelen/")  # the session and the user's roles, once
    with CaptureQueriesContext(connection) as one:
        assert client.get("/maatregelen/").status_code == 200
    # Five more orders of other conditions (the same order twice is refused: one registration per measure).
    for conditions in (
        ["reporting_duty"],
        ["care"],
        ["contact_ban", "care"],
        ["contact_ban", "reporting_duty"],
        ["reporting_duty", "care"],
    ):
        restraining_order(world["marco"], world["lotte"], world["case"], conditions=conditions)
    with CaptureQueriesContext(connection) as six:
        page = client.get("/maatregelen/")
    assert page.content.decode().count('data-testid="measure-row"') == 6
    assert len(six) == len(one)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/"):
            self.hrefs.append(href)


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


@pytest.fixture
def breached(make_user: Callable[..., Any]) -> dict[str, Any]:
    """A behaviour order of the district office (its prosecutor, decided in a ZSM file of the office), and a
    later registration that breaches it."""
    from ketenzicht.workprocesses.services import case_open

    marco, lotte, case = couple_with_case()
    office = Organisation.objects.get(code="om-oost-brabant")
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    zsm = case_open(process="zsm_file", organisation=office, title="Marco → Lotte", actor=None)
    measure = measure_impose(
        kind="behaviour_order",
        suspect=marco,
        protected=[lotte],
        conditions=["contact_ban"],
        starts_on=timezone.localdate() - timedelta(days=1),
        ends_on=timezone.localdate() + timedelta(days=60),
        imposed_by="prosecutor",
        organisation=office,
        actor=prosecutor,
        district_office=office,
        prosecutor=prosecutor,
        police_case=case,
        source_case=zsm,
    )
    later = take_in("PL0600-M-LINK", MARCO, LOTTE_MISSPELT, registered_at=recent(0))
    return {"measure": measure, "breach": later, "case": case, "zsm": zsm, "prosecutor": prosecutor}


def test_every_link_on_the_measure_page_opens_for_the_prosecutor(breached: dict[str, Any]) -> None:
    """The tester's walk: the breach registration, the police case and the suspect's name gave the 404. The
    breach is disclosed to the office and opens under the measure as purpose (logged); the police case and
    the suspect's dossier, outside the prosecutor's need-to-know, are plain text; every link answers."""
    measure, breach = breached["measure"], breached["breach"]
    assert Disclosure.objects.filter(
        registration=breach, organisation=measure.district_office, purpose="measure_breach"
    ).exists()
    client = signed_in(breached["prosecutor"])
    page = client.get(f"/maatregelen/{measure.pk}/")
    html = page.content.decode()
    links = _links(html)
    opened = f"/registraties/{breach.pk}/?maatregel={measure.pk}"
    assert any(link.startswith(opened) for link in links)
    assert f"/zaken/{breached['zsm'].pk}/" in links  # the ZSM file it was decided in
    assert not any(link.startswith(("/personen/", f"/zaken/{breached['case'].pk}/")) for link in links)
    assert breached["case"].reference in html and "Marco Hendriks" in html  # said, not linked
    for link in links:
        assert client.get(link).status_code == 200, link
    read = AccessLogEntry.objects.get(object_type="registration", object_id=str(breach.pk), result="shown")
    assert read.purpose == f"measure {measure.reference}" and read.detail["measure"] == measure.pk
    assert not AccessLogEntry.objects.filter(result="refused").exists()


def test_a_breach_says_which_date_is_the_incident_s_and_which_the_registration_s(
    breached: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    measure, breach = breached["measure"], breached["breach"]
    html = signed_in(make_user("team_lead")).get(f"/maatregelen/{measure.pk}/").content.decode()
    line = re.search(r'data-testid="breach">(.*?)</li>', html, re.S)
    assert line is not None and breach.reference in line.group(1)
    with translation.override("nl"):
        occurred = translation.pgettext("date of a registration", "occurred")
        registered = translation.pgettext("date of a registration", "registered")
    on = f"{timezone.localtime(breach.occurred_at):%d-%m-%Y}"
    assert f"{occurred} {on}, {registered} {timezone.localtime(breach.registered_at):%d-%m-%Y}" in line.group(
        1
    )


@pytest.mark.parametrize("role", ["case_owner", "case_screener", "team_lead"])
def test_every_link_on_the_measure_page_opens_for_the_police(
    breached: dict[str, Any], make_user: Callable[..., Any], role: str
) -> None:
    measure = breached["measure"]
    client = signed_in(make_user(role))
    links = _links(client.get(f"/maatregelen/{measure.pk}/").content.decode())
    assert f"/zaken/{breached['case'].pk}/" in links
    assert f"/personen/{measure.suspect_id}/?zaak={breached['case'].pk}" in links  # under the case
    assert f"/zaken/{breached['zsm'].pk}/" not in links  # the office's file is not theirs
    for link in links:
        assert client.get(link).status_code == 200, (role, link)
    assert not AccessLogEntry.objects.filter(result="refused").exists()


def test_a_breach_the_user_may_not_open_is_no_link_and_names_no_registration(
    breached: dict[str, Any],
) -> None:
    """A breach found before breaches were disclosed: its registration is the police's, which the
    prosecutor may neither see nor count (`counted` has no rule for the office), so the page says nothing
    of it, not even that there is one; the migration discloses it, and it is listed and opens."""
    from importlib import import_module

    from django.apps import apps

    measure, breach = breached["measure"], breached["breach"]
    Disclosure.objects.filter(purpose="measure_breach").delete()
    client = signed_in(breached["prosecutor"])
    html = client.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert breach.reference not in html and f"/registraties/{breach.pk}/" not in html
    assert 'data-testid="breach"' not in html and "Geen overtredingen gevonden." in html
    import_module("ketenzicht.measures.migrations.0003_disclose_breaches").disclose(apps, None)
    import_module("ketenzicht.measures.migrations.0003_disclose_breaches").disclose(apps, None)  # once
    assert Disclosure.objects.filter(purpose="measure_breach", registration=breach).count() == 1
    html = client.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert breach.reference in html
    assert client.get(f"/registraties/{breach.pk}/?maatregel={measure.pk}").status_code == 200


def test_a_made_up_measure_link_carries_no_purpose(
    breached: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """`?maatregel=` of a measure the user may not see, or of a registration that is no breach of it, is no
    purpose: a screener of another unit gets the one 404, logged once and without a purpose."""
    measure, breach = breached["measure"], breached["breach"]
    other = signed_in(make_user("case_screener", organisation="zeeland-west-brabant"))
    assert other.get(f"/registraties/{breach.pk}/?maatregel={measure.pk}").status_code == 404
    refused = AccessLogEntry.objects.get(object_type="registration", result="refused")
    assert refused.purpose == ""
    first = breached["case"].registrations.order_by("pk").first()
    owner = signed_in(make_user("case_owner"))
    assert owner.get(f"/registraties/{first.pk}/?maatregel={measure.pk}").status_code == 200  # own unit
    read = AccessLogEntry.objects.filter(object_type="registration", result="shown").latest("id")
    assert read.purpose == ""


def test_ending_early_is_confirmed_first_and_without_it_nothing_is_stored(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """Ending a measure early cannot be taken back: the page says so beside a check box, and a submit
    without it is refused naming the box (the other fields keep what was typed), the measure unchanged."""
    measure = world["measure"]
    owner = signed_in(make_user("case_owner"))
    page = owner.get(f"/maatregelen/{measure.pk}/").content.decode()
    form = page.split('data-testid="end-form"')[1].split("</form>")[0]
    assert 'name="confirm_end"' in form and "required" in form.split('name="confirm_end"')[1].split(">")[0]
    today = timezone.localdate()
    refused = owner.post(
        f"/maatregelen/{measure.pk}/beeindigen/", {"on": today.isoformat(), "reason": "Ingetrokken"}
    )
    shown = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="error-confirm_end"' in shown
    assert "Ingetrokken" in shown  # kept for the second try
    before = Measure.objects.get(pk=measure.pk)
    assert (before.ends_on, before.ended_at) == (measure.ends_on, None)
    assert not MeasureEvent.objects.filter(measure=measure, kind="ended").exists()
    done = owner.post(
        f"/maatregelen/{measure.pk}/beeindigen/",
        {"on": today.isoformat(), "reason": "Ingetrokken", "confirm_end": "on"},
    )
    assert done.status_code == 302 and Measure.objects.get(pk=measure.pk).ends_on == today


@override_settings(MEASURE_TERMS={"restraining_order": {"at_a_time": {"amount": 5, "unit": "days"}}})
def test_an_extension_refused_says_why_in_dutch(world: dict[str, Any], make_user: Callable[..., Any]) -> None:
    """The tester read "this kind of measure may be extended until 03-06-2027 at most" on a Dutch page."""
    measure = world["measure"]
    owner = signed_in(make_user("case_owner"))
    limit = measure.ends_on + timedelta(days=5)
    refused = owner.post(
        f"/maatregelen/{measure.pk}/verlengen/",
        {"until": (limit + timedelta(days=1)).isoformat(), "reason": "Dreiging houdt aan"},
    )
    shown = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="error-until"' in shown
    assert f"mag ten hoogste tot en met {limit:%d-%m-%Y} worden verlengd" in shown
    assert "may be extended" not in shown


def test_a_banned_area_reads_as_municipality_names_not_codes(make_user: Callable[..., Any]) -> None:
    # The officer at the door knows "Eindhoven", not "GM0772".
    marco, lotte, case = couple_with_case()
    measure = restraining_order(
        marco,
        lotte,
        case,
        conditions=["contact_ban", "area_ban"],
        areas={"municipalities": ["GM0772"], "postcodes": [["5611", "5616"]]},
    )
    owner = signed_in(make_user("case_owner"))
    for address in (f"/maatregelen/{measure.pk}/", "/maatregelen/"):
        shown = owner.get(address).content.decode()
        assert "Eindhoven, 5611–5616" in shown, address
        assert "GM0772" not in shown, address


def test_only_the_district_office_lifts_its_behaviour_order_the_police_do_not(
    breached: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    # The walk: a police case owner was offered "Vervroegd beëindigen" on the prosecutor's order and ended it.
    measure = breached["measure"]
    police = signed_in(make_user("case_owner"))
    page = police.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert page and 'data-testid="end-form"' not in page and 'data-testid="extend-form"' not in page
    today = timezone.localdate()
    ended = police.post(f"/maatregelen/{measure.pk}/beeindigen/", {"on": today.isoformat(), "reason": "x"})
    assert ended.status_code == 403
    measure.refresh_from_db()
    assert (
        measure.ended_at is None and not MeasureEvent.objects.filter(measure=measure, kind="ended").exists()
    )
    prosecutor = signed_in(breached["prosecutor"])
    assert 'data-testid="end-form"' in prosecutor.get(f"/maatregelen/{measure.pk}/").content.decode()


def test_the_measure_forms_have_the_error_summary_leading_to_each_field(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """The extend and the end form share a page, and both have a reason: each leads to its own."""
    measure, case = world["measure"], world["case"]
    owner = signed_in(make_user("case_owner"))
    page = owner.post(f"/maatregelen/{measure.pk}/beeindigen/", {"on": ""}).content.decode()
    assert marked_fields(page) == ["on", "reason", "confirm_end"]
    assert linked_fields(page) == marked_fields(page)
    assert 'href="#id_end_reason"' in page
    page = owner.post(f"/maatregelen/{measure.pk}/verlengen/", {"until": "morgen"}).content.decode()
    assert marked_fields(page) == ["until", "reason"] and linked_fields(page) == marked_fields(page)
    assert 'href="#id_extend_reason"' in page
    page = owner.post(
        f"/zaken/{case.pk}/maatregelen/nieuw/", {"kind": "restraining_order", "starts_on": "morgen"}
    ).content.decode()
    assert "starts_on" in marked_fields(page) and linked_fields(page) == marked_fields(page)


def test_a_restraining_order_from_before_the_case_is_refused_at_its_start_with_the_bound(
    make_user: Callable[..., Any],
) -> None:
    """A restraining order "from 01-01-1900" was registered (MR2026-000001 "01-01-1900 – 10-01-1900"), and
    the insights page then counted from 1900. The form names the case's first day at the start field."""
    marco, lotte, case = couple_with_case()
    first = timezone.localdate() - timedelta(days=7)  # couple_with_case: registered a week ago
    owner = signed_in(make_user("case_owner"))
    data = {
        "kind": "restraining_order",
        "suspect": marco.pk,
        "protected": [lotte.pk],
        "conditions": ["contact_ban"],
    }
    for start in ("1900-01-01", (first - timedelta(days=1)).isoformat()):
        answer = owner.post(f"/zaken/{case.pk}/maatregelen/nieuw/", {**data, "starts_on": start})
        page = answer.content.decode()
        assert answer.status_code == 422
        error = page.split('data-testid="error-starts_on"', 1)[1].split("</", 1)[0]
        assert (
            f"De ingangsdatum kan niet voor {first:%d-%m-%Y} liggen: het eerste voorval in de registraties"
            in error
        )
    assert not Measure.objects.exists() and not MeasureEvent.objects.exists()
    done = owner.post(f"/zaken/{case.pk}/maatregelen/nieuw/", {**data, "starts_on": first.isoformat()})
    assert done.status_code == 302 and Measure.objects.get().starts_on == first


def test_the_service_refuses_a_start_out_of_its_window_without_a_form() -> None:
    marco, lotte, case = couple_with_case()
    common: dict[str, Any] = dict(
        suspect=marco,
        protected=[lotte],
        conditions=["contact_ban"],
        imposed_by="mayor",
        organisation=Organisation.objects.get(code="oost-brabant"),
        actor=None,
    )

    for start, police_case in (
        (date(1900, 1, 1), case),  # before the case
        (date(1900, 1, 1), None),  # without a case: more than a year back
        (timezone.localdate() + timedelta(days=400), None),  # more than a year ahead
    ):
        with pytest.raises(MeasureInvalid) as invalid:
            measure_impose(kind="restraining_order", starts_on=start, police_case=police_case, **common)
        assert invalid.value.field == "starts_on"
    assert not Measure.objects.exists() and not MeasureEvent.objects.exists()


def test_a_case_without_a_suspect_and_a_victim_explains_why_it_offers_no_measure_form(
    make_user: Callable[..., Any],
) -> None:
    """A case opened by hand has no persons yet: nobody to bind or protect, so no empty form."""
    from ketenzicht.workprocesses.services import case_open

    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Op verzoek van de wijkagent",
        actor=None,
    )
    owner = signed_in(make_user("case_owner"))
    panel = owner.get(f"/zaken/{case.pk}/").content.decode()
    assert 'data-testid="measure-no-parties"' in panel and 'data-testid="new-restraining-order"' not in panel
    page = owner.get(f"/zaken/{case.pk}/maatregelen/nieuw/?soort=restraining_order")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="measure-no-parties"' in html and 'data-testid="measure-form"' not in html
    sent = owner.post(
        f"/zaken/{case.pk}/maatregelen/nieuw/",
        {"kind": "restraining_order", "starts_on": timezone.localdate().isoformat()},
    )
    assert sent.status_code == 422 and 'data-testid="measure-no-parties"' in sent.content.decode()
    assert not Measure.objects.exists()


def test_the_case_panel_points_to_a_measures_page_only_when_it_links_one(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """Another unit's case about the same pair lists the measure without its names and without a link (its
    page is a 404 there), but said "Extend or end a measure on its page.": a way on that was not there."""
    own = signed_in(make_user("case_screener", organisation="oost-brabant"))
    page = own.get(f"/zaken/{world['case'].pk}/").content.decode()
    assert f'href="/maatregelen/{world["measure"].pk}/"' in page
    on_its_page = "Verleng of beëindig een maatregel op zijn eigen pagina."
    assert on_its_page in page
    later = take_in(
        "PL0900-M-2",
        MARCO,
        LOTTE,
        registered_at=recent(1),
        unit="zeeland-west-brabant",
        municipality="GM0855",
    )
    other_case = Case.objects.get(registrations=later, organisation__code="zeeland-west-brabant")
    other = signed_in(make_user("case_screener", organisation="zeeland-west-brabant"))
    page = other.get(f"/zaken/{other_case.pk}/").content.decode()
    assert world["measure"].reference in page  # listed: the pair's measure in force
    assert f'href="/maatregelen/{world["measure"].pk}/"' not in page
    assert on_its_page not in page
    assert other.get(f"/maatregelen/{world['measure'].pk}/").status_code == 404


def test_the_case_panel_names_the_cases_own_suspect_bound_by_a_measure_the_reader_may_not_open(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """Another unit's case about the same pair listed the measure as "Gebonden —", though the case names
    its suspect: the bound person is named as the case's lists name him (the registrations the reader may
    see), the protected only counted, and the look-up logged with him."""
    later = take_in(
        "PL0900-M-3",
        MARCO,
        LOTTE,
        registered_at=recent(1),
        unit="zeeland-west-brabant",
        municipality="GM0855",
    )
    other_case = Case.objects.get(registrations=later, organisation__code="zeeland-west-brabant")
    reader = make_user("case_screener", organisation="zeeland-west-brabant")
    page = signed_in(reader).get(f"/zaken/{other_case.pk}/").content.decode()
    panel = page.split('data-testid="case-measures"', 1)[1].split("</table>", 1)[0]
    [row] = re.findall(r'data-testid="measure-row">(.*?)</tr>', panel, re.S)
    cells = re.findall(r'<td class="utrecht-table__cell"[^>]*>(.*?)</td>', row, re.S)
    assert world["measure"].reference in cells[0] and 'href="/maatregelen/' not in cells[0]
    assert cells[1] == "Marco Hendriks"  # not "—"
    assert "Lotte" not in panel and "1 persoon" in cells[2]  # the protected: counted only
    logged = AccessLogEntry.objects.filter(actor=reader, object_type="measure").latest("pk")
    assert [p.person_id for p in logged.persons.all()] == [world["marco"].pk]
