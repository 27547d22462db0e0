"""Recording a screening of a case: score it with its instrument, keep what the register pre-answered and
what the screener corrected, and record the level and the urgency it suggests on the case. A lowered level
waits for a second person; a raised one keeps its reason. A newer screening makes a lowering still waiting
count no longer: an older lowered level, and a lowered urgency waiting for a team lead. Recorded on a case
whose screening has not started (still "Nieuw"), it starts it first: the process's start step is taken in
the same transaction, by the screener, with its own line in the history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import (
    alert_second_person_answered,
    alert_second_person_settled,
    alert_second_person_wanted,
)
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import (
    ConcurrentEdit,
    case_lowering_lapse,
    case_record,
    case_take_where_available,
)

from .engine.instrument import Level
from .engine.scoring import Answer, Judgement, Result, score
from .engine.urgency import urgency
from .instruments import instrument_of
from .models import InstrumentVersion, Screening
from .selectors import DESK_ROLES

SCREENING_ROLES = frozenset(DESK_ROLES)  # the roles of the screening desk, team lead included

# What the case history calls a screening's lines (translated when shown).
SCREENING_RECORDED = gettext_noop("screening recorded")
LOWERING_SUPERSEDED = gettext_noop("lowered level no longer counts")
# The step of the screening processes that starts the screening: every version of them has it, from the
# first state ("Nieuw"), without requirements (tests/screening/test_record_start.py checks each loaded one).
START_SCREENING = "start_screening"
# The note of that step's line when recording a screening took it (a record in the installation's language,
# shown in the reader's: registered in apps.py).
STARTED_BY_RECORDING = gettext_noop("started by recording the risk screening")


class StartRefused(Refused):
    """Recording the screening would start the case's screening, and its start step is refused: `refusal`
    says why (the kernel's refusal of the step, its code and detail), `step` names the step. Nothing is
    stored."""

    def __init__(self, step: str, refusal: Refused) -> None:
        super().__init__("start", refusal.code, said=refusal.said, **refusal.params)
        self.step = step
        self.refusal = refusal


def screening_result(
    instrument: InstrumentVersion, answers: Mapping[str, Answer], level: str, reason: str
) -> Result:
    """Score; a chosen level other than the computed one (or any level of a judgement instrument) is the
    professional's judgement, with its reason."""
    engine = instrument_of(instrument)
    computed = score(engine, answers) if engine.scoring.mode.value != "judgement" else None
    if computed is not None and (not level or level == (computed.level.value)):
        return computed
    return score(engine, answers, Judgement(level=Level(level), reason=reason))


def _apply(
    case: Screening,
    actor: User,
    at: datetime,
    expected_version: int | None,
    *,
    level: Level | None = None,
    note: str | None = None,
    detail: Mapping[str, Any] | None = None,
    declined: str = "",
) -> None:
    """Record the screening's level (or `level`: the computed one, when a lowering was declined) and the
    urgency it suggests on its case."""
    # What the screener answered counts over what the register pre-answered.
    facts = {**{key: value.get("answer") for key, value in case.prefill.items()}, **case.answers}
    level = level or Level(case.level)
    case_record(
        case.case,
        values={"screening_level": level.value, "urgency_suggested": urgency(level, facts)},
        actor=actor,
        expected_version=expected_version,
        note=case.reason if note is None else note,
        detail={"screening": case.pk, "instrument": str(case.instrument), **(detail or {})},
        at=at,
        declined=declined,
        what=SCREENING_RECORDED,
    )


def screening_record(
    *,
    case: Case,
    instrument: InstrumentVersion,
    answers: Mapping[str, Answer],
    prefill: Mapping[str, Mapping[str, Any]] | None = None,
    level: str = "",
    reason: str = "",
    actor: User,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Screening:
    """Score and keep one screening. Raises ScoringError (naming each item or field) or Refused; with
    `expected_version` (the case's lock version the form was filled against), ConcurrentEdit when the case
    changed since, a screening stored from another tab included: nothing is stored then. Either way the
    case's lock version goes up and its history says so. On a case whose screening has not started (its
    process's START_SCREENING step open, the case "Nieuw"), the step is taken first, in this transaction,
    by `actor` at `at`: its deadline met then; StartRefused, nothing stored, where the step is refused."""
    if not SCREENING_ROLES & set(actor.role_codes):
        raise Refused("role")
    if case.closed_at is not None:
        raise Refused("closed")
    at = at or timezone.now()
    result = screening_result(instrument, answers, level, reason)
    pre = {key: dict(value) for key, value in (prefill or {}).items()}
    # A correction is an answer other than what the register showed: where its registrations showed
    # nothing (no evidence), the form asked the screener to answer, and an answer there corrects nothing.
    corrected = sorted(
        key
        for key, value in pre.items()
        if key in answers and value.get("evidence") and answers[key] != value.get("answer")
    )
    with transaction.atomic():
        # Not started yet: recording the screening starts it, at this moment (its deadline met then).
        started = _start(case, actor, at, expected_version)
        if started is not None:
            case, expected_version = started, started.lock_version
        screening = Screening.objects.create(
            case=case,
            instrument=instrument,
            answers=dict(answers),
            prefill=pre,
            corrected=corrected,
            result=result.as_document(),
            computed_level=result.computed_level.value if result.computed_level else "",
            level=result.level.value,
            reason=reason.strip(),
            status=Screening.Status.AWAITING_SECOND
            if result.needs_second_person
            else Screening.Status.RECORDED,
            recorded_by=actor,
            recorded_at=at,
        )
        if not result.needs_second_person:
            _apply(screening, actor, at, expected_version)
        else:  # the case holds nothing new yet, but the screening is there: its history says it waits
            case_record(
                case,
                values={},
                actor=actor,
                expected_version=expected_version,
                note=screening.reason,
                detail={"screening": screening.pk, "awaiting_second": True, "instrument": str(instrument)},
                at=at,
                what=SCREENING_RECORDED,
            )
        # An older lowering still waiting no longer counts: confirmed later, it would put its older level
        # over this one. Settled before this one's own alert, which may name the same step.
        _supersede_waiting(case, by=screening, actor=actor, at=at)
        # So does a lowered urgency waiting for a team lead: it was chosen below what the older screening
        # suggested, and this one suggests the urgency anew.
        case_lowering_lapse(case, actor=actor, at=at, detail={"screening": screening.pk})
        if result.needs_second_person:
            alert_second_person_wanted(case, step=_lowered_step(screening), proposer=actor, at=at)
    return screening


def _start(case: Case, actor: User, at: datetime, expected_version: int | None) -> Case | None:
    """The start step taken where the case's process has it open (the case still "Nieuw"), as the screener,
    at `at`; None where the screening has started already. StartRefused where the step is refused."""
    note = in_installation_language(STARTED_BY_RECORDING)
    try:
        return case_take_where_available(
            case, START_SCREENING, actor=actor, expected_version=expected_version, reason=note, at=at
        )
    except Refused as refusal:
        raise StartRefused(START_SCREENING, refusal) from refusal


def _supersede_waiting(case: Case, *, by: Screening, actor: User, at: datetime) -> None:
    """Every other screening of the case waiting for a second person is superseded by `by`: marked so, one
    line in the case's history each, the team leads' alert settled."""
    waiting = (
        Screening.objects.select_for_update()
        .filter(case=case, status=Screening.Status.AWAITING_SECOND)
        .exclude(pk=by.pk)
        .order_by("recorded_at", "id")
    )
    for older in waiting:
        older.status = Screening.Status.SUPERSEDED
        older.save(update_fields=["status"])
        step = _lowered_step(older)
        case_record(
            case,
            values={},
            actor=actor,
            expected_version=None,
            detail={"screening": older.pk, "superseded": older.pk, "superseded_by": by.pk, "lapsed": step},
            at=at,
            what=LOWERING_SUPERSEDED,
        )
        alert_second_person_settled(case, step=step, by=actor, at=at)


def screening_lapse_waiting(case: Case) -> None:
    """The case closed: a lowering still waiting for a second person no longer counts (marked lapsed) and
    the team leads' alert for it is settled. Called inside the closing step's transaction (`case_changed`);
    the closing step's own line in the history says the case closed."""
    if case.closed_at is None:
        return
    waiting = Screening.objects.select_for_update().filter(case=case, status=Screening.Status.AWAITING_SECOND)
    for screening in waiting:
        screening.status = Screening.Status.LAPSED
        screening.save(update_fields=["status"])
        alert_second_person_settled(case, step=_lowered_step(screening), by=None, at=case.closed_at)


def _lowered_step(screening: Screening) -> str:
    """The step a second person confirms, in the instrument's Dutch (its levels are Dutch data)."""
    return f"Risiconiveau verlaagd naar {Level(screening.level).label}"


def screening_confirm(
    screening: Screening,
    *,
    actor: User,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Screening:
    """A second person confirms a lowered level: then it is recorded on the case. Refused "superseded" when
    a newer screening was recorded meanwhile, "closed" (or "lapsed", once reopened) when the case was
    closed meanwhile; with `expected_version` (the case's lock version the page showed), ConcurrentEdit
    when the case changed since."""
    return _second(screening, actor=actor, reason="", confirm=True, at=at, expected_version=expected_version)


def screening_decline(
    screening: Screening,
    *,
    actor: User,
    reason: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Screening:
    """A second person declines a lowered level, saying why (Refused "reason" without): the screening stays,
    declined, with the reason; the lowering does not count, so the case gets the level the instrument
    computed (and the urgency that suggests), as a screening without a lowering would. The case's history
    names who declined and why, and the screener who lowered it is told. Refused and ConcurrentEdit as
    `screening_confirm`."""
    return _second(
        screening, actor=actor, reason=reason, confirm=False, at=at, expected_version=expected_version
    )


# Why a lowering that no longer waits cannot be answered, by its status.
_NO_LONGER = {Screening.Status.SUPERSEDED: "superseded", Screening.Status.LAPSED: "lapsed"}


def _second(
    screening: Screening,
    *,
    actor: User,
    reason: str,
    confirm: bool,
    at: datetime | None,
    expected_version: int | None,
) -> Screening:
    at = at or timezone.now()
    reason = reason.strip()
    with transaction.atomic():
        current = Screening.objects.select_for_update().select_related("case").get(pk=screening.pk)
        case = current.case
        if expected_version is not None and case.lock_version != expected_version:
            raise ConcurrentEdit(case.reference)  # e.g. a newer screening, or the case closed, since
        if case.closed_at is not None and current.status in (
            Screening.Status.AWAITING_SECOND,
            Screening.Status.LAPSED,
        ):
            raise Refused("closed")
        if current.status in _NO_LONGER:
            raise Refused(_NO_LONGER[Screening.Status(current.status)])
        if current.status != Screening.Status.AWAITING_SECOND:
            raise Refused("nothing_pending")
        if current.recorded_by_id == actor.pk:
            raise Refused("same_person")
        if not SCREENING_ROLES & set(actor.role_codes):
            raise Refused("role")
        if not confirm and not reason:
            raise Refused("reason")
        current.status = Screening.Status.RECORDED if confirm else Screening.Status.DECLINED
        current.second_person = actor
        current.second_at = at
        current.declined_reason = "" if confirm else reason
        current.save(update_fields=["status", "second_person", "second_at", "declined_reason"])
        proposer = current.recorded_by
        names = {"proposed_by": proposer.get_username()}
        if confirm:
            _apply(
                current,
                actor,
                at,
                expected_version,
                detail={**names, "confirmed_by": actor.get_username()},
            )
        else:  # the lowering does not count: the instrument's result does
            _apply(
                current,
                actor,
                at,
                expected_version,
                level=Level(current.computed_level),
                note=reason,
                detail=names,
                declined=_lowered_step(current),
            )
        alert_second_person_answered(
            current.case,
            step=_lowered_step(current),
            actor=actor,
            proposer=proposer,
            declined_reason=None if confirm else reason,
            at=at,
        )
    return current
