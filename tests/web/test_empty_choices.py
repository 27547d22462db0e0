"""The back office's lists say what their empty choice means: a filter's empty choice is "all" of what it
filters ("Alle organisaties"), a required list's asks what to choose ("Kies een organisatie"); a dash said
neither, and a new administrator or privacy officer had to guess whether it filtered at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

EMPTY_OPTION = re.compile(
    r'<select[^>]*name="([^"]+)"[^>]*>\s*<option value=""(?: selected)?>([^<]*)</option>'
)


def empty_choices(page: str) -> dict[str, str]:
    """Each list's empty choice on the page: the list's name -> its text."""
    return {name: text.strip() for name, text in EMPTY_OPTION.findall(page)}


def test_the_empty_choice_of_a_list_is_a_dash_the_check_notices() -> None:
    page = '<select name="role" id="r"><option value="">—</option><option value="x">X</option></select>'
    assert empty_choices(page) == {"role": "—"}


def test_the_back_office_lists_say_what_their_empty_choice_means(make_user: Callable[..., Any]) -> None:
    admin, privacy = Client(), Client()
    admin.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    privacy.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    registrar = make_user("police_registrar")
    expected = {
        (admin, "/beheer/gebruikers/"): {"organisation": "Alle organisaties", "role": "Alle rollen"},
        (admin, "/beheer/gebruikers/nieuw/"): {"organisation": "Kies een organisatie"},
        (admin, f"/beheer/gebruikers/{registrar.pk}/verplaatsen/"): {
            "organisation": "Kies de nieuwe eenheid"
        },
        (privacy, "/toegangslog/"): {
            "object_type": "Alle soorten",
            "action": "Alle handelingen",
            "result": "Alle resultaten",
        },
    }
    for (client, address), wanted in expected.items():
        response = client.get(address)
        assert response.status_code == 200, address
        found = empty_choices(response.content.decode())
        assert {name: found.get(name) for name in wanted} == wanted, address
    # A refused move keeps saying it, beside the error at its field.
    refused = admin.post(
        f"/beheer/gebruikers/{registrar.pk}/verplaatsen/", {"organisation": "", "reason": ""}
    )
    assert refused.status_code == 422
    assert empty_choices(refused.content.decode())["organisation"] == "Kies de nieuwe eenheid"
