"""Reads of the screening desk, scoped to the user: the unit's queue (urgent first, then by deadline), the
screening side of a case, the instruments a case's process offers, and the pre-answers the register gives
for a pair with the evidence the user may see (the rest counted, never named)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from ketenzicht.measures.models import Breach
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import absent_condition
from ketenzicht.organisations.signals import Holding
from ketenzicht.patterns.detector import detector
from ketenzicht.patterns.loading import events_involving
from ketenzicht.patterns.models import Signal
from ketenzicht.patterns.selectors import signal_list_for_user
from ketenzicht.registrations.models import Registration, Source
from ketenzicht.registrations.selectors import (
    HiddenGroup,
    registration_list_for_user,
    registration_sight_for_user,
)
from ketenzicht.ui.formats import versioned
from ketenzicht.ui.page_reads import once
from ketenzicht.workprocesses.models import Case, ProcessVersion
from ketenzicht.workprocesses.selectors import case_versions_for, deadline_clock, rollout_overview

from .engine.instrument import Instrument, Item
from .engine.prefill import Prefill, prefill
from .models import InstrumentVersion, Screening, ScreeningCase
from .services import case_rules

DESK_ROLES = (Role.CASE_SCREENER, Role.CASE_OWNER, Role.TEAM_LEAD)
PAGE_SIZE = 50

# The instruments each screening process offers, the first the default. Version 2 of ex-partner stalking
# requires the open ex-partner stalking screening (its pilot); instruments a licence holder supplied
# (load_instrument) are offered after these on every process.
INSTRUMENTS_FOR: dict[tuple[str, int], tuple[str, ...]] = {
    ("ex_partner_stalking", 2): ("ex_partner_stalking_open",),
    ("ex_partner_stalking", 1): ("ex_partner_stalking_open", "marac_criteria", "lethality_triggers"),
    ("dv_screening", 1): ("marac_criteria", "lethality_triggers", "ex_partner_stalking_open"),
}

ONLY_THESE = {("ex_partner_stalking", 2)}


def may_use_screening_desk(user: User) -> bool:
    organisation = getattr(user, "organisation", None)
    return bool(
        user.is_authenticated
        and organisation is not None
        and organisation.kind == OrganisationKind.POLITIE
        and user.has_role(*DESK_ROLES)
    )


def may_reassign_in_bulk(user: User) -> bool:
    return may_use_screening_desk(user) and user.has_role(Role.TEAM_LEAD)


@dataclass(frozen=True)
class QueueFilter:
    urgency: str = ""  # acute / high / normal / low, "" all
    level: str = ""  # the screening level, "none_yet" for cases not screened yet
    owner: str = ""  # "me", "nobody", "absent" (an absence covers today), a user id, "" all
    version: int | None = None  # a ProcessVersion id
    overdue: bool = False
    near: bool = False  # the deadline passes before the end of the next working day


def queue_for_user(*, user: User, chosen: QueueFilter | None = None) -> QuerySet[ScreeningCase]:
    """The open screening cases of the user's unit: acute first, then by deadline (none last), then the
    oldest (an index on the screening case holds that order). One query for a page, whatever its size
    (the test counts them); the process versions' documents stay out of it (labels come from the cached
    definitions)."""
    if not may_use_screening_desk(user):
        return ScreeningCase.objects.none()
    chosen = chosen or QueueFilter()
    cases = ScreeningCase.objects.filter(
        open=True,
        unit=user.organisation,
        case__organisation=user.organisation,  # the kernel's rule for seeing a case, as plain filters
        case__process_version_id__in=case_versions_for(user),
    ).annotate(  # the row's mark, in the page's one query
        owner_absent=ExpressionWrapper(
            absent_condition("case__owner_id", on=timezone.localdate()), output_field=BooleanField()
        )
    )
    if chosen.urgency:
        cases = cases.filter(urgency=chosen.urgency)
    if chosen.level == "none_yet":
        cases = cases.filter(level="")
    elif chosen.level:
        cases = cases.filter(level=chosen.level)
    if chosen.owner == "me":
        cases = cases.filter(case__owner=user)
    elif chosen.owner == "nobody":  # none, or one who left (deactivated): the unit's to take
        cases = cases.filter(Q(case__owner__isnull=True) | Q(case__owner__is_active=False))
    elif chosen.owner == "absent":  # an owner an absence covers today: for the team lead to hand over
        cases = cases.filter(owner_absent=True)
    elif chosen.owner.isdigit():
        cases = cases.filter(case__owner_id=int(chosen.owner))
    if chosen.version is not None:
        cases = cases.filter(case__process_version_id=chosen.version)
    if chosen.overdue:
        cases = cases.filter(deadline_clock().overdue())
    if chosen.near:
        cases = cases.filter(deadline_clock().near())
    return (
        cases.select_related("case__process_version", "case__owner")
        .defer("case__process_version__document", "case__title", "reasons")
        .order_by("urgency_rank", F("deadline_at").asc(nulls_last=True), "case_id")
    )


def queue_versions(user: User) -> QuerySet[ProcessVersion]:
    """The versions of the processes that open screening cases, for the queue's filter (a handful)."""
    return (
        ProcessVersion.objects.filter(pk__in=case_versions_for(user), process__in=case_rules().processes)
        .defer("document")
        .order_by("process", "version")
    )


