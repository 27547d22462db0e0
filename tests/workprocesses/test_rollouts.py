"""Roll-outs of work-process versions: no first day before today, and a planned roll-out withdrawn with a
reason before it begins; `version_for` and the page's table follow what stands."""

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
from ketenzicht.workprocesses.selectors import rollout_overview
from ketenzicht.workprocesses.services import (
    RolloutRefused,
    case_open,
    rollout_enable,
    rollout_withdraw,
    version_for,
    versions_remembered,
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


# --- withdrawing a planned roll-out ----------------------------------------------------------------------


def test_a_planned_rollout_is_withdrawn_with_a_reason_and_decides_nothing_any_more(
    make_user: Callable[..., Any],
) -> None:
    admin, unit, day = _admin(make_user), _unit("zeeland-west-brabant"), _later(4)
    planned = rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    assert version_for(PROCESS, unit, day) == _v(2)
    with pytest.raises(RolloutRefused) as refused:
        rollout_withdraw(planned, actor=admin, reason="  ")
    assert refused.value.field == "reason"
    rollout_withdraw(planned, actor=admin, reason="Verkeerde eenheid gekozen")
    planned.refresh_from_db()
    assert planned.withdrawn_by == admin and planned.withdrawal_reason == "Verkeerde eenheid gekozen"
    assert version_for(PROCESS, unit, day) == _v(1)  # the version in force stays
    with versions_remembered():
        assert version_for(PROCESS, unit, day) == _v(1)
    [row] = [r for r in rollout_overview() if r.organisation == unit and r.process == PROCESS]
    assert row.upcoming == [] and row.current is not None and row.current.process_version == _v(1)
    [entry] = AccessLogEntry.objects.filter(object_type="rollout", action="withdraw")
    assert entry.actor == admin and entry.object_id == str(planned.pk)
    assert (
        entry.detail["reason"] == "Verkeerde eenheid gekozen"
        and entry.detail["valid_from"] == day.isoformat()
    )
    # Once only; and the day is free for another roll-out.
    with pytest.raises(RolloutRefused, match="al ingetrokken"):
        rollout_withdraw(planned, actor=admin, reason="nogmaals")
    rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    assert _logged("withdraw") == 1


def test_a_rollout_that_has_begun_cannot_be_withdrawn(make_user: Callable[..., Any]) -> None:
    admin, unit = _admin(make_user), _unit("oost-brabant")
    today = rollout_enable(
        process_version=_v(2), organisation=unit, valid_from=timezone.localdate(), actor=None
    )
    tomorrow = rollout_enable(process_version=_v(1), organisation=unit, valid_from=_later(1), actor=None)
    for begun in (today, tomorrow):
        on = timezone.localdate() if begun is today else _later(1)  # tomorrow's, seen tomorrow
        with pytest.raises(RolloutRefused, match="kan niet worden ingetrokken") as refused:
            rollout_withdraw(begun, actor=admin, reason="toch niet", today=on)
        assert refused.value.field == "rollout"
        begun.refresh_from_db()
        assert begun.withdrawn_at is None
    assert _logged("withdraw") == 0


def test_the_administrator_withdraws_a_planned_rollout_from_the_page(make_user: Callable[..., Any]) -> None:
    admin = _admin(make_user)
    client = _client(admin)
    unit, day = _unit("zeeland-west-brabant"), _later(4)
    planned = rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    begun = rollout_enable(
        process_version=_v(2), organisation=_unit("limburg"), valid_from=timezone.localdate(), actor=admin
    )
    page = client.get(reverse("workprocesses:rollouts")).content.decode()
    assert f'data-testid="withdraw-{planned.pk}"' in page
    assert f'data-testid="withdraw-{begun.pk}"' not in page  # begun: no withdrawal offered
    url = reverse("workprocesses:rollout-withdraw", args=[planned.pk])
    without = client.post(url, {f"withdraw-{planned.pk}-reason": ""})
    assert without.status_code == 422
    assert (
        f'data-testid="error-withdraw-{planned.pk}-reason">Dit veld is verplicht.<'
        in without.content.decode()
    )
    planned.refresh_from_db()
    assert planned.withdrawn_at is None
    answer = client.post(url, {f"withdraw-{planned.pk}-reason": "Pilot uitgesteld"}, follow=True)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "Ingetrokken:" in text and day.strftime("%d-%m-%Y") in text
    row = re.search(rf'data-testid="rollout-{PROCESS}-zeeland-west-brabant">(.*?)</tr>', text, re.S)
    assert row is not None and day.strftime("%d-%m-%Y") not in row.group(1)
    planned.refresh_from_db()
    assert planned.withdrawal_reason == "Pilot uitgesteld" and planned.withdrawn_by == admin
    # Sent again (a second tab): said so, nothing changed.
    again = client.post(url, {f"withdraw-{planned.pk}-reason": "nogmaals"})
    assert again.status_code == 422 and "al ingetrokken" in again.content.decode()
    assert _logged("withdraw") == 1


def test_only_the_functional_administrator_withdraws(make_user: Callable[..., Any]) -> None:
    planned = rollout_enable(
        process_version=_v(2), organisation=_unit("oost-brabant"), valid_from=_later(3), actor=None
    )
    url = reverse("workprocesses:rollout-withdraw", args=[planned.pk])
    screener = make_user("case_screener")
    assert _client(screener).post(url, {f"withdraw-{planned.pk}-reason": "weg"}).status_code == 403
    assert _client(screener).get(url).status_code == 405
    missing = reverse("workprocesses:rollout-withdraw", args=[999999])
    assert _client(_admin(make_user)).post(missing, {"withdraw-999999-reason": "weg"}).status_code == 404
    planned.refresh_from_db()
    assert planned.withdrawn_at is None
