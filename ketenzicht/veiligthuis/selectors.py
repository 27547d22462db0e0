"""Reads of the Veilig Thuis desk, scoped to the user: the organisation's inbox, a notification's history
on the radar, the feedback a police case got, and the timeliness figures (counts, no names)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.utils import timezone

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import absent_condition, with_absence_mark
from ketenzicht.persons.selectors import person_label, person_list_names
from ketenzicht.registrations.models import MentionRole, PersonMention, Registration
from ketenzicht.registrations.names import full_name
from ketenzicht.registrations.selectors import registration_list_for_user, registration_sight_for_user
from ketenzicht.ui.disclosure import THRESHOLD, published, share
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.headings import CasePair
from ketenzicht.workprocesses.labels import state_label
from ketenzicht.workprocesses.models import Case, Handoff
from ketenzicht.workprocesses.selectors import case_list_for_user, deadline_clock

from .engine.radar import RadarClass
from .handover import handover_note_unnamed
from .models import Notification
from .steps import PROCESS

DESK_ROLES = (Role.VT_ASSESSOR, Role.TEAM_LEAD, Role.CHAIN_CONTACT)
PAGE_SIZE = 50
RADAR_GROUP_ORDER = ("first", "re", "during")


def may_use_vt_desk(user: User) -> bool:
    organisation = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated
        and organisation is not None
        and organisation.kind == OrganisationKind.VEILIG_THUIS
        and user.has_role(*DESK_ROLES)
    )


def may_see_timeliness(user: User) -> bool:
    """Veilig Thuis staff see the timeliness figures of every region: their own organisation's exact (their
    working figures), other organisations' published as on the insight desk (small counts suppressed, see
    `timeliness`). Statistics for others are the insight desk's (ketenzicht/insights)."""
    return may_use_vt_desk(user)


@dataclass(frozen=True)
class InboxFilter:
    radar: str = ""  # first / re / during, "" all
    owner: str = ""  # "me", "nobody", "absent" (an absence covers today), "" all
    overdue: bool = False
    near: bool = False  # the term ends before the end of the next working day
    acute: bool = False


def inbox_for_user(*, user: User, chosen: InboxFilter | None = None) -> QuerySet[Notification]:
    """The open notifications of the user's Veilig Thuis organisation: those with new information from the
    police that nobody took up yet first, then (within either) acute at the police, then the nearest
    deadline. Nothing for a user who may not use the desk."""
    if not may_use_vt_desk(user):
        return Notification.objects.none()
    chosen = chosen or InboxFilter()
    assert user.organisation_id is not None
    # `open__in=[True]`, not `open=True`: Django writes the latter as a bare `WHERE open`, which SQLite cannot
    # match to the vt_inbox index's `open` column, so it sorted every notification of the organisation for
    # each page (bench/veiligthuis.py --inbox). `IN (true)` is an equality both SQLite and PostgreSQL use.
    found = Notification.objects.filter(organisation_id=user.organisation_id, open__in=[True]).annotate(
        # The row's mark (an owner an absence covers today: the team lead hands it over), in the one query.
        owner_absent=ExpressionWrapper(
            absent_condition("case__owner_id", on=timezone.localdate()), output_field=BooleanField()
        )
    )
    if chosen.radar:
        found = found.filter(radar_class__in=[c.value for c in RadarClass if c.group == chosen.radar])
    if chosen.owner == "me":
        found = found.filter(case__owner=user)
    elif chosen.owner == "nobody":
        found = found.filter(case__owner__isnull=True)
    elif chosen.owner == "absent":
        found = found.filter(owner_absent=True)
    if chosen.overdue:
        found = found.filter(deadline_clock().overdue())
    if chosen.near:
        found = found.filter(deadline_clock().near())
    if chosen.acute:
        found = found.filter(Q(urgency_rank=0) | Q(unsafety="acute"), case__state__in=["received", "acute"])
    # The page needs neither the radar's evidence nor the case's data, nor the process version's document
    # (labels come from the definitions, cached by content hash).
    return (
        found.select_related("case", "case__owner", "case__process_version")
        .defer("radar", "reasons", "case__data", "case__pending", "case__process_version__document")
        .order_by("-news", "urgency_rank", "deadline_at", "case_id")
    )


