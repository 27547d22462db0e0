"""Changes the screening desk makes besides a screening: taking a case from the queue, and a team lead
handing cases over in bulk. Both go through the kernel's assignment (history, handover reason, locking)."""

from __future__ import annotations

from collections.abc import Sequence

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_assign, cases_assign_owner

from .selectors import may_reassign_in_bulk, may_use_screening_desk, queue_for_user


def screening_take(case: Case, *, actor: User, expected_version: int | None) -> Case:
    """The screener takes a case nobody owns yet (or whose owner left: deactivated): they become its owner
    (casusregisseur)."""
    if not may_use_screening_desk(actor):
        raise Refused("role")
    if case.owner is not None and case.owner.is_active and case.owner_id != actor.pk:
        raise Refused("owned")
    return case_assign(case, "owner", person=actor, actor=actor, expected_version=expected_version)


def screening_reassign(case_ids: Sequence[int], *, person: User, actor: User, reason: str) -> list[Case]:
    """A team lead makes `person` the owner of the chosen open cases of the unit's queue, with one reason
    for all; all or nothing, through the kernel's bulk assignment (`cases_assign_owner`, as Veilig Thuis's
    inbox hands notifications over): every case it refuses is named (`BulkAssignRefused`) and none is
    handed over. Cases not in the lead's queue are refused (the same answer as a missing one)."""
    if not may_reassign_in_bulk(actor):
        raise Refused("role")
    if not reason.strip():
        raise Refused("reason")
    wanted = sorted(set(case_ids))
    found = {
        screening.case_id: screening.case
        for screening in queue_for_user(user=actor).filter(case_id__in=wanted)
    }
    if not wanted or len(found) != len(wanted):
        raise Refused("unknown")
    return cases_assign_owner([found[pk] for pk in wanted], person=person, actor=actor, reason=reason)
