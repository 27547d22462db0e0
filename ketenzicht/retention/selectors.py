"""Reads for the privacy officer's page Bewaartermijnen: per category of data the retention rules define,
what a run would delete now and within the next days (counts only), what the last runs did, and whether the
scheduled run is overdue. The counts are of the whole register, every unit's: they are published as the
insights publish theirs (ketenzicht/ui/disclosure.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ketenzicht.measures.engine.periods import Length
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.ui.disclosure import Shown, published

from .engine.due import periods_with
from .models import Outcome, Run
from .services import Plan, retention_periods, retention_plan

# Who may open the page: the privacy officer, who supervises that the periods are kept, and the functional
# administrator, who schedules the run; the two who read the access log (audit.selectors.AUDIT_READER_ROLES).
RETENTION_ROLES = (Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN)
SOON_DAYS = 30  # "within the next days": what a run this many days from now would delete besides
SHOWN_RUNS = 10  # the last runs listed

ACCESS_LOG = "access_log"


def may_see_retention(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(*RETENTION_ROLES))


@dataclass(frozen=True)
class Category:
    """One category of data as the retention rules define it: a source's default, a kind with a period of
    its own, or the access log (source ACCESS_LOG)."""

    source: str
    kind: str  # "default", a kind, or "" for the access log
    length: Length
    set_here: bool  # the installation's setting, not the default
    total: Shown  # registrations (entries) in it now
    due: Shown  # past its period: a run today deletes these
    held: Shown  # past its period, but kept (an open case, a Veilig Thuis notification, ...)
    soon: Shown  # a run SOON_DAYS from now deletes these besides


@dataclass(frozen=True)
class RunLine:
    run: Run
    deleted: list[Shown]  # per category of the registrations, in the order of Overview.categories[:-1]
    deleted_total: Shown
    held_total: Shown
    access_log_deleted: Shown


@dataclass(frozen=True)
class Overview:
    today: date
    soon: date  # the day SOON_DAYS ahead
    categories: list[Category]  # the registrations' categories, then the access log
    runs: list[RunLine]  # newest first
    last_completed: datetime | None  # the last run that ended (deleted, or found nothing due)
    overdue_days: int
    overdue: bool  # no completed run within overdue_days
    last_refused: Run | None  # the newest run, when it was refused
    held_reasons: dict[str, Shown]  # kind of reason ("open case") -> registrations it keeps past their period


def _plan_counts(
    plan: Plan, key_of: dict[tuple[str, str], tuple[str, str]]
) -> tuple[Counter[tuple[str, str]], ...]:
    total: Counter[tuple[str, str]] = Counter()
    held: Counter[tuple[str, str]] = Counter()
    for row in plan.rows:
        category = key_of[(row.source, row.kind)]
        total[category] += row.total
        held[category] += row.held
    going: Counter[tuple[str, str]] = Counter(key_of[plan.kind_of[pk]] for pk in plan.delete_ids)
    return total, held, going


def retention_overview(*, today: date | None = None, now: datetime | None = None) -> Overview:
    """The page's figures on `today` (default: today). Reads only: the plan of a run today and of a run
    SOON_DAYS later, and the recorded runs."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    periods = retention_periods()
    defaults = periods_with()
    soon_day = today + timedelta(days=SOON_DAYS)
    # The run SOON_DAYS ahead as it will be then: the access log's floor of that day, not of today's (else
    # with a period under the floor the log's figure would count nothing that becomes due meanwhile).
    plan, later = retention_plan(today=today), retention_plan(today=soon_day, ahead=True)
    kinds = {(row.source, row.kind) for row in (*plan.rows, *later.rows)}
    key_of = {pair: periods.category_of(*pair) for pair in kinds}
    total, held, going = _plan_counts(plan, key_of)
    now_going = set(plan.delete_ids)
    soon: Counter[tuple[str, str]] = Counter(
        key_of[later.kind_of[pk]] for pk in later.delete_ids if pk not in now_going
    )
    categories = [
        Category(
            source=source,
            kind=kind,
            length=periods.by_source[source][kind],
            set_here=defaults.by_source[source].get(kind) != periods.by_source[source][kind],
            total=published(total[(source, kind)]),
            due=published(going[(source, kind)]),
            held=published(held[(source, kind)]),
            soon=published(soon[(source, kind)]),
        )
        for source, kind in periods.categories()
    ]
    categories.append(
        Category(
            source=ACCESS_LOG,
            kind="",
            length=periods.access_log,
            set_here=periods.access_log != defaults.access_log,
            total=published(plan.access_log_total),
            due=published(plan.access_log_delete),
            held=published(len(plan.access_log_held)),
            soon=published(max(later.access_log_delete - plan.access_log_delete, 0)),
        )
    )
    order = [(c.source, c.kind) for c in categories[:-1]]
    runs = list(Run.objects.all()[:SHOWN_RUNS])
    lines = []
    for run in runs:
        per: Counter[tuple[str, str]] = Counter()
        for name, n in run.deleted.items():
            source, _slash, kind = name.partition("/")
            per[periods.category_of(source, kind) if source in periods.by_source else (source, kind)] += n
        lines.append(
            RunLine(
                run=run,
                deleted=[published(per[key]) for key in order],
                deleted_total=published(sum(per.values())),
                held_total=published(sum(run.held.values())),
                access_log_deleted=published(run.access_log_deleted),
            )
        )
    completed = (
        Run.objects.filter(outcome__in=(Outcome.DONE, Outcome.NOTHING)).order_by("-finished_at").first()
    )
    days = settings.RETENTION_RUN_OVERDUE_DAYS
    last_completed = completed.finished_at if completed else None
    return Overview(
        today=today,
        soon=soon_day,
        categories=categories,
        runs=lines,
        last_completed=last_completed,
        overdue_days=days,
        overdue=last_completed is None or now - last_completed > timedelta(days=days),
        last_refused=runs[0] if runs and runs[0].outcome == Outcome.REFUSED else None,
        held_reasons={reason: published(n) for reason, n in plan.held_reasons.items()},
    )
