"""A page's reads logged together (`access_log_together`, used by the case page): each entry as it would
have been alone, written at the block's end in one transaction; also when the block ends in an exception;
a refusal is written at once, never held back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketenzicht.audit.access import NotVisible, listed, read, refuse
from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.services import access_log_held, access_log_together

pytestmark = pytest.mark.django_db

FIELDS = ("actor_username", "organisation_code", "roles", "action", "object_type", "object_id", "purpose")


def _reads(actor: Any) -> None:
    read(actor=actor, object_type="case", object_id=7, origin="web", purpose="case Z1", persons=[3, 4])
    listed(actor=actor, object_type="registration", origin="web", purpose="case Z1", detail={"n": 2})
    listed(actor=actor, object_type="measure", origin="web", purpose="case Z1", persons=[4])


def _written(after: int) -> list[tuple[Any, ...]]:
    return [
        (
            *(getattr(e, f) for f in FIELDS),
            e.result,
            e.detail,
            sorted(e.persons.values_list("person_id", flat=True)),
        )
        for e in AccessLogEntry.objects.filter(pk__gt=after).order_by("pk")
    ]


def _last() -> int:
    last = AccessLogEntry.objects.order_by("pk").last()
    return last.pk if last else 0


def test_entries_written_together_are_the_entries_written_alone(registrar: Any) -> None:
    start = _last()
    _reads(registrar)
    alone = _written(start)
    middle = _last()
    with CaptureQueriesContext(connection) as together:
        with access_log_together():
            assert access_log_held()
            _reads(registrar)
            assert _last() == middle  # nothing written yet
        assert not access_log_held()
    assert _written(middle) == alone and len(alone) == 3
    inserts = [q["sql"] for q in together.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # one for the entries, one for their persons (alone: three and three)
    entries = list(AccessLogEntry.objects.filter(pk__gt=middle).order_by("pk"))
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_reads_are_written_when_the_block_ends_in_an_exception_and_a_refusal_at_once(registrar: Any) -> None:
    start = _last()
    with pytest.raises(NotVisible), access_log_together():
        read(actor=registrar, object_type="case", object_id=7, origin="web", purpose="case Z1")
        refused = refuse(actor=registrar, object_type="case", object_id=8)
        # The refusal is in the log at once; the read waits for the block's end.
        assert [e.result for e in AccessLogEntry.objects.filter(pk__gt=start)] == ["refused"]
        raise refused
    assert [(e.object_id, e.result) for e in AccessLogEntry.objects.filter(pk__gt=start).order_by("at")] == [
        ("7", "shown"),
        ("8", "refused"),
    ]
