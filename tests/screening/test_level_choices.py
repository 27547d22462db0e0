"""The screening queue's filters and the screening form offer their choices capitalised in both languages:
the levels read "High concern" in English as "Hoog" in Dutch, as the urgencies and owners beside them do."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select is not None, name
    return [unescape(label).strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", select[0], re.S)]


@pytest.mark.parametrize(
    ("language", "levels"),
    [
        (
            "en",
            [
                "All",
                "Not screened yet",
                "No concerns",
                "Standard concern",
                "Elevated concern",
                "High concern",
            ],
        ),
        ("nl", ["Alle", "Nog niet gescreend", "Geen zorgen", "Standaard", "Verhoogd", "Hoog"]),
    ],
)
def test_the_queue_offers_the_levels_capitalised_as_its_other_choices(
    make_user: Callable[..., Any], language: str, levels: list[str]
) -> None:
    client = Client()
    client.force_login(make_user("case_screener"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("screening:queue")).content.decode()
    assert _options(page, "level") == levels
    fixed = [*_options(page, "urgency"), *_options(page, "owner")[:3]]  # after them: colleagues' names
    assert all(label[0].isupper() for label in fixed), fixed