@dataclass(frozen=True)
class Workload:
    owner: str  # the owner's name, "" for nobody yet
    open: int
    overdue: int


def notification_pairs_for_user(*, user: User, notifications: list[Notification]) -> dict[int, str]:
    """Per notification (its case id) "suspect → victim": the first suspect and the first victim its
    registration names, each by its list name among the registrations `user` may see (`persons.selectors`),
    else by its number; a mention linked to no person as the registration writes it when the user may see
    that registration, else "?". Four queries for a page."""
    wanted = {n.registration_id for n in notifications}
    if not wanted:
        return {}
    visible = registration_list_for_user(user=user)
    seen = set(visible.filter(pk__in=wanted).values_list("pk", flat=True))
    first: dict[int, dict[str, tuple[int | None, str]]] = defaultdict(dict)
    for registration_id, role, person, given, prefix, surname in (
        PersonMention.objects.filter(
            registration_id__in=wanted, role__in=[MentionRole.SUSPECT, MentionRole.VICTIM]
        )
        .order_by("id")
        .values_list("registration_id", "role", "link__person_id", "given_names", "surname_prefix", "surname")
    ):
        first[registration_id].setdefault(role, (person, full_name(given, prefix, surname)))
    persons = {person for sides in first.values() for person, _w in sides.values()}
    names = person_list_names(person_ids=persons, registrations=visible)

    def named(registration_id: int, role: str) -> str:
        person, written = first[registration_id].get(role, (None, ""))
        if person is not None:
            return person_label(person, names)
        return (written if registration_id in seen else "") or "?"

    sides = (MentionRole.SUSPECT, MentionRole.VICTIM)
    return {n.case_id: " → ".join(named(n.registration_id, side) for side in sides) for n in notifications}


def notification_case_pairs(cases: Sequence[Case]) -> dict[int, CasePair]:
    """The pairs of the notifications among `cases` for their heading (`workprocesses.headings`, registered
    in apps.py): the first suspect and the first victim the notified registration names, as the inbox names
    them (a mention linked to no person: no person, so its role word). Two queries."""
    notified = dict(
        Notification.objects.filter(case_id__in=[case.pk for case in cases]).values_list(
            "case_id", "registration_id"
        )
    )
    if not notified:
        return {}
    first: dict[int, dict[str, int | None]] = defaultdict(dict)
    for registration_id, role, person in (
        PersonMention.objects.filter(
            registration_id__in=set(notified.values()), role__in=[MentionRole.SUSPECT, MentionRole.VICTIM]
        )
        .order_by("id")
        .values_list("registration_id", "role", "link__person_id")
    ):
        first[registration_id].setdefault(role, person)
    return {
        case_id: CasePair(
            first[registration_id].get(MentionRole.SUSPECT), first[registration_id].get(MentionRole.VICTIM)
        )
        for case_id, registration_id in notified.items()
    }


def may_see_workload(user: User) -> bool:
    """The team lead and the chain contact see who holds how many of the organisation's notifications."""
    return may_use_vt_desk(user) and user.has_role(Role.TEAM_LEAD, Role.CHAIN_CONTACT)


def may_hand_over_in_bulk(user: User) -> bool:
    """The team lead hands notifications of the inbox over to a colleague in one go, as the police queue's
    team lead does."""
    return may_use_vt_desk(user) and user.has_role(Role.TEAM_LEAD)


def hand_over_colleagues(user: User) -> QuerySet[User]:
    """Who a team lead may make the owner of the organisation's notifications: its active users holding a
    role that assesses them (the kernel refuses anyone else, and a colleague recorded absent), by name as
    the pages write it, each marked when absent today (`absence_marked_name`)."""
    assert user.organisation_id is not None
    return with_absence_mark(
        User.objects.filter(
            organisation_id=user.organisation_id,
            is_active=True,
            roles__role__in=[Role.VT_ASSESSOR, Role.TEAM_LEAD],
        )
        .distinct()
        .order_by("first_name", "last_name", "username"),
        on=timezone.localdate(),
    )