def screening_case_of(case: Case) -> ScreeningCase | None:
    """The case's screening case (None for a case of another desk), read once for a case page (its step
    note, its screening panel and its persons all ask)."""
    return once(
        case,
        "screening_case",
        lambda: ScreeningCase.objects.select_related("suspect", "victim", "unit").filter(case=case).first(),
    )


# --- instruments ------------------------------------------------------------------------------------------


def instruments_for(case: Case) -> list[InstrumentVersion]:
    """The latest version of each instrument the case's process offers, the default first."""
    latest: dict[str, InstrumentVersion] = {}
    for version in InstrumentVersion.objects.order_by("code", "version"):
        latest[version.code] = version
    return [latest[code] for code in offered_codes(case.process_version, latest)]


def screenings_of(case: Case) -> list[Screening]:
    """The case's screenings, oldest first: its trend."""
    return list(case.screenings.select_related("instrument", "recorded_by", "second_person"))


def screening_to_redo(case: Case) -> Screening | None:
    """The case's latest screening when a second person declined its lowered level: screening again starts
    from its answers, for the screener to check and change."""
    latest = (
        case.screenings.select_related("instrument", "second_person").order_by("-recorded_at", "-id").first()
    )
    return latest if latest is not None and latest.status == Screening.Status.DECLINED else None


# --- pre-answers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrefillRow:
    """One item of the form with what the register says about it."""

    item: Item
    answer: bool | int | None  # the pre-answer (None: the register cannot answer this item)
    basis: str = ""
    evidence: list[Any] = field(default_factory=list)  # registrations the user may see
    hidden: list[HiddenGroup] = field(default_factory=list)  # the others, counted


def pair_prefill(screening_case: ScreeningCase, *, at: datetime | None = None) -> dict[str, Prefill]:
    """What the register says about the pair's police history, as known now (or at `at`). Police
    registrations only: the screener's task is the police's, other sources stay behind their rules."""
    events = [
        event
        for event in events_involving([screening_case.suspect_id, screening_case.victim_id], detector())
        if event.source == Source.POLITIE
    ]
    rules = Signal.objects.filter(
        active=True, suspect_id=screening_case.suspect_id, victim_id=screening_case.victim_id
    ).values_list("rule", flat=True)
    return prefill(
        events,
        suspect=screening_case.suspect_id,
        victim=screening_case.victim_id,
        at=at or timezone.now(),
        signal_rules=list(rules),
        breaches=pair_breaches(screening_case),
    )


def pair_breaches(screening_case: ScreeningCase) -> set[int]:
    """The registrations found to breach a protective measure binding the pair's suspect and protecting its
    victim (ids; the caller shows them through the access selectors): the pair's, named in them or not."""
    return set(
        Breach.objects.filter(
            measure__suspect_id=screening_case.suspect_id, measure__protected=screening_case.victim_id
        ).values_list("registration_id", flat=True)
    )


def prefill_rows(
    *, user: User, instrument: Instrument, facts: dict[str, Prefill], visible: Any
) -> list[PrefillRow]:
    """The instrument's items with their pre-answers; evidence split into what the user may see (links)
    and what is counted, read with the case as purpose (the caller logs it). `visible`: the user's
    registrations under that purpose, to take the visible ones from."""
    wanted = {pk for fact in facts.values() for pk in fact.evidence}
    sight = registration_sight_for_user(user=user, ids=sorted(wanted), purposed=True)  # the case's purpose
    shown = {r.pk: r for r in visible.filter(pk__in=sight.visible)}
    rows = []
    for item in instrument.items:
        fact = facts.get(item.prefill or "")
        if fact is None:
            rows.append(PrefillRow(item=item, answer=None))
            continue
        rows.append(
            PrefillRow(
                item=item,
                answer=fact.answer,
                basis=fact.basis,
                evidence=[shown[pk] for pk in fact.evidence if pk in shown],
                hidden=sight.hidden_groups([pk for pk in fact.evidence if pk in sight.hidden]),
            )
        )
    return rows


@dataclass(frozen=True)
class PairHistory:
    """The registrations in which both persons of a pair are linked (or that breach a measure between
    them), across units: those the user may see under the case as purpose (oldest first), and the others
    counted per organisation and unit."""

    shown: list[Any]
    hidden: list[HiddenGroup]


