"""The functional administrator's page of the risk-screening instruments as versioned data: every loaded
version with its licence, load time and fingerprint, and for the latest the processes and units that offer
it (as the screening form offers them); anyone else gets 403."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.screening.instruments import instrument_load_file
from ketenzicht.screening.models import InstrumentVersion
from ketenzicht.screening.selectors import instrument_overview, instruments_for
from ketenzicht.workprocesses.models import Case, ProcessVersion
from ketenzicht.workprocesses.rollouts import rollout_enable

pytestmark = pytest.mark.django_db

LICENSED_EXAMPLE = Path(__file__).resolve().parent / "data" / "licensed_example.yaml"


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    return client


def _row(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</tr>", 1)[0]


def test_every_loaded_version_is_listed_with_its_licence_and_fingerprint(admin: Client) -> None:
    instrument_load_file(LICENSED_EXAMPLE)
    page = admin.get("/beheer/instrumenten/")
    assert page.status_code == 200
    html = page.content.decode()
    for version in InstrumentVersion.objects.all():
        row = _row(html, f"instrument-{version.code}-{version.version}")
        assert version.name in row and version.content_hash[:12] in row
        assert version.loaded_at.astimezone(timezone.get_current_timezone()).strftime("%d-%m-%Y") in row
    licensed = InstrumentVersion.objects.get(code="fictional_licensed_example")
    assert licensed.licence_holder in _row(html, "instrument-fictional_licensed_example-1")
    assert "load_instrument" in html.split('data-testid="instrument-loading"', 1)[1].split("</p>", 1)[0]


def test_only_the_latest_version_is_offered_by_the_processes_the_form_offers_it_on(admin: Client) -> None:
    instrument_load_file(LICENSED_EXAMPLE)
    overview = {rows[0].version.code: rows for rows in instrument_overview()}
    old, new = overview["ex_partner_stalking_open"]
    assert not old.latest and old.offers == [] and new.latest
    # The same processes as the screening form of a case on each version offers it.
    for rows in overview.values():
        latest = rows[-1]
        offering = {offer.process_version.pk for offer in latest.offers}
        for pv in ProcessVersion.objects.filter(process__in=["ex_partner_stalking", "dv_screening"]):
            offered = [v.code for v in instruments_for(Case(process_version=pv))]
            assert (latest.version.code in offered) == (pv.pk in offering), (pv, latest.version.code)
    # The licensed instrument is not offered by the pilot, which requires its own screening.
    licensed = overview["fictional_licensed_example"][-1]
    assert ("ex_partner_stalking", 2) not in {
        (o.process_version.process, o.process_version.version) for o in licensed.offers
    }


def test_the_units_where_an_offering_version_is_in_force_are_named(admin: Client) -> None:
    unit = Organisation.objects.get(code="oost-brabant")
    today = timezone.localdate()
    v2 = ProcessVersion.objects.get(process="ex_partner_stalking", version=2)
    rollout_enable(process_version=v2, organisation=unit, valid_from=today, actor=None, today=today)
    (open_v2,) = [
        rows[-1] for rows in instrument_overview() if rows[0].version.code == "ex_partner_stalking_open"
    ]
    units = {(o.process_version.process, o.process_version.version): o.units for o in open_v2.offers}
    assert unit in units[("ex_partner_stalking", 2)] and unit not in units[("ex_partner_stalking", 1)]
    html = admin.get("/beheer/instrumenten/").content.decode()
    assert unit.name in _row(html, "instrument-ex_partner_stalking_open-2")


def test_the_admin_reaches_it_from_the_menu_and_the_start_page_others_do_not(
    admin: Client, make_user: Callable[..., Any]
) -> None:
    home = admin.get("/").content.decode()
    assert 'data-testid="menu-instruments"' in home and 'data-testid="home-instruments"' in home
    screener = Client()
    screener.force_login(make_user("case_screener", "team_lead"))
    assert screener.get("/beheer/instrumenten/").status_code == 403
    assert "/beheer/instrumenten/" not in screener.get("/").content.decode()
