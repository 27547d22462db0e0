"""A chain partner is an organisation, named as registered ("Slachtofferhulp Nederland") on the ZSM file in
either language, as the header names a partner's own users: its requests, the form that asks it, the message
after asking and the alert of a late answer."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ketenzicht.organisations.models import Organisation
from ketenzicht.prosecution.services import requests_check
from ketenzicht.workprocesses.alerts import alert_text
from ketenzicht.workprocesses.models import Alert
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db

NAMES = ["Slachtofferhulp Nederland", "Reclassering Nederland"]
LABELS = ["Victim Support Netherlands", "Probation Service Netherlands"]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_file_names_its_partners_as_registered_in_either_language(
    make_user: Any, eva: Any, language: str
) -> None:
    file, _ = send_to_zsm(make_user)
    assert sorted(
        Organisation.objects.filter(kind__in=["slachtofferhulp", "reclassering"]).values_list(
            "name", flat=True
        )
    ) == sorted(NAMES)
    client = Client()
    client.force_login(eva)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    named = re.findall(
        r'data-testid="zsm-request">\s*<p class="utrecht-paragraph"><strong>([^<]*)</strong>', page
    )
    assert sorted(named) == sorted(NAMES)
    select = page.split('name="partner"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == NAMES
    assert not any(label in page for label in LABELS)
    asked = client.post(
        reverse("prosecution:request-new", args=[file.pk]),
        {"partner": "probation", "question": "Loopt er toezicht?"},
        follow=True,
    )
    said = " ".join(str(m) for m in asked.context["messages"])
    assert "Reclassering Nederland" in said and "Probation" not in said


def test_the_alert_of_a_late_answer_names_the_partner_as_registered(make_user: Any, eva: Any) -> None:
    file, _ = send_to_zsm(make_user)
    with translation.override("en"):  # whatever language the check runs in
        requests_check(now=timezone.now() + timedelta(hours=5))
    alerts = list(Alert.objects.filter(kind="zsm_request_late", case=file.case))
    assert alerts
    for language in ("en", "nl"):
        with translation.override(language):
            texts = [alert_text(alert) for alert in alerts]
        assert all(any(name in text for name in NAMES) for text in texts), texts
        assert not any(label in text for text in texts for label in LABELS), texts
