"""Intake's insights step marks the day a breach of a measure happened as stale, from the breaches the
measures step just stored in the same batch, without reading them back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketenzicht.insights.models import StaleDay
from ketenzicht.intake import pipeline
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.measures.models import Breach
from tests.conftest import exchange_registration, in_numbering
from tests.measures.helpers import LOTTE_MISSPELT, couple_with_case, restraining_order
from tests.patterns.helpers import MARCO

pytestmark = pytest.mark.django_db


def test_the_day_a_breach_happened_is_marked_without_reading_the_breaches_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marco, lotte, case = couple_with_case()
    restraining_order(marco, lotte, case, starts_on=timezone.localdate() - timedelta(days=7))
    StaleDay.objects.all().delete()
    statements: list[str] = []
    counted = pipeline.insights

    def insights(batch: list[Any]) -> None:
        with CaptureQueriesContext(connection) as queries:
            counted(batch)
        statements.extend(query["sql"] for query in queries.captured_queries)

    monkeypatch.setattr(
        pipeline,
        "STEPS_AFTER_STORE",
        tuple(insights if s is counted else s for s in pipeline.STEPS_AFTER_STORE),
    )
    now = timezone.now()
    happened = now - timedelta(days=5)  # reported today, of five days ago
    data = exchange_registration(
        reference=in_numbering("PL0600-M-DAY", unit="oost-brabant", municipality="GM0796"),
        persons=[
            {"ref": "p1", "role": "suspect", **MARCO},
            {"ref": "p2", "role": "victim", **LOTTE_MISSPELT},
        ],
        relations=[{"from": "p1", "to": "p2", "kind": "ex_partner"}],
        offences=["300"],
        occurred_at=happened.isoformat(),
        registered_at=now.isoformat(),
    )
    registration = intake_registration(actor=None, data=data, channel="import").registration
    breach = Breach.objects.get(registration=registration)
    assert breach.occurred_on == timezone.localtime(happened).date()
    marked = set(StaleDay.objects.values_list("day", flat=True))
    assert {breach.occurred_on, timezone.localdate(now)} <= marked
    assert statements  # the step ran, and read no breach back
    assert not [sql for sql in statements if Breach._meta.db_table in sql]
