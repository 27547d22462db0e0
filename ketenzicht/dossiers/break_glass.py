"""Break-the-glass: a person's whole dossier outside the sharing rules, for KETENZICHT_BREAK_GLASS_MINUTES,
with a reason the user states and confirms; every view during it is logged with `break_glass: true` and the
grant's id, and the privacy officer judges each access (proper / improper) on `/privacy/doorbraken/`.

The grant and its judgement are rows of `BreakGlassAccess`; their history (granted, judged, with the note)
is the append-only `BreakGlassEvent`. Each grant also opens a kernel case of the administration organisation
(process `break_glass_review`, in the grant's transaction), titled with the grant's number and the user,
never the person; the judgement is that case's transition, so it stands in the case history too. An
improper judgement alerts the team lead of the user's organisation and the user."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop

from ketenzicht.audit.access import listed, refuse
from ketenzicht.audit.models import AccessLogEntry, Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention
from ketenzicht.registrations.purposes import LinkedPurpose, OutsideRules
from ketenzicht.workprocesses.alerts import alert_raise
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import case_assign_owner, case_open, case_take

from .dossier import dossier_get_for_user
from .engine.query import mask_bsn, parse_query
from .labels import BREAK_GLASS_PURPOSE
from .models import BreakGlassAccess, BreakGlassDecision, BreakGlassEvent, BreakGlassKind
from .purpose import Purpose
from .search import PersonHit, person_hits_outside_rules, person_search_for_user
from .selectors import (
    PERSON_OBJECT,
    break_glass_active,
    may_break_glass,
    may_review_break_glass,
    person_resolve,
)
from .services import SEARCH_OBJECT

# The access log's purpose, shown translated.
SUPERVISION_PURPOSE = gettext_noop("supervision of look-ups")
BREAK_GLASS_OBJECT = "break_glass"
REGISTRATION_OBJECT = "registration"
REASON_MIN_LENGTH = 20
REASON_MIN_WORDS = 3  # words of two or more letters, not one letter repeated
NOTE_MIN_LENGTH = 10
LIST_LIMIT = 200
REVIEW_PROCESS = "break_glass_review"
REVIEW_TRANSITIONS = {
    BreakGlassDecision.PROPER: "judge_proper",
    BreakGlassDecision.IMPROPER: "judge_improper",
}


class AlreadyDecided(Exception):
    """The access was judged before: a judgement is made once, its history is kept."""


def break_glass_person_get_for_user(
    *, user: User, person_id: int, purpose: str, origin: str = "", search: int | None = None
) -> int:
    """The person (following merges) whose dossier `user` may open outside the sharing rules: a role of
    KETENZICHT_BREAK_GLASS_ROLES and a dossier that hides registrations from the user, or a person the
    user's own break-the-glass `search` showed while it holds (`search_found`). Raises NotVisible (logged
    once, as refused) for a missing person, another role, a person the user sees nothing of, and a dossier
    that hides nothing, alike."""
    if not may_break_glass(user):
        raise refuse(
            actor=user, object_type=PERSON_OBJECT, object_id=person_id, origin=origin, purpose=purpose
        )
    if search is not None and search_found(user=user, search=search, person_id=person_id) is not None:
        try:
            return person_resolve(person_id).pk
        except Person.DoesNotExist:  # removed since the search: as missing
            raise refuse(
                actor=user, object_type=PERSON_OBJECT, object_id=person_id, origin=origin, purpose=purpose
            ) from None
    dossier = dossier_get_for_user(user=user, person_id=person_id, origin=origin, purpose=purpose)
    if dossier.break_glass is None and not dossier.hidden:
        raise refuse(
            actor=user, object_type=PERSON_OBJECT, object_id=person_id, origin=origin, purpose=purpose
        )
    return dossier.person.pk


def break_glass_registration(
    *, user: User, registration_id: int, person_id: int
) -> tuple[OutsideRules, dict[str, Any]] | None:
    """A registration of a person under the user's break-the-glass grant that holds (one the dossier lists
    during the grant): the grant as the register reads it (`registration_get_for_user` reaches that
    person's registrations then) and the flags for the log entry's detail. None without a grant that holds
    or when the registration is not the person's: the page answers as without it (the one 404)."""
    grant = break_glass_active(user=user, person_id=person_id)
    if grant is None:
        return None
    mentions = PersonMention.objects.filter(registration_id=registration_id, link__person_id=person_id)
    reference = mentions.values_list("registration__reference", flat=True).first()
    if reference is None:
        return None
    outside = OutsideRules(
        person_id=person_id, grant=grant.pk, reason=grant.reason, expires_at=grant.expires_at
    )
    flags = {"break_glass": True, "grant": grant.pk, "reason": grant.reason, "references": [reference]}
    return outside, flags


def registration_purpose_of_grant(request: Any, registration_id: int, value: str) -> LinkedPurpose | None:
    """`?person=<id>` on the API's registration route: read under the caller's break-the-glass grant for
    that person (the grant's reason is the purpose), when the registration is one of that person's."""
    user = getattr(request, "auth", None)
    user = user if isinstance(user, User) else request.user
    if not value.isdigit() or not user.is_authenticated:
        return None
    found = break_glass_registration(user=user, registration_id=registration_id, person_id=int(value))
    if found is None:
        return None
    outside, flags = found
    log = f"{BREAK_GLASS_PURPOSE}: {outside.reason}"
    return LinkedPurpose(log=log, detail={"person": outside.person_id, **flags}, break_glass=outside)


def search_found(*, user: User, search: int, person_id: int) -> BreakGlassAccess | None:
    """The user's own break-the-glass search under this id, while it holds, when it showed this person."""
    access = (
        BreakGlassAccess.objects.filter(
            pk=search, user=user, kind=BreakGlassKind.SEARCH, expires_at__gt=timezone.now()
        )
        .only("pk", "reason", "found")
        .first()
    )
    if access is None or not may_break_glass(user) or person_id not in (access.found or []):
        return None
    return access


def break_glass_search_refused(*, user: User, origin: str, text: str = "") -> PermissionDenied:
    """A search outside the sharing rules by a role that may not: logged as refused (403)."""
    access_log_record(
        actor=user,
        action=Action.SEARCH,
        object_type=SEARCH_OBJECT,
        result=Result.REFUSED,
        origin=origin,
        detail={"refused": "break_glass", "query": mask_bsn(text)[:200]},
    )
    return PermissionDenied()


def break_glass_search(
    *, user: User, text: str, reason: str, purpose: Purpose, origin: str, now: dt.datetime | None = None
) -> tuple[BreakGlassAccess, list[PersonHit]]:
    """The person search outside the sharing rules, with a reason the user stated and confirmed before it
    ran: stored as a break-the-glass access of kind `search` (the box masked, the persons shown) for the
    privacy officer to judge, with its review case, and logged once: one `search` entry of `person_search`
    with `break_glass: true`, the grant, the reason and a person row for each person shown. The caller
    checked the role (`may_break_glass`). Raises QueryError for a box the engine cannot read (nothing is
    searched or stored then)."""
    query = parse_query(text)
    masked = mask_bsn(text)[:200]
    hits = person_search_for_user(user=user, query=query, purposed=True, everything=True)
    found = [hit.person_id for hit in hits]
    now = now or timezone.now()
    with transaction.atomic():
        access = _access_open(
            user=user,
            reason=reason,
            now=now,
            kind=BreakGlassKind.SEARCH,
            person_id=None,
            query=masked,
            found=found,
        )
        access_log_record(
            actor=user,
            action=Action.SEARCH,
            object_type=SEARCH_OBJECT,
            object_id=access.pk,
            result=Result.SHOWN,
            purpose=f"{BREAK_GLASS_PURPOSE}: {reason}",
            origin=origin,
            detail={
                "query": masked,
                "count": len(hits),
                "purpose": purpose.detail(),
                "break_glass": True,
                "grant": access.pk,
                "reason": reason,
                "found": found,
            },
            persons=found,
        )
    return access, hits


def break_glass_search_results(
    *, user: User, search: int, origin: str, scores: dict[int, float] | None = None
) -> tuple[BreakGlassAccess, list[PersonHit]]:
    """The results of the user's own break-the-glass search while it holds, for the page that shows them
    after the search ran (and on a reload: nothing is searched or stored again): the persons it showed, in
    its order, each with the registrations the sharing rules show the user (0: only this search showed the
    person). `scores`: the match of each person as the search gave it, when the caller kept it. Logged as a
    `view` of the search, flagged and with the grant, with a person row for each person shown. Raises
    NotVisible (logged once) for another user's search, one that has ended, a missing one and any role
    that may not break the glass, alike."""
    access = None
    if may_break_glass(user):
        access = BreakGlassAccess.objects.filter(
            pk=search, user=user, kind=BreakGlassKind.SEARCH, expires_at__gt=timezone.now()
        ).first()
    if access is None:
        raise refuse(actor=user, object_type=SEARCH_OBJECT, object_id=search, origin=origin)
    found = list(access.found or [])
    hits = person_hits_outside_rules(user=user, found=found, scores=scores or {})
    access_log_record(
        actor=user,
        action=Action.VIEW,
        object_type=SEARCH_OBJECT,
        object_id=access.pk,
        result=Result.SHOWN,
        purpose=f"{BREAK_GLASS_PURPOSE}: {access.reason}",
        origin=origin,
        detail={"break_glass": True, "grant": access.pk, "reason": access.reason, "found": found},
        persons=[hit.person_id for hit in hits],
    )
    return access, hits


def break_glass_grant(
    *,
    user: User,
    person_id: int,
    reason: str,
    origin: str,
    now: dt.datetime | None = None,
    search: int | None = None,
) -> BreakGlassAccess:
    """Grant `user` the person's whole dossier for KETENZICHT_BREAK_GLASS_MINUTES, pending the privacy
    officer's judgement. The caller checked the person with `break_glass_person_get_for_user`. While a
    grant of the user for the person holds and waits for its judgement, that grant is returned and nothing
    new is stored or logged (asked from a second tab, it would give the privacy officer a second access and
    a second case to judge for one look); `break_glass_granted_before` tells the caller."""
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one grant at a time per user
        holding = (
            BreakGlassAccess.objects.filter(
                user=user,
                person_id=person_id,
                kind=BreakGlassKind.DOSSIER,
                decision=BreakGlassDecision.PENDING,
                expires_at__gt=now,
            )
            .order_by("-expires_at")
            .first()
        )
        if holding is not None:
            return holding
        access = _access_open(user=user, reason=reason, now=now, person_id=person_id)
        access_log_record(
            actor=user,
            action=Action.CREATE,
            object_type=BREAK_GLASS_OBJECT,
            object_id=access.pk,
            result=Result.GRANTED,
            purpose=f"{BREAK_GLASS_PURPOSE}: {reason}",
            origin=origin,
            detail={
                "break_glass": True,
                "grant": access.pk,
                "person": person_id,
                "reason": reason,
                "expires_at": access.expires_at.isoformat(),
            }
            | ({"search": search} if search is not None else {}),
            persons=[person_id],
        )
    return access


def break_glass_granted_before(access: BreakGlassAccess, *, asked_at: dt.datetime) -> bool:
    """Whether `break_glass_grant`, asked at `asked_at`, returned a grant that already held."""
    return access.granted_at < asked_at


def _access_open(*, user: User, reason: str, now: dt.datetime, **fields: Any) -> BreakGlassAccess:
    """A break-the-glass access granted now for KETENZICHT_BREAK_GLASS_MINUTES, its first history line and
    the privacy officer's review case (in the caller's transaction)."""
    access = BreakGlassAccess.objects.create(
        user=user,
        reason=reason,
        granted_at=now,
        expires_at=now + dt.timedelta(minutes=settings.KETENZICHT_BREAK_GLASS_MINUTES),
        **fields,
    )
    BreakGlassEvent.objects.create(
        access=access, at=now, kind="granted", actor=user, actor_name=user.get_username(), note=reason
    )
    access.case = _review_case_open(access, now=now)
    if access.case is not None:
        access.save(update_fields=["case"])
    return access


# The review case's title as stored (in the installation's language, a record), and as a page in English
# shows it (`review_title_words`, registered with the kernel in apps.py).
REVIEW_TITLE_STORED = "Doorbraak {number}: {user}"
REVIEW_TITLE = gettext_noop("Break-the-glass %(number)s: %(user)s")
_REVIEW_TITLE_STORED = re.compile(r"Doorbraak (?P<number>\d+): (?P<user>.+)")


def review_title_words(title: str) -> str | None:
    """A review case's stored title on a page in English ("Break-the-glass 12: Rik Smits"); None on a Dutch
    page (as stored) or for another title."""
    found = _REVIEW_TITLE_STORED.fullmatch(title)
    if found is None or not (get_language() or "nl").startswith("en"):
        return None
    return gettext(REVIEW_TITLE) % found.groupdict()


def _review_case_open(access: BreakGlassAccess, *, now: dt.datetime) -> Case | None:
    """The kernel case of the privacy officer's judgement, in the administration organisation (the first
    active one of kind `beheer`); None when there is none. Its title names the grant and the user (by name, by
    username when the account has none): the case list and page show it to every privacy officer, who judges
    the access, not the person."""
    organisation = (
        Organisation.objects.filter(kind=OrganisationKind.BEHEER, active=True).order_by("code").first()
    )
    if organisation is None:
        return None
    return case_open(
        process=REVIEW_PROCESS,
        organisation=organisation,
        title=REVIEW_TITLE_STORED.format(number=access.pk, user=access.user.display_name),
        actor=access.user,
        at=now,
    )


@dataclass
class ReviewRow:
    """One break-the-glass access on the privacy officer's list, with what the access log says was viewed."""

    access: BreakGlassAccess
    views: list[AccessLogEntry] = field(default_factory=list)  # of the dossier
    registration_views: list[AccessLogEntry] = field(default_factory=list)  # opened from it
    searches: list[AccessLogEntry] = field(default_factory=list)  # a search outside the rules
    references: list[str] = field(default_factory=list)  # the registrations the dossier listed
    opened: list[str] = field(default_factory=list)  # the registrations opened, each once
    events: list[BreakGlassEvent] = field(default_factory=list)
    form: Any = None  # the page's judgement form, for a pending access
    search: int | None = None  # of a dossier grant: the break-the-glass search that showed the person

    @property
    def first_view_at(self) -> dt.datetime | None:
        return self.views[0].at if self.views else None

    @property
    def last_view_at(self) -> dt.datetime | None:
        return self.views[-1].at if self.views else None


REVIEW_SHOWS = ("pending", "decided")  # the list's filter: only those to judge, or only the judged ones


def break_glass_review_list_for_user(*, user: User, origin: str, show: str = "") -> list[ReviewRow]:
    """Every break-the-glass access, pending first (oldest first), then the decided ones (latest first), at
    most LIST_LIMIT of each; `show` one of REVIEW_SHOWS for only those. For the privacy officer only.
    Raises PermissionDenied (logged as refused)."""
    if not may_review_break_glass(user):
        listed(
            actor=user,
            object_type=BREAK_GLASS_OBJECT,
            purpose=SUPERVISION_PURPOSE,
            origin=origin,
            refused=True,
        )
        raise PermissionDenied
    accesses = BreakGlassAccess.objects.select_related("user", "user__organisation", "decided_by")
    pending: list[BreakGlassAccess] = []
    decided: list[BreakGlassAccess] = []
    if show != "decided":
        pending = list(
            accesses.filter(decision=BreakGlassDecision.PENDING).order_by("granted_at", "id")[:LIST_LIMIT]
        )
    if show != "pending":
        decided = list(
            accesses.exclude(decision=BreakGlassDecision.PENDING).order_by("-decided_at", "-id")[:LIST_LIMIT]
        )
    rows = {access.pk: ReviewRow(access) for access in [*pending, *decided]}
    views = AccessLogEntry.objects.filter(
        object_type__in=(PERSON_OBJECT, REGISTRATION_OBJECT, SEARCH_OBJECT),
        action__in=(Action.VIEW, Action.SEARCH),
        detail__break_glass=True,
        detail__grant__in=list(rows),
    ).order_by("at", "id")
    references: dict[int, set[str]] = defaultdict(set)  # listed by the dossier
    opened: dict[int, set[str]] = defaultdict(set)  # opened one by one
    for entry in views:
        grant = entry.detail.get("grant")
        if grant in rows:
            if entry.object_type == REGISTRATION_OBJECT:
                rows[grant].registration_views.append(entry)
                opened[grant].update(entry.detail.get("references") or [])
            elif entry.object_type == SEARCH_OBJECT:
                rows[grant].searches.append(entry)
            else:
                rows[grant].views.append(entry)
                references[grant].update(entry.detail.get("references") or [])
    grants = AccessLogEntry.objects.filter(
        object_type=BREAK_GLASS_OBJECT,
        action=Action.CREATE,
        result=Result.GRANTED,
        object_id__in=[str(pk) for pk in rows],
    ).values_list("object_id", "detail")
    for object_id, detail in grants:
        search = (detail or {}).get("search")
        if isinstance(search, int) and int(object_id) in rows:
            rows[int(object_id)].search = search
    for event in BreakGlassEvent.objects.filter(access_id__in=list(rows)).order_by("at", "id"):
        rows[event.access_id].events.append(event)
    for grant, row in rows.items():
        row.references, row.opened = sorted(references[grant]), sorted(opened[grant])
    listed(
        actor=user,
        object_type=BREAK_GLASS_OBJECT,
        purpose=SUPERVISION_PURPOSE,
        origin=origin,
        detail={"pending": len(pending), "decided": len(decided)} | ({"show": show} if show else {}),
    )
    return list(rows.values())


def break_glass_get_for_user(*, user: User, pk: int, origin: str = "") -> BreakGlassAccess:
    """One break-the-glass access for the privacy officer to judge. Raises NotVisible (logged once) for a
    missing access and for any other role, alike."""
    access = None
    if may_review_break_glass(user):
        access = BreakGlassAccess.objects.select_related("user", "user__organisation").filter(pk=pk).first()
    if access is None:
        raise refuse(actor=user, object_type=BREAK_GLASS_OBJECT, object_id=pk, origin=origin)
    return access


IMPROPER_MESSAGE = gettext_noop(
    "The privacy officer judged the break-the-glass access of %(user)s to person %(person)s on %(granted)s "
    "improper: %(note)s"
)
IMPROPER_SEARCH_MESSAGE = gettext_noop(
    "The privacy officer judged the break-the-glass person search of %(user)s on %(granted)s improper: "
    "%(note)s"
)


def break_glass_decide(
    access: BreakGlassAccess,
    *,
    actor: User,
    decision: str,
    note: str,
    origin: str,
    now: dt.datetime | None = None,
) -> BreakGlassAccess:
    """The privacy officer's judgement of an access: once, from pending, kept in its append-only history,
    taken as the transition of its review case (the note a value of the step) and logged. Improper alerts
    the team lead of the user's organisation, and the user. Raises AlreadyDecided."""
    if decision not in (BreakGlassDecision.PROPER, BreakGlassDecision.IMPROPER):
        raise ValueError(decision)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            BreakGlassAccess.objects.select_for_update(of=("self",))
            .select_related("user", "case")
            .get(pk=access.pk)
        )
        if locked.decision != BreakGlassDecision.PENDING:
            raise AlreadyDecided(str(locked.pk))
        locked.decision, locked.decided_by, locked.decided_at, locked.decision_note = (
            decision,
            actor,
            now,
            note,
        )
        locked.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
        BreakGlassEvent.objects.create(
            access=locked, at=now, kind=decision, actor=actor, actor_name=actor.get_username(), note=note
        )
        if locked.case is not None:
            _judge_owns(locked.case, actor=actor, at=now)
            case_take(
                locked.case,
                REVIEW_TRANSITIONS[BreakGlassDecision(decision)],
                actor=actor,
                expected_version=None,
                values={"note": note},
                at=now,
            )
        access_log_record(
            actor=actor,
            action=Action.JUDGE,
            object_type=BREAK_GLASS_OBJECT,
            object_id=locked.pk,
            result=Result.STORED,
            origin=origin,
            detail={"decision": decision, "grant": locked.pk, "person": locked.person_id, "note": note},
        )
        if decision == BreakGlassDecision.IMPROPER:
            _alert_improper(locked, note=note, now=now)
    return locked


