"""The functional administrator's page of the units (organisations): kind, code, region and served
municipalities, active users per role; anyone else gets 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.accounts.selectors import unit_overview
from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.services import user_set_active

pytestmark = pytest.mark.django_db
MakeUser = Callable[..., Any]


@pytest.fixture
def admin(make_user: MakeUser) -> Client:
    client = Client()
    client.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    return client


def test_active_users_are_counted_per_role_in_their_organisation(make_user: MakeUser) -> None:
    make_user("case_screener", "team_lead", organisation="oost-brabant")
    make_user("case_screener", organisation="oost-brabant")
    gone = make_user("case_owner", organisation="oost-brabant")
    user_set_active(user=gone, active=False)
    make_user("vt_assessor", organisation="vt-brabant-noordoost")
    rows = {row.organisation.code: row for row in unit_overview()}
    police = rows["oost-brabant"]
    assert police.active_users == [(Role.CASE_SCREENER, 2), (Role.TEAM_LEAD, 1)] and police.users == 2
    assert rows["vt-brabant-noordoost"].active_users == [(Role.VT_ASSESSOR, 1)]
    assert rows["om-oost-brabant"].active_users == [] and rows["om-oost-brabant"].users == 0


def test_each_unit_names_the_municipalities_it_serves(make_user: MakeUser) -> None:
    rows = {row.organisation.code: row for row in unit_overview()}
    assert len(rows) == Organisation.objects.count()
    for code, related in (
        ("oost-brabant", "police_unit"),
        ("vt-brabant-noordoost", "vt_region"),
        ("om-oost-brabant", "district_office"),
    ):
        served = Municipality.objects.filter(**{f"{related}__code": code})
        assert served.exists() and rows[code].municipalities == sorted(m.name for m in served), code
    assert rows["landelijke-eenheid"].municipalities == []


def test_the_page_shows_kind_code_region_and_counts(admin: Client, make_user: MakeUser) -> None:
    make_user("case_screener", organisation="oost-brabant")
    page = admin.get("/beheer/eenheden/")
    assert page.status_code == 200
    html = page.content.decode()
    vt = Organisation.objects.get(code="vt-brabant-noordoost")
    row = html.split('data-testid="unit-vt-brabant-noordoost"', 1)[1].split("</tr>", 1)[0]
    assert vt.name in row and vt.get_kind_display() in row and vt.region_code in row
    served = Municipality.objects.filter(vt_region=vt).count()
    assert f'data-testid="unit-vt-brabant-noordoost-municipalities">{served} ' in row
    users = html.split('data-testid="unit-oost-brabant-users">', 1)[1].split("</td>", 1)[0]
    assert ": 1" in users and str(Role.CASE_SCREENER.label) in users
    district = html.split('data-testid="unit-om-oost-brabant"', 1)[1].split("</tr>", 1)[0]
    assert Organisation.objects.get(code="oost-brabant").name in district  # its police unit


def test_a_district_office_names_its_police_unit_once(admin: Client) -> None:
    """It read "bij politie-eenheid Politie eenheid Oost-Brabant": the unit's name says what it is."""
    html = admin.get("/beheer/eenheden/").content.decode()
    police = html.split('data-testid="unit-om-oost-brabant-police">', 1)[1].split("</span>", 1)[0]
    assert police == "werkt samen met Politie eenheid Oost-Brabant"
    assert "politie-eenheid Politie" not in html


def test_the_admin_reaches_it_from_the_menu_and_the_start_page_others_do_not(
    admin: Client, make_user: MakeUser
) -> None:
    home = admin.get("/").content.decode()
    assert 'data-testid="menu-units"' in home and 'data-testid="home-units"' in home
    units = admin.get("/beheer/eenheden/").content.decode()
    menu = units.split('data-testid="menu-users"', 1)[1].split("</a>", 1)[0]
    assert "aria-current" not in menu
    lead = Client()
    lead.force_login(make_user("team_lead", organisation="oost-brabant"))
    assert lead.get("/beheer/eenheden/").status_code == 403
    assert "/beheer/eenheden/" not in lead.get("/").content.decode()
