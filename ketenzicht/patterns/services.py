"""Writes of signals: raise, update and withdraw them from the engine's findings; note who has seen one.

`signals_update(persons=...)` is the online step (the intake pipeline after linking, and every change of
links: merges, splits, review decisions); `signals_detect_all()` re-detects over the whole register
(`manage.py detect_patterns`, and after a linking rebuild); before either recomputes after a change of
links, the signals of persons merged into others follow the merge (`signals_follow_merges`). Both end in
`_store`, which makes the stored
signals of the recomputed subjects exactly the findings: new ones are created, existing ones updated in
place (keeping when Ketenzicht first raised them and who has seen them), and those that no longer hold at all
(a split took away the registrations that made them) are closed as withdrawn, never deleted.

Each signal also has a small process with an append-only history (SignalEvent): new -> seen -> assessed ->
closed with a reason; Ketenzicht re-opens it when its evidence changes (see docs/decisions/0008), a closed
one that got a new registration with the reason "new registration after closing"; the desk can re-open a
closed one with a reason of its own (`signal_reopen`). Both are told through `signals.signals_reopened`."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.audit.access import listed, read
from ketenzicht.audit.services import access_log_record
from ketenzicht.db import chunks, one_of, query_rows, quoted_table
from ketenzicht.organisations.models import User
from ketenzicht.persons.selectors import persons_merged_to

from .detector import detector
from .engine.detect import Finding, Reason
from .loading import Progress, all_events, events_and_signals_involving
from .models import (
    SEVERITY_OF_NAME,
    SIGNAL_PURPOSE,
    CloseReason,
    ReopenReason,
    Signal,
    SignalEvent,
    SignalRegistration,
    SignalSeen,
    SignalState,
    subject_key,
)
from .selectors import signal_get_for_user
from .signals import signals_reopened

WITHDRAWN = ""  # the fingerprint of a withdrawn signal: no finding has it


@dataclass(frozen=True)
class StoreSummary:
    created: int
    updated: int
    withdrawn: int


@dataclass(frozen=True)
class DetectSummary:
    registrations: int  # looked at
    events: int  # that could take part in a pattern, read in full
    signals: dict[str, int]  # per rule
    created: int
    updated: int
    withdrawn: int
    seconds: float


def _fields(finding: Finding, version: str, unit_pks: dict[str, int]) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "rules_version": version,
        "suspect_id": finding.suspect,
        "victim_id": finding.victim,
        "severity": SEVERITY_OF_NAME[finding.severity],
        "active": finding.active,
        "first_fired_at": finding.first_event.at,
        "first_fired_registration_id": finding.first_event.id,
        "last_registration_id": finding.last_event.id,
        "last_registered_at": finding.last_event.at,
        "unit_id": unit_pks.get(finding.unit),
        "reasons": [_reason(r) for r in finding.reasons],
    }


def _reason(reason: Reason) -> dict[str, Any]:
    """A reason as the signal stores it; the breaches of measures behind it (when any) as
    {"registration", "on", "measure", "what"}: shown to each user as far as they may see them
    (`labels.reason_rows`)."""
    stored: dict[str, Any] = {
        "code": reason.code, "value": reason.value, "threshold": reason.threshold, "met": reason.met
    }  # fmt: skip
    if reason.breaches:
        stored["breaches"] = [
            {"registration": b.registration, "on": b.on, "measure": b.measure, "what": b.what}
            for b in reason.breaches
        ]
    return stored


def _fingerprint(fields: dict[str, Any], evidence: list[tuple[int, list[str], list[str]]]) -> str:
    text = json.dumps([fields, evidence], sort_keys=True, default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _stored(persons: Sequence[int] | None) -> dict[str, tuple[int, str]]:
    """subject -> (id, fingerprint) of the stored signals about `persons` (all with None)."""
    table = quoted_table(Signal)
    sql = f"SELECT subject, id, fingerprint FROM {table}"
    found: dict[str, tuple[int, str]] = {}
    if persons is None:
        for subject, pk, fingerprint in query_rows(sql, stream=True):
            found[subject] = (pk, fingerprint)
        return found
    for chunk in chunks(list(persons), 500):
        suspects, params = one_of("suspect_id", chunk)
        victims, more = one_of("victim_id", chunk)
        for subject, pk, fingerprint in query_rows(f"{sql} WHERE {suspects} OR {victims}", [*params, *more]):
            found[subject] = (pk, fingerprint)
    return found


def _store(
    findings: list[Finding],
    persons: Sequence[int] | None,
    version: str,
    unit_pks: dict[str, int],
    existing: dict[str, tuple[int, str]] | None = None,
) -> StoreSummary:
    """Make the stored signals about `persons` (all signals with None) exactly `findings`. `existing`: the
    stored signals about them, when the caller has read them already."""
    if existing is None:
        existing = _stored(persons)
    create: list[Signal] = []
    update: list[Signal] = []
    evidence_of: dict[str, list[tuple[int, list[str], list[str]]]] = {}
    seen: set[str] = set()
    now = timezone.now()
    for finding in findings:
        key = subject_key(finding.rule, finding.suspect, finding.victim)
        seen.add(key)
        fields = _fields(finding, version, unit_pks)
        evidence = [(e.id, list(finding.refs[e.id][0]), list(finding.refs[e.id][1])) for e in finding.events]
        fingerprint = _fingerprint(fields, evidence)
        stored = existing.get(key)
        if stored is None:
            create.append(Signal(subject=key, fingerprint=fingerprint, **fields))
        elif stored[1] != fingerprint:
            update.append(
                Signal(pk=stored[0], subject=key, fingerprint=fingerprint, updated_at=now, **fields)
            )
        else:
            continue
        evidence_of[key] = evidence
    # A signal whose rule no longer holds is closed as withdrawn, never deleted (an empty fingerprint marks
    # it, so that its rule holding again re-opens it).
    gone = [pk for key, (pk, fingerprint) in existing.items() if key not in seen and fingerprint != WITHDRAWN]
    events: list[SignalEvent] = []
    for chunk in chunks(gone, 500):
        Signal.objects.filter(pk__in=chunk).update(
            state=SignalState.CLOSED, closed_reason=CloseReason.WITHDRAWN, active=False,
            fingerprint=WITHDRAWN, updated_at=now,
        )  # fmt: skip
        events += [
            _system_event(pk, SignalEvent.Kind.CLOSED, now, reason=CloseReason.WITHDRAWN) for pk in chunk
        ]
    Signal.objects.bulk_create(create, batch_size=2_000)
    after_closing: list[int] = []
    if update:
        reopened, after_closing = _note_changes(update, evidence_of, now)
        told = set(after_closing)
        events += [
            _system_event(
                pk,
                SignalEvent.Kind.REOPENED,
                now,
                reason=ReopenReason.NEW_REGISTRATION if pk in told else "",
            )
            for pk in reopened
        ]
        names = [
            "fingerprint",
            "updated_at",
            "changed_at",
            "change",
            "state",
            "closed_reason",
            *_fields(findings[0], version, unit_pks),
        ]
        Signal.objects.bulk_update(update, names, batch_size=1_000)
    if evidence_of:
        pk_of = {s.subject: s.pk for s in update}
        for pks in chunks(list(pk_of.values()), 500):
            SignalRegistration.objects.filter(signal_id__in=pks).delete()
        pk_of.update({s.subject: s.pk for s in create if s.pk is not None})
        for keys in chunks([s.subject for s in create if s.pk is None], 500):  # no RETURNING on this database
            pk_of.update(Signal.objects.filter(subject__in=keys).values_list("subject", "pk"))
        SignalRegistration.objects.bulk_create(
            [
                SignalRegistration(
                    signal_id=pk_of[key], registration_id=registration, suspect_refs=sus, victim_refs=vic
                )
                for key, rows in evidence_of.items()
                for registration, sus, vic in rows
            ],
            batch_size=5_000,
        )
        created = [pk_of[s.subject] for s in create]
        events += [_system_event(pk, SignalEvent.Kind.RAISED, now) for pk in created]
    SignalEvent.objects.bulk_create(events, batch_size=5_000)
    if after_closing:
        signals_reopened.send(sender=Signal, signals=after_closing, by=None, reason="", at=now)
    return StoreSummary(created=len(create), updated=len(update), withdrawn=len(gone))


def _system_event(pk: int, kind: str, at: Any, *, reason: str = "") -> SignalEvent:
    state = SignalState.CLOSED if kind == SignalEvent.Kind.CLOSED else SignalState.NEW
    return SignalEvent(signal_id=pk, at=at, actor=None, kind=kind, state=state, reason=reason)


def _note_changes(
    update: list[Signal], evidence_of: dict[str, list[tuple[int, list[str], list[str]]]], now: Any
) -> tuple[list[int], list[int]]:
    """Compare the updated signals with what is stored: a change of severity or of the registrations in
    the evidence is written down on the signal and makes it new again for everyone (who had seen it is
    forgotten); any other update keeps the latest change as it was. The change is counted from what was
    last seen: while nobody has opened the signal since an earlier change, a new change adds to it.
    Such a change re-opens the signal in its process (back to new), as does its rule holding again after
    it was withdrawn; any other update keeps its state. Returns the ids of the re-opened signals, and of
    those among them that the desk had closed and that got a registration they did not have (re-opened
    because of a new registration after closing: the desk is told)."""
    before: dict[int, dict[str, Any]] = {}
    registrations: dict[int, set[int]] = {}
    seen: set[int] = set()
    for pks in chunks([s.pk for s in update], 500):
        for row in Signal.objects.filter(pk__in=pks).values(
            "pk", "severity", "last_registered_at", "changed_at", "change", "state", "closed_reason"
        ):
            before[row["pk"]] = dict(row)
        for signal_id, registration_id in SignalRegistration.objects.filter(signal_id__in=pks).values_list(
            "signal_id", "registration_id"
        ):
            registrations.setdefault(signal_id, set()).add(registration_id)
        seen.update(SignalSeen.objects.filter(signal_id__in=pks).values_list("signal_id", flat=True))
    changed: list[int] = []
    reopened: list[int] = []
    after_closing: list[int] = []
    for signal in update:
        was = before[signal.pk]
        old = registrations.get(signal.pk, set())
        new = {registration for registration, _, _ in evidence_of[signal.subject]}
        withdrawn = was["closed_reason"] == CloseReason.WITHDRAWN
        if was["severity"] == signal.severity and old == new:
            signal.changed_at, signal.change = was["changed_at"], was["change"]
            signal.state, signal.closed_reason = was["state"], was["closed_reason"]
            if withdrawn:
                signal.state, signal.closed_reason = SignalState.NEW, ""
                reopened.append(signal.pk)
            continue
        signal.state, signal.closed_reason = SignalState.NEW, ""
        if was["state"] != SignalState.NEW:
            reopened.append(signal.pk)
        if was["state"] == SignalState.CLOSED and not withdrawn and new - old:
            after_closing.append(signal.pk)
        if was["change"] and signal.pk not in seen:  # unseen since the last change: count from before it
            base = was["change"]
            old = set(base["registrations_was"])
            severity_was, latest_was = base["severity_was"], base["last_registered_at_was"]
        else:
            severity_was, latest_was = was["severity"], was["last_registered_at"].isoformat()
        signal.changed_at = now
        signal.change = {
            "added": len(new - old),
            "removed": len(old - new),
            "severity_was": severity_was,
            "severity_now": signal.severity,
            "registrations_was": sorted(old),
            "last_registered_at_was": latest_was,
        }
        changed.append(signal.pk)
    for pks in chunks(changed, 500):
        SignalSeen.objects.filter(signal_id__in=pks).delete()
    return reopened, after_closing


PAIR_IN_ORDER = "mutual_conflict"  # the rule whose pair is written lower id first (engine/detect.py)


def signals_follow_merges(*, persons: Iterable[int] | None) -> int:
    """A signal about a person merged into another is about that other person now, as the mentions' links
    are: its suspect or victim, and so its subject, move to the person the merges end in. It keeps its id,
    its process and history and who has seen it; the recomputation after it updates its evidence (a change
    of evidence makes it new again, as always). Without this the merged person's signal was withdrawn and
    the same signal raised anew, its history left behind on a person no dossier opens. When the person it
    ends in has that signal already (both halves had one), that one goes on and this one is left to the
    recomputation, which withdraws it; so is a pair merged into one person. `persons`: the signals about
    these persons (None: all). Returns how many moved."""
    about = Signal.objects.filter(
        Q(suspect__merged_into__isnull=False) | Q(victim__merged_into__isnull=False)
    )
    if persons is not None:
        ids = list(persons)
        about = about.filter(Q(suspect_id__in=ids) | Q(victim_id__in=ids))
    moving = list(about.only("pk", "rule", "subject", "suspect_id", "victim_id"))
    if not moving:
        return 0
    ends = persons_merged_to({p for s in moving for p in (s.suspect_id, s.victim_id) if p is not None})

    def end(person: int | None) -> int | None:
        return None if person is None else ends[person]

    wanted: dict[int, tuple[int | None, int | None, str]] = {}
    for signal in moving:
        suspect, victim = end(signal.suspect_id), end(signal.victim_id)
        if suspect is not None and suspect == victim:
            continue  # both sides one person now: no pair left
        if signal.rule == PAIR_IN_ORDER and suspect is not None and victim is not None:
            suspect, victim = min(suspect, victim), max(suspect, victim)
        wanted[signal.pk] = (suspect, victim, subject_key(signal.rule, suspect, victim))
    taken = set(
        Signal.objects.filter(subject__in=[key for _, _, key in wanted.values()]).values_list(
            "subject", flat=True
        )
    )
    moved = []
    for signal in moving:
        if signal.pk not in wanted or wanted[signal.pk][2] in taken:
            continue
        signal.suspect_id, signal.victim_id, signal.subject = wanted[signal.pk]
        taken.add(signal.subject)
        moved.append(signal)
    Signal.objects.bulk_update(moved, ["suspect", "victim", "subject"], batch_size=1_000)
    return len(moved)


def signals_update(*, persons: Iterable[int]) -> StoreSummary:
    """Recompute every signal about `persons` (their pairs, and they as suspect or victim) from all their
    registrations: the online step after linking, and after a merge, split or review decision."""
    people = sorted(set(persons))
    if not people:
        return StoreSummary(0, 0, 0)
    found = detector()
    units: dict[str, int] = {}
    # Within the intake pipeline's (or a merge's) transaction no savepoint of its own: two round trips
    # less on every registration, and a failure here fails the whole registration anyway.
    with transaction.atomic(savepoint=False):
        events, stored = events_and_signals_involving(people, found, units)
        findings = found.detect(events, persons=people)
        return _store(findings, people, found.rules.stamp, units, stored)


def signals_detect_all(*, progress: Progress | None = None) -> DetectSummary:
    """Detect every pattern over the whole register and store the signals (one transaction)."""
    began = time.perf_counter()
    found = detector()
    units: dict[str, int] = {}
    with transaction.atomic():
        events, looked_at = all_events(found, progress, units)
        if progress is not None:
            progress("detect", 0, 1)
        findings = found.detect(events)
        if progress is not None:
            progress("detect", 1, 1)
            progress("store", 0, 1)
        signals_follow_merges(persons=None)
        stored = _store(findings, None, found.rules.stamp, units)
        if progress is not None:
            progress("store", 1, 1)
    per_rule: dict[str, int] = {}
    for finding in findings:
        per_rule[finding.rule] = per_rule.get(finding.rule, 0) + 1
    return DetectSummary(
        registrations=looked_at,
        events=len(events),
        signals=per_rule,
        created=stored.created,
        updated=stored.updated,
        withdrawn=stored.withdrawn,
        seconds=time.perf_counter() - began,
    )


def signal_mark_seen(*, signal: Signal, user: User) -> None:
    seen, created = SignalSeen.objects.get_or_create(signal=signal, user=user)
    if not created:
        seen.save(update_fields=["last_seen_at"])


def signal_list_logged(
    *, user: User, origin: str, count: int, refused: bool = False, shown: Sequence[Signal] = ()
) -> None:
    """Log that the user's unit list was shown (or refused), with the suspects and victims of `shown`."""
    listed(
        actor=user, object_type="signal", purpose=SIGNAL_PURPOSE, origin=origin, detail={"count": count},
        persons=[p for s in shown for p in (s.suspect_id, s.victim_id)], refused=refused,
    )  # fmt: skip


