"""What the figures are counted from: one `Fact` per registration, signal, screening case, Veilig Thuis
notification, ZSM decision, measure and breach whose day lies in a span, with the areas it counts in.

The definitions, once (docs/insights.md explains them to the reader):
- a DV registration names a domestic-violence offence and a relation of the domestic circle
  (registrations/data/domestic_violence.yaml); a stalking registration names art. 285b Sr;
- a registration counts on the day it was registered; its areas are those of the municipality where it
  happened (police unit, Veilig Thuis region, district office), else of the organisation that registered it;
- a repeat victim is a person who is the victim of a DV or stalking registration and was so in an earlier
  one; a serial suspect is a person suspected in a DV or stalking registration who, counting it, is
  suspected of such registrations against two or more victims;
- a stalking signal (rule possible_stalking) counts on the day it first fired: "before" when the pair's
  first art. 285b registration came later (its lead time in days), "without" when there is none, "after"
  when one came first;
- a screening case counts on the day it opened: in time when screened before any deadline passed, late
  when screened after one, overdue now, waiting (within its deadline), or closed without a screening;
- a Veilig Thuis notification counts on the day it was received (forwarded ones at the region that got
  them): assessed in time, late, overdue now or within the term, per radar group;
- a ZSM decision counts on the day it was taken, per route, with the hours from receipt to decision;
- a measure counts on its first day, per kind; a breach on the day it happened, per kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from ketenzicht.measures.models import Breach, Measure
from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.patterns.models import Signal
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.registrations.domestic import domestic_violence
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.veiligthuis.engine.radar import RadarClass
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.workprocesses.models import CaseEvent

from .engine.counting import NATIONAL, Area, Fact

STALKING = "285b"
STALKING_RULE = "possible_stalking"
RADAR_CODES = frozenset(c.value for c in RadarClass)


class Areas:
    """The areas a municipality, else an organisation, counts in (read once per counting run)."""

    @cached_property
    def _organisations(self) -> dict[int, tuple[str, str]]:
        return {pk: (code, kind) for pk, code, kind in Organisation.objects.values_list("pk", "code", "kind")}

    @cached_property
    def _office_of_unit(self) -> dict[int, int]:
        return {
            unit: office
            for office, unit in Organisation.objects.filter(
                kind=OrganisationKind.OM, police_unit__isnull=False
            ).values_list("pk", "police_unit_id")
        }

    @cached_property
    def _municipalities(self) -> dict[int, tuple[Area, ...]]:
        code = self._organisations
        return {
            pk: (
                NATIONAL,
                ("police_unit", code[unit][0]),
                ("vt_region", code[vt][0]),
                ("district_office", code[office][0]),
            )
            for pk, unit, vt, office in Municipality.objects.values_list(
                "pk", "police_unit_id", "vt_region_id", "district_office_id"
            )
        }

    def of(self, municipality_id: int | None, organisation_id: int | None = None) -> tuple[Area, ...]:
        if municipality_id is not None and municipality_id in self._municipalities:
            return self._municipalities[municipality_id]
        found = self._organisations.get(organisation_id) if organisation_id is not None else None
        if found is None:
            return (NATIONAL,)
        code, kind = found
        if kind == OrganisationKind.POLITIE:
            office = self._office_of_unit.get(organisation_id or 0)
            return (NATIONAL, ("police_unit", code)) + (
                (("district_office", self._organisations[office][0]),) if office else ()
            )
        if kind == OrganisationKind.VEILIG_THUIS:
            return (NATIONAL, ("vt_region", code))
        if kind == OrganisationKind.OM:
            return (NATIONAL, ("district_office", code))
        return (NATIONAL,)


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_of(moment: datetime) -> date:
    return moment.astimezone(_tz()).date()


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments from the start of `first` up to (not including) the day after `last`, local time."""
    tz = _tz()
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(date.fromordinal(last.toordinal() + 1), datetime.min.time(), tz)
    return start, end


def dv_or_stalking() -> QuerySet[Registration]:
    """The DV and stalking registrations (the one definition, as a query)."""
    dv = domestic_violence()
    through = Registration.offences.through
    return Registration.objects.filter(
        Q(
            Exists(through.objects.filter(registration_id=OuterRef("pk"), offence__article__in=dv.offences)),
            Exists(MentionRelation.objects.filter(registration_id=OuterRef("pk"), kind__in=dv.circle)),
        )
        | Exists(through.objects.filter(registration_id=OuterRef("pk"), offence__article=STALKING))
    )


def facts_between(first: date, last: date, *, now: datetime | None = None) -> Iterator[Fact]:
    """Every fact whose day lies from `first` to `last` (inclusive)."""
    now = now or timezone.now()
    areas = Areas()
    yield from _registrations(first, last, areas)
    yield from _signals(first, last, areas)
    yield from _screening(first, last, areas, now)
    yield from _veilig_thuis(first, last, areas, now)
    yield from _zsm(first, last, areas)
    yield from _measures(first, last, areas)


