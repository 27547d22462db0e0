"""Retention: the plan (what is due, what goes, what is kept and why) and the purge that carries it out.

What a purge does per reference to a registration (docs/retention.md):
- its mentions, relations, disclosures, search rows, linking features and undecided review items go with it;
- a case it is on (the case's registrations): while the case is open it is kept; after the case closed, its
  period runs again from the closing day; then it leaves the case, whose history stays;
- a ZSM file, a Veilig Thuis notification, a breach of a measure, a decided review item: kept, these are
  records of their own with their own terms, and their histories cannot be deleted;
- a pattern signal: its evidence loses the registration and the signal is recomputed; a signal keeps its
  history, so a signal none of whose evidence would remain keeps the registrations it points at.
After the deletions: the pattern signals of the persons concerned are recomputed (patterns.signals_update),
the remaining mentions are linked anew (linking.rebuild.persons_rebuild, unless told not to), persons left
without any mention are removed, and the person search index is rewritten (dossiers.search_index_rebuild).
The access log is never deleted here: its period only shows how much of it is past its term."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Count, ProtectedError, Q, RestrictedError
from django.utils import timezone

from ketenzicht.audit.models import AccessLogEntry, Action, Result
from ketenzicht.audit.services import access_log_purge, access_log_record, access_log_record_many
from ketenzicht.audit.triggers import FLOOR_DAYS
from ketenzicht.db import chunks
from ketenzicht.dossiers.models import BreakGlassAccess, BreakGlassDecision
from ketenzicht.dossiers.services import search_index_rebuild
from ketenzicht.insights.services import figures_refresh, register_years, stale_mark
from ketenzicht.linking.models import MentionLink, ReviewItem, ReviewItemEvent
from ketenzicht.linking.rebuild import persons_rebuild
from ketenzicht.linking.turn import link_turn
from ketenzicht.measures.engine.periods import Length
from ketenzicht.measures.models import Breach
from ketenzicht.organisations.models import User
from ketenzicht.patterns.models import Signal, SignalRegistration
from ketenzicht.patterns.services import signals_update
from ketenzicht.persons.models import Person
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.registrations.models import Registration
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import Case

from .engine.due import Candidate, Periods, describe, periods_with, verdict
from .models import Outcome, Run

Progress = Callable[[str, int, int], None]  # (stage, done, total)

_MIN_DAYS = {"days": 1, "months": 28, "years": 365}  # the fewest days a unit can hold


def retention_periods() -> Periods:
    """The periods in force: the defaults with the settings RETENTION_PERIODS and RETENTION_ACCESS_LOG
    laid over them. Raises RetentionSettingError naming the setting when one cannot be read."""
    return periods_with(
        getattr(settings, "RETENTION_PERIODS", None) or {}, getattr(settings, "RETENTION_ACCESS_LOG", None)
    )


@dataclass
class Row:
    """The counts of one source and kind."""

    source: str
    kind: str
    period: str
    total: int = 0  # registrations of this source and kind
    due: int = 0  # past their period
    held: int = 0  # due, but kept (see Held)
    delete: int = 0  # due and going


@dataclass(frozen=True)
class Repoint:
    """A signal whose first or last registration goes: the evidence that stays to point at instead."""

    going: frozenset[int]  # its first and/or last registration, which go
    first: tuple[int, datetime] | None  # (registration, registered_at); None: the first stays
    last: tuple[int, datetime] | None


@dataclass(frozen=True)
class Held:
    registration_id: int
    label: str  # "politie:PL0600-2019-000001"
    kind: str
    registered_on: date
    reasons: tuple[str, ...]


@dataclass
class Plan:
    today: date
    periods: Periods
    rows: list[Row]
    delete_ids: list[int]
    held: list[Held]
    access_log_total: int
    access_log_past: int  # entries older than the access log's period
    access_log_kept_from: date  # entries from this day on are within their period
    # Entries from before this moment go (the start of access_log_kept_from, but at least FLOOR_DAYS ago),
    # except those still referenced by an undecided break-the-glass review.
    access_log_horizon: datetime | None = None
    access_log_held: list[int] = field(default_factory=list)  # past it, kept for an undecided review
    access_log_delete: int = 0
    repoint: dict[int, Repoint] = field(default_factory=dict)  # signal -> where it points instead
    kind_of: dict[int, tuple[str, str]] = field(default_factory=dict)  # registration -> (source, kind)

    @property
    def held_reasons(self) -> Counter[str]:
        """How many held registrations each kind of reason keeps ("open case", "ZSM file", ...)."""
        return Counter(_reason_kind(reason) for held in self.held for reason in held.reasons)


def _reason_kind(reason: str) -> str:
    for prefix in (
        "open case",
        "closed case",
        "ZSM file",
        "Veilig Thuis notification",
        "breach",
        "decided review item",
        "pattern signal",
    ):
        if reason.startswith(prefix):
            return prefix
    return reason


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _earliest_kept(length: Length, today: date) -> date:
    """A day before which every registration may be due: the candidates are read from before it, and the
    engine decides each one exactly."""
    return today - timedelta(days=length.amount * _MIN_DAYS[length.unit] - 1)


def retention_plan(*, today: date | None = None, ahead: bool = False) -> Plan:
    """What a purge on `today` (default: today) would delete, what it keeps although due and why, with the
    counts per source and kind. Reads only. `ahead`: `today` is a day to come, and the plan is what a run
    on that day would do then: the access log's floor counted from that day, as the database will judge
    it then (else from the real today, as it judges a run now)."""
    today = today or timezone.localdate()
    periods = retention_periods()
    rows: dict[tuple[str, str], Row] = {}
    for source, kind, total in (
        Registration.objects.order_by().values_list("source", "kind").annotate(n=Count("id"))
    ):
        rows[(source, kind)] = Row(source, kind, describe(periods.of(source, kind)), total=total)

    candidates: dict[int, tuple[str, str, str, date]] = {}  # id -> source, kind, reference, registered on
    for source, kind in rows:
        before = _local_midnight(_earliest_kept(periods.of(source, kind), today))
        for pk, reference, registered_at in Registration.objects.filter(
            source=source, kind=kind, registered_at__lt=before
        ).values_list("pk", "reference", "registered_at"):
            candidates[pk] = (source, kind, reference, timezone.localdate(registered_at))

    ids = sorted(candidates)
    open_cases, closed_cases = _cases_of(ids)
    keepers = _keepers_of(ids)
    due: list[int] = []
    reasons: dict[int, tuple[str, ...]] = {}
    for pk in ids:
        source, kind, _reference, registered_on = candidates[pk]
        found = verdict(
            Candidate(
                registered_on=registered_on,
                period=periods.of(source, kind),
                open_cases=open_cases.get(pk, ()),
                closed_cases=closed_cases.get(pk, ()),
                keepers=keepers.get(pk, ()),
            ),
            today,
        )
        if found.due:
            due.append(pk)
            reasons[pk] = found.reasons
    going = {pk for pk in due if not reasons[pk]}
    repoint, anchors_kept = _signals_after(going)
    for pk, signal_reasons in anchors_kept.items():
        going.discard(pk)
        reasons[pk] = reasons[pk] + signal_reasons

    held: list[Held] = []
    for pk in due:
        source, kind, reference, registered_on = candidates[pk]
        row = rows[(source, kind)]
        row.due += 1
        if pk in going:
            row.delete += 1
        else:
            row.held += 1
            held.append(Held(pk, f"{source}:{reference}", kind, registered_on, reasons[pk]))

    kept_from = _first_kept_day(periods.access_log, today)
    # The database refuses a horizon less than FLOOR_DAYS old (counted from the real today, not `today`,
    # unless the plan is of a run on a day to come: then from that day).
    floor_from = max(today, timezone.localdate()) if ahead else timezone.localdate()
    floor = _local_midnight(floor_from - timedelta(days=FLOOR_DAYS + 1))
    horizon = min(_local_midnight(kept_from), floor)
    log_held = _access_log_held(horizon)
    log_past = AccessLogEntry.objects.filter(at__lt=horizon)
    return Plan(
        today=today,
        periods=periods,
        rows=sorted(rows.values(), key=lambda row: (row.source, row.kind)),
        delete_ids=sorted(going),
        held=held,
        access_log_total=AccessLogEntry.objects.count(),
        access_log_past=AccessLogEntry.objects.filter(at__lt=_local_midnight(kept_from)).count(),
        access_log_kept_from=kept_from,
        access_log_horizon=horizon,
        access_log_held=log_held,
        access_log_delete=log_past.count() - len(log_held),
        repoint=repoint,
        kind_of={pk: candidates[pk][:2] for pk in going},
    )


def _access_log_held(horizon: datetime) -> list[int]:
    """The entries from before `horizon` that an undecided break-the-glass review still refers to: the
    grant, the views and searches under it (`detail.grant`). The privacy officer judges from them; they go
    at the first purge after the judgement."""
    pending = list(
        BreakGlassAccess.objects.filter(decision=BreakGlassDecision.PENDING).values_list("pk", flat=True)
    )
    if not pending:
        return []
    refers = Q(detail__grant__in=pending) | Q(
        object_type="break_glass", object_id__in=[str(p) for p in pending]
    )
    return list(AccessLogEntry.objects.filter(refers, at__lt=horizon).values_list("pk", flat=True))


def _first_kept_day(length: Length, today: date) -> date:
    """The first day whose entries are still within `length` on `today`: the earliest day whose period's
    last day is today or later."""
    day = _earliest_kept(length, today)
    while length.last_day(day - timedelta(days=1)) >= today:
        day -= timedelta(days=1)
    while length.last_day(day) < today:
        day += timedelta(days=1)
    return day


def _cases_of(
    ids: Sequence[int],
) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[tuple[str, date], ...]]]:
    open_cases: dict[int, list[str]] = defaultdict(list)
    closed_cases: dict[int, list[tuple[str, date]]] = defaultdict(list)
    through = Case.registrations.through
    for chunk in chunks(ids):
        for pk, reference, closed_at in through.objects.filter(registration_id__in=chunk).values_list(
            "registration_id", "case__reference", "case__closed_at"
        ):
            if closed_at is None:
                open_cases[pk].append(reference)
            else:
                closed_cases[pk].append((reference, timezone.localdate(closed_at)))
    return (
        {pk: tuple(sorted(refs)) for pk, refs in open_cases.items()},
        {pk: tuple(sorted(cases)) for pk, cases in closed_cases.items()},
    )


def _keepers_of(ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """What else keeps each registration: records of their own that point at it and cannot lose it."""
    found: dict[int, list[str]] = defaultdict(list)
    decided = ReviewItem.objects.filter(
        Q(events__isnull=False) | Q(pk__in=ReviewItemEvent.objects.values("by_item_id"))
    )
    for chunk in chunks(ids):
        for pk, reference in ZsmFile.objects.filter(registration_id__in=chunk).values_list(
            "registration_id", "case__reference"
        ):
            found[pk].append(f"ZSM file {reference}")
        for pk, reference in Notification.objects.filter(registration_id__in=chunk).values_list(
            "registration_id", "case__reference"
        ):
            found[pk].append(f"Veilig Thuis notification {reference}")
        for pk, measure in Breach.objects.filter(registration_id__in=chunk).values_list(
            "registration_id", "measure_id"
        ):
            found[pk].append(f"breach of measure {measure}")
        for side in ("mention", "candidate"):
            for pk, item in (
                decided.filter(**{f"{side}__registration_id__in": chunk})
                .values_list(f"{side}__registration_id", "pk")
                .distinct()
            ):
                found[pk].append(f"decided review item {item}")
    return {pk: tuple(dict.fromkeys(reasons)) for pk, reasons in found.items()}


def _signals_after(going: set[int]) -> tuple[dict[int, Repoint], dict[int, tuple[str, ...]]]:
    """For every signal whose first or last registration would go: the registrations of its evidence that
    stay, to point at instead; a signal with none left keeps the registrations it points at (its history
    cannot be deleted, and it must point at a registration)."""
    repoint: dict[int, Repoint] = {}
    kept: dict[int, list[str]] = defaultdict(list)
    ordered = sorted(going)
    touched: dict[int, tuple[int, int]] = {}
    for chunk in chunks(ordered):
        for pk, first, last in Signal.objects.filter(
            Q(first_fired_registration_id__in=chunk) | Q(last_registration_id__in=chunk)
        ).values_list("pk", "first_fired_registration_id", "last_registration_id"):
            touched[pk] = (first, last)
    evidence: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for chunk in chunks(sorted(touched)):
        for signal, registration, registered_at in SignalRegistration.objects.filter(
            signal_id__in=chunk
        ).values_list("signal_id", "registration_id", "registration__registered_at"):
            if registration not in going:
                evidence[signal].append((registered_at, registration))
    for pk, (first, last) in sorted(touched.items()):
        left = sorted(evidence.get(pk, []))
        if not left:
            for registration in {first, last} & going:
                kept[registration].append(f"pattern signal {pk}: no other evidence left")
            continue
        new_first = (left[0][1], left[0][0]) if first in going else None
        new_last = (left[-1][1], left[-1][0]) if last in going else None
        repoint[pk] = Repoint(frozenset({first, last} & going), new_first, new_last)
    return repoint, {pk: tuple(reasons) for pk, reasons in kept.items()}


@dataclass
class PurgeSummary:
    deleted: dict[tuple[str, str], int]  # (source, kind) -> registrations deleted
    batches: int
    signals_repointed: int
    signals_created: int
    signals_updated: int
    signals_withdrawn: int
    persons_removed: int
    persons_merged: int  # by the relink
    reviews_opened: int  # by the relink: doubtful pairs for a reviewer
    relinked: bool
    search_mentions: int
    search_rows: int
    access_log_deleted: int = 0  # entries past the access log's own period
    access_log_error: str = ""  # why the database refused to delete them, if it did

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def retention_purge(
    plan: Plan,
    *,
    batch: int = 500,
    relink: bool = True,
    progress: Progress | None = None,
    actor: User | None = None,
    log_batch: int = 5_000,
) -> PurgeSummary:
    """Delete what `plan` names, `batch` registrations per transaction: each batch deletes its
    registrations (and what cascades from them), points the signals that pointed at them at evidence that
    stays, and recomputes the signals of the persons concerned, or does nothing at all. Then, with
    `relink`, the remaining mentions are linked anew (linking.rebuild.persons_rebuild, which recomputes
    every signal): a deleted mention may have been what joined a person's others. Persons left without
    mentions go and the search index is rewritten. Last, the access log's entries past its own period go,
    `log_batch` per transaction, except those an undecided break-the-glass review refers to. The counts per
    source and kind, and of the access log, go to the access log."""
    step = progress or (lambda stage, done, total: None)
    deleted: Counter[tuple[str, str]] = Counter()
    repointed = created = updated = withdrawn = batches = 0
    total = len(plan.delete_ids)
    step("delete", 0, total)
    for chunk in chunks(plan.delete_ids, max(batch, 1)):
        with transaction.atomic():
            # Deleting mentions changes persons and the keys' counts: not while an intake links, nor a
            # look-up that would record a key this batch brings under its cap as full (linking/turn.py).
            link_turn()
            affected = set(
                MentionLink.objects.filter(mention__registration_id__in=chunk).values_list(
                    "person_id", flat=True
                )
            )
            repointed += _repoint(plan, set(chunk))
            going = Registration.objects.filter(pk__in=chunk)
            stale_mark(day for pair in going.values_list("registered_at", "occurred_at") for day in pair)
            going.delete()
            summary = signals_update(persons=affected)
            created += summary.created
            updated += summary.updated
            withdrawn += summary.withdrawn
        deleted.update(plan.kind_of[pk] for pk in chunk)
        batches += 1
        step("delete", sum(deleted.values()), total)
    relinked = persons_rebuild(actor=actor, progress=step) if relink and total else None
    step("persons", 0, 1)
    persons_removed = persons_without_mentions_delete() if total else 0
    step("persons", 1, 1)
    mentions = rows = 0
    if total:
        mentions, rows = search_index_rebuild(progress=lambda done, all_: step("index", done, all_))
        # The insight figures: the purged days are marked; a relink changes persons in every year, so
        # every year is counted again.
        step("insights", 0, 1)
        figures_refresh()  # the marked years, those of the purged registrations too
        if relinked is not None:
            figures_refresh(years=register_years())
        step("insights", 1, 1)
    log_deleted, log_error = 0, ""
    if plan.access_log_horizon is not None and plan.access_log_delete:
        try:
            log_deleted = _access_log_purge(plan, step=step, log_batch=log_batch, actor=actor)
        except DatabaseError as error:  # a role without DELETE on the log: say so, log the rest
            log_error = str(error).strip().splitlines()[0][:300]
    result = PurgeSummary(
        access_log_deleted=log_deleted,
        access_log_error=log_error,
        deleted=dict(deleted),
        batches=batches,
        signals_repointed=repointed,
        signals_created=created,
        signals_updated=updated,
        signals_withdrawn=withdrawn,
        persons_removed=persons_removed,
        persons_merged=relinked.persons_merged if relinked else 0,
        reviews_opened=relinked.reviews_opened if relinked else 0,
        relinked=relinked is not None,
        search_mentions=mentions,
        search_rows=rows,
    )
    _log(plan, result, actor)
    return result


def retention_run(
    plan: Plan,
    *,
    batch: int = 500,
    relink: bool = True,
    progress: Progress | None = None,
    actor: User | None = None,
    log_batch: int = 5_000,
) -> PurgeSummary | None:
    """The scheduled run: `retention_purge` of `plan` (None when nothing is due), recorded as a Run however
    it ends: deleted, nothing due, or refused (the refusal is raised again after it is recorded)."""
    started = timezone.now()
    if not plan.delete_ids and not plan.access_log_delete:
        _run_record(plan, started, Outcome.NOTHING)
        return None
    try:
        summary = retention_purge(
            plan, batch=batch, relink=relink, progress=progress, actor=actor, log_batch=log_batch
        )
    except (ProtectedError, RestrictedError) as error:
        _run_record(plan, started, Outcome.REFUSED, error=str(error.args[0] if error.args else error))
        raise
    _run_record(plan, started, Outcome.DONE, summary=summary)
    return summary


def _run_record(
    plan: Plan, started: datetime, outcome: str, *, summary: PurgeSummary | None = None, error: str = ""
) -> Run:
    deleted = summary.deleted if summary else {}
    return Run.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        as_of=plan.today,
        outcome=outcome,
        deleted={f"{source}/{kind}": n for (source, kind), n in sorted(deleted.items()) if n},
        held={f"{row.source}/{row.kind}": row.held for row in plan.rows if row.held},
        access_log_deleted=summary.access_log_deleted if summary else 0,
        error=(error or (summary.access_log_error if summary else ""))[:1000],
    )


def _access_log_purge(plan: Plan, *, step: Progress, log_batch: int, actor: User | None) -> int:
    assert plan.access_log_horizon is not None
    return access_log_purge(
        horizon=plan.access_log_horizon,
        keep=plan.access_log_held,
        batch=log_batch,
        progress=lambda done, all_: step("access log", done, all_),
        actor=actor,
        detail={
            "period": describe(plan.periods.access_log),
            "as_of": plan.today.isoformat(),
            "held": len(plan.access_log_held),
        },
    )


def _repoint(plan: Plan, chunk: set[int]) -> int:
    count = 0
    for pk, repoint in plan.repoint.items():
        if not repoint.going & chunk:
            continue
        changes: dict[str, Any] = {}
        if repoint.first is not None:
            changes["first_fired_registration_id"] = repoint.first[0]
        if repoint.last is not None:
            changes["last_registration_id"] = repoint.last[0]
            changes["last_registered_at"] = repoint.last[1]
        count += Signal.objects.filter(pk=pk).update(**changes)
    return count


def _protected_references(model: type[models.Model]) -> Iterable[tuple[type[models.Model], str]]:
    """(model, field) of every foreign key to `model` that keeps its row (PROTECT or RESTRICT)."""
    for relation in model._meta.get_fields(include_hidden=True):  # related_name="+" too
        if (
            isinstance(relation, models.ForeignObjectRel)
            and relation.on_delete in (models.PROTECT, models.RESTRICT)
            and relation.field.concrete
        ):
            yield relation.related_model, relation.field.attname


def persons_without_mentions_delete() -> int:
    """Remove the persons no mention is linked to any more and nothing else refers to (a measure, a ZSM
    file, a merge, a pattern signal with its history); returns how many. A person merged into another is
    kept: it points at the one it became, so that a stored reference to it still leads somewhere."""
    orphans = list(
        Person.objects.filter(mention_links__isnull=True, merged_into__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if not orphans:
        return 0
    referenced: set[int] = set()
    for chunk in chunks(orphans):
        for model, column in _protected_references(Person):
            referenced.update(
                model._default_manager.filter(**{f"{column}__in": chunk}).values_list(column, flat=True)
            )
        referenced.update(Signal.objects.filter(suspect_id__in=chunk).values_list("suspect_id", flat=True))
        referenced.update(Signal.objects.filter(victim_id__in=chunk).values_list("victim_id", flat=True))
    gone = [pk for pk in orphans if pk not in referenced]
    with transaction.atomic():
        for chunk in chunks(gone):
            Person.objects.filter(pk__in=chunk).delete()
    return len(gone)


def _log(plan: Plan, summary: PurgeSummary, actor: User | None) -> None:
    """One access-log entry per source and kind with what went and what stayed, and one for the whole."""
    periods = {(row.source, row.kind): row for row in plan.rows}
    objects = [
        (
            f"{source}/{kind}",
            {
                "deleted": summary.deleted.get((source, kind), 0),
                "held": periods[(source, kind)].held,
                "period": periods[(source, kind)].period,
                "as_of": plan.today.isoformat(),
            },
        )
        for source, kind in sorted(periods)
        if summary.deleted.get((source, kind)) or periods[(source, kind)].held
    ]
    if summary.access_log_deleted or plan.access_log_held or summary.access_log_error:
        access_log_record(
            actor=actor,
            action=Action.PURGE,
            object_type="access_log",
            object_id="access_log",
            result=Result.STORED,
            origin="retention",
            detail={
                "deleted": summary.access_log_deleted,
                "held": len(plan.access_log_held),
                "period": describe(plan.periods.access_log),
                "as_of": plan.today.isoformat(),
                "before": plan.access_log_horizon.isoformat() if plan.access_log_horizon else None,
            }
            | ({"error": summary.access_log_error} if summary.access_log_error else {}),
        )
    access_log_record_many(
        actor=actor,
        action=Action.PURGE,
        object_type="registration",
        result=Result.STORED,
        objects=objects,
        origin="retention",
    )
    access_log_record(
        actor=actor,
        action=Action.PURGE,
        object_type="registration",
        result=Result.STORED,
        origin="retention",
        detail={
            "as_of": plan.today.isoformat(),
            "deleted": summary.total,
            "held": len(plan.held),
            "persons_removed": summary.persons_removed,
            "relinked": summary.relinked,
            "persons_merged": summary.persons_merged,
            "reviews_opened": summary.reviews_opened,
            "signals_repointed": summary.signals_repointed,
            "signals_withdrawn": summary.signals_withdrawn,
            "search_rows": summary.search_rows,
            "access_log_deleted": summary.access_log_deleted,
        },
    )
