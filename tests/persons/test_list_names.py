"""A person's name in lists (persons.selectors, the rule of registrations.names): one name for one reader on
every desk, from the registrations that reader may see and no others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.patterns.models import Signal
from ketenzicht.persons.selectors import person_list_names_for_user
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_take
from tests.measures.helpers import recent, restraining_order
from tests.patterns.helpers import MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db

MARIEKE = {"birth_date": "1984-08-17", "sex": "F", "bsn": "123456782"}
# Three spellings of her: the case opens on the misspelt one, the latest writes the prefix after the surname.
OPENING = {**MARIEKE, "given_names": "Marike", "surname_prefix": "de", "surname": "Graaf"}
USUAL = {**MARIEKE, "given_names": "Marieke", "surname_prefix": "de", "surname": "Graaf"}
LATEST = {**MARIEKE, "given_names": "Marieke", "surname": "Graaf, de"}
ELSEWHERE = {**MARIEKE, "given_names": "Mariek", "surname": "Graaff"}  # another police unit's spelling


def marieke_three_ways() -> tuple[Any, Any, Case]:
    """Marco stalks Marieke: three reports of the oost-brabant unit, each spelling her differently."""
    first = take_in("PL0600-N-1", MARCO, OPENING, registered_at=recent(30), offences=["285"])
    second = take_in("PL0600-N-2", MARCO, USUAL, registered_at=recent(20), offences=["350"])
    third = take_in("PL0600-N-3", MARCO, LATEST, registered_at=recent(10), offences=["285"])
    marieke = person_of(first, "p2")
    assert person_of(second, "p2") == person_of(third, "p2") == marieke  # one person, three spellings
    case = Case.objects.get(registrations=first, organisation__code="oost-brabant")
    return person_of(first, "p1"), marieke, case


def pages(client: Client) -> dict[str, str]:
    return {
        path: client.get(path).content.decode() for path in ("/signalen/", "/screening/", "/maatregelen/")
    }


def test_one_person_spelt_three_ways_has_one_name_on_the_signals_list_the_queue_and_the_measures(
    make_user: Callable[..., Any],
) -> None:
    marco, marieke, case = marieke_three_ways()
    restraining_order(marco, marieke, case)
    assert Signal.objects.filter(victim=marieke).exists()
    # What the case stored when it opened: the opening registration's spelling (the queue showed it).
    assert ScreeningCase.objects.get(case=case).victim_name == "Marike de Graaf"
    client = Client()
    client.force_login(make_user("case_screener"))
    for path, html in pages(client).items():
        assert "Marieke de Graaf" in html, path
        assert "Marike" not in html and "Graaf, de" not in html, path
    case_page = client.get(f"/zaken/{case.pk}/").content.decode()
    persons = case_page.split('data-testid="case-persons"', 1)[1].split("</dl>", 1)[0]
    assert "Marieke de Graaf" in persons and "Marike" not in persons


def test_a_spelling_only_in_registrations_the_reader_may_not_see_is_not_used(
    make_user: Callable[..., Any],
) -> None:
    marco, marieke, case = marieke_three_ways()
    restraining_order(marco, marieke, case)
    for n in (1, 2, 3, 4):  # more often than any spelling of her own unit: it would win if it counted
        elsewhere = take_in(
            f"PL2000-N-{n}",
            MARCO,
            ELSEWHERE,
            registered_at=recent(40 + n),  # before her own unit's: the signal stays with that unit
            offences=["350"],
            unit="zeeland-west-brabant",
            municipality="GM0855",
        )
        assert person_of(elsewhere, "p2") == marieke
    screener = make_user("case_screener")
    # Under a stated purpose the screener may see the other unit's reports: there it is her name ...
    assert person_list_names_for_user(user=screener, person_ids=[marieke.pk], purposed=True) == {
        marieke.pk: "Mariek Graaff"
    }
    # ... on the lists, read without one, it is not, and nothing on them gives the hidden spelling away.
    assert person_list_names_for_user(user=screener, person_ids=[marieke.pk]) == {
        marieke.pk: "Marieke de Graaf"
    }
    client = Client()
    client.force_login(screener)
    for path, html in pages(client).items():
        assert "Marieke de Graaf" in html, path
        assert "Mariek " not in html and "Graaff" not in html, path
    # A reader who sees none of her registrations gets her number, never a spelling.
    lead = make_user("team_lead")
    assert person_list_names_for_user(user=lead, person_ids=[marieke.pk]) == {}


def test_the_veilig_thuis_inbox_names_her_alike_on_each_notification(make_user: Callable[..., Any]) -> None:
    marieke_three_ways()
    client = Client()
    client.force_login(make_user("vt_assessor", organisation="vt-brabant-noordoost"))
    page = client.get("/veiligthuis/").content.decode()
    rows = page.split('data-testid="inbox-row"')[1:]
    assert len(rows) == 3  # each report notified on its own, each in the registrations Veilig Thuis sees
    for row in rows:
        assert "Marco Hendriks → Marieke de Graaf" in row
    assert "Marike" not in page and "Graaf, de" not in page


def test_the_zsm_desk_names_the_file_s_persons_by_the_registrations_sent_with_it(
    make_user: Callable[..., Any],
) -> None:
    _marco, _marieke, case = marieke_three_ways()
    owner = make_user("case_owner")
    case = case_take(case, "start_screening", actor=owner, expected_version=None)
    urgency = case.data.get("urgency_provisional") or "normal"
    case = case_take(case, "screened", actor=owner, expected_version=None, values={"urgency": urgency})
    case_take(case, "send_to_zsm", actor=owner, expected_version=None, reason="ZSM")
    file = ZsmFile.objects.get(police_case=case)
    assert file.victim_name == "Marike de Graaf"  # stored from the case as it opened
    office = Organisation.objects.get(code="om-oost-brabant")
    prosecutor = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=office, user=prosecutor, kind=PostKind.DV_PROSECUTOR)
    client = Client()
    client.force_login(prosecutor)
    desk = client.get("/zsm/").content.decode()
    assert file.case.reference in desk and "Marco Hendriks → Marieke de Graaf" in desk
    assert "Marike" not in desk and "Graaf, de" not in desk