def _registrations(first: date, last: date, areas: Areas) -> Iterator[Fact]:
    start, end = _bounds(first, last)
    dv = domestic_violence()
    in_span = Registration.objects.filter(registered_at__gte=start, registered_at__lt=end)
    articles: defaultdict[int, set[str]] = defaultdict(set)
    for registration_id, article in Registration.offences.through.objects.filter(
        registration__in=in_span
    ).values_list("registration_id", "offence__article"):
        articles[registration_id].add(article)
    circle: set[int] = set(
        MentionRelation.objects.filter(registration__in=in_span, kind__in=dv.circle).values_list(
            "registration_id", flat=True
        )
    )
    counted: dict[int, tuple[datetime, date, tuple[Area, ...]]] = {}
    for pk, registered_at, municipality_id, unit_id in in_span.values_list(
        "pk", "registered_at", "municipality_id", "unit_id"
    ):
        found = articles.get(pk, set())
        stalking = STALKING in found
        domestic = bool(found & dv.offences) and pk in circle
        if not (stalking or domestic):
            continue
        day, where = day_of(registered_at), areas.of(municipality_id, unit_id)
        counted[pk] = (registered_at, day, where)
        yield Fact("registrations", "stalking" if stalking else "dv_only", day, where)
    yield from _repeat_and_serial(counted, in_span)


def _repeat_and_serial(
    counted: dict[int, tuple[datetime, date, tuple[Area, ...]]], in_span: QuerySet[Registration]
) -> Iterator[Fact]:
    """Repeat victims and serial suspects among the persons of the span's DV and stalking registrations,
    with their earlier such registrations (any time before) read from the whole register."""
    roles = ("victim", "suspect")
    persons_in_span = PersonMention.objects.filter(
        registration__in=in_span, role__in=roles, link__isnull=False
    ).values("link__person_id")
    # Every DV or stalking registration of those persons, with all its victims and suspects: a suspect's
    # earlier victims count even when they are not in the span.
    theirs = PersonMention.objects.filter(role__in=roles, link__person_id__in=persons_in_span).values(
        "registration_id"
    )
    history = (
        PersonMention.objects.filter(
            role__in=roles,
            link__isnull=False,
            registration_id__in=theirs,
            registration__in=dv_or_stalking(),
        )
        .values_list("registration_id", "registration__registered_at", "role", "link__person_id")
        .order_by("registration__registered_at", "registration_id")
    )
    victims: defaultdict[int, set[int]] = defaultdict(set)
    suspects: defaultdict[int, set[int]] = defaultdict(set)
    order: dict[int, tuple[datetime, int]] = {}
    for registration_id, registered_at, role, person_id in history:
        order[registration_id] = (registered_at, registration_id)
        (victims if role == "victim" else suspects)[registration_id].add(person_id)
    seen_as_victim: set[int] = set()
    victims_of: defaultdict[int, set[int]] = defaultdict(set)  # suspect -> victims so far
    for registration_id in sorted(order, key=order.__getitem__):
        mine = counted.get(registration_id)
        for person in victims[registration_id]:
            if mine is not None and person in seen_as_victim:
                yield Fact("repeat_victims", "persons", mine[1], mine[2], key=person)
        seen_as_victim |= victims[registration_id]
        for suspect in suspects[registration_id]:
            victims_of[suspect] |= victims[registration_id] - {suspect}
            if mine is not None and len(victims_of[suspect]) >= 2:
                yield Fact("serial_suspects", "persons", mine[1], mine[2], key=suspect)


def _signals(first: date, last: date, areas: Areas) -> Iterator[Fact]:
    start, end = _bounds(first, last)
    signals = list(
        Signal.objects.filter(
            rule=STALKING_RULE, first_fired_at__gte=start, first_fired_at__lt=end, suspect__isnull=False
        ).values_list(
            "first_fired_at",
            "suspect_id",
            "victim_id",
            "unit_id",
            "first_fired_registration__municipality_id",
        )
    )
    if not signals:
        return
    persons = {s[1] for s in signals} | {s[2] for s in signals if s[2] is not None}
    stalking_mentions = PersonMention.objects.filter(
        registration__offences__article=STALKING,
        role__in=("victim", "suspect"),
        link__person_id__in=persons,
    ).values_list("registration_id", "registration__registered_at", "role", "link__person_id")
    by_registration: defaultdict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    when: dict[int, datetime] = {}
    for registration_id, registered_at, role, person_id in stalking_mentions:
        by_registration[registration_id][0 if role == "suspect" else 1].append(person_id)
        when[registration_id] = registered_at
    first_285b: dict[tuple[int, int], datetime] = {}
    for registration_id, (suspects, victims) in by_registration.items():
        for pair in ((s, v) for s in suspects for v in victims):
            if pair not in first_285b or when[registration_id] < first_285b[pair]:
                first_285b[pair] = when[registration_id]
    for fired_at, suspect_id, victim_id, unit_id, municipality_id in signals:
        where, day = areas.of(municipality_id, unit_id), day_of(fired_at)
        found = first_285b.get((suspect_id, victim_id)) if victim_id is not None else None
        if found is None:
            yield Fact("stalking_signals", "without", day, where)
        elif found > fired_at:
            yield Fact("stalking_signals", "before", day, where, value=(found - fired_at).days)
        else:
            yield Fact("stalking_signals", "after", day, where)


