"""A ZSM file's heading on its case page names its pair by the persons' list names among the registrations
the prosecutor may see (those disclosed to the file), not by the names the police case was opened with,
which may come from a registration the prosecutor may not see."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.prosecution.services import file_open
from ketenzicht.screening.models import ScreeningCase
from tests.measures.helpers import LOTTE_MISSPELT, recent, restraining_order
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of
from tests.screening.test_cases_breach import bound_alone

pytestmark = pytest.mark.django_db


def _lead_line(client: Client, case_id: int) -> str:
    page = client.get(reverse("workprocesses:case-detail", args=[case_id])).content.decode()
    found = re.search(r'utrecht-paragraph--lead"[^>]*>(.*?)</p>', page, flags=re.S)
    assert found is not None
    return found.group(1).strip()


def _prosecutor(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("prosecutor", organisation="om-oost-brabant"))
    return client


def test_the_file_s_heading_follows_the_list_name_among_the_registrations_disclosed_to_it(
    make_user: Callable[..., Any],
) -> None:
    # The police case opened on "Lote de Witt"; two later reports spell her "Lotte de Wit".
    take_in("PL0600-ZH-3", MARCO, LOTTE_MISSPELT, registered_at=recent(9))
    take_in("PL0600-ZH-4", MARCO, LOTTE, registered_at=recent(6))
    take_in("PL0600-ZH-5", MARCO, LOTTE, registered_at=recent(3))
    police_case = ScreeningCase.objects.select_related("case").get().case
    assert police_case.registrations.count() == 3
    file = file_open(police_case=police_case, actor=None)
    assert file is not None
    assert file.case.title == "Marco Hendriks → Lote de Witt"  # the police case's names, as stored
    assert _lead_line(_prosecutor(make_user), file.pk) == "Marco Hendriks → Lotte de Wit"


def test_a_victim_named_only_in_a_registration_not_disclosed_to_the_file_is_said_by_her_role(
    make_user: Callable[..., Any],
) -> None:
    # Only another unit's registration names Lotte; the arrest for breaching her measure, naming Marco
    # alone, opens the pair's police case, which is then sent to the ZSM table with the arrest only.
    elsewhere = take_in(
        "PL0900-ZH-1",
        MARCO,
        LOTTE_MISSPELT,
        registered_at=recent(9),
        relation="neighbour",
        unit="zeeland-west-brabant",
    )
    restraining_order(person_of(elsewhere, "p1"), person_of(elsewhere, "p2"), None)
    bound_alone("PL0600-ZH-2", offences=["184a"])
    police_case = ScreeningCase.objects.select_related("case").get().case
    file = file_open(police_case=police_case, actor=None)
    assert file is not None
    assert file.case.title == "Marco Hendriks → Lote de Witt"  # the police case's names, as stored
    heading = _lead_line(_prosecutor(make_user), file.pk)
    assert heading == "Marco Hendriks → slachtoffer"