def _judge_owns(case: Case, *, actor: User, at: dt.datetime) -> None:
    """The privacy officer who judges becomes the review case's owner (a history line), so the closed case
    names who judged it. Only a case nobody holds yet, of the officer's own organisation: a colleague's
    case is not taken over (that would need a handover with a reason); the judgement stands either way."""
    if case.owner_id is not None or case.organisation_id != actor.organisation_id:
        return
    try:
        case_assign_owner(case, owner=actor, actor=actor, expected_version=None, at=at)
    except Refused:  # e.g. the officer holds no role of the process: the judgement is taken all the same
        return


def _alert_improper(access: BreakGlassAccess, *, note: str, now: dt.datetime) -> None:
    user = access.user
    if user.organisation is None:
        return
    params: dict[str, Any] = {
        "user": user.display_name,
        "person": access.person_id,
        "granted": timezone.localtime(access.granted_at).strftime("%d-%m-%Y %H:%M"),
        "note": note,
    }
    for recipient, role in ((None, Role.TEAM_LEAD.value), (user, "")):
        alert_raise(
            kind="break_glass_improper",
            message=IMPROPER_SEARCH_MESSAGE if access.kind == BreakGlassKind.SEARCH else IMPROPER_MESSAGE,
            organisation=user.organisation,
            recipient=recipient,
            role=role,
            params=params,
            at=now,
        )
