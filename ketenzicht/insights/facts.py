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
- a screening case counts on the day it opened, per urgency: in time when screened before any deadline
  passed, late when screened after one, overdue now, waiting (within its deadline), or closed without a
  screening;
- a Veilig Thuis notification counts on the day it was received (forwarded ones at the region that got
  them): assessed in time, late, overdue now or within the term, per radar group; one that waited past its
  term and was taken over by a new notification of the police's hand-off counts as taken over (the new
  one carries the term), neither overdue nor late;
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
from django.db.models import Min
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


def dv_and_stalking_ids(before: datetime) -> tuple[set[int], set[int]]:
    """The DV registrations and the stalking registrations registered before `before`: three flat reads
    (offences, relations of the circle) joined in memory, which a national register answers in seconds
    where a correlated query per registration does not."""
    dv = domestic_violence()
    through = Registration.offences.through.objects.filter(registration__registered_at__lt=before)
    stalking = set(through.filter(offence__article=STALKING).values_list("registration_id", flat=True))
    offended = set(through.filter(offence__article__in=dv.offences).values_list("registration_id", flat=True))
    circle = set(
        MentionRelation.objects.filter(
            kind__in=dv.circle, registration__registered_at__lt=before
        ).values_list("registration_id", flat=True)
    )
    return offended & circle, stalking


def _registrations(first: date, last: date, areas: Areas) -> Iterator[Fact]:
    start, end = _bounds(first, last)
    domestic, stalking = dv_and_stalking_ids(end)
    counted: dict[int, tuple[date, tuple[Area, ...]]] = {}
    for pk, registered_at, municipality_id, unit_id in Registration.objects.filter(
        registered_at__gte=start, registered_at__lt=end
    ).values_list("pk", "registered_at", "municipality_id", "unit_id"):
        if pk not in stalking and pk not in domestic:
            continue
        day, where = day_of(registered_at), areas.of(municipality_id, unit_id)
        counted[pk] = (day, where)
        yield Fact("registrations", "stalking" if pk in stalking else "dv_only", day, where)
    yield from _repeat_and_serial(counted, domestic | stalking, end)


def _repeat_and_serial(
    counted: dict[int, tuple[date, tuple[Area, ...]]], relevant: set[int], end: datetime
) -> Iterator[Fact]:
    """Repeat victims and serial suspects in the span's DV and stalking registrations (`counted`), from
    every such registration before the span's end (`relevant`): one read of the linked victims and
    suspects, in the order they were registered."""
    history = (
        PersonMention.objects.filter(
            role__in=("victim", "suspect"), link__isnull=False, registration__registered_at__lt=end
        )
        .values_list("registration_id", "registration__registered_at", "role", "link__person_id")
        .iterator(chunk_size=20_000)
    )
    victims: defaultdict[int, set[int]] = defaultdict(set)
    suspects: defaultdict[int, set[int]] = defaultdict(set)
    order: dict[int, datetime] = {}
    for registration_id, registered_at, role, person_id in history:
        if registration_id not in relevant:
            continue
        order[registration_id] = registered_at
        (victims if role == "victim" else suspects)[registration_id].add(person_id)
    seen_as_victim: set[int] = set()
    victims_of: defaultdict[int, set[int]] = defaultdict(set)  # suspect -> victims so far
    for registration_id in sorted(order, key=lambda pk: (order[pk], pk)):
        mine = counted.get(registration_id)
        for person in victims.get(registration_id, ()):
            if mine is not None and person in seen_as_victim:
                yield Fact("repeat_victims", "persons", mine[0], mine[1], key=person)
        seen_as_victim |= victims.get(registration_id, set())
        for suspect in suspects.get(registration_id, ()):
            victims_of[suspect] |= victims.get(registration_id, set()) - {suspect}
            if mine is not None and len(victims_of[suspect]) >= 2:
                yield Fact("serial_suspects", "persons", mine[0], mine[1], key=suspect)


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
        done, late_from = screened.get(case_id), escalated.get(case_id)
        if done is not None:
            status = "late" if late_from is not None and late_from < done else "in_time"
        elif closed_at is not None:
            status = "closed_unscreened"
        elif late_from is not None or (deadline_at is not None and deadline_at <= now):
            status = "overdue_now"
        else:
            status = "waiting"
        yield Fact("screening_timeliness", f"{urgency or 'none'}:{status}", day, where)


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
            "taken_over_by_id",
        )
    )
    for received_at, due, assessed, radar_class, organisation_id, municipality_id, successor in found:
        where = (
            tuple(a for a in areas.of(municipality_id) if a[0] != "vt_region")
            + areas.of(None, organisation_id)[1:]
        )
        if successor is not None:  # its work moved to the notification that took it over, with the term
            status = "taken_over"
        elif assessed is not None:
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
