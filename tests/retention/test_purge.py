"""manage.py retention_purge on a register taken in through intake: the dry run, the deletion of what is due
and nothing newer, what keeps a registration, the access log, and what is recomputed for what remains."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ProtectedError
from django.test import override_settings
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry, Action
from ketenzicht.audit.services import access_log_record
from ketenzicht.dossiers.engine.query import parse_query
from ketenzicht.dossiers.models import SearchEntry
from ketenzicht.dossiers.search import person_search_for_user
from ketenzicht.insights.models import Cell, StaleDay
from ketenzicht.linking.models import MentionLink
from ketenzicht.patterns.models import Signal
from ketenzicht.patterns.services import signals_update
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.retention.models import Outcome, Run
from ketenzicht.retention.services import retention_plan, retention_purge
from ketenzicht.workprocesses.models import Case
from tests.patterns.helpers import BART, ILSE, LOTTE, MARCO, take_in
from tests.people import person_of

pytestmark = pytest.mark.django_db

OLD = "2019-03-06T09:12:00+01:00"  # more than five years ago: past the police period
AGAIN = (
    "Stond weer voor de deur."  # stalking words: with two episodes, possible stalking between acquaintances
)
LONG_AGO = timezone.make_aware(datetime(2019, 6, 1))


def recent(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def purge(*args: str) -> str:
    out = StringIO()
    call_command("retention_purge", "--no-progress", *args, stdout=out)
    return out.getvalue()


def close_cases(at: datetime = LONG_AGO) -> None:
    """Every case closed on `at` (the cases' history is not the point here)."""
    Case.objects.update(closed_at=at, state="closed")


@pytest.fixture
def screener(make_user: Callable[..., Any]) -> Any:
    return make_user("case_screener", organisation="oost-brabant")


def names_found(user: Any, text: str) -> list[int]:
    return [hit.person_id for hit in person_search_for_user(user=user, query=parse_query(text))]


def take(reference: str, suspect: dict[str, Any], victim: dict[str, Any], **more: Any) -> Any:
    """A registration between acquaintances: no domestic relation, so intake notifies Veilig Thuis of none
    (a notification keeps its registration: see test_a_veilig_thuis_notification_keeps_its_registration)."""
    return take_in(reference, suspect, victim, relation="acquaintance", **more)


def register() -> tuple[Any, Any]:
    """Marco towards Lotte long ago; Bart towards Ilse last month."""
    old = take("PL0600-RT-1", MARCO, LOTTE, registered_at=OLD)
    new = take("PL0600-RT-2", BART, ILSE, registered_at=recent(30))
    return old, new


def test_the_dry_run_reports_counts_and_deletes_nothing() -> None:
    register()
    close_cases()
    before = Registration.objects.count(), PersonMention.objects.count(), Person.objects.count()
    out = purge()
    assert "politie         aangifte                   5 years        2       1      0              1" in out
    assert out.rstrip().endswith("Dry run: nothing deleted. Run with --execute to delete what is due.")
    assert (Registration.objects.count(), PersonMention.objects.count(), Person.objects.count()) == before
    assert not AccessLogEntry.objects.filter(action=Action.PURGE).exists()


def test_execute_deletes_what_is_due_and_nothing_newer(screener: Any) -> None:
    old, new = register()
    close_cases()
    marco, lotte = person_of(old, "p1"), person_of(old, "p2")
    assert names_found(screener, "Marco Hendriks") == [marco.pk]
    out = purge("--execute")
    assert "Deleted 1 registrations in 1 batch(es): politie/aangifte 1." in out
    assert "Relinked: " in out  # the remaining mentions linked anew, as link_persons --rebuild
    assert AccessLogEntry.objects.filter(action=Action.REBUILD, object_type="person").exists()
    assert not Registration.objects.filter(pk=old.pk).exists()
    assert Registration.objects.filter(pk=new.pk).exists()
    # A person with only purged mentions is gone, and so are the search rows: search finds no purged name.
    assert not Person.objects.filter(pk__in=[marco.pk, lotte.pk]).exists()
    assert not SearchEntry.objects.filter(surname_key="hendriks").exists()
    assert names_found(screener, "Marco Hendriks") == []
    assert names_found(screener, "Bart Mertens") == [person_of(new, "p1").pk]
    # The counts per source and kind are in the access log.
    logged = AccessLogEntry.objects.filter(action=Action.PURGE, object_id="politie/aangifte").get()
    assert logged.detail["deleted"] == 1 and logged.detail["period"] == "5 years"
    # The insight figures were counted again without it: its year holds no registration any more.
    old_year = timezone.localtime(old.registered_at).year
    assert not StaleDay.objects.exists()
    assert not Cell.objects.filter(
        period_kind="year", period_start__year=old_year, figure="registrations", area_kind="national"
    ).exists()
    assert "Nothing to delete." in purge("--execute")  # a second run finds nothing more


def test_batches_are_whole_a_refused_one_deletes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    first = take("PL0600-RT-11", MARCO, LOTTE, registered_at=OLD)
    second = take("PL0600-RT-12", BART, ILSE, registered_at=OLD)
    plan = retention_plan()
    assert plan.delete_ids == [first.pk, second.pk]
    calls = []

    def fail_on_the_second(*, persons: Any) -> Any:
        calls.append(persons)
        if len(calls) == 2:
            raise RuntimeError("refused")
        return signals_update(persons=persons)

    monkeypatch.setattr("ketenzicht.retention.services.signals_update", fail_on_the_second)
    with pytest.raises(RuntimeError):
        retention_purge(plan, batch=1)
    assert not Registration.objects.filter(pk=first.pk).exists()  # the first batch committed
    second_person = person_of(second)  # the second: registration, mentions and links all still there
    assert PersonMention.objects.filter(registration=second).count() == 2
    assert names_found_by_surname("mertens") == [second_person.pk]
    monkeypatch.undo()
    assert "Deleted 1 registrations in 1 batch(es)" in purge("--execute", "--batch", "1")


def names_found_by_surname(surname_key: str) -> list[int]:
    mentions = SearchEntry.objects.filter(surname_key=surname_key).values("mention")
    return sorted({link.person_id for link in MentionLink.objects.filter(mention__in=mentions)})


def test_the_access_log_within_its_term_survives() -> None:
    register()
    close_cases()
    entry = access_log_record(
        actor=None, action="view", object_type="registration", object_id=1, result="shown"
    )
    before = AccessLogEntry.objects.count()
    with override_settings(RETENTION_ACCESS_LOG={"amount": 1, "unit": "days"}):
        out = purge("--execute", "--no-relink")
    assert "Not relinked." in out
    assert f"Access log: {before} entries, period 1 day; 0 from before" in out
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
    assert AccessLogEntry.objects.count() > before  # only added to: the purge's own counts


def test_a_registration_of_an_open_case_survives_until_the_case_is_closed_and_past_its_period() -> None:
    old = take("PL0600-RT-10", MARCO, LOTTE, registered_at=OLD, offences=["184a"])  # a breach: a police case
    case = Case.objects.get(registrations=old)
    assert case.closed_at is None
    out = purge("--execute")
    assert f"politie:{old.reference} (aangifte, registered 2019-03-06): open case {case.reference}" in out
    assert Registration.objects.filter(pk=old.pk).exists()
    close_cases(at=timezone.now() - timedelta(days=30))  # closed last month: five years more
    assert f"closed case {case.reference} until" in purge("--execute")
    assert Registration.objects.filter(pk=old.pk).exists()
    close_cases()
    purge("--execute")
    assert not Registration.objects.filter(pk=old.pk).exists()
    assert Case.objects.filter(pk=case.pk).exists()  # the case and its history stay, without it
    assert not case.registrations.exists()


def test_signals_are_recomputed_for_what_remains() -> None:
    first = take("PL0600-RT-3", MARCO, LOTTE, summary=AGAIN, registered_at=OLD)
    second = take(
        "PL0600-RT-4",
        MARCO,
        LOTTE,
        summary=AGAIN,
        registered_at="2019-03-20T10:00:00+01:00",
        offences=["350"],
    )
    third = take("PL0600-RT-5", MARCO, LOTTE, summary=AGAIN, registered_at=recent(40))
    fourth = take("PL0600-RT-6", MARCO, LOTTE, summary=AGAIN, registered_at=recent(20), offences=["350"])
    close_cases()
    stalking = Signal.objects.get(rule="possible_stalking")
    assert {first.pk, second.pk} & {stalking.first_fired_registration_id, stalking.last_registration_id}
    plan = retention_plan()
    assert set(plan.delete_ids) == {first.pk, second.pk}
    purge("--execute")
    stalking.refresh_from_db()
    kept = {third.pk, fourth.pk}
    assert {stalking.first_fired_registration_id, stalking.last_registration_id} <= kept
    assert set(stalking.registrations.values_list("pk", flat=True)) <= kept
    assert person_of(third).pk == person_of(fourth).pk  # Marco stays: he has mentions left


def test_a_signal_with_no_evidence_left_keeps_what_it_points_at() -> None:
    first = take("PL0600-RT-7", MARCO, LOTTE, summary=AGAIN, registered_at=OLD)
    second = take(
        "PL0600-RT-8",
        MARCO,
        LOTTE,
        summary=AGAIN,
        registered_at="2019-03-20T10:00:00+01:00",
        offences=["350"],
    )
    close_cases()
    stalking = Signal.objects.get(rule="possible_stalking")
    out = purge("--execute")
    assert f"pattern signal {stalking.pk}: no other evidence left" in out
    anchors = {stalking.first_fired_registration_id, stalking.last_registration_id}
    assert Registration.objects.filter(pk__in=anchors).count() == len(anchors)
    assert (
        set(Registration.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", flat=True)) >= anchors
    )


def test_a_veilig_thuis_notification_keeps_its_registration() -> None:
    old = take_in("PL0600-RT-9", MARCO, LOTTE, registered_at=OLD)  # ex-partners: notified to Veilig Thuis
    close_cases()
    out = purge("--execute")
    assert f"politie:{old.reference} (aangifte, registered 2019-03-06): Veilig Thuis notification" in out
    assert Registration.objects.filter(pk=old.pk).exists()


def test_a_bad_setting_gives_an_error_naming_it() -> None:
    with (
        override_settings(RETENTION_PERIODS={"politie": {"incident": {"amount": -1, "unit": "years"}}}),
        pytest.raises(CommandError, match=r"RETENTION_PERIODS politie\.incident: 'amount' must be"),
    ):
        purge()
    with (
        override_settings(RETENTION_ACCESS_LOG={"amount": 5, "unit": "weeks"}),
        pytest.raises(CommandError, match="RETENTION_ACCESS_LOG: 'unit' must be one of days, months, years"),
    ):
        purge()


def test_each_executed_run_is_recorded_however_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """The privacy officer's page reads the runs from these records: a dry run is none, a run that finds
    nothing due is one, and so is a run the database refused."""
    register()
    close_cases()
    purge()
    assert not Run.objects.exists()
    purge("--execute", "--no-relink")
    done = Run.objects.get()
    assert (done.outcome, done.deleted, done.held, done.as_of) == (
        Outcome.DONE,
        {"politie/aangifte": 1},
        {},
        timezone.localdate(),
    )
    purge("--execute")
    assert Run.objects.latest("finished_at").outcome == Outcome.NOTHING
    take("PL0600-RT-40", BART, LOTTE, registered_at=OLD)
    close_cases()

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise ProtectedError("a reference this list does not cover", set())

    monkeypatch.setattr("ketenzicht.retention.services.retention_purge", refused)
    with pytest.raises(CommandError, match="refused and rolled back"):
        purge("--execute", "--today", "2026-12-01")
    last = Run.objects.latest("finished_at")
    assert (last.outcome, last.as_of, last.error) == (
        Outcome.REFUSED,
        date(2026, 12, 1),
        "a reference this list does not cover",
    )
    assert Run.objects.count() == 3