def pair_history(user: User, screening_case: ScreeningCase) -> PairHistory:
    """The pair's history: the registrations in which both are linked, and those that breach a protective
    measure binding the suspect and protecting the victim (an arrest for the breach may name the suspect
    alone)."""
    both = (
        Registration.objects.filter(mentions__link__person_id=screening_case.suspect_id)
        .filter(mentions__link__person_id=screening_case.victim_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    ids = sorted({*both, *pair_breaches(screening_case)})
    sight = registration_sight_for_user(user=user, ids=ids, purposed=True)
    shown = list(
        registration_list_for_user(user=user, purposed=True)
        .filter(pk__in=sight.visible)
        .order_by("registered_at", "pk")
    )
    return PairHistory(shown=shown, hidden=sight.hidden_groups())


def pair_history_ids(user: User, case: Case) -> list[int]:
    """The registrations the case page's history of the pair shows the user (none for a case of no pair)."""
    screening_case = screening_case_of(case)
    return [] if screening_case is None else [r.pk for r in pair_history(user, screening_case).shown]


def pair_signals(user: User, screening_case: ScreeningCase) -> list[Signal]:
    """The pattern signals about the pair that the user may see."""
    return list(
        signal_list_for_user(user=user).filter(
            Q(suspect_id=screening_case.suspect_id, victim_id=screening_case.victim_id)
        )
    )


def acute_held_by(sender: Any, user: User, **kwargs: Any) -> list[Holding]:
    """`user_holdings`: the acute open screening cases the user owns (named among their open cases)."""
    acute = list(
        ScreeningCase.objects.filter(open=True, case__owner=user, urgency="acute")
        .order_by("case__reference")
        .values_list("case__reference", flat=True)
    )
    return [Holding(gettext("Acute among the open cases they own"), tuple(acute))] if acute else []


# --- the instruments, for the functional administrator ------------------------------------------------------


def may_see_instruments(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.FUNCTIONAL_ADMIN))


@dataclass(frozen=True)
class InstrumentOffer:
    """A process version that offers an instrument, and the units where it is in force today."""

    process_version: ProcessVersion
    units: list[Organisation]


@dataclass(frozen=True)
class InstrumentVersionRow:
    """One loaded version of an instrument; `offers` only for the latest (a new screening uses that one)."""

    version: InstrumentVersion
    latest: bool
    offers: list[InstrumentOffer]


def offered_codes(process_version: ProcessVersion, latest: dict[str, InstrumentVersion]) -> list[str]:
    """The codes of the instruments a process version offers (as `instruments_for` chooses them)."""
    key = (process_version.process, process_version.version)
    chosen = [code for code in INSTRUMENTS_FOR.get(key, ()) if code in latest]
    if key in ONLY_THESE:
        return chosen  # the pilot requires its own screening
    licensed = sorted(c for c, v in latest.items() if v.licence == InstrumentVersion.Licence.LICENSED)
    return chosen + [code for code in licensed if code not in chosen]


def instrument_overview(*, on: date | None = None) -> list[list[InstrumentVersionRow]]:
    """Every loaded instrument (by code) with its versions, oldest first; the latest version with the
    screening process versions that offer it and the units where each is in force on `on` (today)."""
    versions = list(InstrumentVersion.objects.defer("document").order_by("code", "version"))
    latest = {v.code: v for v in versions}
    process_versions = list(
        ProcessVersion.objects.filter(process__in=case_rules().processes)
        .defer("document")
        .order_by("process", "version")
    )
    in_force: dict[int, list[Organisation]] = {}
    for row in rollout_overview(on=on):
        if row.current is not None:
            in_force.setdefault(row.current.process_version_id, []).append(row.organisation)
    offers: dict[str, list[InstrumentOffer]] = {}
    for pv in process_versions:
        for code in offered_codes(pv, latest):
            offers.setdefault(code, []).append(InstrumentOffer(pv, in_force.get(pv.pk, [])))
    overview: dict[str, list[InstrumentVersionRow]] = {}
    for version in versions:
        is_latest = latest[version.code] == version
        overview.setdefault(version.code, []).append(
            InstrumentVersionRow(version, is_latest, offers.get(version.code, []) if is_latest else [])
        )
    return list(overview.values())


def screening_log_names(ids: Collection[str]) -> dict[str, str]:
    """The access log's name of each risk screening of these ids (registered in apps.py): its case and its
    instrument, "Z2026-000074, B-SAFER, versie 1". For the access log's readers only."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = Screening.objects.filter(pk__in=numbers).select_related("case", "instrument")
    return {
        str(s.pk): f"{s.case.reference}, {versioned(s.instrument.name, s.instrument.version)}" for s in found
    }