def _screening(first: date, last: date, areas: Areas, now: datetime) -> Iterator[Fact]:
    start, end = _bounds(first, last)
    cases = ScreeningCase.objects.filter(case__opened_at__gte=start, case__opened_at__lt=end)
    screened = dict(
        CaseEvent.objects.filter(case__screening__in=cases, kind="transition", transition="screened")
        .values("case_id")
        .annotate(at=Min("at"))
        .values_list("case_id", "at")
    )
    escalated = dict(
        CaseEvent.objects.filter(case__screening__in=cases, kind="escalated")
        .values("case_id")
        .annotate(at=Min("at"))
        .values_list("case_id", "at")
    )
    for case_id, opened_at, closed_at, deadline_at, urgency, unit_id, municipality_id in cases.values_list(
        "case_id",
        "case__opened_at",
        "case__closed_at",
        "case__deadline_at",
        "urgency",
        "unit_id",
        "opened_by__municipality_id",
    ):
        day, where = day_of(opened_at), areas.of(municipality_id, unit_id)
        yield Fact("screening_opened", urgency or "none", day, where)
        done, late_from = screened.get(case_id), escalated.get(case_id)
        if done is not None:
            status = "late" if late_from is not None and late_from < done else "in_time"
        elif closed_at is not None:
            status = "closed_unscreened"
        elif late_from is not None or (deadline_at is not None and deadline_at <= now):
            status = "overdue_now"
        else:
            status = "waiting"
        yield Fact("screening_timeliness", status, day, where)


def _veilig_thuis(first: date, last: date, areas: Areas, now: datetime) -> Iterator[Fact]:
    start, end = _bounds(first, last)
    found = (
        Notification.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(outcome="forwarded")
        .values_list(
            "received_at",
            "assessment_due_at",
            "assessed_at",
            "radar_class",
            "organisation_id",
            "municipality_id",
        )
    )
    for received_at, due, assessed, radar_class, organisation_id, municipality_id in found:
        where = (
            tuple(a for a in areas.of(municipality_id) if a[0] != "vt_region")
            + areas.of(None, organisation_id)[1:]
        )
        if assessed is not None:
            status = "in_time" if due is None or assessed <= due else "late"
        elif due is not None and due <= now:
            status = "overdue_now"
        else:
            status = "waiting"
        group = RadarClass(radar_class).group if radar_class in RADAR_CODES else "first"
        yield Fact("vt_notifications", f"{group}:{status}", day_of(received_at), where)


def _zsm(first: date, last: date, areas: Areas) -> Iterator[Fact]:
    start, end = _bounds(first, last)
    decided = ZsmFile.objects.filter(decided_at__gte=start, decided_at__lt=end).values_list(
        "decided_at", "received_at", "route", "triage", "municipality_id", "district_office_id"
    )
    for decided_at, received_at, route, triage, municipality_id, office_id in decided:
        assert decided_at is not None  # filtered on it
        where = areas.of(municipality_id, office_id)
        chosen = route or (triage or {}).get("route") or "undetermined"
        hours = round(max((decided_at - received_at).total_seconds(), 0) / 3600, 1)
        day = day_of(decided_at)
        yield Fact("zsm_decided", chosen, day, where, value=hours)
        yield Fact("zsm_decided", "all", day, where, value=hours)


def _measures(first: date, last: date, areas: Areas) -> Iterator[Fact]:
    measures = Measure.objects.filter(starts_on__gte=first, starts_on__lte=last)
    zsm_place = dict(
        ZsmFile.objects.filter(case_id__in=measures.values("source_case_id")).values_list(
            "case_id", "municipality_id"
        )
    )
    police_place = dict(
        ScreeningCase.objects.filter(case_id__in=measures.values("police_case_id")).values_list(
            "case_id", "opened_by__municipality_id"
        )
    )
    for starts_on, kind, organisation_id, office_id, source_case_id, police_case_id in measures.values_list(
        "starts_on", "kind", "organisation_id", "district_office_id", "source_case_id", "police_case_id"
    ):
        municipality_id = zsm_place.get(source_case_id) or police_place.get(police_case_id)
        yield Fact("measures", kind, starts_on, areas.of(municipality_id, organisation_id or office_id))
    for occurred_on, kind, municipality_id, unit_id in Breach.objects.filter(
        occurred_on__gte=first, occurred_on__lte=last
    ).values_list("occurred_on", "kind", "registration__municipality_id", "registration__unit_id"):
        yield Fact("breaches", kind, occurred_on, areas.of(municipality_id, unit_id))
