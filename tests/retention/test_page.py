"""The page Bewaartermijnen: per category of data the period, its legal ground, what is due now and within 30
days (exact in the selector, published on the page), the runs the command records, the overdue warning, and
who may open it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.registrations.models import Registration
from ketenzicht.retention.models import Outcome, Run
from ketenzicht.retention.selectors import Category, retention_overview
from ketenzicht.ui.disclosure import Shown
from ketenzicht.workprocesses.models import Case
from tests.patterns.helpers import take_in

pytestmark = pytest.mark.django_db

OLD = "2019-03-06T09:12:00+01:00"  # more than five years ago: past the police period
LONG_AGO = timezone.make_aware(datetime(2019, 6, 1))
NAMES = ["Anna", "Bram", "Carla", "Daan", "Eva", "Frank", "Greet", "Hans", "Iris", "Joost"]
SURNAMES = ["Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Dekker", "Brouwer"]


def person(i: int) -> dict[str, Any]:
    return {"given_names": NAMES[i], "surname": SURNAMES[i], "birth_date": f"198{i}-0{1 + i % 9}-1{i}"}


def take(n: int, registered_at: str, **more: Any) -> Registration:
    """Two people of their own (no pattern between registrations), acquaintances: no Veilig Thuis
    notification keeps it."""
    found: Registration = take_in(
        f"PL0600-BT-{n}",
        person(2 * n),
        person(2 * n + 1),
        registered_at=registered_at,
        relation="acquaintance",
        **more,
    )
    return found


def becomes_due_in(days: int) -> str:
    """Registered so that its five years end `days` - 1 days from today: due on the day `days` ahead."""
    today = timezone.localdate()
    first = date(today.year - 5, today.month, today.day) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(first, datetime.min.time()).replace(hour=10)).isoformat()


@pytest.fixture
def register() -> dict[str, Registration]:
    """Two police reports past their period, one past it on an open case, one due in ten days, one of last
    month; every case but the one closed long ago."""
    found = {
        "old1": take(0, OLD),
        "old2": take(1, OLD),
        "held": take(2, OLD, offences=["184a"]),  # a breach: a police case, left open
        "soon": take(3, becomes_due_in(10)),
        "recent": take(4, (timezone.now() - timedelta(days=30)).isoformat()),
    }
    Case.objects.exclude(registrations=found["held"]).update(closed_at=LONG_AGO, state="closed")
    return found


def exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ketenzicht.retention.selectors.published", Shown)


def by_category(categories: list[Category]) -> dict[str, tuple[Any, ...]]:
    return {
        f"{c.source}/{c.kind}": (c.total.value, c.due.value, c.held.value, c.soon.value) for c in categories
    }


def test_the_counts_per_category_past_the_period_within_it_and_within_30_days(
    register: dict[str, Registration], monkeypatch: pytest.MonkeyPatch
) -> None:
    exact(monkeypatch)
    overview = retention_overview()
    counts = by_category(overview.categories)
    # (registrations, to delete now, past the period but kept, to delete within 30 days besides)
    assert counts["politie/default"] == (5, 2, 1, 1)
    assert counts["veilig_thuis/default"] == counts["om/default"] == (0, 0, 0, 0)
    assert list(counts)[-1] == "access_log/"
    assert [c.source for c in overview.categories[:-1]] == [
        "politie",
        "veilig_thuis",
        "om",
        "slachtofferhulp",
        "reclassering",
    ]
    # A kind with a period of its own is a category of its own; the source's default keeps the rest.
    with override_settings(RETENTION_PERIODS={"politie": {"aangifte": {"amount": 20, "unit": "years"}}}):
        changed = retention_overview()
    counts = by_category(changed.categories)
    assert counts["politie/aangifte"] == (5, 0, 0, 0) and counts["politie/default"] == (0, 0, 0, 0)
    assert [c.set_here for c in changed.categories[:2]] == [False, True]


def _cells(page: str, testid: str) -> list[str]:
    cells = re.findall(rf'data-testid="{testid}">(.*?)</td>', page)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def _client(make_user: Callable[..., Any], role: str, organisation: str) -> tuple[Client, Any]:
    user = make_user(role, organisation=organisation)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_privacy_officer_reaches_the_page_from_home_sees_published_counts_and_the_view_is_logged(
    register: dict[str, Registration], make_user: Callable[..., Any]
) -> None:
    client, user = _client(make_user, "privacy_officer", "ketenzicht-beheer")
    assert 'href="/privacy/bewaartermijnen/" data-testid="home-retention"' in client.get("/").content.decode()
    page = re.sub(r"\s+", " ", client.get("/privacy/bewaartermijnen/").content.decode())
    assert '<h1 class="utrecht-heading-1">Bewaartermijnen</h1>' in page
    # Police first: 5 registrations, 2 to delete, 1 kept, 1 within 30 days: published as 5 and fewer than 5.
    assert _cells(page, "retention-total")[0] == "5"
    assert _cells(page, "retention-held")[:2] == ["<5", "0"]
    assert _cells(page, "retention-due")[:2] == ["<5", "0"]
    assert _cells(page, "retention-soon")[:2] == ["<5", "0"]
    assert "Art. 8 en art. 14 lid 1 Wpg" in page and "Art. 7.3.8 Jeugdwet" in page
    assert "5 jaar" in page and "20 jaar" in page
    reasons = re.search(r'data-testid="retention-held-reasons"[^>]*>(.*?)</ul>', page)
    assert reasons is not None
    assert html.unescape(re.sub(r"<[^>]+>", "", reasons.group(1))).strip() == "een open zaak: <5"
    assert register["old1"].reference not in page  # counts only
    # No run recorded: the scheduled run is overdue.
    assert 'data-testid="retention-overdue"' in page and "Er is nog geen run vastgelegd." in page
    logged = AccessLogEntry.objects.filter(actor=user, object_type="retention").get()
    assert (logged.action, logged.result, logged.purpose) == (
        "view",
        "shown",
        "supervision of the retention periods",
    )


@pytest.mark.parametrize(
    ("role", "organisation", "status"),
    [
        ("functional_admin", "ketenzicht-beheer", 200),
        ("national_analyst", "landelijke-eenheid", 403),
        ("case_screener", "oost-brabant", 403),
        ("vt_assessor", "vt-brabant-noordoost", 403),
    ],
)
def test_who_may_open_the_page_and_a_refusal_is_logged_once(
    make_user: Callable[..., Any], role: str, organisation: str, status: int
) -> None:
    client, user = _client(make_user, role, organisation)
    assert ('data-testid="home-retention"' in client.get("/").content.decode()) is (status == 200)
    assert client.get("/privacy/bewaartermijnen/").status_code == status
    entries = AccessLogEntry.objects.filter(actor=user, object_type="retention")
    expected = "shown" if status == 200 else "refused"
    assert list(entries.values_list("result", flat=True)) == [expected]


def purge(*args: str) -> str:
    out = StringIO()
    call_command("retention_purge", "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_the_command_records_each_executed_run_and_the_page_shows_them(
    register: dict[str, Registration], make_user: Callable[..., Any]
) -> None:
    purge()  # a dry run is not recorded
    assert not Run.objects.exists()
    purge("--execute", "--no-relink")
    run = Run.objects.get()
    assert (run.outcome, run.deleted, run.held, run.as_of) == (
        Outcome.DONE,
        {"politie/aangifte": 2},
        {"politie/aangifte": 1},
        timezone.localdate(),
    )
    assert run.started_at <= run.finished_at
    assert "Nothing to delete." in purge("--execute")
    assert Run.objects.latest("finished_at").outcome == Outcome.NOTHING
    client, _user = _client(make_user, "privacy_officer", "ketenzicht-beheer")
    page = re.sub(r"\s+", " ", client.get("/privacy/bewaartermijnen/").content.decode())
    assert page.count('data-testid="retention-run"') == 2
    assert "er was niets te verwijderen" in page and "verwijderd wat de termijn voorbij was" in page
    assert 'data-testid="retention-overdue"' not in page and 'data-testid="retention-last-run"' in page


def test_a_run_older_than_the_setting_or_a_refused_one_is_warned_of(make_user: Callable[..., Any]) -> None:
    now = timezone.now()
    Run.objects.create(
        started_at=now - timedelta(days=3),
        finished_at=now - timedelta(days=3),
        as_of=now.date(),
        outcome="done",
    )
    assert retention_overview().overdue
    with override_settings(RETENTION_RUN_OVERDUE_DAYS=8):  # a weekly run
        assert not retention_overview().overdue
    Run.objects.create(started_at=now, finished_at=now, as_of=now.date(), outcome="refused", error="x")
    overview = retention_overview()
    assert overview.overdue and overview.last_refused is not None
    client, _user = _client(make_user, "privacy_officer", "ketenzicht-beheer")
    page = re.sub(r"\s+", " ", client.get("/privacy/bewaartermijnen/").content.decode())
    assert 'data-testid="retention-overdue"' in page and 'data-testid="retention-refused"' in page
    assert "in de laatste 2 dagen" in page


def test_the_access_log_s_figure_within_30_days_is_what_a_run_on_that_day_deletes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A period under the database's floor (a year here, the floor 365 days and one): a run in 30 days may
    delete entries up to 30 days younger than a run today, and the page counts them, as that run will."""
    exact(monkeypatch)
    now = timezone.now()
    for days in (400, 350, 340, 300):  # past the floor now; within 30 days (two); not yet then
        AccessLogEntry.objects.create(
            at=now - timedelta(days=days),
            actor_username="jansen",
            action="view",
            object_type="person",
            object_id="7",
            result="shown",
        )
    with override_settings(RETENTION_ACCESS_LOG={"amount": 1, "unit": "years"}):
        log = retention_overview().categories[-1]
        assert (log.source, log.total.value, log.due.value, log.soon.value) == ("access_log", 4, 1, 2)
        # The same as the run 30 days from now finds due then.
        later = now + timedelta(days=30)
        monkeypatch.setattr("django.utils.timezone.now", lambda: later)
        then = retention_overview().categories[-1]
    assert (then.due.value, (log.due.value or 0) + (log.soon.value or 0)) == (3, 3)


def test_each_category_says_what_its_counts_count(
    register: dict[str, Registration], make_user: Callable[..., Any]
) -> None:
    """The counts stood without a unit ("Politie 5", "Toegangslogboek 430"): each row now says what it
    counts, registrations or entries of the access log."""
    client, _user = _client(make_user, "privacy_officer", "ketenzicht-beheer")
    page = re.sub(r"\s+", " ", client.get("/privacy/bewaartermijnen/").content.decode())
    head = page.split('data-testid="retention-categories"')[1].split("</thead>")[0]
    assert ">Geteld</th>" in head
    units = _cells(page, "retention-unit")
    assert units[:-1] == ["registraties"] * (len(units) - 1)
    assert units[-1] == "regels van het toegangslogboek"
