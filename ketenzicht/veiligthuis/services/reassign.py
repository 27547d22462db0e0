"""A team lead hands notifications of the inbox over to one colleague in one go, as the police queue's team
lead does (screening.desk.screening_reassign): the kernel's assignment per notification (its history line,
the handover's reason, the new owner's alert, and its refusals: a colleague recorded absent, one who may not
assess), all or nothing in one transaction; every notification the kernel refuses is named."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from ketenzicht.organisations.models import User
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_assign

from ..selectors import inbox_for_user, may_hand_over_in_bulk


class HandOverRefused(Exception):
    """The kernel refused the hand-over of some chosen notifications; nothing was handed over.
    `refusals`: (the notification's reference, the kernel's refusal), in the order chosen."""

    def __init__(self, refusals: Sequence[tuple[str, Refused]]) -> None:
        super().__init__(", ".join(reference for reference, _refusal in refusals))
        self.refusals = list(refusals)


def notifications_hand_over(case_ids: Sequence[int], *, person: User, actor: User, reason: str) -> list[Case]:
    """Make `person` the owner of the chosen open notifications of the team lead's inbox (their case ids),
    with one reason for all. A notification not in the inbox is refused as a missing one (`unknown`);
    when the kernel refuses one or more, each is named (HandOverRefused) and none is handed over."""
    if not may_hand_over_in_bulk(actor):
        raise Refused("role")
    if not reason.strip():
        raise Refused("reason")
    wanted = sorted(set(case_ids))
    found = {n.case_id: n.case for n in inbox_for_user(user=actor).filter(case_id__in=wanted)}
    if not wanted or len(found) != len(wanted):
        raise Refused("unknown")
    refused: list[tuple[str, Refused]] = []
    with transaction.atomic():
        done = []
        for pk in wanted:
            try:  # each in its own savepoint (the kernel's), to name every refusal at once
                done.append(
                    case_assign(
                        found[pk], "owner", person=person, actor=actor, expected_version=None, reason=reason
                    )
                )
            except Refused as refusal:
                refused.append((found[pk].reference, refusal))
        if refused:
            raise HandOverRefused(refused)  # leaves the transaction: what was handed over is undone
    return done
