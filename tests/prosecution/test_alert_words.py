"""A late request's alert keeps the partner's code, not its name in the language of the moment the check
ran: its reader reads the partner by its organisation's name as registered (a proper name, the same in
either language), worded when read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.prosecution.services import requests_check
from ketenzicht.workprocesses.alerts import alert_text
from ketenzicht.workprocesses.models import Alert
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db


def test_a_late_request_s_alert_names_the_partner_in_the_reader_s_language(
    make_user: Any, reference_data: Any
) -> None:
    office = Organisation.objects.get(code="om-oost-brabant")
    coordinator = make_user("prosecutor", organisation="om-oost-brabant", username="mirjam")
    post_assign(organisation=office, user=coordinator, kind=PostKind.ZSM_COORDINATOR)
    file, _ = send_to_zsm(make_user)
    with translation.override("nl"):  # the scheduled check runs in the installation's language
        requests_check(now=timezone.now() + timedelta(hours=5))
    late = {a.params["partner"]: a for a in Alert.objects.filter(kind="zsm_request_late", case=file.case)}
    assert set(late) == {"probation", "victim_support"}  # the codes, not the names of then
    with translation.override("en"):
        assert "Reclassering Nederland did not answer" in alert_text(late["probation"])
    with translation.override("nl"):
        assert "Reclassering Nederland" in alert_text(late["probation"])
