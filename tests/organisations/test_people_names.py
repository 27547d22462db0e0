"""Histories name colleagues, not accounts: `people_names` gives the full name, "Ketenzicht" for what the
system did itself, and leaves a name it does not know as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from ketenzicht.organisations.selectors import SYSTEM_ACTOR, people_names

pytestmark = pytest.mark.django_db


def test_full_names_the_system_and_unknown_accounts(make_user: Callable[..., Any]) -> None:
    officer = make_user("prosecutor", organisation="om-oost-brabant", username="officier-x")
    officer.first_name, officer.last_name = "Eva", "Jansen"
    officer.save(update_fields=["first_name", "last_name"])
    nameless = make_user("case_owner", username="zonder-naam")
    nameless.first_name = nameless.last_name = ""
    nameless.save(update_fields=["first_name", "last_name"])
    with translation.override("nl"):
        names = people_names({"officier-x", "zonder-naam", SYSTEM_ACTOR, "vertrokken", ""})
    assert names == {
        "officier-x": "Eva Jansen",
        "zonder-naam": "zonder-naam",
        SYSTEM_ACTOR: "Ketenzicht",
        "vertrokken": "vertrokken",
        "": "",
    }


def test_the_measure_history_names_the_officer(make_user: Callable[..., Any]) -> None:
    from django.test import Client

    from tests.measures.helpers import couple_with_case, restraining_order

    officer = make_user("case_owner", username="regisseur-x")
    officer.first_name, officer.last_name = "Marco", "van Dijk"
    officer.save(update_fields=["first_name", "last_name"])
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case, actor=officer)
    client = Client()
    client.force_login(officer)
    page = client.get(f"/maatregelen/{measure.pk}/").content.decode()
    assert "Marco van Dijk" in page and "regisseur-x:" not in page
