"""Taking a step of a case's work process: the engine decides, the desks' rules may refuse
(`case_stepping`), the history and the deadline follow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import anyone_else_with_role
from ketenzicht.ui.formats import in_installation_language

from ..alerts import (
    ESCALATED_KIND,
    alert_second_person_settled,
    alert_second_person_wanted,
    alerts_follow_owner,
    alerts_settle_case_closed,
    alerts_settle_reason_gone,
)
from ..definitions import date_rules, definition_of, lowering_confirmers, ranked_fields
from ..engine.machine import Outcome, Refused, take
from ..labels import lowered_rows
from ..models import Case, EventKind, Handoff
from ..selectors import (
    case_start,
    open_handoff_kinds,
)
from ..signals import case_changed, case_stepping, handoff_created
from .store import case_locked, deadline_overrides, event_append, fields_save


def step_apply(
    case: Case,
    outcome: Outcome,
    *,
    actor: User,
    at: datetime,
    reason: str,
    detail: dict[str, Any],
    keep_waiting: bool = False,
) -> None:
    """The step taken: state, values, deadline, its history line. It ends what waited for a second person
    (the step was that proposal, or closes over a lowering), except with `keep_waiting`: a desk's implied
    step taken beside a proposal that may still be taken from where it leads (`case_take_where_available`)."""
    case.state = outcome.target
    case.data = {**case.data, **outcome.values}
    case.deadline_at = outcome.deadline_at
    case.escalate_to = outcome.escalate_to or ""
    case.escalated_at = None
    case.escalate_again_at = None
    if not keep_waiting:
        case.pending = None
    if outcome.final:
        case.closed_at = at
    fields_save(
        case,
        [
            "state",
            "data",
            "deadline_at",
            "escalate_to",
            "escalated_at",
            "escalate_again_at",
            "pending",
            "closed_at",
        ],
    )
    # A step gives the case its new state's deadline (or closes it): an escalation of the deadline that
    # passed asks nothing any more.
    settled = escalations_settle(case, at)
    event_append(
        case,
        kind=EventKind.TRANSITION,
        actor=actor,
        at=at,
        transition=outcome.transition.name,
        from_state=outcome.source,
        to_state=outcome.target,
        reason=reason,
        detail={**detail, "values": outcome.values, **({ALERTS_SETTLED: settled} if settled else {})},
    )
    case_changed.send(sender=Case, case=case)
    if outcome.transition.handoff:
        handoff = Handoff.objects.create(
            case=case,
            kind=outcome.transition.handoff,
            transition=outcome.transition.name,
            created_at=at,
            created_by=actor,
            detail={"state": outcome.source, "data": dict(case.data), "reason": reason},
        )
        handoff_created.send(sender=Handoff, handoff=handoff, actor=actor)


# A history line's detail: how many alerts it settled because their reason no longer holds.
ALERTS_SETTLED = "alerts_settled"


def escalations_settle(case: Case, at: datetime) -> int:
    """The case's unread escalation alerts settled, when its deadline has not passed (any more); a closed
    case's alerts whose reason was its open work with them (`alerts_settle_case_closed`: handed to someone,
    reopened, waiting for a second person, and the kinds the desks add, e.g. a ZSM file complete)."""
    if case.closed_at is not None:
        return alerts_settle_case_closed(case, at=at)
    if case.deadline_at is not None and case.deadline_at <= at:
        return 0
    return alerts_settle_reason_gone(case, kinds=[ESCALATED_KIND], at=at)


def step_outcome(
    case: Case,
    transition: str,
    *,
    actor: User,
    at: datetime,
    values: Mapping[str, Any] | None,
    reason: str,
    roles: Iterable[str] | None = None,
) -> Outcome:
    """What taking `transition` on `case` would do, a second person taken as given (callers enforce it);
    `roles` (default: the actor's) are the roles it is taken with.
    A hand-off is refused while the previous one of its kind waits for its desk (pressed twice, it would
    leave a second one that nobody ever takes on)."""
    dates = date_rules()
    # The case's start is read only for a step given a date that may not lie before it.
    bounded = any(name in dates and dates[name].from_start for name in values or {})
    outcome = take(
        definition_of(case.process_version),
        case.state,
        transition,
        roles=actor.role_codes if roles is None else roles,
        at=at,
        values=values,
        recorded=case.data,
        reason=reason,
        second_person=True,
        overrides=deadline_overrides(),
        dates=dates,
        ranked=ranked_fields(),
        start=case_start(case) if bounded else None,
    )
    kind = outcome.transition.handoff
    if kind and kind in open_handoff_kinds(case):
        raise Refused("handoff_waiting", kind)
    return outcome


def desk_rules(case: Case, outcome: Outcome, *, reason: str, actor: User) -> dict[str, Any]:
    """A desk's own rules about the step `outcome` takes (signals.case_stepping), asked when it is taken,
    proposed, or confirmed by a second person (what allowed the proposal may no longer hold: the case became
    acute meanwhile): a desk refuses (Refused, nothing stored), or says what joins the step's history line."""
    desk_detail: dict[str, Any] = {}
    for _receiver, said in case_stepping.send(
        sender=Case,
        case=case,
        transition=outcome.transition.name,
        values=dict(outcome.values),
        reason=reason,
        actor=actor,
    ):
        if isinstance(said, dict):
            desk_detail.update(said)
    return desk_detail


def pending_of(case: Case) -> dict[str, Any]:
    """The step waiting for a second person; Refused when none waits."""
    pending: dict[str, Any] | None = case.pending
    if not pending:
        raise Refused("nothing_pending")
    return pending


def _lowering(outcome: Outcome) -> dict[str, Any]:
    """What a step lowers that a second person must confirm: {"lowered": {field: {"from": its floor, "to":
    the value given}}, "confirm_role": the role that confirms} for the fields it gives below their floor whose
    lowering waits (`definitions.lowering_confirmers`, e.g. the urgency: a team lead); {} when none."""
    confirmers = lowering_confirmers()
    lowered = {
        name: {"from": floor, "to": outcome.values[name]}
        for name, floor in outcome.lowered.items()
        if name in confirmers
    }
    if not lowered:
        return {}
    return {"lowered": lowered, "confirm_role": confirmers[next(iter(lowered))]}


def _closes_over_lowering(case: Case, transition: str) -> bool:
    """While a lowering waits for a second person, a step that ends the case (without a second person of
    its own) may still be taken: the lowering then no longer counts, as a lowered screening level does."""
    pending = case.pending or {}
    definition = definition_of(case.process_version)
    step = definition.transition(transition)
    return bool(
        pending.get("lowered")
        and step is not None
        and not step.requires.second_person
        and step.to in definition.states
        and definition.states[step.to].final
    )


def case_take(
    case: Case,
    transition: str,
    *,
    actor: User,
    expected_version: int | None,
    values: Mapping[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    """Take a transition. One that needs a second person is proposed and waits (`case.pending`) until
    another user confirms it; so does one that gives a ranked field a lower choice than its floor where the
    field's lowering is confirmed by a role (`definitions.lowering_confirmers`: a lowered urgency waits for a
    team lead), the case keeping its higher value meanwhile. A step that ends the case may be taken while
    such a lowering waits: the lowering then lapses. Raises Refused or ConcurrentEdit; nothing is stored
    then."""
    return _take(
        case,
        transition,
        actor=actor,
        expected_version=expected_version,
        values=values,
        reason=reason,
        at=at,
        beside_waiting=False,
    )


def _take(
    case: Case,
    transition: str,
    *,
    actor: User,
    expected_version: int | None,
    values: Mapping[str, Any] | None,
    reason: str,
    at: datetime | None,
    beside_waiting: bool,
) -> Case:
    """`case_take`; with `beside_waiting`, a step that needs no second person is taken while a proposal
    waits, which keeps waiting (the caller checked it may still be taken from where this step leads)."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        lapsing: dict[str, Any] = {}
        waiting = bool(current.pending) and beside_waiting
        if current.pending and not waiting:
            if not _closes_over_lowering(current, transition):
                raise Refused("pending", current.pending.get("transition", ""))
            lapsing = current.pending
        step = definition_of(current.process_version).transition(transition)
        # A step that needs a second person is checked as if confirmed: the proposal waits for one.
        outcome = step_outcome(current, transition, actor=actor, at=at, values=values, reason=reason)
        desk_detail = desk_rules(current, outcome, reason=reason, actor=actor)
        lowering = _lowering(outcome)
        if waiting and ((step and step.requires.second_person) or lowering):
            # One proposal waits at a time.
            raise Refused("pending", str((current.pending or {}).get("transition", "")))
        if lowering and not anyone_else_with_role(
            current.organisation_id, lowering["confirm_role"], besides=actor
        ):
            # It would wait for good: refused before anything is stored, the case keeps the higher value.
            raise Refused("no_confirmer", lowering["confirm_role"])
        owned = _owner_by_step(current, actor, transition=transition, at=at)
        if (step and step.requires.second_person) or lowering:
            current.pending = {
                "transition": transition,
                "by": actor.pk,
                "by_name": actor.get_username(),
                "values": outcome.values,
                "reason": reason,
                "at": at.isoformat(),
                **lowering,
            }
            fields_save(current, ["pending"])
            event_append(
                current,
                kind=EventKind.PROPOSED,
                actor=actor,
                at=at,
                transition=transition,
                from_state=current.state,
                to_state=outcome.target,
                reason=reason,
                detail={"values": outcome.values, **lowering, **desk_detail},
            )
            alert_second_person_wanted(
                current,
                step=pending_label(current, current.pending),
                proposer=actor,
                role=str(lowering.get("confirm_role") or Role.TEAM_LEAD),
                at=at,
            )
            if owned:
                # The proposal changed the case's owner: the desks keep it in step as after a step taken
                # (a ZSM file's prosecutor follows the owner, a queue's counters count it theirs).
                case_changed.send(sender=Case, case=current)
        else:
            label = pending_label(current, lapsing) if lapsing else ""
            step_apply(
                current,
                outcome,
                actor=actor,
                at=at,
                reason=reason,
                detail={
                    **desk_detail,
                    **({"lapsed": label} if label else {}),
                    **({"beside_waiting": pending_label(current, current.pending or {})} if waiting else {}),
                },
                keep_waiting=waiting,
            )
            if label:
                alert_second_person_settled(current, step=label, by=None, at=at)
    return current


# The reason on the line that makes whoever takes the first step on a case nobody owns its owner (stored in
# the installation's language, shown in the reader's: apps.py registers it).
OWNED_BY_STEP = gettext_noop("became the owner by taking a step on a case that nobody owned")


def _owner_by_step(case: Case, actor: User, *, transition: str, at: datetime) -> bool:
    """Every case gets one owner: a step taken (or proposed) on a case nobody owns, by a user who may own
    it (of its organisation, in a role that works its process: what `case_assign` asks), makes them its
    owner, with a line of its own before the step's, and the alerts meant for its owner follow them
    (`alerts_follow_owner`). A case someone owns keeps its owner: a colleague's is handed over, not taken.
    True when it did."""
    if case.owner_id is not None or not actor.is_active or actor.organisation_id != case.organisation_id:
        return False
    if not set(actor.role_codes) & definition_of(case.process_version).working_roles():
        return False
    case.owner = actor
    fields_save(case, ["owner"])
    alerts_follow_owner(case, actor)
    event_append(
        case,
        kind=EventKind.OWNER,
        actor=actor,
        at=at,
        reason=in_installation_language(OWNED_BY_STEP),
        detail={"from": "", "to": actor.get_username(), "by_step": transition},
    )
    return True


def case_take_where_available(
    case: Case,
    transition: str,
    *,
    actor: User,
    expected_version: int | None,
    reason: str = "",
    at: datetime | None = None,
) -> Case | None:
    """Take `transition`, without values, when the case's state (read under the case's lock) is one the step
    leaves from: for a desk whose own record implies the step (e.g. recording a screening starts it). None,
    nothing stored, when the case is elsewhere or its process has no such step. Where the step is there it
    is taken as `case_take` takes it, its history line and deadline included, and refused as it refuses
    (Refused, ConcurrentEdit; nothing stored); a step that would wait for a second person is refused
    (`second_person`): the desk's record cannot wait for one. A proposal waiting for a second person does
    not stop it where the proposal may still be taken from the state the step leads to (e.g. a close
    without action proposed on a new case, which may be taken from "In screening" too): the step is taken
    beside it and the proposal keeps waiting, to be confirmed or declined on the case as it is then (its
    history line names the proposal, `beside_waiting`); otherwise it is refused `pending`. In the caller's
    transaction (a savepoint)."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        step = definition_of(current.process_version).transition(transition)
        if step is None or current.state not in step.sources:
            return None
        if step.requires.second_person:
            raise Refused("second_person")
        waiting = _waiting_after(current, step.to)
        return _take(
            current,
            transition,
            actor=actor,
            expected_version=current.lock_version,
            values=None,
            reason=reason,
            at=at,
            beside_waiting=waiting,
        )


def _waiting_after(case: Case, state: str) -> bool:
    """True when a proposal waits on `case` that may still be taken from `state` (its transition leaves
    from there); False when none waits, or when it could not be (a step to `state` is refused `pending`)."""
    pending = case.pending or {}
    if not pending:
        return False
    waiting = definition_of(case.process_version).transition(str(pending.get("transition", "")))
    return waiting is not None and state in waiting.sources


def pending_label(case: Case, pending: Mapping[str, Any]) -> str:
    """The waiting step's label, as its alerts name it (the transition's name when the version lacks it);
    a lowering names what it lowers, from what to what, by the definition's labels (e.g. "Screening
    afronden: Urgentie Acuut → Normaal")."""
    definition = definition_of(case.process_version)
    step = definition.transition(pending["transition"])
    label = step.label if step else str(pending["transition"])
    rows = lowered_rows(definition, pending, stored=True)  # stored in the alerts: the file's words
    if not rows:
        return label
    changes = "; ".join(f"{row['field']} {row['from']} → {row['to']}" for row in rows)
    return f"{label}: {changes}"
