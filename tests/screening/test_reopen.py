"""A closed screening case reopened by a team lead: the queue's row follows it (open, with the new
deadline), the pair's next registration joins it; refused, naming the case to work on in, while the pair has
another open case in the unit, on either process, or on a person merged since, also when an intake opens
that case at the same moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from ketenzicht.intake import pipeline
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.selectors import queue_for_user
from ketenzicht.screening.services import screening_cases_for
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_reopen, case_take
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db


def _police_case(registration: Any) -> Case:
    return Case.objects.get(registrations=registration, organisation__code="oost-brabant")


def _close(case: Case, actor: Any) -> Case:
    return case_take(case, "no_further_action", actor=actor, expected_version=None, reason="Geen feit.")


def test_a_reopened_case_is_back_in_the_queue_and_the_pair_s_next_registration_joins_it(
    make_user: Callable[..., Any],
) -> None:
    screener, lead = make_user("case_screener"), make_user("team_lead")
    first = take_in("PL0600-SR-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    case = _close(_police_case(first), screener)
    row = ScreeningCase.objects.get(case=case)
    assert not row.open and row not in queue_for_user(user=lead)

    case = case_reopen(case, actor=lead, reason="Melding kwam te laat binnen.", expected_version=None)
    row.refresh_from_db()
    assert row.open and row.deadline_at == case.deadline_at is not None
    assert row in queue_for_user(user=lead)
    # The pair's next registration joins the reopened case: no second case for the pair.
    later = take_in("PL0600-SR-2", MARCO, LOTTE, registered_at="2024-03-20T09:12:00+01:00")
    assert _police_case(later) == case
    assert ScreeningCase.objects.filter(suspect=row.suspect, victim=row.victim).count() == 1


def test_a_newer_open_case_of_the_pair_on_the_other_process_refuses_the_reopen(
    make_user: Callable[..., Any],
) -> None:
    """A partner's violence runs on the DV screening, a later ex-partner threat on the ex-partner stalking
    process: the unit still keeps one open case for the pair, so the older one is not reopened beside it
    (the database would refuse the second open row)."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    first = take_in(
        "PL0600-SR-3",
        MARCO,
        LOTTE,
        registered_at="2024-03-06T09:12:00+01:00",
        offences=["300"],
        relation="partner",
    )
    old = _close(_police_case(first), screener)
    assert old.process_version.process == "dv_screening"
    second = take_in("PL0600-SR-4", MARCO, LOTTE, registered_at="2024-05-01T09:12:00+01:00")
    new = _police_case(second)
    assert new.process_version.process == "ex_partner_stalking" and new.closed_at is None
    with pytest.raises(Refused) as refused:
        case_reopen(old, actor=lead, reason="Zelfde relatie.", expected_version=None)
    assert (refused.value.code, refused.value.detail) == ("open_case", new.reference)
    old.refresh_from_db()
    assert old.closed_at is not None and not ScreeningCase.objects.get(case=old).open


