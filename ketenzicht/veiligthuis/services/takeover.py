"""Taking over a notification that waited past its term and the grace after it without a safety
assessment: when that is, and closing the old one in favour of the new, saying so on both sides."""

from __future__ import annotations

import contextlib
from datetime import datetime

from ketenzicht.organisations.roles import Role
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import alert_raise, alerts_settle_reason_gone
from ketenzicht.workprocesses.engine.deadlines import grace_end
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import note_words
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import (
    ALERTS_SETTLED,
    case_assign_owner,
    case_close_taken_over,
    case_record,
)

from ..models import Notification
from ..rules import ChainRules, chain_rules
from .names import (
    HANDOFF_TAKES_OVER_KIND,
    NO_FEEDBACK_KIND,
    POLICE_TAKEN_OVER_LINE,
    POLICE_TAKEN_OVER_NOTE,
    TAKEN_OVER_BY_REGISTRATION_NOTE,
    TAKEN_OVER_NOTE,
    TAKES_OVER_BY_REGISTRATION_MESSAGE,
    TAKES_OVER_MESSAGE,
)


def takeover_from(deadline: datetime, rules: ChainRules | None = None) -> datetime:
    """From when a notification still waiting for its assessment, whose term passes at `deadline`, is
    taken over by a new hand-off of its registration: the end of the chain rules' grace after the term
    (`protocol.takeover_grace_working_days` working days after the day it passed; Dutch public holidays
    and weekends do not count)."""
    rules = rules or chain_rules()
    return grace_end(deadline, rules.protocol.takeover_grace_working_days)


def being_worked(notification: Notification, *, at: datetime, rules: ChainRules | None = None) -> bool:
    """Whether an open notification is still being worked, so that a new hand-off of its registration
    joins it: its safety assessment was made (it left "received"), or it still waits for it within its
    term or the grace after it (`takeover_from`). One that waited past both without an assessment is taken
    over by a new notification instead, so that the hand-off is not hidden behind a long overdue line of the
    inbox."""
    case = notification.case
    if case.closed_at is not None:
        return False
    if case.state != "received" or case.deadline_at is None:
        return True
    return takeover_from(case.deadline_at, rules) > at


def take_over(old: Notification, *, by: Notification, police_case: Case | None, at: datetime) -> None:
    """`old` waited past its term without an assessment: it closes, taken over by `by` (its owner, still
    with the organisation, owns `by`); the police case's alert that no feedback came on it is settled, and
    its history says why. Marked taken over before its case closes, so that the desk's row in step with the
    case (`sync_notification`) does not count the close as its assessment. `police_case`: the one whose
    hand-off took it over (None: a new registration of its pair, routed)."""
    Notification.objects.filter(pk=old.pk).update(taken_over_by=by)
    old.taken_over_by = by
    case_close_taken_over(
        old.case,
        by=by.case,
        actor=None,
        note=in_installation_language(
            TAKEN_OVER_NOTE, police_case=police_case.reference, notification=by.case.reference
        )
        if police_case is not None
        else in_installation_language(TAKEN_OVER_BY_REGISTRATION_NOTE, notification=by.case.reference),
        at=at,
    )
    owner = old.case.owner
    if owner is not None and owner.is_active:
        with contextlib.suppress(Refused):
            case_assign_owner(by.case, owner=owner, actor=None, expected_version=None, at=at)
    else:
        owner = None
    alert_raise(
        kind=HANDOFF_TAKES_OVER_KIND,
        message=TAKES_OVER_MESSAGE if police_case is not None else TAKES_OVER_BY_REGISTRATION_MESSAGE,
        organisation=by.organisation,
        case=by.case,
        recipient=owner,
        role=Role.VT_ASSESSOR,
        params={
            "notification": by.case.reference,
            "old": old.case.reference,
            **({"police_case": police_case.reference} if police_case is not None else {}),
        },
        at=at,
    )
    # The police case the old notification fed back to (the routing's may be another than this one).
    told = police_case
    if old.police_case_id and (police_case is None or old.police_case_id != police_case.pk):
        told = Case.objects.select_related("organisation").get(pk=old.police_case_id)
    if told is None:
        return
    settled = alerts_settle_reason_gone(
        told, kinds=[NO_FEEDBACK_KIND], params={"notification": old.case.reference}, at=at
    )
    note, kept = note_words(  # shown in the reader's language
        POLICE_TAKEN_OVER_NOTE,
        old=old.case.reference,
        organisation=old.organisation.name,
        notification=by.case.reference,
    )
    with contextlib.suppress(Refused):  # a police case closed meanwhile: the panel shows it
        case_record(
            told,
            values={},
            actor=None,
            expected_version=None,
            note=note,
            detail={
                **kept,
                "veilig_thuis": old.organisation.code,
                "notification": by.case.reference,
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
            at=at,
            what=POLICE_TAKEN_OVER_LINE,
        )
