"""Changing cases (roll-outs: rollouts.py). Every change of a case is one transaction that appends to its
history and raises its lock version; a change against an older lock version is refused (ConcurrentEdit),
a note only when more than notes changed since.

The services are split by meaning: `store` (a history line, the fields, the lock version), `opening`,
`registrations` (adding registrations to a case), `steps` (taking a step of the work process),
`confirming` (a second person), `reopening` (and withdrawing), `assigning` (owner and contact person, users
who leave), `recording` (notes, recorded values, a case taken over) and `deadlines` (escalation). This module
names what the rest of the application uses."""

from .assigning import (
    ASSIGNMENTS,
    LEFT_REASON,
    BulkAssignRefused,
    Released,
    case_assign,
    case_assign_contact,
    case_assign_owner,
    cases_assign_owner,
    cases_release_of,
    on_user_deactivated,
)
from .confirming import LOWERING_LAPSED, case_confirm, case_decline, case_lowering_lapse
from .deadlines import ESCALATED_AGAIN_MESSAGE, ESCALATED_MESSAGE, deadlines_check
from .opening import CaseToOpen, case_open, cases_open, opening_deadline
from .recording import ENTERED_BY, HANDOFF_JOINED, TAKEN_OVER, case_close_taken_over, case_note, case_record
from .registrations import case_add_registrations, case_add_registrations_by_user
from .reopening import case_reopen, case_withdraw
from .steps import ALERTS_SETTLED, OWNED_BY_STEP, case_take, case_take_where_available
from .store import ConcurrentEdit, version_label

__all__ = [
    "ALERTS_SETTLED",
    "ASSIGNMENTS",
    "ENTERED_BY",
    "ESCALATED_AGAIN_MESSAGE",
    "ESCALATED_MESSAGE",
    "HANDOFF_JOINED",
    "LEFT_REASON",
    "LOWERING_LAPSED",
    "OWNED_BY_STEP",
    "TAKEN_OVER",
    "BulkAssignRefused",
    "CaseToOpen",
    "ConcurrentEdit",
    "Released",
    "case_add_registrations",
    "case_add_registrations_by_user",
    "case_assign",
    "case_assign_contact",
    "case_assign_owner",
    "case_close_taken_over",
    "case_confirm",
    "case_decline",
    "case_lowering_lapse",
    "case_note",
    "case_open",
    "case_record",
    "case_reopen",
    "case_take",
    "case_take_where_available",
    "case_withdraw",
    "cases_assign_owner",
    "cases_open",
    "cases_release_of",
    "deadlines_check",
    "on_user_deactivated",
    "opening_deadline",
    "version_label",
]