def signal_open(*, user: User, pk: int, origin: str) -> Signal:
    """One signal of the user's unit, for reading: logged with its purpose and marked seen by the user. A
    signal outside the user's unit raises NotVisible (logged as refused), the same as a missing one."""
    signal = signal_get_for_user(user=user, pk=pk, origin=origin)
    with transaction.atomic():
        signal_mark_seen(signal=signal, user=user)
        if signal.state == SignalState.NEW:
            _step(signal, user=user, kind=SignalEvent.Kind.SEEN, state=SignalState.SEEN)
        read(
            actor=user, object_type="signal", object_id=pk, purpose=SIGNAL_PURPOSE, origin=origin,
            detail={"suspect": signal.suspect_id, "victim": signal.victim_id, "rule": signal.rule},
            persons=[signal.suspect_id, signal.victim_id],
        )  # fmt: skip
    return signal


# --- the screening desk's steps ------------------------------------------------------------------------


class StepRefused(Exception):
    """The step may not be taken now (the signal is closed, or a note or reason is missing)."""


class ReopenRefused(StepRefused):
    """A reopening refused: `field` "reason" (none given, or too long) or "signal" (not closed, or closed by
    Ketenzicht), with the message to show."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _step(signal: Signal, *, user: User, kind: str, state: str, reason: str = "", note: str = "") -> None:
    """Take a desk step on a signal that is not closed, inside the caller's transaction. The row is locked
    and its state read again first: of two tabs (or two screeners) closing or assessing at once, the second
    waits for the first and is refused once it sees the signal closed (StepRefused), storing nothing."""
    current = Signal.objects.select_for_update().filter(pk=signal.pk).values_list("state", flat=True).first()
    if current is None or current == SignalState.CLOSED:
        raise StepRefused(kind)
    now = timezone.now()
    Signal.objects.filter(pk=signal.pk).update(state=state, closed_reason=reason, updated_at=now)
    signal.state, signal.closed_reason = state, reason
    SignalEvent.objects.create(
        signal=signal, at=now, actor=user, kind=kind, state=state, reason=reason, note=note
    )


DESK_REASONS = [r for r in CloseReason if r != CloseReason.WITHDRAWN]  # withdrawn: Ketenzicht's only


def signal_assess(*, user: User, pk: int, note: str, origin: str) -> Signal:
    """The screener has looked into the signal: assessed, with a note. NotVisible outside the own unit
    (looked up outside the transaction: a refusal's entry must stay)."""
    signal = signal_get_for_user(user=user, pk=pk, origin=origin)
    if signal.state == SignalState.CLOSED or not note.strip():
        raise StepRefused("assess")
    with transaction.atomic():
        _step(
            signal, user=user, kind=SignalEvent.Kind.ASSESSED, state=SignalState.ASSESSED, note=note.strip()
        )
    return signal


def signal_close(*, user: User, pk: int, reason: str, note: str, origin: str) -> Signal:
    """Close the signal with one of the desk's reasons. NotVisible outside the own unit."""
    signal = signal_get_for_user(user=user, pk=pk, origin=origin)
    if signal.state == SignalState.CLOSED or reason not in DESK_REASONS:
        raise StepRefused("close")
    with transaction.atomic():
        _step(
            signal,
            user=user,
            kind=SignalEvent.Kind.CLOSED,
            state=SignalState.CLOSED,
            reason=reason,
            note=note,
        )
    return signal


REOPEN_REASON_LENGTH = 2000


def signal_reopen(*, user: User, pk: int, reason: str, origin: str) -> Signal:
    """Re-open a signal the desk closed (closed by mistake, or before a new report came in): back among the
    unit's open signals as seen, with its evidence; a "re-opened" step with the user's reason in its
    history, the access logged with its purpose, and whoever works the pair's case told
    (`signals.signals_reopened`). Whoever may close it may re-open it; NotVisible outside the own unit,
    the same as a missing one. One statement decides: a signal not closed (or re-opened meanwhile, in
    another tab) is refused and nothing is stored. A withdrawn signal is Ketenzicht's: it re-opens by
    itself when its rule holds again."""
    signal = signal_get_for_user(user=user, pk=pk, origin=origin)
    reason = reason.strip()
    if not reason:
        raise ReopenRefused("reason", gettext_noop("Say why you reopen the signal."))
    if len(reason) > REOPEN_REASON_LENGTH:
        raise ReopenRefused("reason", gettext_noop("Keep the reason to at most 2000 characters."))
    now = timezone.now()
    with transaction.atomic():
        reopened = (
            Signal.objects.filter(pk=signal.pk, state=SignalState.CLOSED)
            .exclude(closed_reason=CloseReason.WITHDRAWN)
            .update(state=SignalState.SEEN, closed_reason="", updated_at=now)
        )
        if not reopened:
            signal.refresh_from_db(fields=["state", "closed_reason"])
            if signal.closed_reason == CloseReason.WITHDRAWN:
                raise ReopenRefused(
                    "signal",
                    gettext_noop(
                        "Not reopened: Ketenzicht withdrew this signal because its rule no longer holds; "
                        "it reopens by itself when the rule holds again."
                    ),
                )
            raise ReopenRefused(
                "signal", gettext_noop("Not reopened: this signal is open already (nothing was changed).")
            )
        signal.state, signal.closed_reason = SignalState.SEEN, ""
        SignalEvent.objects.create(
            signal=signal, at=now, actor=user, kind=SignalEvent.Kind.REOPENED, state=SignalState.SEEN,
            note=reason,
        )  # fmt: skip
        signal_mark_seen(signal=signal, user=user)
        access_log_record(
            actor=user, action="reopen", object_type="signal", object_id=signal.pk, result="stored",
            purpose=SIGNAL_PURPOSE, origin=origin,
            detail={"suspect": signal.suspect_id, "victim": signal.victim_id, "rule": signal.rule},
            persons=[signal.suspect_id, signal.victim_id],
        )  # fmt: skip
        signals_reopened.send(sender=Signal, signals=[signal.pk], by=user, reason=reason, at=now)
    return signal
