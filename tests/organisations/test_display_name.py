"""The name Ketenzicht gives a user everywhere (`User.display_name`): the full name, else the login name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def named(make_user: Callable[..., Any], username: str, first: str, last: str) -> Any:
    user = make_user("police_registrar", username=username)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_the_full_name_else_the_login_name(make_user: Callable[..., Any]) -> None:
    assert named(make_user, "eva-j", "Eva", "Jansen").display_name == "Eva Jansen"
    assert named(make_user, "eva-only", "Eva", "").display_name == "Eva"
    assert named(make_user, "zonder-naam", "", "").display_name == "zonder-naam"
    assert named(make_user, "spaties", " ", " ").display_name == "spaties"


@pytest.mark.parametrize(
    ("first", "last", "shown"), [("Eva", "Jansen", "Eva Jansen"), ("", "", "registrar-x")]
)
def test_the_page_header_and_welcome_give_it(
    make_user: Callable[..., Any], first: str, last: str, shown: str
) -> None:
    client = Client()
    client.force_login(named(make_user, "registrar-x", first, last))
    page = client.get("/").content.decode()
    assert f'<span class="kz-user__name">{shown}</span>' in page
    assert f"Welkom, {shown}" in page
