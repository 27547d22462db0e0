"""A Veilig Thuis notification's heading on its case page names its pair as the inbox does: by the
persons' list names among the registrations the assessor may see, not by the spelling of the registration
it was opened on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenzicht.veiligthuis.models import Notification
from tests.measures.helpers import LOTTE_MISSPELT, recent
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def _lead_line(client: Client, case_id: int) -> str:
    page = client.get(reverse("workprocesses:case-detail", args=[case_id])).content.decode()
    found = re.search(r'utrecht-paragraph--lead"[^>]*>(.*?)</p>', page, flags=re.S)
    assert found is not None
    return found.group(1).strip()


def test_the_notification_s_heading_follows_the_list_name_the_assessor_reads(
    make_user: Callable[..., Any],
) -> None:
    take_in("PL0600-VH-1", MARCO, LOTTE_MISSPELT, registered_at=recent(6))
    first = Notification.objects.select_related("case").get()
    assert first.case.title == "Marco Hendriks → Lote de Witt"  # as the notified registration wrote her
    take_in("PL0600-VH-2", MARCO, LOTTE, registered_at=recent(4))
    take_in("PL0600-VH-3", MARCO, LOTTE, registered_at=recent(2))
    assessor = make_user("vt_assessor", organisation=first.organisation.code)
    client = Client()
    client.force_login(assessor)
    heading = _lead_line(client, first.case.pk)
    assert heading == "Marco Hendriks → Lotte de Wit"
    inbox = client.get(reverse("veiligthuis:inbox")).content.decode()
    assert "Marco Hendriks → Lotte de Wit" in inbox and "Lote de Witt" not in inbox  # the list beside it
