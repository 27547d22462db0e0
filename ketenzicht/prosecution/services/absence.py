"""An absent prosecutor's open files: handed to whoever stands in, when the absence is recorded and
each day after."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketenzicht.organisations.models import Organisation, Post, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import prosecutor_on_duty
from ketenzicht.organisations.services import post_absence_set
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import alert_raise
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case, CaseEvent, EventKind
from ketenzicht.workprocesses.services import (
    case_assign_owner,
    case_record,
)

from ..models import ZsmFile
from .names import HANDED_TO_STAND_IN, OWNER_ABSENT_MESSAGE, STAND_IN_MESSAGE, UNATTENDED_LINE


def _absent_since(office_id: int, user_id: int, on: date) -> date | None:
    """The start of the absence recorded on a post the user holds at the office that covers `on`; None when
    none does (an absence is the person's, on whichever of their posts it was recorded)."""
    starts = [
        post.absent_from
        for post in Post.objects.filter(organisation_id=office_id, user_id=user_id)
        if post.absent_on(on) and post.absent_from is not None
    ]
    return min(starts) if starts else None


def _hand_over_from_absent(file_id: int, *, on: date, at: datetime) -> bool:
    """Hand one open file whose prosecutor is absent on `on` to whoever the office's posts say stands in (it
    stays there when the prosecutor returns), and alert them. With nobody present the file stays, and the
    office's prosecutors are alerted once per absence (its history says so once). True when handed."""
    with transaction.atomic():
        # The file's row locked first: two checks at once hand it over once.
        file = (
            ZsmFile.objects.select_for_update(of=("self",))
            .select_related("case", "case__owner", "district_office")
            .filter(pk=file_id, open=True)
            .first()
        )
        if file is None or file.case.closed_at is not None or file.case.owner is None:
            return False
        owner, office = file.case.owner, file.district_office
        since = _absent_since(office.pk, owner.pk, on)
        if since is None:
            return False
        duty = prosecutor_on_duty(office, on=on, prosecutor=owner)
        params = {"case": file.case.reference, "absent": owner.display_name}
        if duty.user is not None and duty.user.pk != owner.pk:
            try:
                case_assign_owner(
                    file.case,
                    owner=duty.user,
                    actor=None,
                    expected_version=None,
                    reason=in_installation_language(HANDED_TO_STAND_IN, absent=owner.display_name),
                    at=at,
                )
            except Refused:
                pass  # the stand-in cannot work the file (no prosecutor there): as if nobody were present
            else:  # the file's prosecutor follows the owner (feedback.sync_file, on case_changed)
                alert_raise(
                    kind="zsm_stand_in",
                    message=STAND_IN_MESSAGE,
                    organisation=office,
                    case=file.case,
                    recipient=duty.user,
                    params=params,
                    at=at,
                )
                return True
        # Nobody present to take it over: said once per absence, not at every check.
        told = {"absent": owner.get_username(), "absent_from": since.isoformat()}
        if CaseEvent.objects.filter(
            case_id=file.pk,
            kind=EventKind.RECORDED,
            detail__what=UNATTENDED_LINE,
            detail__absent=told["absent"],
            detail__absent_from=told["absent_from"],
        ).exists():
            return False
        case_record(
            file.case,
            values={},
            actor=None,
            expected_version=None,
            note=owner.display_name,
            detail=told,
            at=at,
            what=UNATTENDED_LINE,
        )
        alert_raise(
            kind="zsm_unrouted",
            message=OWNER_ABSENT_MESSAGE,
            organisation=office,
            case=file.case,
            role=Role.PROSECUTOR,
            params=params,
            at=at,
        )
    return False


def absent_owners_check(
    *,
    now: datetime | None = None,
    on: date | None = None,
    office: Organisation | int | None = None,
    user: User | int | None = None,
) -> list[ZsmFile]:
    """Hand every open ZSM file whose prosecutor an absence covers on `on` (default: the day of `now`) to
    whoever stands in (see `_hand_over_from_absent`); the files handed. `office`/`user`: only theirs (an
    absence just recorded). Safe to repeat: a file handed is no longer the absent one's, and the alert to
    the office's prosecutors is raised once per absence. Run by `manage.py zsm_requests_check`."""
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    posts = Post.objects.filter(
        Q(absent_until__isnull=True) | Q(absent_until__gte=on), absent_from__lte=on, user__is_active=True
    )
    if office is not None:
        posts = posts.filter(organisation_id=office if isinstance(office, int) else office.pk)
    if user is not None:
        posts = posts.filter(user_id=user if isinstance(user, int) else user.pk)
    pairs = set(posts.values_list("organisation_id", "user_id"))
    if not pairs:
        return []
    theirs = Q()
    for office_id, user_id in pairs:
        theirs |= Q(district_office_id=office_id, case__owner_id=user_id)
    found = list(
        ZsmFile.objects.filter(theirs, open=True, case__closed_at__isnull=True)
        .order_by("case_id")
        .values_list("pk", flat=True)
    )
    handed = [pk for pk in found if _hand_over_from_absent(pk, on=on, at=now)]
    return list(ZsmFile.objects.filter(pk__in=handed).select_related("case").order_by("case_id"))


@dataclasses.dataclass(frozen=True)
class AbsenceOutcome:
    """What recording an absence did to the post holder's open files at the office: those handed, per
    stand-in (whether they stand in as the substitute), and those left with them because nobody was
    present to take them over (the office's prosecutors were alerted). References in order."""

    handed: list[tuple[User, bool, list[str]]] = dataclasses.field(default_factory=list)
    unattended: list[str] = dataclasses.field(default_factory=list)


def absence_record(post: Post, *, absent_from: date | None, absent_until: date | None) -> AbsenceOutcome:
    """Record (or clear) an absence on a post of the office (organisations' `post_absence_set`, whose
    `absence_changed` hands the files over here, in its transaction: on_absence_changed) and say what became
    of the holder's open files. The files are handed once, by the receiver; this only compares the owners
    before and after, in the same transaction. Raises ValueError as post_absence_set does."""
    with transaction.atomic():
        theirs = list(
            ZsmFile.objects.filter(
                district_office_id=post.organisation_id,
                case__owner_id=post.user_id,
                open=True,
                case__closed_at__isnull=True,
            )
            .order_by("case_id")
            .values_list("pk", flat=True)
        )
        post_absence_set(post, absent_from=absent_from, absent_until=absent_until)
        outcome = AbsenceOutcome()
        if not theirs or not post.absent_on(timezone.localdate()):
            return outcome
        handed: dict[int, tuple[User, bool, list[str]]] = {}
        for file in (
            ZsmFile.objects.filter(pk__in=theirs).select_related("case", "case__owner").order_by("case_id")
        ):
            owner = file.case.owner
            if owner is None or owner.pk == post.user_id:
                outcome.unattended.append(file.case.reference)
            else:
                handed.setdefault(owner.pk, (owner, file.substitute, []))[2].append(file.case.reference)
        outcome.handed.extend(handed.values())
    return outcome


def on_absence_changed(sender: Any, post: Post, **kwargs: Any) -> None:
    """An absence recorded that covers today: the prosecutor's open files go to whoever stands in, in the
    transaction that records it. One that starts later waits for the check on its first day."""
    if post.absent_on(timezone.localdate()):
        absent_owners_check(office=post.organisation_id, user=post.user_id)


def stand_in_for_leaving(case: Case, leaving: User) -> User | None:
    """Who takes over the open ZSM file `case` when its prosecutor `leaving` is deactivated or moved to
    another office: whoever the office's posts say stands in today, as for an absent prosecutor (None:
    nobody present; the file goes back to the office's queue without a prosecutor). The one leaving is
    not asked for (a moved prosecutor is still active, but no longer there)."""
    file = ZsmFile.objects.filter(pk=case.pk, open=True).first()
    if file is None:
        return None
    duty = prosecutor_on_duty(file.district_office_id, on=timezone.localdate())
    return duty.user if duty.user is not None and duty.user.pk != leaving.pk else None
