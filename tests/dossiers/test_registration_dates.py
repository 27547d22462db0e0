"""The dossier's registrations are dated by the incident; one without a time of the incident by its
registration, and the row says so."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from ketenzicht.intake.pipeline import intake_registration
from tests.conftest import exchange_registration
from tests.people import person_of

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}


def _label(text: str) -> str:
    with translation.override("nl"):
        return translation.pgettext("date of a registration", text)


def _registered(reference: str, occurred_at: str | None, registered_at: str) -> Any:
    data = exchange_registration(reference=reference, registered_at=registered_at, occurred_at=occurred_at)
    if occurred_at is None:
        del data["occurred_at"]
    return intake_registration(actor=None, data=data, channel="import").registration


def test_the_date_column_is_the_incident_s_and_a_registration_date_in_it_says_so(
    make_user: Callable[..., Any],
) -> None:
    first = _registered("PL0600-2026-000012", "2026-08-08T23:30:00+02:00", "2026-08-09T09:00:00+02:00")
    _registered("PL0600-2026-000013", None, "2026-08-20T09:00:00+02:00")
    client = Client()
    client.force_login(make_user("case_screener"))
    person = person_of(first, "p1").pk
    client.post(f"/personen/{person}/", PURPOSE)
    page = client.get(f"/personen/{person}/").content.decode()
    table = page.split('data-testid="dossier-registrations"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'scope="col">([^<]*)</th>', table)[0] == _label("Occurred")
    rows = {
        reference: re.search(r'<td class="utrecht-table__cell">([^<]*)</td>', row).group(1)  # type: ignore[union-attr]
        for row in table.split("<tr")[2:]
        for reference in re.findall(r"PL0600-2026-0000\d\d", row)[:1]
    }
    assert rows["PL0600-2026-000012"].startswith("08-08-2026") and "(" not in rows["PL0600-2026-000012"]
    assert rows["PL0600-2026-000013"] == f"20-08-2026 ({_label('registered')})"
