"""The measures pages: who sees which measure (the one 404 for others), registering from a police case,
extending and ending, the case panel and the dossier panel, and the access log."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.measures.models import Measure, MeasureEvent
from ketenzicht.organisations.models import Organisation
from tests.measures.helpers import couple_with_case, restraining_order

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


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
        client = _client(make_user(role, organisation=organisation))
        page = client.get(f"/maatregelen/{measure.pk}/")
        assert page.status_code == 200, role
        assert "Lotte de Wit" in page.content.decode()
        assert measure.reference in client.get("/maatregelen/").content.decode()
    for role, organisation in (
        ("case_owner", "zeeland-west-brabant"),
        ("prosecutor", "om-zeeland-west-brabant"),
        ("vt_assessor", "vt-brabant-noordoost"),
        ("police_registrar", "oost-brabant"),
    ):
        client = _client(make_user(role, organisation=organisation))
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
    other = _client(make_user("case_owner", organisation="zeeland-west-brabant"))
    assert world["measure"].reference not in other.get("/maatregelen/").content.decode()
    assert (
        _client(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
        .get("/maatregelen/")
        .status_code
        == 403
    )


def test_the_case_owner_registers_a_restraining_order_from_the_case_then_extends_and_ends_it(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    owner = _client(make_user("case_owner"))
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
        f"/maatregelen/{measure.pk}/beeindigen/", {"on": today.isoformat(), "reason": "Ingetrokken"}
    )
    assert ended.status_code == 302
    assert list(MeasureEvent.objects.values_list("kind", flat=True)) == ["imposed", "extended", "ended"]
    # A prosecutor sees it but does not change it here; another unit cannot even find it.
    prosecutor = _client(make_user("prosecutor", organisation="om-oost-brabant"))
    assert prosecutor.post(f"/maatregelen/{measure.pk}/beeindigen/", {}).status_code == 403
    other = _client(make_user("case_owner", organisation="zeeland-west-brabant"))
    assert other.post(f"/maatregelen/{measure.pk}/verlengen/", {}).status_code == 404
    assert other.get(f"/zaken/{case.pk}/maatregelen/nieuw/").status_code == 404


def test_the_dossier_shows_measures_binding_and_protecting_the_person(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    client = _client(make_user("case_screener"))
    purpose = {"purpose_reason": "case_management", "purpose_text": "casusoverleg over deze persoon"}
    client.post(f"/personen/{world['lotte'].pk}/", purpose)
    page = client.get(f"/personen/{world['lotte'].pk}/").content.decode()
    assert 'data-testid="person-measures"' in page and world["measure"].reference in page
    assert "beschermd" in page or "protected by it" in page
    # Another unit's screener sees that a measure exists, not whom it binds.
    other = _client(make_user("case_screener", organisation="zeeland-west-brabant"))
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

    client = _client(make_user("team_lead"))
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
