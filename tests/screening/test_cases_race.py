"""Two intakes at once for a brand-new pair: the database keeps one open case per pair in a unit
(`screening_one_open_case`); the intake that comes second joins the case the first one opened."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from ketenzicht.intake import pipeline
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.services import screening_cases_for
from ketenzicht.workprocesses.models import Case
from tests.patterns.helpers import LOTTE, MARCO, take_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one connection write at a time, so two intakes cannot race there: PostgreSQL only",
)
def test_two_intakes_opening_a_case_for_one_new_pair_at_once_end_with_one_case_holding_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps = tuple(step for step in pipeline.STEPS_AFTER_STORE if step is not pipeline.screening)
    monkeypatch.setattr(pipeline, "STEPS_AFTER_STORE", steps)  # stored and linked, no case yet
    # Two reports of partner violence (no pattern signal yet, which would put both on the first case).
    first, second = (
        take_in(f"PL0600-RACE-{n}", MARCO, LOTTE, registered_at=at, offences=["300"], relation="partner")
        for n, at in ((1, "2024-03-06T09:12:00+01:00"), (2, "2024-03-06T09:40:00+01:00"))
    )
    assert Case.objects.filter(organisation__kind="politie").count() == 0  # Veilig Thuis opens its own

    opened_uncommitted = threading.Event()
    second_started = threading.Event()
    outcome: dict[str, Any] = {}

    def intake(name: str, registration_id: int) -> None:
        try:
            with transaction.atomic():
                if name == "second":
                    second_started.set()
                outcome[name] = screening_cases_for([registration_id])
                if name == "first":
                    opened_uncommitted.set()
                    # Hold the new case uncommitted while the second intake decides, opens and is refused.
                    assert second_started.wait(10)
                    time.sleep(1.0)
        except BaseException as error:
            outcome[f"{name}_error"] = error
            opened_uncommitted.set()
        finally:
            connection.close()

    one = threading.Thread(target=intake, args=("first", first.pk))
    one.start()
    assert opened_uncommitted.wait(20)
    two = threading.Thread(target=intake, args=("second", second.pk))
    two.start()
    one.join(30)
    two.join(30)

    assert "first_error" not in outcome and "second_error" not in outcome, outcome
    assert (outcome["first"].opened, outcome["first"].added) == (1, 0)
    assert (outcome["second"].opened, outcome["second"].added) == (0, 1), outcome
    [screening] = ScreeningCase.objects.select_related("case")
    assert screening.open and screening.opened_by_id == first.pk
    assert set(screening.case.registrations.all()) == {first, second}
    assert list(screening.case.events.values_list("kind", flat=True)) == ["opened", "registration"]
    assert (
        Case.objects.filter(organisation__kind="politie").count() == 1
    )  # the refused intake's case was rolled back with its savepoint
