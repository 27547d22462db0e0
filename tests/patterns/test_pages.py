"""The signals list of a unit and a signal's page: who sees what, the order, the evidence, who has seen it,
and the access log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.patterns.models import Signal, SignalSeen
from ketenzicht.patterns.services import signals_update

from .helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

SOFIE = {"given_names": "Sofie", "surname": "Mulder", "birth_date": "1991-07-07", "sex": "F"}
RUUD = {"given_names": "Ruud", "surname": "Kramer", "birth_date": "1979-12-12", "sex": "M"}


def stalking_pair(
    prefix: str, suspect: dict[str, Any], victim: dict[str, Any], *, danger: bool = False
) -> None:
    take_in(f"{prefix}-1", suspect, victim, registered_at="2024-03-06T09:12:00+01:00")
    take_in(
        f"{prefix}-2",
        suspect,
        victim,
        registered_at="2024-03-20T10:00:00+01:00",
        offences=["350"],
        summary="V dreigde A te vermoorden." if danger else "Ruit ingegooid.",
    )


def client_for(make_user: Callable[..., Any], role: str, organisation: str = "oost-brabant") -> Client:
    client = Client()
    client.force_login(make_user(role, organisation=organisation))
    return client


def test_the_unit_list_shows_its_signals_most_severe_first(make_user: Callable[..., Any]) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE)
    stalking_pair("PL0600-B", RUUD, SOFIE, danger=True)
    response = client_for(make_user, "case_screener").get("/signalen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Ruud Kramer") < html.index("Marco Hendriks")  # high before medium
    assert "Lotte de Wit" in html and "Sofie Mulder" in html


def test_another_unit_does_not_see_them(make_user: Callable[..., Any]) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE)
    signal = Signal.objects.get(rule="possible_stalking")
    other = client_for(make_user, "case_screener", organisation="zeeland-west-brabant")
    assert "Marco" not in other.get("/signalen/").content.decode()
    assert other.get(f"/signalen/{signal.pk}/").status_code == 404
    refused = AccessLogEntry.objects.filter(object_type="signal", object_id=str(signal.pk), result="refused")
    assert refused.count() == 1


def test_the_signal_page_shows_why_and_the_evidence_and_marks_it_seen(make_user: Callable[..., Any]) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE)
    signal = Signal.objects.get(rule="possible_stalking")
    screener = make_user("case_screener", organisation="oost-brabant", username="screener-a")
    client = Client()
    client.force_login(screener)
    assert 'data-testid="new-for-you"' in client.get("/signalen/").content.decode()
    response = client.get(f"/signalen/{signal.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="evidence-PL0600-A-1"' in html and 'data-testid="evidence-PL0600-A-2"' in html
    assert html.count('data-testid="fired-here"') == 1
    assert "Marco Hendriks" in html and "Lotte de Wit" in html
    assert SignalSeen.objects.filter(signal=signal, user=screener).exists()
    entry = AccessLogEntry.objects.get(object_type="signal", object_id=str(signal.pk), result="shown")
    assert entry.purpose and entry.actor_username == "screener-a"
    listing = client.get("/signalen/").content.decode()
    assert 'data-testid="new-for-you"' not in listing
    seen_cell = listing.split(f'data-testid="seen-by-{signal.pk}">', 1)[1].split("</td>", 1)[0]
    assert seen_cell.strip() == "screener-a"


def test_registrations_the_user_may_not_see_are_counted_not_shown(make_user: Callable[..., Any]) -> None:
    take_in(
        "PL0600-X-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00", unit="zeeland-west-brabant"
    )
    take_in("PL0600-X-2", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.get(rule="possible_stalking")
    assert signal.unit is not None and signal.unit.code == "oost-brabant"  # the latest registration's unit
    html = client_for(make_user, "case_screener").get(f"/signalen/{signal.pk}/").content.decode()
    assert "PL0600-X-2" in html and "PL0600-X-1" not in html
    assert 'data-testid="hidden-evidence"' in html


def test_the_list_costs_the_same_queries_for_more_signals(make_user: Callable[..., Any]) -> None:
    client = client_for(make_user, "case_owner")
    stalking_pair("PL0600-A", MARCO, LOTTE)
    client.get("/signalen/")
    with CaptureQueriesContext(connection) as one:
        client.get("/signalen/")
    stalking_pair("PL0600-B", RUUD, SOFIE, danger=True)
    stalking_pair(
        "PL0600-C", {**RUUD, "given_names": "Gerrit", "surname": "Vos"}, {**SOFIE, "surname": "Bos"}
    )
    with CaptureQueriesContext(connection) as three:
        client.get("/signalen/")
    assert Signal.objects.count() > 2
    assert len(three) == len(one)


@pytest.mark.parametrize("role", ["police_registrar", "national_analyst", "vt_assessor", "privacy_officer"])
def test_roles_outside_the_signal_desk_are_refused(make_user: Callable[..., Any], role: str) -> None:
    organisation = {
        "police_registrar": "oost-brabant",
        "national_analyst": "landelijke-eenheid",
        "vt_assessor": "vt-brabant-noordoost",
        "privacy_officer": "ketenzicht-beheer",
    }[role]
    assert client_for(make_user, role, organisation).get("/signalen/").status_code == 403


def test_the_dossier_shows_the_persons_signals_in_its_signals_section(make_user: Callable[..., Any]) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE, danger=True)
    signal = Signal.objects.get(rule="possible_stalking")
    client = client_for(make_user, "case_screener")
    client.post(
        f"/personen/{signal.suspect_id}/",
        {"purpose_reason": "screening", "purpose_text": "screening of a new report"},
    )
    page = client.get(f"/personen/{signal.suspect_id}/").content.decode()
    section = page.split('data-testid="slot-signals"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="person-signals"' in section
    assert f'href="/signalen/{signal.pk}/"' in section  # a signal of the screener's own unit opens
    assert f'href="/personen/{signal.victim_id}/"' in section
    other = client_for(make_user, "case_screener", organisation="zeeland-west-brabant")
    other.post(
        f"/personen/{signal.suspect_id}/",
        {"purpose_reason": "screening", "purpose_text": "screening of a new report"},
    )
    # Under the purpose a screener of another unit has the pair's police registrations in the dossier, so
    # the signal drawn from them too: shown, not opened (it is on Oost-Brabant's list, not theirs).
    page = other.get(f"/personen/{signal.suspect_id}/").content.decode()
    section = page.split('data-testid="slot-signals"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="person-signals"' in section and "/signalen/" not in section
    assert f'href="/personen/{signal.victim_id}/"' in section


def test_the_api_gives_the_unit_its_signals_and_one_signal_with_its_evidence(
    make_user: Callable[..., Any],
) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE, danger=True)
    signal = Signal.objects.get(rule="possible_stalking")
    client = client_for(make_user, "case_owner")
    listing = client.get("/api/v1/signals").json()
    assert {item["rule"] for item in listing["items"]} == {"possible_stalking", "escalation"}
    assert listing["items"][0]["severity"] == "high"
    one = client.get(f"/api/v1/signals/{signal.pk}").json()
    assert [r["reference"] for r in one["registrations"]] == ["PL0600-A-1", "PL0600-A-2"]
    assert [r["first_fired_here"] for r in one["registrations"]] == [False, True]
    assert one["registrations"][1]["suspect_names"] == ["Marco Hendriks"]
    assert any(reason["code"] == "danger_words" for reason in one["reasons"])
    assert AccessLogEntry.objects.filter(object_type="signal", origin__startswith="api").count() == 2
    other = client_for(make_user, "case_owner", organisation="zeeland-west-brabant")
    assert other.get(f"/api/v1/signals/{signal.pk}").status_code == 404
    assert other.get("/api/v1/signals").json()["count"] == 0


def test_a_signal_changed_in_severity_and_evidence_is_new_again_and_says_what_changed(
    make_user: Callable[..., Any],
) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE)
    signal = Signal.objects.get(rule="possible_stalking")
    assert signal.severity == 2 and signal.changed_at is None
    client = Client()
    client.force_login(make_user("case_screener", organisation="oost-brabant", username="screener"))
    client.get(f"/signalen/{signal.pk}/")
    assert 'data-testid="new-for-you"' not in client.get("/signalen/").content.decode()

    breach = "V stond weer bij de woning, ondanks contactverbod."
    take_in("PL0600-A-3", MARCO, LOTTE, registered_at="2024-04-02T08:30:00+02:00", offences=["184a"],
            kind="overtreding_maatregel", summary=breach)  # fmt: skip
    take_in("PL0600-A-4", MARCO, LOTTE, registered_at="2024-04-03T21:00:00+02:00", offences=["285"],
            summary="V dreigde A te vermoorden.")  # fmt: skip
    signal.refresh_from_db()
    assert signal.severity == 3 and signal.changed_at is not None
    assert not SignalSeen.objects.filter(signal=signal).exists()  # new again for everyone

    listing = client.get("/signalen/").content.decode()
    row = listing.split(f'data-testid="signal-row-{signal.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="new-for-you"' in row
    seen_cell = row.split(f'data-testid="seen-by-{signal.pk}">', 1)[1].split("</td>", 1)[0]
    assert seen_cell.strip() == "nog niemand"
    assert "2 registraties erbij, ernst verhoogd" in row
    assert "eerder: middel, 2 registraties" in row
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    change = page.split('data-testid="signal-change">', 1)[1].split("</dd>", 1)[0]
    assert "2 registraties erbij, ernst verhoogd" in change and "eerder: middel" in change
    # Seen again: the next change is counted from here.
    take_in("PL0600-A-5", MARCO, LOTTE, registered_at="2024-04-05T12:00:00+02:00", offences=["350"])
    row = client.get("/signalen/").content.decode().split(f'data-testid="signal-row-{signal.pk}"', 1)[1]
    assert "1 registratie erbij</span>" in row and "eerder: hoog, 4 registraties" in row


def test_an_update_that_changes_neither_severity_nor_evidence_keeps_who_has_seen_it(
    make_user: Callable[..., Any],
) -> None:
    stalking_pair("PL0600-A", MARCO, LOTTE)
    signal = Signal.objects.get(rule="possible_stalking")
    screener = make_user("case_screener", organisation="oost-brabant", username="screener")
    SignalSeen.objects.create(signal=signal, user=screener)
    # A rule file of another version restamps every signal: an update, but not a change to look at again.
    Signal.objects.filter(pk=signal.pk).update(fingerprint="stale")
    assert signal.suspect_id is not None
    signals_update(persons=[signal.suspect_id])
    signal.refresh_from_db()
    assert signal.fingerprint != "stale" and signal.changed_at is None
    assert SignalSeen.objects.filter(signal=signal, user=screener).exists()
