"""manage.py screening_cases_rebuild over a register taken in before the screening step existed: it opens
what intake would have opened, and a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from ketenzicht.intake import pipeline
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.models import Case, CaseEvent
from ketenzicht.workprocesses.services import case_take
from tests.patterns.helpers import LOTTE, MARCO, take_in

pytestmark = pytest.mark.django_db


def police_cases() -> int:
    """The police's cases (the Veilig Thuis desk opens cases of its own for what the police notify)."""
    return Case.objects.filter(organisation__kind="politie").count()


SANNE = {"given_names": "Sanne", "surname": "Bakker", "birth_date": "1990-07-11", "sex": "F"}
KEES = {"given_names": "Kees", "surname": "Smit", "birth_date": "1971-02-03", "sex": "M"}


def test_the_rebuild_opens_the_cases_intake_would_open_and_is_idempotent(
    monkeypatch: pytest.MonkeyPatch, make_user: Callable[..., Any]
) -> None:
    screener = make_user("case_screener")
    steps = tuple(step for step in pipeline.STEPS_AFTER_STORE if step is not pipeline.screening)
    monkeypatch.setattr(pipeline, "STEPS_AFTER_STORE", steps)
    take_in("PL0600-R-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    take_in("PL0600-R-2", MARCO, LOTTE, registered_at="2024-03-20T09:12:00+01:00", offences=["350"])
    take_in("PL0600-R-3", MARCO, SANNE, registered_at="2024-03-21T09:12:00+01:00", relation="partner")
    take_in("PL0600-R-4", MARCO, KEES, registered_at="2024-03-22T09:12:00+01:00", relation="neighbour")
    take_in("VT-R-1", MARCO, SANNE, registered_at="2024-03-23T09:12:00+01:00", source="veilig_thuis")
    assert police_cases() == 0

    out = StringIO()
    call_command("screening_cases_rebuild", "--no-progress", stdout=out)
    assert "2 cases opened" in out.getvalue()
    by_victim = {s.victim_id: s for s in ScreeningCase.objects.select_related("case__process_version")}
    assert len(by_victim) == 2  # not the neighbour, not Veilig Thuis
    lotte_case = next(s for s in by_victim.values() if s.reasons[0] == "ex_partner").case
    sanne_case = next(s for s in by_victim.values() if s.reasons[0] == "domestic_relation").case
    assert sorted(lotte_case.registrations.values_list("reference", flat=True)) == [
        "PL0600-R-1",
        "PL0600-R-2",
    ]
    assert list(sanne_case.registrations.values_list("reference", flat=True)) == ["PL0600-R-3"]
    # A closed case keeps its registrations: the next run opens no new case for them.
    lotte_case = case_take(
        lotte_case, "no_further_action", actor=screener, expected_version=None, reason="afgehandeld"
    )
    events = CaseEvent.objects.count()

    again = StringIO()
    call_command("screening_cases_rebuild", "--no-progress", stdout=again)
    assert "0 cases opened, 0 registrations added" in again.getvalue()
    assert (police_cases(), CaseEvent.objects.count()) == (
        2,
        events,
    )
