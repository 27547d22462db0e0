"""Need-to-know on every field of a signal: another police unit's registration the user may not see is
counted per unit, never named (no reference, no date), on the pages and in the API; another kind of
organisation's (Veilig Thuis's own file) is neither named nor counted, not even in the signal's number of
registrations (sharing rules `counted`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.patterns.models import Signal

from .helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

HIDDEN = ("PL0900-2024-000011", "PL0900-2024-000012", "VT21-2024-000031")


def hidden_first_then_own_unit() -> Signal:
    """Marco and Lotte: two reports in Zeeland-West-Brabant (the signal fires at the second), a Veilig
    Thuis notification (its own file: the signal does not rest on it), then a report in Oost-Brabant, which
    puts the signal in that unit's list."""
    zwb, tilburg = "zeeland-west-brabant", "GM0855"
    take_in(
        HIDDEN[0], MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", unit=zwb, municipality=tilburg
    )
    take_in(
        HIDDEN[1], MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"], unit=zwb,
        municipality=tilburg,
    )  # fmt: skip
    take_in(
        HIDDEN[2], MARCO, LOTTE, registered_at="2024-04-02T10:00:00+01:00", source="veilig_thuis",
        kind="melding", offences=[],
    )  # fmt: skip
    take_in("PL0600-2024-000041", MARCO, LOTTE, registered_at="2024-04-10T10:00:00+01:00")
    signal = Signal.objects.get(rule="possible_stalking")
    assert signal.unit is not None and signal.unit.code == "oost-brabant"
    assert signal.first_fired_registration.reference in HIDDEN[:2]
    assert HIDDEN[2] not in evidence(signal)
    return signal


def evidence(signal: Signal) -> set[str]:
    return set(signal.registrations.values_list("reference", flat=True))


def screener_client(make_user: Callable[..., Any], organisation: str = "oost-brabant") -> Client:
    client = Client()
    client.force_login(make_user("case_screener", organisation=organisation))
    return client


def named(text: str) -> list[str]:
    return [reference for reference in HIDDEN if reference in text]


def shows(text: str, day: int, month: int) -> bool:
    """Whether `text` shows this date of 2024 (dd-mm-yyyy, or without leading zeros)."""
    return re.search(rf"(?<!\d)0?{day}-0?{month}-2024", text) is not None


def test_the_api_names_no_registration_the_caller_may_not_see(make_user: Callable[..., Any]) -> None:
    signal = hidden_first_then_own_unit()
    client = screener_client(make_user)
    hidden_id = signal.first_fired_registration_id
    assert client.get(f"/api/v1/registrations/{hidden_id}").status_code == 404
    one = client.get(f"/api/v1/signals/{signal.pk}")
    listing = client.get("/api/v1/signals")
    assert named(one.content.decode()) == [] and named(listing.content.decode()) == []
    body = one.json()
    assert body["first_fired_registration"] is None and body["first_fired_at"] is None
    assert [r["reference"] for r in body["registrations"]] == ["PL0600-2024-000041"]
    assert body["last_registered_at"].startswith("2024-04-10")
    assert body["registrations_not_shown"] == 2
    assert body["registrations_not_shown_by_organisation"] == [
        {"organisation_kind": "politie", "unit": "zeeland-west-brabant", "count": 2},
    ]
    assert "veilig_thuis" not in one.content.decode() and "veilig_thuis" not in listing.content.decode()
    item = next(i for i in listing.json()["items"] if i["id"] == signal.pk)
    assert item["first_fired_registration"] is None and item["registrations_not_shown"] == 2


