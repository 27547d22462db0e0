"""A team lead hands notifications of the inbox over to one colleague in one go, as the police queue's team
lead does (screening.desk.screening_reassign): the kernel's bulk assignment (`cases_assign_owner`: per
notification its history line, the handover's reason, the new owner's alert, and its refusals: a colleague
recorded absent, one who may not assess), all or nothing in one transaction; every notification the kernel
refuses is named (`BulkAssignRefused`)."""

from __future__ import annotations

from collections.abc import Sequence

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import cases_assign_owner

from ..selectors import inbox_for_user, may_hand_over_in_bulk


def notifications_hand_over(case_ids: Sequence[int], *, person: User, actor: User, reason: str) -> list[Case]:
    """Make `person` the owner of the chosen open notifications of the team lead's inbox (their case ids),
    with one reason for all. A notification not in the inbox is refused as a missing one (`unknown`);
    when the kernel refuses one or more, each is named (`workprocesses.services.BulkAssignRefused`) and
    none is handed over."""
    if not may_hand_over_in_bulk(actor):
        raise Refused("role")
    if not reason.strip():
        raise Refused("reason")
    wanted = sorted(set(case_ids))
    found = {n.case_id: n.case for n in inbox_for_user(user=actor).filter(case_id__in=wanted)}
    if not wanted or len(found) != len(wanted):
        raise Refused("unknown")
    return cases_assign_owner([found[pk] for pk in wanted], person=person, actor=actor, reason=reason)
