"""Roll-outs of work-process versions: one that stands per process, organisation and first day (also when
two administrators, or two tabs, send it at once), no first day before today, and a planned roll-out
withdrawn with a reason before it begins; `version_for` and the page's table follow what stands."""

from __future__ import annotations

import importlib
import re
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.organisations.models import Organisation
from ketenzicht.workprocesses import rollouts
from ketenzicht.workprocesses.models import ProcessVersion, Rollout
from ketenzicht.workprocesses.rollouts import (
    RolloutRefused,
    rollout_enable,
    rollout_withdraw,
    version_for,
    versions_remembered,
)
from ketenzicht.workprocesses.selectors import rollout_overview
from ketenzicht.workprocesses.services import case_open
from tests.clients import signed_in
from tests.summary import banners, nothing_stored

pytestmark = pytest.mark.django_db

PROCESS = "ex_partner_stalking"


def _v(version: int) -> ProcessVersion:
    return ProcessVersion.objects.get(process=PROCESS, version=version)


def _unit(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def _later(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def _admin(make_user: Callable[..., Any]) -> Any:
    return make_user("functional_admin", organisation="ketenzicht-beheer")


def _logged(action: str) -> int:
    return AccessLogEntry.objects.filter(object_type="rollout", action=action, result="stored").count()


# --- one roll-out per process, organisation and day ------------------------------------------------------


def test_the_same_rollout_sent_twice_is_stored_once_and_the_second_is_told(
    make_user: Callable[..., Any],
) -> None:
    admin, unit, day = _admin(make_user), _unit("zeeland-west-brabant"), _later(4)
    rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    with pytest.raises(RolloutRefused) as refused:
        rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    assert refused.value.field == "valid_from"
    message = str(refused.value.message)
    assert "Politie eenheid Zeeland-West-Brabant" in message and day.strftime("%d-%m-%Y") in message
    assert "niets opgeslagen" in message
    assert Rollout.objects.filter(organisation=unit, valid_from=day).count() == 1
    assert _logged("create") == 1


def test_another_version_on_a_taken_day_is_refused_too(make_user: Callable[..., Any]) -> None:
    """Two roll-outs from one day cannot both decide which version a case starts on that day."""
    unit, day = _unit("oost-brabant"), _later(10)
    rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=None)
    with pytest.raises(RolloutRefused, match="geplande uitrol dan eerst in"):
        rollout_enable(process_version=_v(1), organisation=unit, valid_from=day, actor=None)
    # Another organisation, another day, or the national default: each a day of its own.
    rollout_enable(process_version=_v(1), organisation=_unit("limburg"), valid_from=day, actor=None)
    rollout_enable(process_version=_v(1), organisation=unit, valid_from=day + timedelta(days=1), actor=None)
    rollout_enable(process_version=_v(2), organisation=None, valid_from=day, actor=None)
    with pytest.raises(RolloutRefused, match="landelijke standaard"):
        rollout_enable(process_version=_v(2), organisation=None, valid_from=day, actor=None)


def test_a_rollout_stored_meanwhile_by_another_tab_is_refused_by_the_database(
    monkeypatch: pytest.MonkeyPatch, make_user: Callable[..., Any]
) -> None:
    """The race of two tabs: both looked before either stored. The check before storing is blinded here,
    as if the other tab's roll-out had not been committed yet; the database's constraint refuses the second
    and the service says so, the same way, with nothing of it stored or logged."""
    admin, unit, day = _admin(make_user), _unit("zeeland-west-brabant"), _later(4)
    rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    looked: list[bool] = []
    real = rollouts._standing

    def not_yet_committed(*args: Any) -> Rollout | None:
        if not looked:  # the look before storing
            looked.append(True)
            return None
        return real(*args)  # the look after the refusal, to name what stands

    monkeypatch.setattr(rollouts, "_standing", not_yet_committed)
    with pytest.raises(RolloutRefused) as refused:
        rollout_enable(process_version=_v(2), organisation=unit, valid_from=day, actor=admin)
    assert looked and refused.value.field == "valid_from"
    assert isinstance(refused.value.__cause__, IntegrityError)
    assert Rollout.objects.filter(organisation=unit, valid_from=day).count() == 1
    assert _logged("create") == 1


def test_the_database_keeps_one_standing_rollout_per_day_a_withdrawn_one_does_not_count() -> None:
    unit, day = _unit("oost-brabant"), _later(7)

    def add(organisation: Organisation | None, **extra: Any) -> Rollout:
        return Rollout.objects.create(
            process=PROCESS, process_version=_v(2), organisation=organisation, valid_from=day, **extra
        )

    for organisation in (unit, None):
        first = add(organisation)
        with pytest.raises(IntegrityError), transaction.atomic():
            add(organisation)
        add(organisation, withdrawn_at=timezone.now(), withdrawal_reason="test")  # withdrawn: allowed
        Rollout.objects.filter(pk=first.pk).update(withdrawn_at=timezone.now())
        add(organisation)  # the day is free again


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",  # SQLite: one writer at a time (transaction_mode IMMEDIATE)
    reason="SQLite lets one connection write at a time, so two roll-outs cannot race: PostgreSQL only",
)
def test_two_administrators_rolling_out_at_once_store_one(make_user: Callable[..., Any]) -> None:
    admin, unit, day = _admin(make_user), _unit("zeeland-west-brabant"), _later(4)
    first_stored, second_started = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def roll_out(name: str) -> None:
        try:
            with transaction.atomic():
                if name == "second":
                    second_started.set()
                outcome[name] = rollout_enable(
                    process_version=_v(2), organisation=unit, valid_from=day, actor=admin
                )
                if name == "first":
                    first_stored.set()
                    assert second_started.wait(10)
                    time.sleep(1.0)  # uncommitted while the second looks, finds nothing, and stores
        except BaseException as error:
            outcome[f"{name}_error"] = error
            first_stored.set()
        finally:
            connection.close()

    one = threading.Thread(target=roll_out, args=("first",))
    one.start()
    assert first_stored.wait(20)
    two = threading.Thread(target=roll_out, args=("second",))
    two.start()
    one.join(30)
    two.join(30)
    assert "first_error" not in outcome and "second" not in outcome, outcome
    assert isinstance(outcome["second_error"], RolloutRefused), outcome
    assert Rollout.objects.filter(organisation=unit, valid_from=day).count() == 1
    assert _logged("create") == 1


