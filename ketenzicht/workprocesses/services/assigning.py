"""Who works a case: its owner and the victim's contact person, handed over or let go when a user
leaves."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.organisations.selectors import absences_on
from ketenzicht.ui.formats import in_installation_language

from ..alerts import (
    alert_handed_over,
    alert_owner_left,
    alerts_follow_owner,
)
from ..definitions import definition_of
from ..engine.machine import Refused
from ..models import Case, EventKind
from ..panels import stand_in_for
from ..selectors import (
    may_hand_over,
)
from ..signals import case_changed
from .store import case_locked, event_append, fields_save

ASSIGNMENTS = {"owner": EventKind.OWNER, "victim_contact": EventKind.CONTACT}


def case_assign(
    case: Case,
    field: str,
    *,
    person: User,
    actor: User | None,
    expected_version: int | None,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    """Make `person` the case's owner or the victim's contact (`field`); a handover needs a reason. Actor
    None: the system assigns (a desk's routing, e.g. a ZSM file to the district office's prosecutor); `at`:
    the moment its history names (default now; a check run for a given moment passes that)."""
    kind = ASSIGNMENTS[field]
    at = at or timezone.now()
    with transaction.atomic():
        current = case_locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        if person.organisation_id != current.organisation_id or not (
            set(person.role_codes) & definition_of(current.process_version).working_roles()
        ):
            raise Refused("person")
        previous: User | None = getattr(current, field)
        # Someone who left (deactivated) hands nothing over: the case is the unit's to take, as with nobody.
        if previous is not None and previous.pk != person.pk and previous.is_active:
            # A colleague's case is handed over by that colleague, a team lead or the lead of the desk's
            # queue (a ZSM file's coordinator), never taken; the victim's contact person also by the
            # case's owner (`selectors.may_hand_over`, which the case page asks before offering the form).
            if actor is not None and not may_hand_over(current, field, actor):
                raise Refused("handover")
            if not reason.strip():
                raise Refused("reason")  # a handover says why
        # Nobody hands a case to a colleague recorded absent now (a post's absence, as the ZSM table
        # records it): it would wait for them. Taking it oneself, or keeping who holds it, stays possible.
        if actor is not None and person.pk != actor.pk and (previous is None or previous.pk != person.pk):
            absence = absences_on([person], on=timezone.localdate(at)).get(person.pk)
            if absence is not None:
                raise Refused(
                    "absent",
                    person.display_name,
                    **absence.params(),
                )
        setattr(current, field, person)
        fields_save(current, [field])
        if field == "owner":
            alerts_follow_owner(current, person)
        event = event_append(
            current,
            kind=kind,
            actor=actor,
            at=at,
            reason=reason,
            detail={
                "from": previous.get_username() if previous else "",
                "to": person.get_username(),
            },
        )
        if actor is not None and actor.pk != person.pk:
            alert_handed_over(current, to=person, by=actor, what=event.kind, reason=reason.strip(), at=at)
        case_changed.send(sender=Case, case=current)  # a desk that names the owner (a ZSM file) follows
    return current


class BulkAssignRefused(Exception):
    """Some of the cases chosen for a bulk assignment were refused; nothing was assigned. `refusals`: (the
    case's reference, the kernel's refusal), in the order the cases were given."""

    def __init__(self, refusals: Sequence[tuple[str, Refused]]) -> None:
        super().__init__(", ".join(reference for reference, _refusal in refusals))
        self.refusals = list(refusals)


def cases_assign_owner(
    cases: Sequence[Case], *, person: User, actor: User, reason: str, at: datetime | None = None
) -> list[Case]:
    """Make `person` the owner of every one of `cases` (a desk's bulk hand-over: the police queue's, Veilig
    Thuis's inbox), with one reason for all, in one transaction: all or nothing. Each case is assigned as
    `case_assign` assigns it (its history line with the reason, the new owner's alert, its refusals: a
    colleague recorded absent, one who may not work the process, a closed case); every case it refuses is
    named with why (BulkAssignRefused, each in its own savepoint so that all are found at once), and then
    none is assigned. Refused("reason") without a reason, Refused("unknown") without cases. The desk chooses
    which cases its user may pick (need-to-know) and who may hand over in bulk."""
    if not reason.strip():
        raise Refused("reason")
    if not cases:
        raise Refused("unknown")
    at = at or timezone.now()
    refused: list[tuple[str, Refused]] = []
    done: list[Case] = []
    with transaction.atomic():
        for case in cases:
            try:
                done.append(
                    case_assign(
                        case, "owner", person=person, actor=actor, expected_version=None, reason=reason, at=at
                    )
                )
            except Refused as refusal:
                refused.append((case.reference, refusal))
        if refused:
            raise BulkAssignRefused(refused)  # leaves the transaction: what was assigned is undone
    return done


def case_assign_owner(
    case: Case,
    *,
    owner: User,
    actor: User | None,
    expected_version: int | None,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    return case_assign(
        case, "owner", person=owner, actor=actor, expected_version=expected_version, reason=reason, at=at
    )


def case_assign_contact(
    case: Case, *, contact: User, actor: User, expected_version: int | None, reason: str = ""
) -> Case:
    return case_assign(
        case, "victim_contact", person=contact, actor=actor, expected_version=expected_version, reason=reason
    )


# The reason a history line gives when a user left without one given (the system deactivated them).
LEFT_REASON = gettext_noop("%(who)s no longer works here (deactivated).")


def _left_text(user: User) -> str:
    return in_installation_language(LEFT_REASON, who=user.display_name)


def _let_go(
    case: Case, field: str, kind: str, user: User, *, actor: User | None, at: datetime, why: str
) -> None:
    """`field` (the owner or the victim's contact person) of `case` emptied because `user` left, with its
    history line."""
    setattr(case, field, None)
    fields_save(case, [field])
    event_append(
        case,
        kind=kind,
        actor=actor,
        at=at,
        reason=why,
        detail={"from": user.get_username(), "to": "", "left": True},
    )


@dataclass(frozen=True)
class Released:
    """What a user's deactivation did to the open cases they held: those back in their unit's queue (no
    owner), those a desk's stand-in took over, and those whose victim no longer has a contact person.
    References in order."""

    queued: list[str]
    handed: list[str]
    contactless: list[str]


def cases_release_of(user: User, *, actor: User | None, reason: str, at: datetime | None = None) -> Released:
    """The open cases `user` (who is leaving: deactivated) owns or is the victim's contact person of are given
    back: a case whose desk names a stand-in (`panels.stand_in_for`: a ZSM file's prosecutor on duty) goes to
    them; any other is back in its unit's queue without an owner; the victim's contact person is cleared.
    Each change is a line of the case's history (by `actor`, with `reason`, naming who left), and the
    organisation's team leads (without any: the queue's role) get one alert naming the cases. In the
    caller's transaction (`user_set_active`'s, through `user_deactivated`)."""
    at = at or timezone.now()
    reason = reason.strip()
    why = reason or _left_text(user)
    queued: list[Case] = []
    handed: list[str] = []
    contactless: list[Case] = []
    with transaction.atomic():
        held = (
            Case.objects.filter(closed_at__isnull=True)
            .filter(models.Q(owner=user) | models.Q(victim_contact=user))
            .order_by("reference")
            .values_list("pk", flat=True)
        )
        for pk in list(held):
            current = case_locked(Case(pk=pk), None)
            if current.owner_id == user.pk:
                stand_in = stand_in_for(current, user)
                taken = None
                if stand_in is not None and stand_in.pk != user.pk:
                    with contextlib.suppress(Refused):  # the stand-in cannot work it: back to the queue
                        taken = case_assign(
                            current,
                            "owner",
                            person=stand_in,
                            actor=None,
                            expected_version=None,
                            reason=why,
                            at=at,
                        )
                if taken is not None:
                    current = taken
                    handed.append(current.reference)
                    if actor is not None:
                        alert_handed_over(
                            current,
                            to=stand_in,
                            by=actor,
                            what=EventKind.OWNER,
                            reason=why,
                            at=at,
                        )
                else:
                    _let_go(current, "owner", EventKind.OWNER, user, actor=actor, at=at, why=why)
                    case_changed.send(sender=Case, case=current)
                    queued.append(current)
            if current.victim_contact_id == user.pk:
                _let_go(current, "victim_contact", EventKind.CONTACT, user, actor=actor, at=at, why=why)
                contactless.append(current)
        if queued or contactless:
            alert_owner_left(user, queued=queued, contactless=contactless, reason=reason, by=actor, at=at)
    return Released(
        queued=[c.reference for c in queued], handed=handed, contactless=[c.reference for c in contactless]
    )


def on_user_deactivated(
    sender: Any, user: User, actor: User | None = None, reason: str = "", **kwargs: Any
) -> None:
    """A user deactivated: their open cases are given back (`cases_release_of`), in that transaction."""
    cases_release_of(user, actor=actor, reason=reason)
