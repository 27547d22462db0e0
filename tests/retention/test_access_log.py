"""The access log's own retention: `retention_purge` counts, and with --execute deletes in batches, the
entries past RETENTION_ACCESS_LOG, never one within it, never one an undecided break-the-glass review refers
to; and the database refuses any other deletion, and any horizon less than FLOOR_DAYS old."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import override_settings
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry, AccessLogPerson, AccessLogPurge
from ketenzicht.audit.triggers import FLOOR_DAYS
from ketenzicht.dossiers.models import BreakGlassAccess
from ketenzicht.retention.services import retention_plan, retention_purge

pytestmark = pytest.mark.django_db


def ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def entry(at: datetime, *, person: int | None = 7, **fields: Any) -> AccessLogEntry:
    """An entry written `at` (inserting is all the log allows), with a person row."""
    values = {"actor_username": "jansen", "action": "view", "object_type": "person", "object_id": "7"}
    made = AccessLogEntry.objects.create(at=at, result="shown", **(values | fields))
    if person is not None:
        AccessLogPerson.objects.create(entry=made, person_id=person)
    return made


def purge(*args: str) -> str:
    out = StringIO()
    call_command("retention_purge", "--no-progress", *args, stdout=out)
    return out.getvalue()


def exists(*entries: AccessLogEntry) -> list[bool]:
    return [AccessLogEntry.objects.filter(pk=e.pk).exists() for e in entries]


def test_the_dry_run_counts_and_execute_deletes_what_is_past_its_term_in_batches() -> None:
    old = [entry(ago(6 * 366 + day)) for day in range(3)]  # past five years
    within = entry(ago(4 * 365))
    today = entry(timezone.now())
    out = purge()
    assert "; 0 kept for an undecided break-the-glass review; would delete 3 (from before" in out
    assert exists(*old, within, today) == [True] * 5 and not AccessLogPurge.objects.exists()
    out = purge("--execute", "--log-batch", "2")
    assert "Access log: 3 entries past its period deleted." in out
    assert exists(*old, within, today) == [False, False, False, True, True]
    assert not AccessLogPerson.objects.filter(entry_id__in=[e.pk for e in old]).exists()
    assert AccessLogPerson.objects.filter(entry_id=within.pk).exists()
    logged = AccessLogEntry.objects.get(action="purge", object_type="access_log")
    assert (logged.detail["deleted"], logged.detail["held"], logged.detail["period"]) == (3, 0, "5 years")
    total = AccessLogEntry.objects.get(action="purge", object_type="registration", object_id="")
    assert total.detail["access_log_deleted"] == 3
    horizon = AccessLogPurge.objects.get()
    assert old[0].at < horizon.horizon < within.at
    assert "would delete 0" in purge()  # a second run finds nothing new


def test_a_shorter_setting_deletes_more_but_never_within_the_floor() -> None:
    two_years, half_year = entry(ago(2 * 366)), entry(ago(180))
    with override_settings(RETENTION_ACCESS_LOG={"amount": 30, "unit": "days"}):
        out = purge("--execute")
    assert f"the log keeps at least {FLOOR_DAYS} days" in out
    assert exists(two_years, half_year) == [False, True]


def test_entries_of_an_undecided_break_the_glass_review_stay_until_it_is_decided(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("police_registrar")
    at = ago(6 * 366)
    access = BreakGlassAccess.objects.create(
        user=user, person_id=7, reason="r" * 20, granted_at=at, expires_at=at + timedelta(minutes=30)
    )
    granted = entry(at, object_type="break_glass", object_id=str(access.pk), action="create")
    viewed = entry(at, detail={"break_glass": True, "grant": access.pk})
    other = entry(at)
    out = purge("--execute")
    assert "; 2 kept for an undecided break-the-glass review; to delete 1" in out
    assert exists(granted, viewed, other) == [True, True, False]
    logged = AccessLogEntry.objects.get(action="purge", object_type="access_log")
    assert (logged.detail["deleted"], logged.detail["held"]) == (1, 2)
    BreakGlassAccess.objects.filter(pk=access.pk).update(decision="proper", decided_at=timezone.now())
    purge("--execute")
    assert exists(granted, viewed) == [False, False]


def test_the_database_refuses_a_deletion_the_purge_did_not_put_behind_a_horizon() -> None:
    old, recent = entry(ago(6 * 366)), entry(ago(400))
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=old.pk).delete()  # no horizon yet
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogPurge.objects.create(at=timezone.now(), horizon=ago(FLOOR_DAYS - 2))  # too recent
    horizon = AccessLogPurge.objects.create(at=timezone.now(), horizon=ago(5 * 366))
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=recent.pk).delete()  # within the horizon
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogPerson.objects.filter(entry_id=recent.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogPurge.objects.filter(pk=horizon.pk).update(horizon=timezone.now())
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogPurge.objects.filter(pk=horizon.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=old.pk).update(purpose="changed")  # behind it, still no update
    AccessLogPerson.objects.filter(entry_id=old.pk).delete()
    AccessLogEntry.objects.filter(pk=old.pk).delete()  # behind the horizon: allowed
    assert exists(old, recent) == [False, True]


def test_a_refusal_by_the_database_is_reported_and_the_counts_still_logged() -> None:
    """When the database refuses (here a horizon within the floor; in production also a role without
    DELETE), the purge says so, deletes nothing of the log, and still logs its counts."""
    old = entry(ago(6 * 366))
    plan = retention_plan()
    plan.access_log_horizon = timezone.now()  # more recent than the database allows
    summary = retention_purge(plan, relink=False)
    assert summary.access_log_deleted == 0 and "keeps at least" in summary.access_log_error
    assert exists(old) == [True] and not AccessLogPurge.objects.exists()
    logged = AccessLogEntry.objects.get(action="purge", object_type="access_log")
    assert "keeps at least" in logged.detail["error"] and logged.detail["deleted"] == 0
    assert AccessLogEntry.objects.filter(action="purge", object_type="registration").exists()
