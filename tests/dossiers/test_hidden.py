"""The dossier says what it cannot show: registrations of the person the user may not see are counted per
police unit (hit / no-hit), never named: no reference, no date, no offence. Another kind of organisation's
(Veilig Thuis's own files) is not even counted for the police (sharing rules `counted`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.organisations.services import api_token_create
from ketenzicht.patterns.models import Signal
from tests.patterns.helpers import take_in
from tests.people import DENNIS, SANDRA, person_of

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}
HIDDEN = ("PL0900-2023-000101", "PL0900-2023-000102", "VT21-2023-000103")
ZWB: dict[str, Any] = {"unit": "zeeland-west-brabant", "municipality": "GM0855"}


def sandra_with_hidden_registrations() -> Any:
    """Sandra, victim of Dennis: two reports in Zeeland-West-Brabant and a Veilig Thuis notification in
    2023 (with an offence that appears nowhere else), then three reports in Oost-Brabant in 2024."""
    take_in(HIDDEN[0], DENNIS, SANDRA, registered_at="2023-05-11T10:00:00+02:00", offences=["302"], **ZWB)
    take_in(HIDDEN[1], DENNIS, SANDRA, registered_at="2023-06-12T10:00:00+02:00", offences=["302"], **ZWB)
    take_in(
        HIDDEN[2], DENNIS, SANDRA, registered_at="2023-07-13T10:00:00+02:00", source="veilig_thuis",
        kind="melding", offences=[],
    )  # fmt: skip
    for n, day in enumerate(("03-04", "05-06", "07-08"), 1):
        last = take_in(f"PL0600-2024-00020{n}", DENNIS, SANDRA, registered_at=f"2024-{day}T10:00:00+02:00")
    return person_of(last, "p2")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dossier_counts_per_unit_what_the_user_may_not_see(make_user: Callable[..., Any]) -> None:
    """A registrar sees the own unit's police registrations; another unit's are counted, never named;
    Veilig Thuis's own file is neither named nor counted."""
    sandra = sandra_with_hidden_registrations()
    client = client_for(make_user("police_registrar", organisation="oost-brabant"))
    client.post(f"/personen/{sandra.pk}/", PURPOSE)
    page = client.get(f"/personen/{sandra.pk}/").content.decode()
    assert 'data-testid="total-victim">3<' in page
    hidden = page.split('data-testid="dossier-hidden"', 1)[1].split("</div>", 1)[0]
    assert ": 2." in hidden
    assert "Politie eenheid Zeeland-West-Brabant: 2<" in hidden and "Veilig Thuis" not in hidden
    assert not [reference for reference in HIDDEN if reference in page]
    assert "art. 302" not in page and "2023" not in page  # nor the offence nor the dates


def test_under_a_purpose_a_screener_sees_every_police_unit_and_nothing_of_the_other_organisations(
    make_user: Callable[..., Any],
) -> None:
    """The police screener's dossier (always under a purpose) holds the police registrations of every unit;
    of Veilig Thuis's own file it says nothing, not even a count. The signal page, which has no stated
    purpose, keeps the own unit and counts the other unit's."""
    sandra = sandra_with_hidden_registrations()
    client = client_for(make_user("case_screener", organisation="oost-brabant"))
    client.post(f"/personen/{sandra.pk}/", PURPOSE)
    page = client.get(f"/personen/{sandra.pk}/").content.decode()
    assert 'data-testid="total-victim">5<' in page
    assert 'data-testid="dossier-hidden"' not in page and "niet mag zien" not in page
    assert [reference for reference in HIDDEN if reference in page] == list(HIDDEN[:2])
    assert "13-07-2023" not in page  # nothing of the Veilig Thuis notification
    signal = Signal.objects.get(rule="possible_stalking", victim=sandra)
    signal_page = client.get(f"/signalen/{signal.pk}/").content.decode()
    assert "Politie eenheid Zeeland-West-Brabant: 2<" in signal_page and "Veilig Thuis: " not in signal_page


def test_a_user_who_may_see_everything_gets_no_hidden_count(make_user: Callable[..., Any]) -> None:
    person = person_of(
        take_in("PL0600-2024-000301", DENNIS, SANDRA, registered_at="2024-03-04T10:00:00+01:00")
    )
    client = client_for(make_user("case_screener", organisation="oost-brabant"))
    client.post(f"/personen/{person.pk}/", PURPOSE)
    page = client.get(f"/personen/{person.pk}/").content.decode()
    assert "Dennis" in page and 'data-testid="dossier-hidden"' not in page


def test_the_dossier_api_says_nothing_of_them_either(make_user: Callable[..., Any]) -> None:
    sandra = sandra_with_hidden_registrations()
    token = api_token_create(user=make_user("case_screener", organisation="zeeland-west-brabant"), name="t")
    response = Client().post(
        f"/api/v1/persons/{sandra.pk}/dossier",
        json.dumps({"purpose": {"reason": "screening", "text": "screening of a new report"}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    # Under its purpose the screener sees the police registrations of both units; Veilig Thuis's own file
    # is not counted either.
    assert [r["reference"] for r in body["registrations"]][:2] == list(HIDDEN[:2])
    assert len(body["registrations"]) == 5
    assert body["registrations_not_shown"] == 0
    assert body["registrations_not_shown_by_organisation"] == []
    assert "VT21" not in response.content.decode()
