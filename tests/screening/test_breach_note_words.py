"""The note a desk adds to a case's history line (here: a registration added to the police case as a breach
of a protective measure) reads in its reader's language: written in Dutch, shown in English on an English
page; a line written before its words were kept stays as written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ketenzicht.workprocesses.labels import desk_note_shown
from tests.measures.helpers import couple_with_case, restraining_order
from tests.screening.test_cases_breach import bound_alone

pytestmark = pytest.mark.django_db


def test_the_breach_line_s_note_follows_the_readers_language(make_user: Callable[..., Any]) -> None:
    marco, lotte, case = couple_with_case()
    measure = restraining_order(marco, lotte, case)
    bound_alone("PL0600-BW-1", offences=["184a"])
    line = case.events.get(kind="registration")
    dutch = f"Toegevoegd als overtreding van beschermingsmaatregel {measure.reference}."
    english = f"Joined as a breach of protective measure {measure.reference}."
    assert line.detail["desk_note"] == dutch  # the record, in the installation's language
    client = Client()
    client.force_login(make_user("case_screener"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert english in page and dutch not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    assert dutch in page and english not in page
    assert desk_note_shown({"desk_note": dutch}) == dutch  # written before: as written
