"""Roll-outs of work-process versions: no first day before today; `version_for` and the page's table follow
what stands."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.models import ProcessVersion, Rollout
from ketenzicht.workprocesses.services import (
    RolloutRefused,
    case_open,
    rollout_enable,
    version_for,
)

pytestmark = pytest.mark.django_db

PROCESS = "ex_partner_stalking"


def _v(version: int) -> ProcessVersion:
    return ProcessVersion.objects.get(process=PROCESS, version=version)


def _unit(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def _later(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _admin(make_user: Callable[..., Any]) -> Any:
    return make_user("functional_admin", organisation="ketenzicht-beheer")


def _logged(action: str) -> int:
    return AccessLogEntry.objects.filter(object_type="rollout", action=action, result="stored").count()


# --- no first day before today ---------------------------------------------------------------------------


def test_a_first_day_before_today_is_refused_and_version_for_stays_as_it_was(
    make_user: Callable[..., Any],
) -> None:
    amsterdam = _unit("amsterdam")
    opened = case_open(process=PROCESS, organisation=amsterdam, title="Eerder geopend", actor=None)
    with pytest.raises(RolloutRefused) as refused:
        rollout_enable(
            process_version=_v(2),
            organisation=amsterdam,
            valid_from=date(2025, 1, 1),
            actor=_admin(make_user),
        )
    assert refused.value.field == "valid_from"
    assert timezone.localdate().strftime("%d-%m-%Y") in str(refused.value.message)
    assert not Rollout.objects.filter(organisation=amsterdam).exists() and _logged("create") == 0
    assert version_for(PROCESS, amsterdam, date(2025, 1, 1)) == opened.process_version == _v(1)
    # Today is the earliest first day.
    rollout_enable(process_version=_v(2), organisation=amsterdam, valid_from=timezone.localdate(), actor=None)
    assert version_for(PROCESS, amsterdam, timezone.localdate()) == _v(2)
    assert version_for(PROCESS, amsterdam, timezone.localdate() - timedelta(days=1)) == _v(1)


def test_the_page_refuses_a_first_day_before_today_at_the_field(make_user: Callable[..., Any]) -> None:
    client = _client(_admin(make_user))
    amsterdam = _unit("amsterdam")
    page = client.get(reverse("workprocesses:rollouts")).content.decode()
    assert f'min="{timezone.localdate().isoformat()}"' in page  # the date picker offers no earlier day
    answer = client.post(
        reverse("workprocesses:rollouts"),
        {"process_version": _v(2).pk, "organisation": amsterdam.pk, "valid_from": "2025-01-01"},
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    error = re.search(r'data-testid="error-valid_from">([^<]*)<', text)
    assert error is not None and "‘Vanaf’ kan niet vóór vandaag" in error.group(1)
    assert "Niets opgeslagen" in text
    assert not Rollout.objects.filter(organisation=amsterdam).exists()
    row = re.search(rf'data-testid="rollout-{PROCESS}-amsterdam">(.*?)</tr>', text, re.S)
    assert row is not None and "01-01-2025" not in row.group(1)