def test_a_newer_open_case_on_a_person_merged_since_refuses_the_reopen(make_user: Callable[..., Any]) -> None:
    """The old case was opened on Marco; a reviewer merged Marco into Kees Smit, whose registration towards
    Lotte then opened a case: the same pair, as intake counts it."""
    from ketenzicht.linking.services import person_merge

    screener, lead = make_user("case_screener"), make_user("team_lead")
    kees = {"given_names": "Kees", "surname": "Smit", "birth_date": "1971-02-03", "sex": "M"}
    neighbour = {"given_names": "Bert", "surname": "Mol", "birth_date": "1950-01-01", "sex": "M"}
    first = take_in("PL0600-SR-5", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    other = take_in(
        "PL0600-SR-6", kees, neighbour, registered_at="2024-03-07T09:12:00+01:00", relation="neighbour"
    )
    old = _close(_police_case(first), screener)
    marco, smit = person_of(first), person_of(other)
    person_merge(source=marco, target=smit, actor=None, reason="zelfde persoon (test)")
    later = take_in("PL0600-SR-7", kees, LOTTE, registered_at="2024-03-20T09:12:00+01:00")
    new = _police_case(later)
    assert new != old and ScreeningCase.objects.get(case=new).suspect == smit
    with pytest.raises(Refused) as refused:
        case_reopen(old, actor=lead, reason="Zelfde persoon.", expected_version=None)
    assert (refused.value.code, refused.value.detail) == ("open_case", new.reference)


def _race(
    monkeypatch: pytest.MonkeyPatch, make_user: Callable[..., Any], *, reopen_first: bool
) -> tuple[Case, Any, dict[str, Any]]:
    """The pair's case closed; a new registration of the pair stored (not yet on a case). Then its intake
    step and a reopen of the closed case at once, `reopen_first` or the intake first, the first holding its
    transaction open while the other decides."""
    screener, lead = make_user("case_screener"), make_user("team_lead")
    first = take_in("PL0600-SRR-1", MARCO, LOTTE, registered_at="2024-03-06T09:12:00+01:00")
    old = _close(_police_case(first), screener)
    steps = tuple(step for step in pipeline.STEPS_AFTER_STORE if step is not pipeline.screening)
    monkeypatch.setattr(pipeline, "STEPS_AFTER_STORE", steps)  # stored and linked, no case yet
    second = take_in("PL0600-SRR-2", MARCO, LOTTE, registered_at="2024-03-20T09:12:00+01:00")
    done_uncommitted, other_started = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def run(name: str) -> None:
        holds = (name == "reopen") == reopen_first
        try:
            with transaction.atomic():
                if not holds:
                    other_started.set()
                if name == "intake":
                    outcome[name] = screening_cases_for([second.pk])
                else:
                    outcome[name] = case_reopen(
                        old, actor=lead, reason="Nieuwe melding.", expected_version=None
                    )
                if holds:  # hold it uncommitted while the other decides and waits for the database
                    done_uncommitted.set()
                    assert other_started.wait(10)
                    time.sleep(1.0)
        except BaseException as error:
            outcome[f"{name}_error"] = error
            done_uncommitted.set()
        finally:
            connection.close()

    order = ("reopen", "intake") if reopen_first else ("intake", "reopen")
    one = threading.Thread(target=run, args=(order[0],))
    one.start()
    assert done_uncommitted.wait(20)
    two = threading.Thread(target=run, args=(order[1],))
    two.start()
    one.join(30)
    two.join(30)
    return old, second, outcome


# Skipped before any set-up on SQLite (no test database emptied and filled again for nothing).
_postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one connection write at a time, so there is no race there: PostgreSQL only",
)


@pytest.mark.postgres
@_postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_intake_opening_the_pair_s_case_while_the_reopen_decides_makes_the_reopen_refused(
    monkeypatch: pytest.MonkeyPatch, make_user: Callable[..., Any]
) -> None:
    old, second, outcome = _race(monkeypatch, make_user, reopen_first=False)
    assert "intake_error" not in outcome and "reopen" not in outcome, outcome
    refused = outcome["reopen_error"]
    new = _police_case(second)
    assert isinstance(refused, Refused) and (refused.code, refused.detail) == ("open_case", new.reference)
    old.refresh_from_db()
    assert old.closed_at is not None and not old.events.filter(kind="reopened").exists()
    assert list(ScreeningCase.objects.filter(open=True).values_list("case_id", flat=True)) == [new.pk]


@pytest.mark.postgres
@_postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_reopen_while_an_intake_decides_makes_the_intake_join_the_reopened_case(
    monkeypatch: pytest.MonkeyPatch, make_user: Callable[..., Any]
) -> None:
    old, second, outcome = _race(monkeypatch, make_user, reopen_first=True)
    assert "intake_error" not in outcome and "reopen_error" not in outcome, outcome
    assert (outcome["intake"].opened, outcome["intake"].added) == (0, 1)
    old.refresh_from_db()
    assert old.closed_at is None and second in old.registrations.all()
    assert list(ScreeningCase.objects.filter(open=True).values_list("case_id", flat=True)) == [old.pk]
    assert Case.objects.filter(organisation__kind="politie").count() == 1
