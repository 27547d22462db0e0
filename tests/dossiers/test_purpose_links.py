"""The app's own links carry their purpose: the dossier links on a signal page open the dossier with the
signal as the purpose, logged as such, and create no refusal. A made-up link carries nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.services import api_token_create
from ketenzicht.patterns.models import Signal
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db


def stalking_signal(unit: str = "oost-brabant", municipality: str = "GM0796") -> Signal:
    for n, day in enumerate(("03-06", "03-20"), 1):
        take_in(
            f"PL-{unit}-{n}", MARCO, LOTTE, registered_at=f"2024-{day}T10:00:00+01:00", unit=unit,
            municipality=municipality, offences=["285"] if n == 1 else ["350"],
        )  # fmt: skip
    return Signal.objects.get(rule="possible_stalking", suspect__isnull=False)


def client_for(make_user: Callable[..., Any], role: str = "case_screener") -> Client:
    client = Client()
    client.force_login(make_user(role, organisation="oost-brabant", username=f"{role}-1"))
    return client


def link(page: str, testid: str) -> str:
    found = re.search(rf'href="([^"]+)" data-testid="{testid}"', page)
    assert found, testid
    return found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize(
    ("role", "testid"), [("case_screener", "suspect-dossier"), ("case_owner", "victim-dossier")]
)
def test_the_dossier_links_of_a_signal_open_with_the_signal_as_purpose(
    make_user: Callable[..., Any], role: str, testid: str
) -> None:
    signal = stalking_signal()
    client = client_for(make_user, role)
    page = client.get(f"/signalen/{signal.pk}/").content.decode()
    response = client.get(link(page, testid))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="dossier-heading"' in html and 'data-testid="purpose-refusal"' not in html
    named = re.compile(rf"signaa?l {signal.pk}\b")  # the log and the page name the signal (en or nl)
    assert named.search(html.split('data-testid="dossier-purpose"', 1)[1].split("</p>", 1)[0])
    assert not AccessLogEntry.objects.filter(object_type="person", result="refused").exists()
    view = AccessLogEntry.objects.get(object_type="person", action="view", result="shown")
    person = signal.suspect_id if testid == "suspect-dossier" else signal.victim_id
    assert view.object_id == str(person)
    assert named.search(view.purpose) and view.detail["purpose"]["signal_id"] == signal.pk
    # The purpose stays for the next look-up, like one stated on the form.
    assert client.get(f"/personen/{signal.victim_id}/").status_code == 200


def test_a_made_up_signal_link_carries_no_purpose(make_user: Callable[..., Any]) -> None:
    own = stalking_signal()  # Marco and Lotte, in the screener's unit
    # Dennis and Sandra: once in Oost-Brabant, then twice in Zeeland-West-Brabant, whose signal it is.
    first = take_in("PL-D-1", DENNIS, SANDRA, registered_at="2024-01-10T10:00:00+01:00")
    for n, day in ((2, "02-01"), (3, "02-15")):
        take_in(
            f"PL-D-{n}", DENNIS, SANDRA, registered_at=f"2024-{day}T10:00:00+01:00",
            unit="zeeland-west-brabant", municipality="GM0855",
        )  # fmt: skip
    dennis = person_of(first)
    elsewhere = Signal.objects.get(rule="possible_stalking", suspect=dennis)
    assert elsewhere.unit is not None and elsewhere.unit.code == "zeeland-west-brabant"
    client = client_for(make_user)
    for signal in (elsewhere, own):  # a signal the screener may not open; one not about Dennis
        html = client.get(f"/personen/{dennis.pk}/?signaal={signal.pk}").content.decode()
        assert 'data-testid="purpose-refusal"' in html and 'data-testid="dossier-heading"' not in html
    assert not AccessLogEntry.objects.filter(object_type="person", result="shown").exists()
    assert client.post(f"/personen/{dennis.pk}/", {"purpose_reason": "screening", "purpose_text": "x" * 12})
    assert client.get(f"/personen/{dennis.pk}/").status_code == 200  # he is in a registration she may see


def test_a_rejected_purpose_is_asked_again_without_claiming_a_logged_refusal(
    make_user: Callable[..., Any],
) -> None:
    signal = stalking_signal()
    client = client_for(make_user)
    response = client.post(
        f"/personen/{signal.suspect_id}/", {"purpose_reason": "screening", "purpose_text": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="purpose-needed"' in html and 'data-testid="purpose-refusal"' not in html
    assert not AccessLogEntry.objects.filter(object_type="person").exists()  # nothing was looked up


def test_the_dossier_api_takes_a_signal_as_its_purpose(make_user: Callable[..., Any]) -> None:
    signal = stalking_signal()
    token = api_token_create(user=make_user("case_screener", organisation="oost-brabant"), name="t")

    def dossier(person: int | None, purpose: dict[str, Any]) -> Any:
        return Client().post(
            f"/api/v1/persons/{person}/dossier",
            json.dumps({"purpose": purpose}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert dossier(signal.victim_id, {"signal": signal.pk}).status_code == 200
    view = AccessLogEntry.objects.get(object_type="person", result="shown")
    assert view.detail["purpose"]["signal_id"] == signal.pk
    refused = dossier(signal.victim_id, {"signal": signal.pk + 1000})
    assert refused.status_code == 403 and "purpose.signal" in refused.json()["detail"]


def test_a_purpose_that_ends_its_own_sentence_gets_no_second_full_stop(make_user: Callable[..., Any]) -> None:
    """The dossier said "Uw doel: ... Z2026-000030..": the page's full stop after a purpose text that has
    one already."""
    person = person_of(register("R1", DENNIS, SANDRA)).pk
    client = Client()
    client.force_login(make_user("case_screener"))
    for text in ("Melding van vandaag.", "Melding van vandaag"):
        purpose = {"purpose_reason": "screening", "purpose_text": text}
        assert client.post(f"/personen/{person}/", purpose).status_code == 302
        html = client.get(f"/personen/{person}/").content.decode()
        said = html.split('data-testid="dossier-purpose"', 1)[1].split("<a ", 1)[0]
        assert said.rstrip().endswith("Melding van vandaag.") and ".." not in said, text
