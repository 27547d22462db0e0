"""A case without an owner reads the same on every page: "nog niemand" ("nobody yet"), on the case list as
on the case page (and the screening queue, the Veilig Thuis inbox and its workload table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.services import case_open

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words", "other"), [("nl", "nog niemand", "geen eigenaar"), ("en", "nobody yet", "no owner")]
)
def test_a_case_without_owner_is_owned_by_nobody_yet_on_the_list_and_the_page(
    make_user: Callable[..., Any], language: str, words: str, other: str
) -> None:
    case = case_open(
        process="ex_partner_stalking",
        organisation=Organisation.objects.get(code="oost-brabant"),
        title="Ex-partner blijft bellen",
        actor=None,
    )
    client = Client()
    client.force_login(make_user("case_screener"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    listing = client.get(reverse("workprocesses:case-list")).content.decode()
    row = listing.split(case.reference, 1)[1].split("</tr>", 1)[0]
    assert words in row and other not in row
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    owner = page.split('data-testid="case-owner">', 1)[1].split("</dd>", 1)[0]
    assert owner == words
