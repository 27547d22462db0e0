"""The access log is append-only, enforced by the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.services import access_log_record

pytestmark = pytest.mark.django_db


def _entry(actor: Any) -> AccessLogEntry:
    return access_log_record(
        actor=actor, action="view", object_type="registration", object_id=1, result="shown", purpose="test"
    )


def test_an_entry_records_who_what_why_and_result(registrar: Any) -> None:
    entry = AccessLogEntry.objects.get(pk=_entry(registrar).pk)
    assert (entry.actor_username, entry.organisation_code, entry.roles) == (
        registrar.username,
        "oost-brabant",
        "police_registrar",
    )
    assert (entry.action, entry.object_type, entry.object_id, entry.purpose, entry.result) == (
        "view",
        "registration",
        "1",
        "test",
        "shown",
    )


def test_the_database_refuses_update(registrar: Any) -> None:
    entry = _entry(registrar)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(purpose="changed")
    assert AccessLogEntry.objects.get(pk=entry.pk).purpose == "test"


def test_the_database_refuses_delete(registrar: Any) -> None:
    entry = _entry(registrar)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