def inbox_workload(*, user: User) -> list[Workload]:
    """Per owner (nobody first), the organisation's open notifications and how many are overdue: one query."""
    if not may_see_workload(user):
        return []
    now = timezone.now()
    assert user.organisation_id is not None
    rows = (
        Notification.objects.filter(organisation_id=user.organisation_id, open__in=[True])
        .values("case__owner__first_name", "case__owner__last_name", "case__owner__username")
        .annotate(total=Count("pk"), late=Count("pk", filter=Q(deadline_at__lte=now)))
    )
    found = [
        Workload(
            " ".join(p for p in (r["case__owner__first_name"], r["case__owner__last_name"]) if p)
            or (r["case__owner__username"] or ""),
            r["total"],
            r["late"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda w: (w.owner != "", -w.overdue, w.owner))


def notification_of(case: Case) -> Notification | None:
    """The desk's side of a case (None for a case of another desk). One query per case and request."""
    cached: dict[int, Notification | None] = getattr(case, "_vt_notification_cache", {})
    if case.pk not in cached:
        cached[case.pk] = (
            Notification.objects.filter(case_id=case.pk)
            .select_related(
                "registration",
                "police_case",
                "organisation",
                "forwarded_from__case",
                "forwarded_from__organisation",
                "municipality",
                "taken_over_by__case",
            )
            .first()
        )
        case._vt_notification_cache = cached  # type: ignore[attr-defined]
    return cached[case.pk]


@dataclass(frozen=True)
class EarlierRow:
    notification: Notification
    state: str
    common: int  # how many of this notification's persons it names


@dataclass
class RadarHistory:
    """What the assessor sees of a notification's history: the organisation's earlier notifications of its
    persons with their outcomes, the registrations Veilig Thuis made in its own system about them (those
    the user may see), and a count at other Veilig Thuis organisations."""

    earlier: list[EarlierRow] = field(default_factory=list)
    own_registrations: list[tuple[int, str]] = field(default_factory=list)  # (id, reference)
    hidden_registrations: int = 0
    elsewhere: int = 0
    involved_in: Notification | None = None


def radar_history(notification: Notification, *, user: User) -> RadarHistory:
    radar = notification.radar or {}
    ids = [int(i) for i in radar.get("earlier") or []]
    # Only the organisation's own: the radar never names another organisation's notification.
    rows = {
        n.case_id: n
        for n in Notification.objects.filter(
            case_id__in=ids, organisation_id=notification.organisation_id
        ).select_related("case", "case__process_version")
    }
    persons = set(radar.get("known") or [])
    common: Counter[int] = Counter()
    common.update(
        Case.persons.through.objects.filter(case_id__in=list(rows), person_id__in=persons).values_list(
            "case_id", flat=True
        )
    )
    history = RadarHistory(elsewhere=int(radar.get("elsewhere") or 0))
    for case_id in ids:
        n = rows.get(case_id)
        if n is None:
            continue
        definition = definition_of(n.case.process_version)
        history.earlier.append(EarlierRow(n, state_label(definition, n.case.state), common[case_id]))
        if radar.get("involved_in") == case_id:
            history.involved_in = n
    own = [int(i) for i in radar.get("registrations") or []]
    if own:
        sight = registration_sight_for_user(user=user, ids=own)
        history.own_registrations = list(
            Registration.objects.filter(pk__in=sight.visible)
            .order_by("-registered_at")
            .values_list("pk", "reference")
        )
        history.hidden_registrations = len(sight.hidden)
    return history


def feedback_for_police_case(case: Case) -> list[Notification]:
    """The notifications a police case made (or its registrations were routed as), with Veilig Thuis's
    feedback: shown to the police users who may open the case."""
    return list(
        Notification.objects.filter(police_case=case)
        .select_related("organisation", "case", "case__process_version", "taken_over_by__case")
        .order_by("received_at", "case_id")
    )


def notifications_about(police_case_id: int, registration_ids: Any) -> QuerySet[Notification]:
    """The notifications a police case made or its registrations were routed as, not forwarded away
    (`registration_ids`: a list or a subquery): what Veilig Thuis knows of that case, for the desks that
    follow it (the ZSM table); a registration that joined the notification of its pair counts as its own."""
    return (
        Notification.objects.filter(
            Q(police_case_id=police_case_id)
            | Q(registration_id__in=registration_ids)
            | Q(case__registrations__in=registration_ids)
        )
        .exclude(outcome="forwarded")
        .distinct()
    )


# --- timeliness ------------------------------------------------------------------------------------------


@dataclass
class WeekRow:
    week: date  # its Monday
    received: int = 0
    in_time: int = 0
    late: int = 0  # assessed after the term
    overdue_now: int = 0  # not assessed and past the term
    waiting: int = 0  # not assessed, still within the term
    # Not assessed, and taken over by a new notification when the police handed its registration over
    # again after its term: its work moved there, and the new one carries the term. Neither overdue nor
    # late, and not in the share in time.
    taken_over: int = 0
    by_class: Counter[str] = field(default_factory=Counter)

    def count(
        self,
        due: datetime | None,
        assessed: datetime | None,
        radar_class: str,
        now: datetime,
        *,
        taken_over: bool = False,
    ) -> None:
        """Count one notification received in this row's period."""
        self.received += 1
        self.by_class[radar_class] += 1
        if taken_over:
            self.taken_over += 1
        elif assessed is not None:
            if due is None or assessed <= due:
                self.in_time += 1
            else:
                self.late += 1
        elif due is not None and due <= now:
            self.overdue_now += 1
        else:
            self.waiting += 1

    @property
    def group_counts(self) -> list[int]:
        """Counts per radar main category: first, re-notification, during involvement."""
        return [
            sum(n for code, n in self.by_class.items() if RadarClass(code).group == group)
            for group in RADAR_GROUP_ORDER
        ]

    @property
    def label(self) -> str:
        year, number, _ = self.week.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def share_in_time(self) -> int | None:
        """Of the notifications whose term has passed or that were assessed: the share assessed in time
        (an overdue one counts against it); None when there is none yet."""
        due = self.in_time + self.late + self.overdue_now
        return round(100 * self.in_time / due) if due else None


def _monday(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _window(now: datetime, weeks: int) -> tuple[date, datetime]:
    """The Monday `weeks` weeks back (this week counting), and its first moment."""
    first = _monday(now) - timedelta(weeks=weeks - 1)
    return first, timezone.make_aware(datetime.combine(first, datetime.min.time()))


@dataclass(frozen=True)
class Cell:
    """One count as shown: `text` on the page, `value` for the chart (None where part of it is suppressed)."""

    text: str
    value: int | None

    def __str__(self) -> str:
        return self.text


def _cell(own: int, others: int) -> Cell:
    """A count of the viewer's own organisation's notifications (exact: their working figures) and other
    organisations' (published as on the insight desk: 1 to 4 suppressed, the rest rounded to 5). Where the
    others' part is suppressed the cell says only that it is below the own count plus 5, as "<5" does."""
    if others == 0:
        return Cell(str(own), own)
    shown = published(others).value
    if shown is None:
        return Cell(f"<{own + THRESHOLD}", None)
    return Cell(str(own + shown), own + shown)


@dataclass(frozen=True)
class ShownRow:
    """A row of the timeliness page: the own organisation's part exact, other organisations' published."""

    label: str
    received: Cell
    in_time: Cell
    late: Cell
    overdue_now: Cell
    waiting: Cell
    taken_over: Cell
    share_in_time: int | None
    group_counts: list[Cell]

    @classmethod
    def of(cls, own: WeekRow, others: WeekRow) -> ShownRow:
        return cls(
            own.label,
            _cell(own.received, others.received),
            _cell(own.in_time, others.in_time),
            _cell(own.late, others.late),
            _cell(own.overdue_now, others.overdue_now),
            _cell(own.waiting, others.waiting),
            _cell(own.taken_over, others.taken_over),
            _shown_share(own, others),
            [_cell(o, r) for o, r in zip(own.group_counts, others.group_counts, strict=True)],
        )


def _shown_share(own: WeekRow, others: WeekRow) -> int | None:
    """The share assessed in time: exact for the own organisation alone; with other organisations' counts
    in it, only where their own share could be shown (no part or rest of 1 to 4), rounded to 5 points."""
    others_due = others.in_time + others.late + others.overdue_now
    if not others_due:
        return own.share_in_time
    if share(others.in_time, others_due) is None:
        return None
    return share(own.in_time + others.in_time, own.in_time + own.late + own.overdue_now + others_due)


TIMELINESS_FIELDS = (
    "organisation_id",
    "received_at",
    "assessment_due_at",
    "assessed_at",
    "radar_class",
    "taken_over_by_id",
)


@dataclass
class Timeliness:
    weeks: list[ShownRow]  # per week of receipt, oldest first, for the chosen organisation (or all)
    regions: list[tuple[Organisation, ShownRow]]  # summed over the weeks, per Veilig Thuis organisation


def timeliness(
    *,
    viewer: Organisation | None,
    weeks: int = 12,
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Timeliness:
    """For the last `weeks` (this week counting): per week of receipt, for one Veilig Thuis organisation or
    all, and summed per organisation (every one, also with none): notifications received, assessed within
    the term, late, overdue now, still within it, taken over by a new notification, and per radar class.
    Counts only; one query.

    The `viewer`'s organisation's counts are exact (its staff work those notifications); every other
    organisation's are published (ketenzicht/ui/disclosure.py), also inside a total with the own ones:
    a Veilig Thuis organisation has no need to know another's individual notifications, and a count of 1
    registered minutes ago would all but name it."""
    now = now or timezone.now()
    first, start = _window(now, weeks)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    own_rows, other_rows = ({monday: WeekRow(monday) for monday in mondays} for _ in range(2))
    totals: dict[int, WeekRow] = defaultdict(lambda: WeekRow(first))
    viewer_id = viewer.pk if viewer is not None else None
    for organisation_id, received, due, assessed, radar_class, successor in (
        Notification.objects.filter(received_at__gte=start)
        .exclude(outcome="forwarded")
        .values_list(*TIMELINESS_FIELDS)
    ):
        taken_over = successor is not None
        totals[organisation_id].count(due, assessed, radar_class, now, taken_over=taken_over)
        rows = own_rows if organisation_id == viewer_id else other_rows
        row = rows.get(_monday(received))
        if row is not None and (organisation is None or organisation_id == organisation.pk):
            row.count(due, assessed, radar_class, now, taken_over=taken_over)
    regions = Organisation.objects.filter(kind=OrganisationKind.VEILIG_THUIS, active=True).order_by("name")
    nothing = WeekRow(first)
    by_region = []
    for region in regions:
        total = totals.get(region.pk) or nothing
        by_region.append(
            (region, ShownRow.of(total, nothing) if region.pk == viewer_id else ShownRow.of(nothing, total))
        )
    return Timeliness([ShownRow.of(own_rows[m], other_rows[m]) for m in mondays], by_region)


# --- feedback to the police (the chain contact's list) ---------------------------------------------------

# What a notification's feedback to the police is: sent, due (within its term), missing (past its term: the
# protocol's no-feedback alert), or none here (forwarded: the organisation it went to feeds back; taken
# over: the notification that took it over does).
FEEDBACK_STATES = ("missing", "due", "sent")


def may_see_feedback_list(user: User) -> bool:
    """The chain contact keeps the chain protocol: they follow whether each notification of their
    organisation got its feedback to the police within the term."""
    return may_use_vt_desk(user) and user.has_role(Role.CHAIN_CONTACT)


def _feedback_ours() -> Q:
    """Feedback this notification owes: it has a police case to tell, it was not forwarded and not taken
    over."""
    return Q(police_case__isnull=False, forwarded_to__isnull=True, taken_over_by__isnull=True)


def feedback_missing(now: datetime) -> Q:
    """The chain protocol's missing feedback, as `services.protocol_check` alerts it (once): none given
    while the term passed, on a notification that owes it."""
    return _feedback_ours() & Q(feedback_at__isnull=True, feedback_due_at__lte=now)


def feedback_due(now: datetime) -> Q:
    """Feedback owed and still within its term (or with no term)."""
    return (
        _feedback_ours()
        & Q(feedback_at__isnull=True)
        & (Q(feedback_due_at__gt=now) | Q(feedback_due_at__isnull=True))
    )


def feedback_sent() -> Q:
    return Q(police_case__isnull=False, feedback_at__isnull=False)


@dataclass(frozen=True)
class FeedbackFilter:
    state: str = ""  # one of FEEDBACK_STATES, "" all
    since: date | None = None  # received on or after
    until: date | None = None  # received on or before


@dataclass(frozen=True)
class FeedbackCounts:
    missing: int
    due: int
    sent: int
    total: int


def _feedback_base(user: User, chosen: FeedbackFilter) -> QuerySet[Notification]:
    """The notifications of the user's organisation that came from a police case, received in the chosen
    period; nothing for a user who may not see the list."""
    if not may_see_feedback_list(user):
        return Notification.objects.none()
    assert user.organisation_id is not None
    found = Notification.objects.filter(organisation_id=user.organisation_id, police_case__isnull=False)
    if chosen.since is not None:
        found = found.filter(received_at__date__gte=chosen.since)
    if chosen.until is not None:
        found = found.filter(received_at__date__lte=chosen.until)
    return found


def feedback_counts_for_user(
    *, user: User, chosen: FeedbackFilter | None = None, now: datetime | None = None
) -> FeedbackCounts:
    """How many notifications of the period (the state filter aside) miss their feedback, wait for it
    within the term, and got it; and how many there are in all. One query."""
    now = now or timezone.now()
    found = _feedback_base(user, chosen or FeedbackFilter()).aggregate(
        missing=Count("pk", filter=feedback_missing(now), distinct=True),
        due=Count("pk", filter=feedback_due(now), distinct=True),
        sent=Count("pk", filter=feedback_sent(), distinct=True),
        total=Count("pk", distinct=True),
    )
    return FeedbackCounts(found["missing"], found["due"], found["sent"], found["total"])


def feedback_list_for_user(
    *, user: User, chosen: FeedbackFilter | None = None, now: datetime | None = None
) -> QuerySet[Notification]:
    """The notifications of the user's organisation that owe the police feedback (or owed it), received in
    the chosen period and in the chosen state: the missing ones first, then the due ones, each by their
    term; then the rest (sent, or none owed here), the latest received first."""
    now = now or timezone.now()
    chosen = chosen or FeedbackFilter()
    found = _feedback_base(user, chosen)
    if chosen.state == "missing":
        found = found.filter(feedback_missing(now))
    elif chosen.state == "due":
        found = found.filter(feedback_due(now))
    elif chosen.state == "sent":
        found = found.filter(feedback_sent())
    return (
        found.select_related("case", "case__process_version", "police_case", "taken_over_by__case")
        .defer(
            "radar", "reasons", "handovers", "case__data", "case__pending", "case__process_version__document"
        )
        .annotate(
            forwarded=Exists(Notification.objects.filter(forwarded_from=OuterRef("pk"))),
            rank=DbCase(
                When(feedback_missing(now), then=Value(0)),
                When(feedback_due(now), then=Value(1)),
                default=Value(2),
            ),
            term=DbCase(When(rank__lt=2, then=F("feedback_due_at"))),
        )
        .order_by("rank", F("term").asc(nulls_last=True), "-received_at", "-case_id")
    )


def feedback_state(notification: Notification, *, forwarded: bool, now: datetime) -> str:
    """What the list says of one notification's feedback (FEEDBACK_STATES, or "forwarded" / "taken_over":
    none owed here), by the same conditions as the filters."""
    if notification.feedback_at is not None:
        return "sent"
    if forwarded:
        return "forwarded"
    if notification.taken_over_by_id is not None:
        return "taken_over"
    if notification.feedback_due_at is not None and notification.feedback_due_at <= now:
        return "missing"
    return "due"


def police_cases_seen(*, user: User, notifications: Sequence[Notification]) -> set[int]:
    """The police cases of `notifications` whose reference the user may read: those that hold a
    registration the sharing rules let the user see (Veilig Thuis: the one notified to it, while the
    disclosure stands; a notification forwarded away no longer names the police case). One query."""
    return police_case_ids_seen(
        user=user, case_ids={n.police_case_id for n in notifications if n.police_case_id is not None}
    )


def police_case_ids_seen(*, user: User, case_ids: Collection[int]) -> set[int]:
    """Of these police cases, those whose reference the user may read: those that hold a registration the
    sharing rules let the user see (`police_cases_seen`). One query."""
    wanted = set(case_ids)
    if not wanted:
        return set()
    visible = registration_list_for_user(user=user).values("pk")
    seen = set(
        Case.registrations.through.objects.filter(
            case_id__in=wanted, registration_id__in=visible
        ).values_list("case_id", flat=True)
    )
    return seen


def handoffs_named_for_user(*, user: User, handoff_ids: Collection[int]) -> set[int]:
    """Of these police hand-offs, those whose police case the user may be told of (its reference, on the
    notification's panel and in its history): the police case holds a registration the sharing rules let
    the user see (`police_case_ids_seen`). Not at an organisation that forwarded the notification since
    (its disclosure ended), whatever was handed over to it before. One query."""
    wanted = {pk for pk in handoff_ids if isinstance(pk, int)}
    if not wanted:
        return set()
    visible = registration_list_for_user(user=user).values("pk")
    seen = Case.registrations.through.objects.filter(case_id=OuterRef("case_id"), registration_id__in=visible)
    return set(Handoff.objects.filter(Exists(seen), pk__in=wanted).order_by().values_list("pk", flat=True))


def handover_notes_for_reader(case: Case, events: Sequence[Any], user: User) -> dict[int, str]:
    """The history lines of a notification's police hand-offs (they name the police case) as `user` may read
    them: without the police case where they may not be told of it (`handoffs_named_for_user`). Registered
    with the kernel (`labels.history_reader_register`)."""
    if case.process_version.process != PROCESS:
        return {}
    lines = [e for e in events if e.reason and e.detail.get("handoff") and e.detail.get("police_case")]
    named = handoffs_named_for_user(user=user, handoff_ids={e.detail["handoff"] for e in lines})
    return {
        e.pk: handover_note_unnamed(e.reason, str(e.detail["police_case"]))
        for e in lines
        if e.detail["handoff"] not in named
    }


@dataclass(frozen=True)
class ForwardedFrom:
    """Where a forwarded notification came from, as a user may be told: the Veilig Thuis organisation that
    forwarded it, always (the police case is told as much); its own notification's reference only when the
    user may open that notification (`case_list_for_user`: another organisation's case, never)."""

    organisation: str
    reference: str


def forwarded_from_for_user(*, user: User, notification: Notification) -> ForwardedFrom | None:
    """Where `notification` was forwarded from, as `user` may be told (`ForwardedFrom`). One query."""
    sender = notification.forwarded_from
    if sender is None:
        return None
    openable = case_list_for_user(user=user).filter(pk=sender.case_id).exists()
    return ForwardedFrom(sender.organisation.name, sender.case.reference if openable else "")