def test_the_pages_name_no_registration_the_user_may_not_see(make_user: Callable[..., Any]) -> None:
    signal = hidden_first_then_own_unit()
    client = screener_client(make_user)
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    listing = client.get("/signalen/").content.decode()
    assert named(page) == [] and named(listing) == []
    assert shows(page, 10, 4)
    assert not any(shows(page, d, m) for d, m in ((6, 3), (20, 3), (2, 4)))  # nor the dates of the hidden
    assert shows(listing, 10, 4) and not any(shows(listing, d, m) for d, m in ((20, 3), (2, 4)))
    first = page.split('data-testid="first-fired">', 1)[1].split("</dd>", 1)[0]
    assert "PL0600-2024-000041" not in first  # not the first firing one either
    hidden = page.split('data-testid="hidden-evidence"', 1)[1].split("</div>", 1)[0]
    assert (
        'data-testid="hidden-politie-zeeland-west-brabant">Politie eenheid Zeeland-West-Brabant: 2<' in hidden
    )
    assert "Veilig Thuis" not in hidden and ": 2." in hidden
    cell = listing.split(f'data-testid="registrations-{signal.pk}">', 1)[1].split("</td>", 1)[0]
    # Three: the own unit's and the other unit's two; Veilig Thuis's own file is not in the number either.
    assert cell.startswith("3 ") and "Veilig Thuis" not in cell
    assert "(2 van andere eenheden: " in cell and "zichtbaar in het dossier met een doel</a>)" in cell
    assert "niet zichtbaar voor u" not in cell
    first = listing.split(f'data-testid="first-fired-{signal.pk}">', 1)[1].split("</td>", 1)[0]
    assert first == "in een registratie van een andere eenheid, zichtbaar in het dossier met een doel"


def test_the_list_says_the_dossier_shows_what_a_purpose_opens_and_counts_the_rest_as_hidden(
    make_user: Callable[..., Any],
) -> None:
    """The list is read without a purpose: the other unit's two reports are not visible there, but a
    screener sees them in the dossier opened with one (police: every unit, under a purpose, logged). So
    the list says so and links to the dossier under the signal's purpose, which shows them indeed; Veilig
    Thuis's notification, which no purpose opens to the police, is not mentioned at all."""
    signal = hidden_first_then_own_unit()
    client = screener_client(make_user)
    client.cookies["django_language"] = "en"
    listing = client.get("/signalen/").content.decode()
    cell = listing.split(f'data-testid="registrations-{signal.pk}">', 1)[1].split("</td>", 1)[0]
    assert named(cell) == [] and cell.startswith("3 ")
    opened = cell.split(f'data-testid="with-purpose-{signal.pk}">', 1)[1].split("</span>", 1)[0]
    link = f'href="/personen/{signal.suspect_id}/?signaal={signal.pk}"'
    assert opened.startswith("(2 of other units: ") and link in opened
    assert "visible in the dossier with a purpose</a>)" in opened
    assert "not visible to you" not in cell and "Veilig Thuis" not in cell
    # The firing one is the other unit's too: said so, still without its date.
    first = listing.split(f'data-testid="first-fired-{signal.pk}">', 1)[1].split("</td>", 1)[0]
    assert first == "in a registration of another unit, visible in the dossier with a purpose"
    # The link opens the dossier under the signal's purpose, with the two reports in it.
    dossier = client.get(f"/personen/{signal.suspect_id}/?signaal={signal.pk}")
    assert dossier.status_code == 200 and named(dossier.content.decode()) == list(HIDDEN[:2])


def test_the_unit_that_may_see_the_first_firing_registration_sees_it_named(
    make_user: Callable[..., Any],
) -> None:
    signal = hidden_first_then_own_unit()
    take_in(
        "PL0900-2024-000051", MARCO, LOTTE, registered_at="2024-04-20T10:00:00+01:00",
        unit="zeeland-west-brabant", municipality="GM0855",
    )  # fmt: skip
    signal.refresh_from_db()
    assert signal.unit is not None and signal.unit.code == "zeeland-west-brabant"
    body = screener_client(make_user, "zeeland-west-brabant").get(f"/api/v1/signals/{signal.pk}").json()
    assert body["first_fired_registration"]["reference"] == signal.first_fired_registration.reference
    assert body["registrations_not_shown_by_organisation"] == [
        {"organisation_kind": "politie", "unit": "oost-brabant", "count": 1},
    ]


