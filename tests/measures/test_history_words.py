"""A measure's lines in its police case's history (registered, extended, breached, ended) read in the
reader's language, however the installation wrote them: an English page says "Protective measure ...
registered", a Dutch one "Beschermingsmaatregel ... geregistreerd"; a reason stays as typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.measures.services import measure_end, measure_extend
from ketenzicht.workprocesses.services import case_assign_owner
from tests.measures.helpers import LOTTE_MISSPELT, couple_with_case, recent, restraining_order
from tests.patterns.helpers import MARCO, take_in

pytestmark = pytest.mark.django_db


def test_the_measures_lines_in_the_police_case_follow_the_readers_language(
    make_user: Callable[..., Any],
) -> None:
    marco, lotte, case = couple_with_case()
    owner = make_user("case_owner")
    case_assign_owner(case, owner=owner, actor=owner, expected_version=None)
    start = timezone.localdate() - timedelta(days=2)
    measure = restraining_order(marco, lotte, case, actor=owner, starts_on=start)
    later = take_in("PL0600-M-2", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["300"])
    until = start + timedelta(days=20)
    measure_extend(measure, until=until, actor=owner, reason="Gevaar duurt voort")
    measure_end(measure, actor=owner, reason="Huisverbod ingetrokken", on=timezone.localdate())
    client = Client()
    client.force_login(owner)
    pages = {}
    for language in ("en", "nl"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages[language] = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    ref, period = measure.reference, f"{start:%d-%m-%Y} – {start + timedelta(days=9):%d-%m-%Y}"
    english = [
        f"Protective measure {ref} registered: Temporary restraining order (huisverbod), {period}.",
        f"Possible breach of protective measure {ref}: the suspect and a protected person appear together in "
        f"registration {later.reference}.",
        f"Protective measure {ref} extended until {until:%d-%m-%Y}: Gevaar duurt voort",
        f"Protective measure {ref} ended on {timezone.localdate():%d-%m-%Y}: Huisverbod ingetrokken",
    ]
    for line in english:
        assert line in pages["en"], line
    assert "Beschermingsmaatregel" not in pages["en"] and "geregistreerd:" not in pages["en"]
    assert f"Beschermingsmaatregel {ref} geregistreerd: Tijdelijk huisverbod, {period}." in pages["nl"]
    assert (
        f"Beschermingsmaatregel {ref} verlengd tot en met {until:%d-%m-%Y}: Gevaar duurt voort" in pages["nl"]
    )
    assert "Protective measure" not in pages["nl"]
