"""A step that wants a second person: the proposal, its confirmation or decline, and a proposed lowering
that lapses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User

from ..alerts import (
    alert_second_person_answered,
    alert_second_person_settled,
)
from ..definitions import definition_of
from ..engine.machine import Refused
from ..models import Case, EventKind
from .steps import desk_rules, pending_label, pending_of, step_apply, step_outcome
from .store import case_locked, event_append, fields_save


def _proposer(pending: Mapping[str, Any]) -> User | None:
    by = pending.get("by")
    return User.objects.filter(pk=by).first() if isinstance(by, int) else None


def _may_answer(case: Case, pending: Mapping[str, Any], actor: User) -> None:
    """Who may answer the waiting step: never its proposer; a lowering only a user of the role that confirms
    it (`confirm_role`) in the case's organisation. Refused ("same_person", "confirm_role") otherwise."""
    if pending.get("by") == actor.pk:
        raise Refused("same_person")
    role = str(pending.get("confirm_role") or "")
    if role and not (actor.organisation_id == case.organisation_id and actor.has_role(role)):
        raise Refused("confirm_role", role)


def case_confirm(
    case: Case, *, actor: User, expected_version: int | None, at: datetime | None = None
) -> Case:
    """A second person confirms the proposed transition: then it is taken (both names in the history), unless
    a desk's rule refuses it now (`signals.case_stepping`, asked again on the case as it is now). A
    lowering (`confirm_role` in the proposal) is confirmed only by a user of that role in the case's
    organisation, who need not hold a role of the step itself."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        pending = pending_of(current)
        _may_answer(current, pending, actor)
        lowering = bool(pending.get("confirm_role"))
        outcome = step_outcome(
            current,
            pending["transition"],
            actor=actor,
            at=at,
            values=pending["values"],
            reason=pending["reason"],
            roles=_step_roles(current, pending) if lowering else None,
        )
        # The desks' rules as when the step was proposed, on the case as it is now (e.g. it became acute
        # meanwhile, and an acute case is not closed without action before its risk screening).
        desk_detail = desk_rules(current, outcome, reason=pending["reason"], actor=actor)
        step_apply(
            current,
            outcome,
            actor=actor,
            at=at,
            reason=pending["reason"],
            detail={
                **desk_detail,
                "proposed_by": pending["by_name"],
                "confirmed_by": actor.get_username(),
                **({"lowered": pending["lowered"]} if lowering else {}),
            },
        )
        alert_second_person_answered(
            current,
            step=pending_label(current, pending),
            actor=actor,
            proposer=_proposer(pending),
            declined_reason=None,
            at=at,
        )
    return current


def _step_roles(case: Case, pending: Mapping[str, Any]) -> tuple[str, ...]:
    """The roles that may take the waiting step (a lowering's confirmer answers for its own role)."""
    step = definition_of(case.process_version).transition(pending["transition"])
    return tuple(step.roles) if step else ()


def case_decline(
    case: Case, *, actor: User, expected_version: int | None, reason: str, at: datetime | None = None
) -> Case:
    """A second person declines the proposed transition, saying why: the case is as it was, the proposer
    is told. Never the proposer, who withdraws it instead (a decline says someone else looked at it); a
    lowering is declined, as it is confirmed, only by a user of its `confirm_role` in the case's
    organisation."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        pending = pending_of(current)
        _may_answer(current, pending, actor)
        if not reason.strip():
            raise Refused("reason")
        current.pending = None
        fields_save(current, ["pending"])
        event_append(
            current,
            kind=EventKind.DECLINED,
            actor=actor,
            at=at,
            transition=pending["transition"],
            reason=reason,
            detail={
                "proposed_by": pending["by_name"],
                **({"lowered": pending["lowered"]} if pending.get("lowered") else {}),
            },
        )
        alert_second_person_answered(
            current,
            step=pending_label(current, pending),
            actor=actor,
            proposer=_proposer(pending),
            declined_reason=reason.strip(),
            at=at,
        )
    return current


# The history line of a lowering that no longer waits because what it lowered from changed (a desk's
# `case_lowering_lapse`, e.g. a newer screening suggests another urgency).
LOWERING_LAPSED = gettext_noop("proposed lowering no longer counts")


def case_lowering_lapse(
    case: Case, *, actor: User | None, at: datetime | None = None, detail: Mapping[str, Any] | None = None
) -> bool:
    """A lowering waiting for a second person (a proposal with `lowered`) no longer counts: a desk changed
    what it lowered from (e.g. a newer screening, which suggests the urgency anew), so confirming it later
    would put a choice made against an older floor over the new one. The proposal is cleared, one history
    line says so (`detail` naming the desk's record), and the team leads' alert is settled. Nothing happens,
    False, when no lowering waits. In the caller's transaction (a savepoint of its own)."""
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, None)
        pending = current.pending or {}
        if not pending.get("lowered"):
            return False
        label = pending_label(current, pending)
        current.pending = None
        fields_save(current, ["pending"])
        event_append(
            current,
            kind=EventKind.RECORDED,
            actor=actor,
            at=at,
            transition=pending["transition"],
            detail={
                **(detail or {}),
                "what": LOWERING_LAPSED,
                "lapsed": label,
                "proposed_by": pending.get("by_name", ""),
                "lowered": pending["lowered"],
                "values": {},
            },
        )
        alert_second_person_settled(current, step=label, by=actor, at=at)
    return True
