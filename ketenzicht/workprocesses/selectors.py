"""Reads of cases and roll-outs, scoped to the user. A case is visible to the users of its organisation
who hold one of its process's roles; anything else is NotVisible (logged once, in audit.access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from ketenzicht.audit.access import NotVisible, refuse
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import people_names
from ketenzicht.organisations.signals import Holding
from ketenzicht.ui.page_reads import once

from .definitions import definition_of
from .engine.deadlines import DeadlineStatus, deadline_status, near_until
from .engine.definition import Definition, Transition
from .engine.machine import CaseStart, may_take
from .labels import CONCURRENT, state_label
from .models import Case, CaseEvent, EventKind, Handoff, ProcessVersion, Rollout
from .panels import leads_queue

__all__ = ["NotVisible", "case_get_for_user", "case_list_for_user"]


def case_versions_for(user: User) -> list[int]:
    """The process versions whose cases the user's roles may work, once per request (kept on the user
    object, as its role codes are: the shell and the page both ask). Every page asks (the menu): the stored
    documents are not read, the definition comes by its content hash."""
    cached: list[int] | None = getattr(user, "_case_versions", None)
    if cached is None:
        held = set(user.role_codes)
        versions = ProcessVersion.objects.only("pk", "process", "version", "content_hash")
        cached = [pv.pk for pv in versions if held & set(definition_of(pv).roles)]
        user._case_versions = cached  # type: ignore[attr-defined]
    return cached


def _visible(user: User) -> Q | None:
    if not user.is_authenticated or user.organisation_id is None:
        return None
    versions = case_versions_for(user)
    if not versions:
        return None
    return Q(organisation_id=user.organisation_id, process_version_id__in=versions)


def may_work_cases(user: User) -> bool:
    return _visible(user) is not None


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    condition = _visible(user)
    if condition is None:
        return Case.objects.none()
    return Case.objects.filter(condition).select_related(
        "process_version", "owner", "victim_contact", "organisation"
    )


def case_get_for_user(*, user: User, pk: int, origin: str = "") -> Case:
    try:
        return case_list_for_user(user=user).get(pk=pk)
    except Case.DoesNotExist:
        raise refuse(actor=user, object_type="case", object_id=pk, origin=origin) from None


@dataclass(frozen=True)
class DeadlineClock:
    """Now, and up to when a deadline counts as near (the kernel's rule, `engine.deadlines.near_until`):
    read once for a page, so that its badges, its filter and its counts agree."""

    now: datetime
    near_until: datetime

    def status(self, deadline: datetime | None) -> DeadlineStatus:
        return deadline_status(deadline, self.now, self.near_until)

    def near(self, field: str = "deadline_at") -> Q:
        """The rows whose `field` deadline is near: not passed, and passing by `near_until`."""
        return Q(**{f"{field}__gt": self.now, f"{field}__lte": self.near_until})

    def overdue(self, field: str = "deadline_at") -> Q:
        return Q(**{f"{field}__lte": self.now})


def deadline_clock(now: datetime | None = None) -> DeadlineClock:
    now = now or timezone.now()
    return DeadlineClock(now=now, near_until=near_until(now))


def case_closed_list(*, user: User) -> QuerySet[Case]:
    """The organisation's closed cases, the last closed first."""
    return case_list_for_user(user=user).filter(closed_at__isnull=False).order_by("-closed_at", "-id")


def case_open_list(*, user: User, overdue_only: bool = False, near_only: bool = False) -> QuerySet[Case]:
    cases = case_list_for_user(user=user).filter(closed_at__isnull=True)
    if overdue_only:
        cases = cases.filter(deadline_clock().overdue())
    if near_only:
        cases = cases.filter(deadline_clock().near())
    return cases.order_by("deadline_at", "opened_at", "id")


@dataclass(frozen=True)
class CaseView:
    case: Case
    definition: Definition
    state_label: str
    transitions: list[Transition]
    overdue: bool
    near: bool  # its deadline passes before the end of the next working day
    # The steps of the process from the case's state that other roles take, not the user's (the page says
    # who may take them); a desk's own steps and a hand-off still waiting are not among them.
    withheld: list[Transition] = field(default_factory=list)


def case_start(case: Case) -> CaseStart:
    """The first day of what the case is about, in Amsterdam: its earliest registration's incident (the day
    it was registered when the incident's time is unknown), else, holding no registration, the day it
    opened. A date of something that happened in the case lies not before it (data/date_fields.yaml)."""
    first = (
        case.registrations.annotate(began=Coalesce("occurred_at", "registered_at"))
        .order_by("began")
        .values_list("began", flat=True)
        .first()
    )
    if first is not None:
        return CaseStart(timezone.localtime(first).date(), "registration")
    return CaseStart(timezone.localtime(case.opened_at).date(), "opened")


def case_view(case: Case, user: User) -> CaseView:
    """The case with the steps the user may take now: not those taken at a desk, and not a hand-off to a
    desk that has not yet taken on the previous one (the page shows that hand-off as waiting)."""
    definition = definition_of(case.process_version)
    waiting = open_handoff_kinds(case) if not case.closed_at else set()
    steps = (
        []
        if case.closed_at
        else [
            t
            for t in definition.transitions_from(case.state)
            if not t.via_desk and not (t.handoff and t.handoff in waiting)
        ]
    )
    mine = {t.name for t in may_take(definition, case.state, user.role_codes)}
    status = deadline_clock().status(None if case.closed_at else case.deadline_at)
    return CaseView(
        case=case,
        definition=definition,
        state_label=state_label(definition, case.state),  # in the user's language
        transitions=[t for t in steps if t.name in mine],
        overdue=status is DeadlineStatus.OVERDUE,
        near=status is DeadlineStatus.NEAR,
        withheld=[t for t in steps if t.name not in mine],
    )


# Who opens a closed case again: a team lead of the case's own organisation, for a process that has the team
# lead among its roles (the police's screening processes, the Veilig Thuis safety assessment; not the ZSM
# file or the break-the-glass review, whose decisions are the prosecutor's and the privacy officer's).
REOPEN_ROLE = Role.TEAM_LEAD


def reopenable(definition: Definition) -> bool:
    """Whether a closed case of this process can be opened again (by a team lead)."""
    return REOPEN_ROLE in definition.roles


def queue_role(definition: Definition) -> str:
    """The role that works the process's unowned cases from its unit's queue: the first of its roles that is
    not the team lead's (the police's screeners, Veilig Thuis's assessors)."""
    return next((role for role in definition.roles if role != REOPEN_ROLE), REOPEN_ROLE)


def reopen_refusal(case: Case, user: User) -> str | None:
    """Why `user` may not reopen `case` (a Refused code: `reopen_process`, `reopen_role`), or None. Whether
    the case is closed is not asked here."""
    if not reopenable(definition_of(case.process_version)):
        return "reopen_process"
    if user.organisation_id != case.organisation_id or not user.has_role(REOPEN_ROLE):
        return "reopen_role"
    return None


def closing_step(case: Case) -> CaseEvent | None:
    """The history line of the step that closed the case: the last transition into a final state (the
    history is append-only, so the last stored is the last taken). Its `from_state` is where a reopen goes."""
    definition = definition_of(case.process_version)
    finals = [name for name, state in definition.states.items() if state.final]
    return case.events.filter(kind=EventKind.TRANSITION, to_state__in=finals).order_by("-id").first()


def may_reopen(case: Case, user: User) -> bool:
    """Whether the case page offers `user` to reopen `case`: it is closed and the user may."""
    return case.closed_at is not None and reopen_refusal(case, user) is None


def open_handoff_kinds(case: Case) -> set[str]:
    """The kinds of hand-off of this case that their desk has not taken on yet."""
    return set(Handoff.objects.filter(case=case, taken_at__isnull=True).values_list("kind", flat=True))


def may_hand_over(case: Case, field: str, user: User) -> bool:
    """Whether `user` may give the case's owner or the victim's contact person (`field`) to someone else now
    (`services.case_assign` holds the same rule): when nobody holds it, or who held it left (deactivated),
    anyone who may work the case takes it; a colleague's is handed over by that colleague, by a team lead,
    or by whoever leads the queue of the case's desk (`panels.leads_queue`: a ZSM file's coordinator); the
    victim's contact person also by the case's owner. Never taken by someone else."""
    previous: User | None = getattr(case, field)
    if previous is None or not previous.is_active or previous.pk == user.pk:
        return True
    if field == "victim_contact" and case.owner_id == user.pk:
        return True
    return user.has_role(Role.TEAM_LEAD) or leads_queue(case, user)


def case_colleagues(case: Case) -> QuerySet[User]:
    """Who may own or be the contact of a case: users of its organisation holding a role that can take a
    step of its process, by name as the pages write it (as the queue's hand-over lists them)."""
    roles = sorted(definition_of(case.process_version).working_roles())
    return (
        User.objects.filter(organisation_id=case.organisation_id, is_active=True, roles__role__in=roles)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- roll-out -------------------------------------------------------------------------------------------


def may_manage_rollouts(user: User) -> bool:
    return user.is_authenticated and Role.FUNCTIONAL_ADMIN in user.role_codes


@dataclass(frozen=True)
class RolloutRow:
    organisation: Organisation
    process: str
    current: Rollout | None  # the roll-out in force today
    upcoming: list[Rollout]
    since: date | None = (
        None  # the first day of the current version without a break (earlier roll-outs of it)
    )


def _since(current: Rollout | None, begun: list[Rollout]) -> date | None:
    """The day `current`'s version began to run without a break: earlier roll-outs of the same scope (the
    unit's own, or the national default) that rolled out that same version count (the reference data's
    default from 2024 follows the demo's from the register's first day; the version ran all along)."""
    if current is None:
        return None
    same_scope = sorted(
        (
            r
            for r in begun
            if r.organisation_id == current.organisation_id and r.valid_from <= current.valid_from
        ),
        key=lambda r: (r.valid_from, r.pk),
    )
    since = current.valid_from
    for rollout in reversed(same_scope):
        if rollout.process_version_id != current.process_version_id:
            break
        since = rollout.valid_from
    return since


def _process_kinds(process: str) -> set[str]:
    kinds: set[str] = set()
    for pv in ProcessVersion.objects.filter(process=process):
        kinds |= set(definition_of(pv).organisation_kinds)
    return kinds


def rollout_organisations() -> QuerySet[Organisation]:
    """The active organisations some work process can run in (the others cannot get a roll-out)."""
    kinds: set[str] = set()
    for process in {pv.process for pv in ProcessVersion.objects.all()}:
        kinds |= _process_kinds(process)
    return Organisation.objects.filter(kind__in=kinds, active=True).order_by("name")


def rollout_overview(*, on: date | None = None, organisation: Organisation | None = None) -> list[RolloutRow]:
    """Per process and organisation that can run it (only `organisation`, when given): the version in force
    today (own or default) and the roll-outs still to come, as `rollouts.version_for` will choose them
    (withdrawn ones left out)."""
    on = on or timezone.localdate()
    rows: list[RolloutRow] = []
    rollouts = list(
        Rollout.objects.filter(withdrawn_at__isnull=True).select_related(
            "process_version", "organisation", "enabled_by"
        )
    )
    for process in sorted({pv.process for pv in ProcessVersion.objects.all()}):
        kinds = _process_kinds(process)
        of_process = [r for r in rollouts if r.process == process]
        defaults = sorted(
            (r for r in of_process if r.organisation_id is None and r.valid_from <= on),
            key=lambda r: (r.valid_from, r.pk),
        )
        units = Organisation.objects.filter(kind__in=kinds, active=True).order_by("name")
        if organisation is not None:
            units = units.filter(pk=organisation.pk)
        for unit in units:
            own = [r for r in of_process if r.organisation_id == unit.pk]
            begun = sorted((r for r in own if r.valid_from <= on), key=lambda r: (r.valid_from, r.pk))
            current = begun[-1] if begun else (defaults[-1] if defaults else None)
            upcoming = [r for r in own if r.valid_from > on]
            # A later default reaches the organisation only while none of its own has begun by then.
            first_own = min((r.valid_from for r in own), default=None)
            upcoming += [
                r
                for r in of_process
                if r.organisation_id is None
                and r.valid_from > on
                and (first_own is None or r.valid_from < first_own)
            ]
            upcoming.sort(key=lambda r: (r.valid_from, r.pk))
            since = _since(current, begun if current in begun else defaults)
            rows.append(
                RolloutRow(
                    organisation=unit, process=process, current=current, upcoming=upcoming, since=since
                )
            )
    return rows


@dataclass(frozen=True)
class HistoryEntry:
    rollout: Rollout
    until: date | None  # the first day of the roll-out that replaced it (same unit, or the default), if any


@dataclass(frozen=True)
class VersionHistory:
    version: ProcessVersion
    in_force: list[HistoryEntry]  # every roll-out of the version that has begun, oldest first
    withdrawn: list[Rollout]  # withdrawn before their first day: who, when and why stay on the row


def rollout_history(*, on: date | None = None) -> list[VersionHistory]:
    """Per loaded version: every roll-out of it that was ever in force (per unit or as national default), each
    with its first day and, where a later roll-out for the same unit (or default) replaced it, its last
    day's successor; and the roll-outs of it that were withdrawn. Nothing is left out."""
    on = on or timezone.localdate()
    rollouts = list(
        Rollout.objects.select_related(
            "process_version", "organisation", "enabled_by", "withdrawn_by"
        ).order_by("valid_from", "pk")
    )
    standing = [r for r in rollouts if r.withdrawn_at is None and r.valid_from <= on]
    history = []
    for version in ProcessVersion.objects.order_by("process", "version"):
        entries = []
        for rollout in standing:
            if rollout.process_version_id != version.pk:
                continue
            until = next(
                (
                    r.valid_from
                    for r in standing
                    if r.process == rollout.process
                    and r.organisation_id == rollout.organisation_id
                    and r.valid_from > rollout.valid_from
                ),
                None,
            )
            entries.append(HistoryEntry(rollout=rollout, until=until))
        withdrawn = [r for r in rollouts if r.withdrawn_at is not None and r.process_version_id == version.pk]
        history.append(VersionHistory(version=version, in_force=entries, withdrawn=withdrawn))
    return history


def may_see_unit_processes(user: User) -> bool:
    """A team lead sees which version of each work process runs in their unit (read-only: the roll-out is
    the functional administrator's)."""
    return bool(user.is_authenticated and user.organisation_id and user.has_role(Role.TEAM_LEAD))


def unit_processes(user: User, *, on: date | None = None) -> list[RolloutRow]:
    """The work processes of the user's unit with a version in force or planned: that version and the
    planned ones (none for a user who may not see them)."""
    if not may_see_unit_processes(user) or user.organisation is None:
        return []
    rows = rollout_overview(on=on, organisation=user.organisation)
    return [row for row in rows if row.current is not None or row.upcoming]


def concurrent_text(case: Case, user: User) -> str:
    """What a user is told when the case changed since their form was opened: who changed it, when and how,
    from its history. Their own change (a second tab, a button clicked twice) is said to be theirs: "someone
    else" sent them to submit again, and the second submit stored the note twice."""
    last = CaseEvent.objects.filter(case=case).order_by("-id").first()
    if last is None:
        return str(CONCURRENT)
    what = last.get_kind_display()
    when = f"{timezone.localtime(last.at):%H:%M}"
    if last.actor_id is not None and last.actor_id == user.pk:
        return gettext(
            "You changed this case yourself a moment ago (%(what)s, %(when)s), from another tab or with a "
            "second click. Nothing more was stored: check the history below before you submit again."
        ) % {"what": what, "when": when}
    return gettext(
        "%(who)s changed this case at %(when)s (%(what)s) while you were working on it. Nothing of yours "
        "was stored: check the case as it is now and submit again."
    ) % {
        "who": people_names({last.actor_name}).get(last.actor_name) or gettext("the system"),
        "what": what,
        "when": when,
    }


def rollout_planned(*, on: date | None = None) -> list[Rollout]:
    """The roll-outs that have not begun (and are not withdrawn): the ones that can still be withdrawn."""
    on = on or timezone.localdate()
    return list(
        Rollout.objects.filter(withdrawn_at__isnull=True, valid_from__gt=on)
        .select_related("process_version", "organisation", "enabled_by")
        .order_by("valid_from", F("organisation__name").asc(nulls_first=True), "process", "pk")
    )


def cases_held_by(user: User) -> tuple[list[Case], list[Case]]:
    """The open cases `user` owns and those where they are the victim's contact person (each by reference):
    what their leaving gives back (the functional administrator's confirmation lists the references)."""
    found = Case.objects.filter(closed_at__isnull=True).filter(Q(owner=user) | Q(victim_contact=user))
    cases = list(found.select_related("process_version").order_by("reference"))
    return (
        [c for c in cases if c.owner_id == user.pk],
        [c for c in cases if c.victim_contact_id == user.pk],
    )


def holdings_of(sender: Any, user: User, **kwargs: Any) -> list[Holding]:
    """`user_holdings`: the open cases the user owns and those where they are the victim's contact person."""
    owned, contact = cases_held_by(user)
    found = []
    if owned:
        found.append(Holding(gettext("Open cases they own"), tuple(c.reference for c in owned)))
    if contact:
        found.append(
            Holding(
                gettext("Open cases where they are the victim's contact person"),
                tuple(c.reference for c in contact),
            )
        )
    return found


def case_person_ids(case: Case) -> frozenset[int]:
    """The ids of the persons the case names (its own, as opened and as its registrations added them): read
    once for a case page, whose access-log entry, measures panel and parties all ask."""
    return once(case, "person_ids", lambda: frozenset(case.persons.values_list("pk", flat=True)))


def case_registration_ids(case: Case) -> frozenset[int]:
    """The ids of the registrations the case concerns: read once for a case page (its list of them, the
    screening panel's marks on the pair's history)."""
    return once(case, "registration_ids", lambda: frozenset(case.registrations.values_list("pk", flat=True)))


def open_cases_owned(members: list[User], organisation: Organisation | int) -> dict[int, int]:
    """How many open cases of the organisation each of these members owns (user id -> count; none: left
    out), for the team's absences page: what waits on an absent colleague. One query."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    rows = (
        Case.objects.filter(
            owner_id__in=[m.pk for m in members], organisation_id=organisation_id, closed_at__isnull=True
        )
        .values("owner_id")
        .annotate(count=Count("id"))
        .values_list("owner_id", "count")
    )
    return dict(rows)
