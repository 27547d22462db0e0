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


def test_the_registration_form_and_the_purpose_ask_what_to_choose(make_user: Callable[..., Any]) -> None:
    """The desks' forms too: the registration form's sex, relation and persons of a relation, the purpose of
    a look-up on the search page and before a dossier opens. A dash there left a new registrar or screener
    wondering whether the list was empty or the field could be skipped."""
    from tests.dossiers.helpers import register
    from tests.people import DENNIS, SANDRA, person_of

    registrar, screener = Client(), Client()
    registrar.force_login(make_user("police_registrar", organisation="oost-brabant"))
    screener.force_login(make_user("case_screener", organisation="oost-brabant"))
    person = person_of(register("R-EMPTY-1", DENNIS, SANDRA))
    expected = {
        (registrar, "/registraties/nieuw/"): {
            "persons-0-sex": "Kies een geslacht",
            "relations-0-from_ref": "Kies een persoon",
            "relations-0-kind": "Kies een relatie",
            "relations-0-to_ref": "Kies een persoon",
        },
        (screener, "/personen/"): {"purpose_reason": "Kies een doel"},
        (screener, f"/personen/{person.pk}/"): {"purpose_reason": "Kies een doel"},
    }
    for (client, address), wanted in expected.items():
        response = client.get(address, follow=True)  # the form gets its own address first
        assert response.status_code == 200, address
        found = empty_choices(response.content.decode())
        assert {name: found.get(name) for name in wanted} == wanted, address
        assert "—" not in found.values(), (address, found)


def test_the_privacy_officer_is_asked_for_a_judgement(make_user: Callable[..., Any]) -> None:
    """The judgement of a break-the-glass access: a dash there read as if the access was judged already."""
    from tests.dossiers.test_break_glass import granted

    _, _, access = granted(make_user)
    privacy = Client()
    privacy.force_login(make_user("privacy_officer", organisation="ketenzicht-beheer"))
    response = privacy.get("/privacy/doorbraken/")
    assert response.status_code == 200
    assert empty_choices(response.content.decode())[f"g{access.pk}-decision"] == "Kies een oordeel"
