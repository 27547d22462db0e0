"""The work-process page tells the whole roll-out history: since when a version runs without a break, every
roll-out of each version that was in force (with the day a later one replaced it), the withdrawn ones with
who, when and why, a fingerprint that says what it is, and who rolled out what nobody clicked."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses.definitions import DATA_DIR
from ketenzicht.workprocesses.models import ProcessVersion, Rollout
from ketenzicht.workprocesses.rollouts import rollout_enable, rollout_withdraw
from ketenzicht.workprocesses.selectors import rollout_history, rollout_overview

pytestmark = pytest.mark.django_db

PROCESS = "ex_partner_stalking"


def _v(version: int) -> ProcessVersion:
    return ProcessVersion.objects.get(process=PROCESS, version=version)


def _page(make_user: Callable[..., Any]) -> str:
    client = Client()
    client.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    answer = client.get(reverse("workprocesses:rollouts"))
    assert answer.status_code == 200
    return answer.content.decode()


def _part(page: str, testid: str, end: str) -> str:
    found = re.search(rf'data-testid="{testid}"(.*?){end}', page, re.S)
    assert found is not None, testid
    return found.group(1)


def test_an_earlier_default_of_the_same_version_counts_for_since_and_both_are_listed(
    make_user: Callable[..., Any],
) -> None:
    reference = Rollout.objects.get(process=PROCESS, organisation=None)
    assert reference.valid_from == date(2024, 1, 1) and reference.process_version == _v(1)
    earlier = Rollout.objects.create(
        process=PROCESS,
        process_version=_v(1),
        organisation=None,
        valid_from=date(2021, 3, 1),
        note="historie",
    )
    unit = Organisation.objects.get(code="zeeland-west-brabant")
    [row] = [r for r in rollout_overview(organisation=unit) if r.process == PROCESS]
    assert row.current == reference and row.since == date(2021, 3, 1)
    [v1] = [h for h in rollout_history() if h.version == _v(1)]
    assert [(e.rollout, e.until) for e in v1.in_force] == [(earlier, date(2024, 1, 1)), (reference, None)]
    page = _page(make_user)
    in_force = _part(page, f"rollout-{PROCESS}-zeeland-west-brabant", "</tr>")
    assert "01-03-2021" in in_force and "01-01-2024" not in in_force
    history = _part(page, f"history-{PROCESS}-1", "</table>")
    assert "01-03-2021" in history and "01-01-2024" in history and "historie" in history


def test_a_version_after_another_starts_its_own_since_and_ends_the_one_before() -> None:
    unit = Organisation.objects.get(code="limburg")
    today = timezone.localdate()
    v2 = rollout_enable(process_version=_v(2), organisation=unit, valid_from=today, actor=None)
    [row] = [r for r in rollout_overview(organisation=unit) if r.process == PROCESS]
    assert row.current == v2 and row.since == today
    history = {h.version.version: h for h in rollout_history() if h.version.process == PROCESS}
    assert [e.until for e in history[2].in_force] == [None]
    # A planned roll-out is not (yet) in the history: it stands under the planned roll-outs.
    rollout_enable(process_version=_v(1), organisation=unit, valid_from=today + timedelta(days=3), actor=None)
    history = {h.version.version: h for h in rollout_history() if h.version.process == PROCESS}
    assert [e.rollout for e in history[1].in_force if e.rollout.organisation_id == unit.pk] == []
    assert [e.until for e in history[2].in_force] == [None]


def test_a_withdrawn_rollout_stays_on_the_page_with_who_when_and_why(make_user: Callable[..., Any]) -> None:
    admin = make_user("functional_admin", organisation="ketenzicht-beheer")
    admin.first_name, admin.last_name = "Wim", "Beheer"
    admin.save(update_fields=["first_name", "last_name"])
    unit = Organisation.objects.get(code="zeeland-west-brabant")
    day = timezone.localdate() + timedelta(days=5)
    planned = rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    rollout_withdraw(planned, actor=admin, reason="Pilot uitgesteld tot na de zomer")
    [v2] = [h for h in rollout_history() if h.version == _v(2)]
    assert v2.withdrawn == [planned]
    page = _page(make_user)
    item = _part(page, f"withdrawn-rollout-{planned.pk}", "</li>")
    assert f"<s>{unit.name} vanaf {day:%d-%m-%Y}</s>" in item
    assert "ingetrokken door Wim Beheer op" in item and "Pilot uitgesteld tot na de zomer" in item
    assert Rollout.objects.filter(pk=planned.pk).exists()


def test_the_fingerprint_says_it_is_the_sha256_of_the_definition_file(make_user: Callable[..., Any]) -> None:
    page = _page(make_user)
    digest = hashlib.sha256((DATA_DIR / f"{PROCESS}.v1.yaml").read_bytes()).hexdigest()
    assert _v(1).content_hash == digest
    section = _part(page, f"version-{PROCESS}-1", "</section>")
    assert "vingerafdruk (SHA-256 van het definitiebestand)" in section
    assert "<details" in section and digest in section


def test_a_rollout_nobody_clicked_says_it_came_with_the_installation(make_user: Callable[..., Any]) -> None:
    page = _page(make_user)
    in_force = _part(page, f"rollout-{PROCESS}-zeeland-west-brabant", "</tr>")
    assert "bij installatie (referentiegegevens)" in in_force
    assert ">referentiegegevens<" not in page