@pytest.mark.django_db(transaction=True)  # migrations run outside a test's transaction (SQLite)
def test_the_migration_keeps_of_two_rollouts_of_one_day_the_one_version_for_chose() -> None:
    before, after = (
        ("workprocesses", "0008_event_withdrawn"),
        ("workprocesses", "0010_rollout_one_per_day"),
    )
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        OldRollout = old.get_model("workprocesses", "Rollout")
        unit, v1, v2 = _unit("zeeland-west-brabant"), _v(1), _v(2)
        day = date(2026, 12, 10)
        made = [
            OldRollout.objects.create(
                process=PROCESS, process_version_id=pv.pk, organisation_id=organisation, valid_from=day
            ).pk
            for pv, organisation in ((v2, unit.pk), (v2, unit.pk), (v1, unit.pk), (v2, None), (v2, None))
        ]
        MigrationExecutor(connection).migrate([after])
        standing = Rollout.objects.filter(pk__in=made, withdrawn_at__isnull=True)
        assert sorted(standing.values_list("pk", flat=True)) == [made[2], made[4]]  # the last of each day
        assert version_for(PROCESS, unit, day) == v1  # as before the migration: the one entered last
        withdrawn = Rollout.objects.filter(pk__in=made, withdrawn_at__isnull=False)
        assert {r.withdrawal_reason for r in withdrawn} == {
            importlib.import_module("ketenzicht.workprocesses.migrations.0009_rollout_withdrawal").REASON
        }
    finally:
        MigrationExecutor(connection).migrate(latest)


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
    client = signed_in(_admin(make_user))
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
    assert banners(text) == [nothing_stored()]
    assert not Rollout.objects.filter(organisation=amsterdam).exists()
    row = re.search(rf'data-testid="rollout-{PROCESS}-amsterdam">(.*?)</tr>', text, re.S)
    assert row is not None and "01-01-2025" not in row.group(1)


def test_the_page_refuses_a_second_identical_rollout_from_another_tab(make_user: Callable[..., Any]) -> None:
    admin = _admin(make_user)
    first_tab, second_tab = signed_in(admin), signed_in(admin)
    unit, day = _unit("zeeland-west-brabant"), _later(4)
    form = {"process_version": _v(2).pk, "organisation": unit.pk, "valid_from": day.isoformat()}
    for tab in (first_tab, second_tab):
        assert tab.get(reverse("workprocesses:rollouts")).status_code == 200
    assert first_tab.post(reverse("workprocesses:rollouts"), form).status_code == 302
    answer = second_tab.post(reverse("workprocesses:rollouts"), form)
    assert answer.status_code == 422
    error = re.search(r'data-testid="error-valid_from">([^<]*)<', answer.content.decode())
    assert error is not None and "heeft al versie 2 van dit werkproces vanaf " + day.strftime("%d-%m-%Y") in (
        error.group(1)
    )
    row = re.search(
        rf'data-testid="rollout-{PROCESS}-zeeland-west-brabant">(.*?)</tr>', answer.content.decode(), re.S
    )
    assert row is not None and row.group(1).count(day.strftime("%d-%m-%Y")) == 1
    assert Rollout.objects.filter(organisation=unit).count() == 1


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
    client = signed_in(admin)
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
        f'data-testid="error-withdraw-{planned.pk}-reason">Geef aan waarom de geplande uitrol wordt '
        "ingetrokken.<" in without.content.decode()
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
    assert signed_in(screener).post(url, {f"withdraw-{planned.pk}-reason": "weg"}).status_code == 403
    assert signed_in(screener).get(url).status_code == 405
    missing = reverse("workprocesses:rollout-withdraw", args=[999999])
    assert signed_in(_admin(make_user)).post(missing, {"withdraw-999999-reason": "weg"}).status_code == 404
    planned.refresh_from_db()
    assert planned.withdrawn_at is None


