"""A file's history line with values (a complaint after its term, with the day it was due) is written in
the installation's language and shown in its reader's: "complaint after its term (...)" on an English page,
"klacht na de termijn (...)" on a Dutch one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.prosecution.services import FileRefused, complaint_record
from ketenzicht.workprocesses.models import CaseEvent
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


def test_a_late_complaint_s_line_follows_the_readers_language(make_user: Any, eva: Any) -> None:
    long_ago = (timezone.now() - timedelta(days=150)).isoformat(timespec="seconds")
    file, _ = send_to_zsm(
        make_user, offences=["285b"], relation="acquaintance", registered_at=long_ago, kind="incident"
    )
    with pytest.raises(FileRefused):
        complaint_record(file, on=timezone.localdate(), actor=eva, expected_version=None)
    due = f"{file.complaint_due:%d-%m-%Y}"
    assert CaseEvent.objects.filter(case=file.case).latest("id").reason == f"klacht na de termijn ({due})"
    client = Client()
    client.force_login(eva)
    pages = {}
    for language in ("en", "nl"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages[language] = client.get(reverse("workprocesses:case-detail", args=[file.pk])).content.decode()
    assert f"complaint after its term ({due})" in pages["en"] and "klacht na de termijn" not in pages["en"]
    assert f"klacht na de termijn ({due})" in pages["nl"]
