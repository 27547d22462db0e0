"""The history the screener needs, across units (issue 13, item 2): a screening case is a purpose. On the
case page a police screener or case owner sees the case's registrations of other police units, and every
read is logged with the case; a registration opened from the case carries it; the dossiers of its suspect
and victim open with the case as their purpose and list the person's screening cases. Without a purpose
another unit's registration stays the one 404; registrars and other organisations keep their own rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.patterns.models import Signal
from ketenzicht.registrations.models import Registration
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import Case
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db

ZWB: dict[str, Any] = {"unit": "zeeland-west-brabant", "municipality": "GM0855"}


@dataclass
class World:
    ours: Case  # the screening case of Marco and Lotte in Oost-Brabant
    theirs: Case  # their screening case in Zeeland-West-Brabant
    elsewhere: Registration  # PL0900: a police registration of Zeeland-West-Brabant, in both cases
    own: Registration  # PL0600
    vt: Registration  # Veilig Thuis: behind its own rules, in our case too
    suspect: int
    victim: int


def world() -> World:
    elsewhere = take_in("PL0900-2024-000501", MARCO, LOTTE, registered_at="2024-02-01T10:00:00+01:00", **ZWB)
    own = take_in("PL0600-2024-000601", MARCO, LOTTE, registered_at="2024-03-06T10:00:00+01:00")
    vt = take_in(
        "VT21-2024-000701", MARCO, LOTTE, registered_at="2024-03-10T10:00:00+01:00", source="veilig_thuis",
        kind="melding", offences=[],
    )  # fmt: skip
    ours = ScreeningCase.objects.get(unit__code="oost-brabant")
    theirs = ScreeningCase.objects.get(unit__code="zeeland-west-brabant")
    ours.case.registrations.add(elsewhere, vt)  # the pair's history, across units and organisations
    return World(ours.case, theirs.case, elsewhere, own, vt, ours.suspect_id, ours.victim_id)


def client_for(make_user: Callable[..., Any], role: str, organisation: str = "oost-brabant") -> Client:
    client = Client()
    client.force_login(make_user(role, organisation=organisation))
    return client


def link(page: str, testid: str) -> str:
    found = re.search(rf'href="([^"]+)" data-testid="{testid}"', page)
    assert found, testid
    return found.group(1).replace("&amp;", "&")


def _neutral(content: bytes, pk: int) -> str:
    text = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", content.decode())
    return text.replace(f"/{pk}/", "/ID/")


@pytest.mark.parametrize("role", ["case_screener", "case_owner"])
def test_the_case_page_shows_the_cases_registrations_of_other_police_units_logged_with_the_case(
    make_user: Callable[..., Any], role: str
) -> None:
    w = world()
    client = client_for(make_user, role)
    page = client.get(f"/zaken/{w.ours.pk}/").content.decode()
    assert w.own.reference in page and w.elsewhere.reference in page
    # Veilig Thuis's own file: neither named nor counted (sharing rules `counted`).
    assert w.vt.reference not in page and "hidden-veilig_thuis" not in page and "case-hidden" not in page
    lists = AccessLogEntry.objects.filter(object_type="registration", action="list")
    listed = lists.get(
        detail__has_key="registrations"
    )  # the case's registrations (the pair's history: below)
    assert listed.purpose == f"case {w.ours.reference}" and listed.detail["case"] == w.ours.pk
    assert listed.detail["purpose"] == {"reason": "case", "case_id": w.ours.pk}
    assert set(listed.detail["registrations"]) == {w.own.pk, w.elsewhere.pk}

    # The registration opened from the case carries it: shown, logged with the case.
    opened = client.get(f"/registraties/{w.elsewhere.pk}/?zaak={w.ours.pk}")
    assert opened.status_code == 200 and w.elsewhere.reference in opened.content.decode()
    read = AccessLogEntry.objects.get(object_type="registration", action="view", result="shown")
    assert read.object_id == str(w.elsewhere.pk) and read.purpose == f"case {w.ours.reference}"
    assert read.detail["case"] == w.ours.pk
    assert f'href="/registraties/{w.elsewhere.pk}/?zaak={w.ours.pk}"' in page

    # Without a purpose, or with one that does not check out: the one 404, logged once each.
    for address in (
        f"/registraties/{w.elsewhere.pk}/",
        f"/registraties/{w.elsewhere.pk}/?zaak={w.theirs.pk}",  # a case she may not open
        f"/registraties/{w.elsewhere.pk}/?zaak=abc",
    ):
        query = address.partition("?")[2]
        forbidden = client.get(address)
        missing = client.get("/registraties/999999/" + (f"?{query}" if query else ""))
        assert forbidden.status_code == missing.status_code == 404, address
        assert _neutral(forbidden.content, w.elsewhere.pk) == _neutral(missing.content, 999999)
    refused = AccessLogEntry.objects.filter(object_type="registration", object_id=str(w.elsewhere.pk))
    assert refused.filter(result="refused").count() == 3 and not refused.filter(result="refused").exclude(
        purpose=""
    )
    # Veilig Thuis's registration stays behind its rules, even under the case (logged with it).
    assert client.get(f"/registraties/{w.vt.pk}/?zaak={w.ours.pk}").status_code == 404
    vt_refusal = AccessLogEntry.objects.get(
        object_id=str(w.vt.pk), object_type="registration", result="refused"
    )
    assert vt_refusal.purpose == f"case {w.ours.reference}"


def test_another_units_case_is_the_same_404_as_a_missing_one(make_user: Callable[..., Any]) -> None:
    w = world()
    client = client_for(make_user, "case_screener")
    forbidden = client.get(f"/zaken/{w.theirs.pk}/")
    missing = client.get(f"/zaken/{w.theirs.pk + 1000}/")
    assert forbidden.status_code == missing.status_code == 404
    assert _neutral(forbidden.content, w.theirs.pk) == _neutral(missing.content, w.theirs.pk + 1000)


def test_a_registrar_never_sees_another_units_registration(make_user: Callable[..., Any]) -> None:
    w = world()
    client = client_for(make_user, "police_registrar")
    assert client.get(f"/registraties/{w.own.pk}/").status_code == 200
    for address in (
        f"/registraties/{w.elsewhere.pk}/",
        f"/registraties/{w.elsewhere.pk}/?zaak={w.ours.pk}",  # a registrar opens no cases
        f"/registraties/{w.elsewhere.pk}/?persoon={w.victim}",
    ):
        assert client.get(address).status_code == 404, address
    assert client.get(f"/zaken/{w.ours.pk}/").status_code == 404
    client.post(f"/personen/{w.victim}/", {"purpose_reason": "screening", "purpose_text": "a new report"})
    page = client.get(f"/personen/{w.victim}/").content.decode()
    assert w.own.reference in page and w.elsewhere.reference not in page
    assert client.get(f"/registraties/{w.elsewhere.pk}/?persoon={w.victim}").status_code == 404
    # Another organisation's user sees none of it, purpose or not.
    assessor = client_for(make_user, "vt_assessor", "vt-brabant-noordoost")
    assert assessor.get(f"/registraties/{w.elsewhere.pk}/?zaak={w.ours.pk}").status_code == 404


def test_the_case_page_links_the_dossiers_of_its_persons_with_the_case_as_purpose(
    make_user: Callable[..., Any],
) -> None:
    w = world()
    client = client_for(make_user, "case_screener")
    page = client.get(f"/zaken/{w.ours.pk}/").content.decode()
    persons = page.split('data-testid="case-persons"', 1)[1].split("</dl>", 1)[0]
    assert f"P{w.suspect:07d}" in persons and f"P{w.victim:07d}" in persons
    assert link(page, "suspect-dossier") == f"/personen/{w.suspect}/?zaak={w.ours.pk}"
    response = client.get(link(page, "victim-dossier"))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="dossier-heading"' in html
    assert w.ours.reference in html.split('data-testid="dossier-purpose"', 1)[1].split("</p>", 1)[0]
    view = AccessLogEntry.objects.get(object_type="person", action="view", result="shown")
    assert view.object_id == str(w.victim) and view.purpose == f"case {w.ours.reference}"
    assert view.detail["purpose"]["case_id"] == w.ours.pk
    # Under the case the dossier holds the other unit's police registration; of Veilig Thuis's own file it
    # says nothing, not even a count.
    assert w.elsewhere.reference in html and w.vt.reference not in html
    assert 'data-testid="dossier-hidden"' not in html
    # Its registration links carry the dossier's purpose (the case) on.
    opened = client.get(f"/registraties/{w.elsewhere.pk}/?persoon={w.victim}")
    assert opened.status_code == 200
    read = AccessLogEntry.objects.get(object_type="registration", action="view", result="shown")
    assert read.purpose == f"case {w.ours.reference}" and read.detail["person"] == w.victim
    assert f'href="/registraties/{w.elsewhere.pk}/?persoon={w.victim}"' in html

    # The screening cases section: ours named, linking to its page; theirs counted, not named.
    section = html.split('data-testid="slot-screening"', 1)[1].split("</section>", 1)[0]
    assert f'href="/zaken/{w.ours.pk}/"' in section and w.ours.reference in section
    assert w.theirs.reference not in section and f"/zaken/{w.theirs.pk}/" not in section
    counted = section.split('data-testid="person-cases-hidden"', 1)[1]
    assert "Politie eenheid Zeeland-West-Brabant: 1<" in counted
    assert "nog niet beschikbaar" not in section.lower() and "not available yet" not in section.lower()


def test_a_made_up_case_link_carries_no_purpose(make_user: Callable[..., Any]) -> None:
    w = world()
    client = client_for(make_user, "case_screener")
    for case in (w.theirs.pk, w.ours.pk + 1000):  # a case she may not open; no case
        html = client.get(f"/personen/{w.victim}/?zaak={case}").content.decode()
        assert 'data-testid="purpose-refusal"' in html and 'data-testid="dossier-heading"' not in html
    assert not AccessLogEntry.objects.filter(object_type="person", result="shown").exists()


def test_the_signal_page_links_the_open_case_of_its_pair(make_user: Callable[..., Any]) -> None:
    w = world()
    take_in("PL0600-2024-000602", MARCO, LOTTE, registered_at="2024-03-20T10:00:00+01:00", offences=["350"])
    signal = Signal.objects.filter(
        suspect_id=w.suspect, victim_id=w.victim, unit__code="oost-brabant"
    ).first()
    assert signal is not None
    page = client_for(make_user, "case_screener").get(f"/signalen/{signal.pk}/").content.decode()
    assert link(page, "pair-case") == f"/zaken/{w.ours.pk}/"
    # Closed, it is no longer the pair's open case: no link.
    ScreeningCase.objects.filter(case=w.ours).update(open=False)
    page = client_for(make_user, "case_screener").get(f"/signalen/{signal.pk}/").content.decode()
    assert 'data-testid="pair-case"' not in page


def test_the_dossier_api_takes_a_case_as_its_purpose(make_user: Callable[..., Any]) -> None:
    import json

    from ketenzicht.organisations.services import api_token_create

    w = world()
    token = api_token_create(user=make_user("case_owner", organisation="oost-brabant"), name="t")

    def dossier(person: int, purpose: dict[str, Any]) -> Any:
        return Client().post(
            f"/api/v1/persons/{person}/dossier",
            json.dumps({"purpose": purpose}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    shown = dossier(w.suspect, {"case": w.ours.pk})
    assert shown.status_code == 200
    assert w.elsewhere.reference in [r["reference"] for r in shown.json()["registrations"]]
    view = AccessLogEntry.objects.get(object_type="person", result="shown")
    assert view.purpose == f"case {w.ours.reference}" and view.detail["purpose"]["case_id"] == w.ours.pk
    refused = dossier(w.suspect, {"case": w.theirs.pk})
    assert refused.status_code == 403 and "purpose.case" in refused.json()["detail"]


def test_a_case_is_no_purpose_from_the_list_and_shows_as_words_in_the_log() -> None:
    from ketenzicht.dossiers.labels import purpose_label
    from ketenzicht.dossiers.purpose import PurposeInvalid, purpose_make
    from ketenzicht.organisations.models import User

    with pytest.raises(PurposeInvalid, match="purpose_reason"):
        purpose_make(user=User(), reason="case", text="the case I work on today", registration=None)
    from django.utils import translation

    with translation.override("en"):
        assert purpose_label("case PL0600-Z-000012") == "A case I work on (PL0600-Z-000012)"
        assert purpose_label("case PL0600-Z-000012: a note") == "A case I work on (PL0600-Z-000012): a note"


def test_the_case_page_links_a_dossier_only_to_whom_may_open_it(make_user: Callable[..., Any]) -> None:
    """Veilig Thuis and the prosecutor do not search the register: their case pages (a notification, a ZSM
    file) name the persons without a dossier link, which would answer the one 404; every person link that
    is shown opens."""
    from ketenzicht.organisations.models import PostKind
    from ketenzicht.organisations.services import post_assign
    from ketenzicht.veiligthuis.models import Notification
    from tests.prosecution.helpers import send_to_zsm

    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=prosecutor.organisation, user=prosecutor, kind=PostKind.DV_PROSECUTOR)
    file, police_case = send_to_zsm(make_user)
    notification = Notification.objects.get(case__registrations__cases=police_case)
    assessor = client_for(make_user, "vt_assessor", notification.organisation.code)
    seen = {
        "assessor": (assessor, notification.case_id),
        "prosecutor": (client_for(make_user, "prosecutor", "om-oost-brabant"), file.case_id),
        "screener": (client_for(make_user, "case_screener"), police_case.pk),
    }
    pages = {}
    for who, (client, case_id) in seen.items():
        response = client.get(f"/zaken/{case_id}/")
        assert response.status_code == 200, who
        pages[who] = response.content.decode()
        persons = pages[who].split('data-testid="case-persons"', 1)[1].split("</dl>", 1)[0]
        assert "P" in persons, who  # the persons are named all the same
        for href in re.findall(r'href="(/personen/[^"]+)"', pages[who]):
            assert client.get(href.replace("&amp;", "&")).status_code == 200, (who, href)
    for who in ("assessor", "prosecutor"):
        assert not re.search(r'data-testid="(suspect|victim)-dossier"', pages[who]), who
    assert 'data-testid="suspect-dossier"' in pages["screener"]
