"""A colleague's absence recorded by a team lead of their police unit or Veilig Thuis organisation, or by
themselves: the organisations' record (`member_absence_set`) and its access log entry, in one transaction.
While it lasts the kernel refuses hand-overs to them, marks their cases in the queues, and tells the team
leads of the alerts meant for them (`alerts.alert_raise`). Decision 0019."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from ketenzicht.audit.access import refuse
from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import MemberAbsence, User
from ketenzicht.organisations.selectors import absence_members_for
from ketenzicht.organisations.services import member_absence_set


def absence_member_get(*, actor: User, pk: int | str, origin: str = "") -> User:
    """The colleague whose absence `actor` may record (a team lead: an active member of their own
    organisation; anyone else: themselves). Anyone else, or nobody by that id, is refused alike: 404,
    logged once."""
    for member in absence_members_for(actor):
        if str(member.pk) == str(pk):
            return member
    raise refuse(actor=actor, object_type="user", object_id=pk, origin=origin, action="absence")


def member_absence_record(
    *,
    actor: User,
    member: User,
    absent_from: date | None,
    absent_until: date | None,
    origin: str = "",
) -> MemberAbsence | None:
    """Record (`absent_from` None: clear) `member`'s absence, as `actor` (who found them through
    `absence_member_get`), with its access log entry in the same transaction. Raises ValueError ("field:
    message") for dates out of their window, storing nothing."""
    with transaction.atomic():
        absence = member_absence_set(member, absent_from=absent_from, absent_until=absent_until, by=actor)
        access_log_record(
            actor=actor,
            action="absence",
            object_type="user",
            object_id=member.pk,
            result="stored",
            origin=origin,
            detail={
                "user": member.username,
                "from": str(absence.absent_from) if absence else "",
                "until": str(absence.absent_until or "") if absence else "",
            },
        )
    return absence
