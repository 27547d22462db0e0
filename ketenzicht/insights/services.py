"""Counting the figures ahead: days whose figures changed are marked stale (intake, the desks' steps,
measures, relinking), and `figures_refresh` counts their years again from the register, replacing those
years' cells in one transaction. `insights_refresh` runs it (every few minutes in production, `--all`
nightly); `load_demo` runs it once."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from ketenzicht.measures.models import Breach, Measure
from ketenzicht.patterns.models import Signal
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case

from .engine.counting import count
from .engine.periods import PeriodKind, starts_in_year, year_span
from .facts import day_of, facts_between
from .models import Cell, Refresh, StaleDay

BATCH = 5000


def stale_mark(days: Iterable[date | datetime | None]) -> None:
    """Mark days whose figures changed; cheap enough for every intake batch and every step of a case."""
    now = timezone.now()
    found = {day_of(d) if isinstance(d, datetime) else d for d in days if d is not None}
    if found:
        StaleDay.objects.bulk_create(
            [StaleDay(day=d, marked_at=now) for d in sorted(found)], ignore_conflicts=True, batch_size=BATCH
        )


def stale_mark_registrations(
    registrations: Iterable[Registration], *, breaches: Iterable[Breach], persons: Iterable[int] = ()
) -> None:
    """Intake's step: the days a batch changes, as the figures count them: today (the screening cases and
    notifications it opens), the days its registrations were registered, the days its breaches happened
    (`breaches`: those the intake's measures step stored of them, as it has them, not read again), and the
    first days of the stalking signals of its persons (a new art. 285b registration turns a signal
    "without" into "before"). The day a registration happened counts nowhere else: it is not marked."""
    chosen = set(persons)
    days: list[date | datetime | None] = [timezone.now()]
    for registration in registrations:
        days.append(registration.registered_at)
    days += [breach.occurred_on for breach in breaches]
    if chosen:
        days += Signal.objects.filter(Q(suspect_id__in=chosen) | Q(victim_id__in=chosen)).values_list(
            "first_fired_at", flat=True
        )
    stale_mark(days)


@dataclass(frozen=True)
class RefreshResult:
    years: tuple[int, ...]
    facts: int
    cells: int
    seconds: float


def register_years() -> list[int]:
    """Every year that holds something to count: from the first registration, case or measure to today."""
    starts = [
        Registration.objects.aggregate(first=Min("registered_at"))["first"],
        Case.objects.aggregate(first=Min("opened_at"))["first"],
    ]
    first_measure = Measure.objects.aggregate(first=Min("starts_on"), last=Max("starts_on"))
    days = [day_of(d) for d in starts if d is not None] + [d for d in first_measure.values() if d is not None]
    today = timezone.localdate()
    if not days:
        return []
    return list(range(min(days).year, max([*days, today]).year + 1))


def figures_refresh(*, years: Iterable[int] | None = None, now: datetime | None = None) -> RefreshResult:
    """Count the given years again (default: the years of the stale days) and replace their cells. The
    stale days it answers are cleared in the same transaction; days marked meanwhile stay for the next run."""
    began, started = time.perf_counter(), timezone.now()
    now = now or started
    with transaction.atomic():
        stale = list(StaleDay.objects.select_for_update().values_list("pk", "day"))
        chosen = sorted(set(years) if years is not None else {day.year for _, day in stale})
        facts = cells = 0
        if chosen:
            # One read of the register for every chosen year (the persons' history is read once), counted
            # once; then each year's cells are replaced.
            first, last = year_span(chosen[0])[0], year_span(chosen[-1])[1]
            found = list(facts_between(first, last, now=now))
            counted = count(found)
            facts = len(found)
            del found
        for year in chosen:
            spans = {kind.value: starts_in_year(kind, year) for kind in PeriodKind}
            for kind_code, (low, high) in spans.items():
                Cell.objects.filter(
                    period_kind=kind_code, period_start__gte=low, period_start__lte=high
                ).delete()
            rows = [
                Cell(
                    period_kind=kind,
                    period_start=start,
                    area_kind=area_kind,
                    area_code=code,
                    figure=figure,
                    part=part,
                    value=value,
                )
                for (kind, start, area_kind, code, figure, part), value in counted.items()
                if spans[kind][0] <= start <= spans[kind][1]
            ]
            Cell.objects.bulk_create(rows, batch_size=BATCH)
            cells += len(rows)
        answered = [pk for pk, day in stale if day.year in chosen]
        StaleDay.objects.filter(pk__in=answered).delete()
        result = RefreshResult(tuple(chosen), facts, cells, time.perf_counter() - began)
        Refresh.objects.create(
            started_at=started, finished_at=timezone.now(), years=list(chosen), cells=cells, facts=facts
        )
    return result