# --- the table -------------------------------------------------------------------------------------------


def test_a_later_default_is_not_planned_for_an_organisation_running_its_own_rollout() -> None:
    """`version_for` takes an organisation's own begun roll-out before any default: a new national default
    does not reach it, and the table does not list it there."""
    pilot, other = _unit("oost-brabant"), _unit("limburg")
    rollout_enable(process_version=_v(1), organisation=pilot, valid_from=timezone.localdate(), actor=None)
    default = rollout_enable(process_version=_v(2), organisation=None, valid_from=_later(30), actor=None)
    rows = {r.organisation.code: r for r in rollout_overview() if r.process == PROCESS}
    assert rows["oost-brabant"].upcoming == [] and rows["limburg"].upcoming == [default]
    assert version_for(PROCESS, pilot, _later(30)) == _v(1)
    assert version_for(PROCESS, other, _later(30)) == _v(2)
    # An own roll-out that begins after the default: the default comes first, then its own.
    later_own = rollout_enable(process_version=_v(1), organisation=other, valid_from=_later(40), actor=None)
    rows = {r.organisation.code: r for r in rollout_overview() if r.process == PROCESS}
    assert rows["limburg"].upcoming == [default, later_own]
    assert version_for(PROCESS, other, _later(35)) == _v(2)
    assert version_for(PROCESS, other, _later(40)) == _v(1)


def test_the_notes_ketenzicht_writes_on_its_own_rollouts_read_in_the_pages_language(
    make_user: Callable[..., Any],
) -> None:
    """The reference data's and the demo's notes stood in English on the Dutch page; one a functional
    administrator typed stays as typed."""
    from ketenzicht.demo.notes import DEMO_PILOT_NOTE
    from ketenzicht.workprocesses.definitions import DEFAULT_ROLLOUT_NOTE, default_rollouts_ensure

    Rollout.objects.filter(organisation__isnull=True).delete()
    assert default_rollouts_ensure() > 0  # written in the installation's language
    assert set(Rollout.objects.filter(organisation__isnull=True).values_list("note", flat=True)) == {
        "landelijke standaard (referentiegegevens)"
    }
    admin = _admin(make_user)
    # An older one, written in English before.
    rollout_enable(
        process_version=_v(2),
        organisation=_unit("limburg"),
        valid_from=_later(3),
        actor=admin,
        note=DEMO_PILOT_NOTE,
    )
    rollout_enable(
        process_version=_v(2), organisation=_unit("zeeland-west-brabant"), valid_from=_later(4), actor=admin,
        note="pilot na overleg met de eenheid",
    )  # fmt: skip
    page = signed_in(admin).get(reverse("workprocesses:rollouts")).content.decode()
    assert "landelijke standaard (referentiegegevens)" in page
    assert "demo: pilot van de verbeterde werkwijze" in page and DEMO_PILOT_NOTE not in page
    assert "pilot na overleg met de eenheid" in page
    client = signed_in(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("workprocesses:rollouts")).content.decode()
    assert DEFAULT_ROLLOUT_NOTE in english and DEMO_PILOT_NOTE in english
    assert "pilot na overleg met de eenheid" in english


def test_the_table_names_a_planned_version_as_it_names_the_current_one(make_user: Callable[..., Any]) -> None:
    """The planned column read "versie 2 vanaf …" beside "Ex-partnerstalking (…), versie 1"."""
    day = _later(5)
    rollout_enable(
        process_version=_v(1), organisation=_unit("limburg"), valid_from=timezone.localdate(), actor=None
    )
    rollout_enable(process_version=_v(2), organisation=_unit("limburg"), valid_from=day, actor=None)
    page = signed_in(_admin(make_user)).get(reverse("workprocesses:rollouts")).content.decode()
    row = re.search(rf'data-testid="rollout-{PROCESS}-limburg">(.*?)</tr>', page, re.S)
    assert row is not None
    planned = f"Ex-partnerstalking (verbeterde werkwijze), versie 2 vanaf {day:%d-%m-%Y}"
    assert f'<td class="utrecht-table__cell">{planned}</td>' in row.group(1)


def test_a_refused_rollout_lists_each_mistake_linked_to_its_field(make_user: Callable[..., Any]) -> None:
    """The roll-out form said only "nothing was stored" on top, where the other forms of the administrator
    list each mistake with a link to its field: it now does the same."""
    client = signed_in(_admin(make_user))
    answer = client.post(reverse("workprocesses:rollouts"), {"valid_from": "2025-01-01"})
    assert answer.status_code == 422
    text = answer.content.decode()
    summary = text.split('data-testid="form-errors-list"')[1].split("</ul>")[0]
    assert 'href="#id_process_version"' in summary and 'href="#id_organisation"' in summary
    assert banners(text) == [nothing_stored()]
