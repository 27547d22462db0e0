"""The ZSM file shows the police case's screening level as the police case page does: capitalised, in the
reader's language ("High concern", "Hoog")."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ketenzicht.workprocesses.models import Case
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "words"), [("en", "High concern"), ("nl", "Hoog")])
def test_the_file_shows_the_screening_level_capitalised(
    make_user: Any, eva: Any, language: str, words: str
) -> None:
    file, police_case = send_to_zsm(make_user)
    Case.objects.filter(pk=police_case.pk).update(data={**police_case.data, "screening_level": "high"})
    client = Client()
    client.force_login(eva)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    label = "Level of the risk screening" if language == "en" else "Niveau van de risicoscreening"
    shown = page.split(f"<dt>{label}</dt>", 1)[1].split("</dd>", 1)[0].split(">", 1)[1]
    assert shown == words