def test_the_dossier_signals_section_sees_what_the_dossier_sees(make_user: Callable[..., Any]) -> None:
    """Under the dossier's purpose the other police unit's registrations are in its table, so the signals
    section dates the firing one too (it said "in a registration you may not see" beside the very row);
    Veilig Thuis's notification stays hidden there and in the section. The other person is named as the
    registrations the user may see write them, not by a number."""
    signal = hidden_first_then_own_unit()
    client = screener_client(make_user)
    client.post(
        f"/personen/{signal.suspect_id}/",
        {"purpose_reason": "screening", "purpose_text": "screening of a new report"},
    )
    page = client.get(f"/personen/{signal.suspect_id}/").content.decode()
    section = page.split('data-testid="slot-signals"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="person-signals"' in section
    assert named(page) == list(HIDDEN[:2])
    assert shows(section, 20, 3) and shows(section, 10, 4)
    assert not shows(section, 2, 4) and "VT21-2024-000031" not in page
    assert "you may not see" not in section and "niet mag zien" not in section
    other = section.split('data-testid="signal-other">', 1)[1].split("</a>", 1)[0]
    assert "Lotte de Wit" in other and f"P{signal.victim_id:07d}" not in section


def test_a_later_registration_the_user_may_not_see_gives_no_date(make_user: Callable[..., Any]) -> None:
    signal = hidden_first_then_own_unit()
    take_in(
        "VT21-2024-000061", MARCO, LOTTE, registered_at="2024-04-15T10:00:00+02:00", source="veilig_thuis",
        kind="melding", offences=[],
    )  # fmt: skip
    signal.refresh_from_db()
    assert signal.last_registration.reference == "PL0600-2024-000041"  # the file is not the signal's
    assert "VT21-2024-000061" not in evidence(signal)
    assert signal.unit is not None and signal.unit.code == "oost-brabant"
    client = screener_client(make_user)
    body = client.get(f"/api/v1/signals/{signal.pk}").json()
    assert body["last_registered_at"].startswith("2024-04-10")
    assert body["registrations_not_shown_by_organisation"] == [
        {"organisation_kind": "politie", "unit": "zeeland-west-brabant", "count": 2},
    ]
    for path in ("/signalen/", f"/signalen/{signal.pk}/", "/api/v1/signals"):
        text = client.get(path).content.decode()
        assert not shows(text, 15, 4) and "2024-04-15" not in text and "VT21-2024-000061" not in text


def test_a_veilig_thuis_file_joining_the_signal_is_no_change_to_the_police(
    make_user: Callable[..., Any],
) -> None:
    """Veilig Thuis's own file does not join the signal at all (the police may not know of that file):
    the stored signal does not change, and the list and the page tell of no change; a police report of
    another unit joining it is a change they are told, counted."""
    signal = hidden_first_then_own_unit()
    client = screener_client(make_user)
    assert client.get(f"/signalen/{signal.pk}/").status_code == 200  # seen: a change counts from here
    before = (signal.fingerprint, signal.change, signal.changed_at, evidence(signal))
    listed = client.get("/signalen/").content.decode()
    take_in(
        "VT21-2024-000061", MARCO, LOTTE, registered_at="2024-04-15T10:00:00+02:00", source="veilig_thuis",
        kind="melding", offences=[],
    )  # fmt: skip
    signal.refresh_from_db()
    assert (signal.fingerprint, signal.change, signal.changed_at, evidence(signal)) == before
    assert signal.seen.exists()  # still seen: nothing new to the police
    listing = client.get("/signalen/").content.decode()
    row = listing.split(f'data-testid="registrations-{signal.pk}">', 1)[1].split("</tr>", 1)[0]
    assert row == listed.split(f'data-testid="registrations-{signal.pk}">', 1)[1].split("</tr>", 1)[0]
    take_in(
        "PL0900-2024-000071", MARCO, LOTTE, registered_at="2024-04-20T10:00:00+02:00",
        unit="zeeland-west-brabant", municipality="GM0855",
    )  # fmt: skip
    signal.refresh_from_db()
    owner = screener_client(make_user, signal.unit.code if signal.unit else "")
    page = owner.get(f"/signalen/{signal.pk}/").content.decode()
    change = page.split('data-testid="signal-change">', 1)[1].split("</dd>", 1)[0]
    assert "1 registratie erbij" in change  # the police report only, not the Veilig Thuis file before it
