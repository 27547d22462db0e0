"""Reads of the ZSM desks, scoped to the user: the district office's files, a file's panel, the requests a
chain partner must answer (only its own side), the office's posts, and the national portfolio holder's
figures per district office (counts, no names). Anything else is NotVisible (logged once, in audit.access)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Case as Either
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import override

from ketenzicht.audit.access import refuse
from ketenzicht.organisations.models import Organisation, Post, PostKind, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import holds_post
from ketenzicht.workprocesses.headings import CasePair
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.selectors import deadline_clock

from .models import Partner, PartnerRequest, ZsmFile

PAGE_SIZE = 50
PARTNER_OF_ROLE = {
    Role.VICTIM_SUPPORT: (Partner.VICTIM_SUPPORT, OrganisationKind.SLACHTOFFERHULP),
    Role.PROBATION: (Partner.PROBATION, OrganisationKind.RECLASSERING),
}


def may_use_zsm_desk(user: User) -> bool:
    organisation = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated
        and organisation is not None
        and organisation.kind == OrganisationKind.OM
        and user.has_role(Role.PROSECUTOR)
    )


def leads_zsm_table(case: Case, user: User) -> bool:
    """Whether `user` divides the files of `case`'s district office: a prosecutor there holding the post of
    ZSM coordinator. They hand a file from one prosecutor to another, as a team lead does elsewhere (the
    kernel asks this through `register_queue_lead`; a district office has no team lead)."""
    return bool(
        user.is_authenticated
        and user.organisation_id == case.organisation_id
        and may_use_zsm_desk(user)
        and holds_post(user, PostKind.ZSM_COORDINATOR)
    )


def may_see_portfolio(user: User) -> bool:
    return may_use_zsm_desk(user) and holds_post(user, PostKind.NATIONAL_PORTFOLIO)


def partners_of(user: User) -> list[str]:
    """The partners whose requests the user answers (their role within the partner's organisation)."""
    organisation = getattr(user, "organisation", None)
    if not user.is_authenticated or organisation is None:
        return []
    return [
        partner
        for role, (partner, kind) in PARTNER_OF_ROLE.items()
        if organisation.kind == kind and user.has_role(role)
    ]


def partner_names() -> dict[str, str]:
    """Each partner by the name its organisation is registered under ("Slachtofferhulp Nederland"), the same
    in every language, as the page's header names it: the organisation a request to the partner goes to
    (`services.opening.request_open`); the partner's label while none is registered."""
    kinds = dict(PARTNER_OF_ROLE.values())
    named: dict[str, str] = {}
    for kind, name in (
        Organisation.objects.filter(kind__in=kinds.values(), active=True)
        .order_by("-pk")
        .values_list("kind", "name")
    ):
        named[kind] = name  # the first of each kind by pk last
    return {partner.value: named.get(kind, str(partner.label)) for partner, kind in kinds.items()}


def may_answer_requests(user: User) -> bool:
    return bool(partners_of(user))


@dataclass(frozen=True)
class DeskFilter:
    show: str = ""  # "", "mine", "overdue", "near" (due soon), "closed"


def _office_files(user: User) -> QuerySet[ZsmFile]:
    """Every file of the user's district office, open or decided; none for a user without the desk."""
    if not may_use_zsm_desk(user):
        return ZsmFile.objects.none()
    return ZsmFile.objects.filter(district_office_id=user.organisation_id).select_related(
        "case", "case__owner", "case__process_version", "police_case__organisation"
    )


def desk_files(*, user: User, chosen: DeskFilter | None = None) -> QuerySet[ZsmFile]:
    """The files of the user's district office: open ones acute first, then the nearest deadline."""
    chosen = chosen or DeskFilter()
    files = _office_files(user)
    if chosen.show == "closed":
        return files.filter(open__in=[False]).order_by("-closed_at", "-case_id")
    files = files.filter(open__in=[True])
    if chosen.show == "mine":
        files = files.filter(case__owner=user)
    if chosen.show == "overdue":
        files = files.filter(deadline_clock().overdue())
    if chosen.show == "near":
        files = files.filter(deadline_clock().near())
    return files.order_by("urgency_rank", "deadline_at", "case_id")


def file_of(case: Case) -> ZsmFile | None:
    return (
        ZsmFile.objects.filter(pk=case.pk)
        .select_related(
            "district_office",
            "police_case",
            "police_case__organisation",
            "police_case__process_version",
            "municipality",
            "prosecutor",
        )
        .first()
    )


def file_get_for_user(*, user: User, pk: int, origin: str = "") -> ZsmFile:
    """A file of the user's own district office; NotVisible (the same 404) otherwise."""
    found = _office_files(user).filter(pk=pk).first()
    if found is None:
        raise refuse(actor=user, object_type="zsm_file", object_id=pk, origin=origin)
    return found


def file_requests(file: ZsmFile) -> list[PartnerRequest]:
    return list(file.requests.select_related("organisation").order_by("requested_at", "id"))


def requests_for_user(*, user: User, answered: bool = False) -> QuerySet[PartnerRequest]:
    """The requests put to the user's organisation for the partner they work for: open ones the most urgent
    first (past their term, then by the file's urgency, then the nearest deadline), or (`answered`) those
    done with, answered or withdrawn because the prosecutor decided the file first, the latest first."""
    partners = partners_of(user)
    if not partners:
        return PartnerRequest.objects.none()
    found = PartnerRequest.objects.filter(
        organisation_id=user.organisation_id or 0, partner__in=partners
    ).select_related("file", "file__case", "file__district_office")
    if answered:
        return (
            found.filter(Q(answered_at__isnull=False) | Q(withdrawn_at__isnull=False))
            .annotate(done_at=Coalesce("answered_at", "withdrawn_at"))
            .order_by("-done_at", "-id")
        )
    # Open: unanswered, of a file still open (a decided file needs no answer). The most urgent first: those
    # past their term, then those of the most urgent files (acute first), each the nearest deadline first.
    return (
        _open_requests(found)
        .annotate(
            past_term=Either(
                When(due_at__lt=timezone.now(), then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("past_term", "file__urgency_rank", "due_at", "id")
    )


def _open_requests(found: QuerySet[PartnerRequest]) -> QuerySet[PartnerRequest]:
    return found.filter(answered_at__isnull=True, withdrawn_at__isnull=True, file__open=True)


@dataclass(frozen=True)
class RequestCounts:
    open: int  # not answered, of a file still open
    late: int  # of those, past their term


def request_counts(*, user: User) -> RequestCounts:
    """How many requests wait for the user's answer, and how many of them are past their term: for the start
    page (none for a user who answers none)."""
    partners = partners_of(user)
    if not partners:
        return RequestCounts(open=0, late=0)
    counted = _open_requests(
        PartnerRequest.objects.filter(organisation_id=user.organisation_id or 0, partner__in=partners)
    ).aggregate(open=Count("id"), late=Count("id", filter=Q(due_at__lt=timezone.now())))
    return RequestCounts(open=counted["open"], late=counted["late"])


def request_get_for_user(*, user: User, pk: int, origin: str = "") -> PartnerRequest:
    partners = partners_of(user)
    found = (
        PartnerRequest.objects.filter(pk=pk, organisation_id=user.organisation_id or 0, partner__in=partners)
        .select_related("file", "file__case", "file__district_office")
        .first()
        if partners
        else None
    )
    if found is None:
        raise refuse(actor=user, object_type="zsm_request", object_id=pk, origin=origin)
    return found


def office_posts(user: User) -> list[Post]:
    """The posts of the user's district office (who takes the DV files, who stands in, who coordinates)."""
    if not may_use_zsm_desk(user):
        return []
    return list(
        Post.objects.filter(organisation_id=user.organisation_id or 0)
        .exclude(kind=PostKind.NATIONAL_PORTFOLIO)
        .select_related("user")
        .order_by("kind", "user__last_name")
    )


@dataclass
class OfficeFigures:
    office: Organisation
    open: int = 0
    overdue: int = 0
    late_requests: int = 0
    routes: Counter[str] = field(default_factory=Counter)  # chosen routes of the period's files
    decisions: Counter[str] = field(default_factory=Counter)
    hours: list[float] = field(default_factory=list)  # received -> decided, of the period's decisions

    @property
    def median_hours(self) -> float | None:
        return round(median(self.hours), 1) if self.hours else None


def portfolio(*, days: int = 365, now: datetime | None = None) -> list[OfficeFigures]:
    """Per district office: open files, overdue now, requests answered late or not at all, the routes and
    decisions of files received in the last `days`, the median hours from receipt to decision. Counts only:
    no names, no references. Three queries whatever the number of files."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    offices = {
        o.pk: OfficeFigures(o) for o in Organisation.objects.filter(kind=OrganisationKind.OM, active=True)
    }
    rows = ZsmFile.objects.filter(Q(open__in=[True]) | Q(received_at__gte=since)).values_list(
        "district_office_id", "open", "deadline_at", "received_at", "route", "decision", "decided_at"
    )
    for office, is_open, deadline, received, route, decision, decided in rows:
        figures = offices.get(office)
        if figures is None:
            continue
        if is_open:
            figures.open += 1
            figures.overdue += bool(deadline and deadline <= now)
        if received >= since:
            if route:
                figures.routes[route] += 1
            if decision:
                figures.decisions[decision] += 1
                if decided:
                    figures.hours.append((decided - received).total_seconds() / 3600)
    late: dict[int, int] = defaultdict(int)
    for office, answered, withdrawn, due in PartnerRequest.objects.filter(
        requested_at__gte=since
    ).values_list("file__district_office_id", "answered_at", "withdrawn_at", "due_at"):
        if (answered or withdrawn or now) > due:
            late[office] += 1
    for office, count in late.items():
        if office in offices:
            offices[office].late_requests = count
    return sorted(offices.values(), key=lambda f: f.office.name)


# --- the access log's names for posts and partner requests (registered in apps.py) -------------------------


def post_log_names(ids: Collection[str]) -> dict[str, str]:
    """The name of each post of these ids (as the access log stores them): the post, its holder and the
    office, "Officier van justitie huiselijk geweld en stalking: Eva Jansen (Arrondissementsparket
    Oost-Brabant)". Not scoped: for the access log's readers only."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = Post.objects.filter(pk__in=numbers).select_related("user", "organisation")
    return {
        str(post.pk): f"{PostKind(post.kind).label}: {post.user.display_name} ({post.organisation.name})"
        for post in found
        if post.kind in PostKind.values
    }


def request_log_names(ids: Collection[str]) -> dict[str, str]:
    """The name of each request to a ZSM partner of these ids: the partner and the file's reference,
    "Slachtofferhulp, Z2026-000079". Not scoped: for the access log's readers only."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = PartnerRequest.objects.filter(pk__in=numbers).values_list(
        "pk", "partner", "file__case__reference"
    )
    return {
        str(pk): f"{Partner(partner).label}, {reference}" if partner in Partner.values else reference
        for pk, partner, reference in found
    }


def request_ids_of_log_name(text: str) -> list[str]:
    """The requests a name as the log shows it names: the partner (in either language, or its code) and the
    file's reference after the last comma; [] for text that is no request's name."""
    partner_text, comma, reference = " ".join(text.split()).rpartition(",")
    if not comma or not reference.strip():
        return []
    wanted = partner_text.strip().casefold()
    partners = [
        value for value, label in Partner.choices if wanted in {value.casefold(), str(label).casefold()}
    ]
    with override("en"):
        partners += [value for value, label in Partner.choices if wanted == str(label).casefold()]
    found = PartnerRequest.objects.filter(partner__in=partners, file__case__reference=reference.strip())
    return [str(pk) for pk in found.values_list("pk", flat=True)]


def file_case_pairs(cases: Sequence[Case]) -> dict[int, CasePair]:
    """The pairs of the ZSM files among `cases` for their heading (`workprocesses.headings`, registered in
    apps.py): the suspect and the victim of the police case the file was sent from, as the desk names them.
    One query."""
    rows = ZsmFile.objects.filter(case_id__in=[case.pk for case in cases]).values_list(
        "case_id", "suspect_id", "victim_id"
    )
    return {case_id: CasePair(suspect, victim) for case_id, suspect, victim in rows}
