"""Linking takes turns (`linking.turn`): two intakes of the same new person at the same moment end as one
person, because the second one's look-up sees the mention the first one linked; and a reviewer's decision
waits for an intake that is linking."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from ketenzicht.intake import pipeline
from ketenzicht.linking import rebuild
from ketenzicht.linking.services import mention_split
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.retention.services import retention_plan, retention_purge
from tests.patterns.helpers import LOTTE, MARCO, take_in
from tests.people import DENNIS, person_of, register

# The tests are transactional and PostgreSQL only: SQLite's transactions take the write lock when they
# begin (`transaction_mode` IMMEDIATE), so two of them never overlap there and there is nothing to wait for.
# Skipped inside, not by a mark: a transactional test skipped before its database is set up breaks the
# teardown in tests/conftest.py that lifts the append-only triggers.
ONLY_POSTGRESQL = "SQLite's transactions take the write lock when they begin, so two never overlap there"
only_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason=ONLY_POSTGRESQL)


def step_after_link(monkeypatch: pytest.MonkeyPatch, step: pipeline.BatchStep) -> None:
    """Run `step` in every intake right after its link step, inside its transaction."""
    steps = list(pipeline.STEPS_AFTER_STORE)
    steps.insert(steps.index(pipeline.link) + 1, step)
    monkeypatch.setattr(pipeline, "STEPS_AFTER_STORE", tuple(steps))


@pytest.mark.django_db(transaction=True)
@only_postgresql
def test_two_intakes_of_one_new_person_at_once_link_to_one_person(monkeypatch: pytest.MonkeyPatch) -> None:
    linked_uncommitted, second_started = threading.Event(), threading.Event()

    def hold_the_first(batch: list[pipeline.IntakeContext]) -> None:
        """After the first intake has linked, keep its transaction open while the second one links."""
        if threading.current_thread().name == "first":
            linked_uncommitted.set()
            assert second_started.wait(10)
            time.sleep(1.0)

    step_after_link(monkeypatch, hold_the_first)
    outcome: dict[str, Any] = {}

    def intake(reference: str) -> None:
        name = threading.current_thread().name
        try:
            if name == "second":
                second_started.set()
            outcome[name] = register(reference, DENNIS).pk
        except BaseException as error:
            outcome[f"{name}_error"] = error
            linked_uncommitted.set()
        finally:
            connection.close()

    one = threading.Thread(target=intake, args=("R1",), name="first")
    one.start()
    assert linked_uncommitted.wait(20)
    two = threading.Thread(target=intake, args=("R2",), name="second")
    two.start()
    one.join(30)
    two.join(30)

    assert "first_error" not in outcome and "second_error" not in outcome, outcome
    first, second = (Registration.objects.get(pk=outcome[name]) for name in ("first", "second"))
    assert person_of(first) == person_of(second)


@contextmanager
def intake_holding_the_turn(
    monkeypatch: pytest.MonkeyPatch, reference: str, order: list[str], *, until: threading.Event | None = None
) -> Iterator[dict[str, Any]]:
    """Take `reference` (Dennis) in on another thread; once it has linked, it keeps its transaction (and the
    turn) open a second more, after `until` is set when given, then commits ("intake commits" in `order`).
    The body runs while the intake holds the turn; yields {"registration": its pk} once it is in."""
    linked_uncommitted = threading.Event()
    outcome: dict[str, Any] = {}

    def hold_while_linking(batch: list[pipeline.IntakeContext]) -> None:
        linked_uncommitted.set()
        if until is not None:
            assert until.wait(30)
        time.sleep(1.0)
        order.append("intake commits")

    step_after_link(monkeypatch, hold_while_linking)

    def intake() -> None:
        try:
            outcome["registration"] = register(reference, DENNIS).pk
        except BaseException as error:
            outcome["error"] = error
            linked_uncommitted.set()
        finally:
            connection.close()

    worker = threading.Thread(target=intake)
    worker.start()
    assert linked_uncommitted.wait(20)
    try:
        yield outcome
    finally:
        if until is not None:
            until.set()
        worker.join(30)
    assert "error" not in outcome, outcome


@pytest.mark.django_db(transaction=True)
@only_postgresql
def test_a_reviewers_split_waits_for_an_intake_that_is_linking(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = register("R1", DENNIS), register("R2", DENNIS)
    assert person_of(first) == person_of(second)
    order: list[str] = []
    with intake_holding_the_turn(monkeypatch, "R3", order):
        mention_split(mention=PersonMention.objects.get(registration=second, ref="p1"), actor=None)
        order.append("split done")
    assert order == ["intake commits", "split done"]  # without the turn the split went first
    assert person_of(second) != person_of(first)


@pytest.mark.django_db(transaction=True)
@only_postgresql
def test_a_rebuild_writes_its_links_only_after_an_intake_that_is_linking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = register("R1", DENNIS)
    computed = threading.Event()  # the intake holds on until the rebuild has computed its persons
    order: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "cluster" and done:
            computed.set()
        if stage == "store" and not done:
            order.append("rebuild stores")

    with intake_holding_the_turn(monkeypatch, "R2", order, until=computed) as outcome:
        rebuild.persons_rebuild(progress=progress)
    assert order == ["intake commits", "rebuild stores"]  # without the turn the rebuild stored first
    assert person_of(Registration.objects.get(pk=outcome["registration"])) == person_of(first)


@pytest.mark.django_db(transaction=True)
@only_postgresql
def test_a_retention_purge_deletes_only_after_an_intake_that_is_linking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A purge batch that committed while a look-up, begun before it, counted its keys could leave a key
    # recorded as over its cap that the batch brought under it (FullKey); now the batch waits its turn.
    old = take_in(
        "PL0600-OLD-1", MARCO, LOTTE, registered_at="2019-03-06T09:12:00+01:00", relation="acquaintance"
    )
    plan = retention_plan()
    assert plan.delete_ids == [old.pk]
    order: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "delete" and done:
            order.append("purge batch commits")

    with intake_holding_the_turn(monkeypatch, "R2", order):
        retention_purge(plan, relink=False, progress=progress)
    assert order == ["intake commits", "purge batch commits"]  # without the turn the purge went first
    assert not Registration.objects.filter(pk=old.pk).exists()
