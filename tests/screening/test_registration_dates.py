"""Where the screening desk lists a pair's registrations (the pair history on the case page, the evidence of
the screening form's pre-answers), each date says what it is: the incident's or the registration's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.screening.models import ScreeningCase
from tests.conftest import exchange_registration
from tests.patterns.helpers import LOTTE, MARCO

pytestmark = pytest.mark.django_db


def _label(text: str) -> str:
    with translation.override("nl"):
        return translation.pgettext("date of a registration", text)


def _late_report() -> Any:
    """Damage done late on 8 August, registered the next morning."""
    data = exchange_registration(
        reference="PL0600-2026-000012",
        persons=[{"ref": "p1", "role": "suspect", **MARCO}, {"ref": "p2", "role": "victim", **LOTTE}],
        relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        offences=["350"],
        summary="Ruit ingegooid.",
        occurred_at="2026-08-08T23:30:00+02:00",
        registered_at="2026-08-09T09:00:00+02:00",
    )
    return intake_registration(actor=None, data=data, channel="import").registration


def test_the_pair_history_and_the_pre_answers_name_both_dates(make_user: Callable[..., Any]) -> None:
    _late_report()
    case = ScreeningCase.objects.get().case
    client = Client()
    client.force_login(make_user("case_screener"))

    page = client.get(reverse("workprocesses:case-detail", args=[case.pk])).content.decode()
    history = page.split('data-testid="pair-history"', 1)[1].split("</table>", 1)[0]
    head = re.findall(r'scope="col">([^<]*)</th>', history)
    assert head[:2] == [_label("Occurred"), _label("Registered")]
    row = history.split('data-testid="pair-history-row"', 1)[1]
    assert row.index("08-08-2026") < row.index("09-08-2026")

    form = client.get(reverse("screening:screening-new", args=[case.pk])).content.decode()
    dates = re.findall(r'data-testid="registration-dates">(.*?)</span>', form, re.S)
    assert dates, "no evidence listed"
    assert f"{_label('occurred')} 08-08-2026, {_label('registered')} 09-08-2026" in dates
    # The dates close their bracket without a stray space ("geregistreerd 09-08-2026 )" before).
    assert re.search(r"registration-dates\">[^<]*</span>\)", form) and "</span> )" not in form
