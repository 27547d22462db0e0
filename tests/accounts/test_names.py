"""A user is named as everywhere else on the account pages (`User.display_name`: the full name, else the
login name, never a bare dash), and "full name (login)" is written by one rule (`User.name_with_login`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenzicht.accounts.selectors import user_log_names

pytestmark = pytest.mark.django_db


def test_the_account_pages_name_a_user_by_their_display_name(make_user: Callable[..., Any]) -> None:
    admin = make_user("functional_admin", organisation="ketenzicht-beheer", username="kees")
    nameless = make_user("case_screener", username="zonder-naam")
    named = make_user("case_screener", username="ingrid")
    named.first_name, named.last_name = "Ingrid", "de Vries"
    named.save(update_fields=["first_name", "last_name"])
    client = Client()
    client.force_login(admin)
    listing = client.get("/beheer/gebruikers/").content.decode()
    for user in (nameless, named):
        row = listing.split(f'/beheer/gebruikers/{user.pk}/">{user.username}</a></td>', 1)[1]
        cell = row.split("</td>", 1)[0].split(">", 1)[1]
        assert cell == user.display_name
    page = client.get(f"/beheer/gebruikers/{nameless.pk}/").content.decode()
    name = page.split('>Naam</dt><dd class="utrecht-data-list__item-value">', 1)[1].split("</dd>", 1)[0]
    assert name == "zonder-naam"
    assert (named.name_with_login, nameless.name_with_login) == ("Ingrid de Vries (ingrid)", "zonder-naam")
    assert user_log_names([str(named.pk), str(nameless.pk)]) == {
        str(named.pk): "Ingrid de Vries (ingrid)",
        str(nameless.pk): "zonder-naam",
    }
