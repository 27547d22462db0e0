"""Numbers that reconcile: after a count, every cell of every period and area equals what this test
computes on its own from the register, object by object, with the definitions of docs/insights.md."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from ketenzicht.insights.models import Cell
from ketenzicht.insights.services import figures_refresh, register_years
from ketenzicht.measures.models import Breach, Measure
from ketenzicht.organisations.models import Organisation, PostKind
from ketenzicht.organisations.services import post_assign
from ketenzicht.patterns.models import Signal
from ketenzicht.prosecution.models import ZsmFile
from ketenzicht.prosecution.services import behaviour_order_impose, triage_choose
from ketenzicht.registrations.domestic import domestic_violence
from ketenzicht.registrations.models import Registration
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.veiligthuis.engine.radar import RadarClass
from ketenzicht.veiligthuis.models import Notification
from tests.measures.helpers import LOTTE_MISSPELT, recent
from tests.patterns.helpers import ILSE, MARCO, take_in
from tests.prosecution.helpers import send_to_zsm

pytestmark = pytest.mark.django_db

Key = tuple[str, date, str, str, str, str]


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def starts(day: date) -> list[tuple[str, date]]:
    return [
        ("week", date.fromordinal(day.toordinal() - day.weekday())),
        ("month", day.replace(day=1)),
        ("year", day.replace(month=1, day=1)),
    ]


def areas_of(municipality: Any, organisation: Organisation | None) -> list[tuple[str, str]]:
    if municipality is not None:
        return [
            ("national", "nl"),
            ("police_unit", municipality.police_unit.code),
            ("vt_region", municipality.vt_region.code),
            ("district_office", municipality.district_office.code),
        ]
    found = [("national", "nl")]
    if organisation is None:
        return found
    if organisation.kind == "politie":
        found.append(("police_unit", organisation.code))
        found += [("district_office", o.code) for o in organisation.district_offices.all()]
    elif organisation.kind == "veilig_thuis":
        found.append(("vt_region", organisation.code))
    elif organisation.kind == "om":
        found.append(("district_office", organisation.code))
    return found


class Expected:
    def __init__(self) -> None:
        self.counts: Counter[Key] = Counter()
        self.persons: defaultdict[Key, set[int]] = defaultdict(set)
        self.values: defaultdict[Key, list[float]] = defaultdict(list)

    def add(
        self,
        figure: str,
        part: str,
        day: date,
        where: Iterable[tuple[str, str]],
        *,
        person: int | None = None,
        value: float | None = None,
    ) -> None:
        for kind, start in starts(day):
            for area_kind, code in where:
                key = (kind, start, area_kind, code, figure, part)
                if person is None:
                    self.counts[key] += 1
                else:
                    self.persons[key].add(person)
                if value is not None:
                    self.values[key].append(value)

    def cells(self) -> dict[Key, float]:
        found: dict[Key, float] = dict(self.counts)
        found.update({key: len(persons) for key, persons in self.persons.items()})
        for (kind, start, area_kind, code, figure, part), values in self.values.items():
            found[(kind, start, area_kind, code, figure + ":median", part)] = round(
                statistics.median(values), 1
            )
        return found


def person_of(mention: Any) -> int | None:
    link = getattr(mention, "link", None)
    return link.person_id if link is not None else None


def expected_from_the_register(now: datetime) -> dict[Key, float]:
    dv = domestic_violence()
    expected = Expected()
    registrations = list(
        Registration.objects.select_related("municipality__police_unit", "municipality__vt_region")
        .select_related("municipality__district_office", "unit")
        .prefetch_related("offences", "relations", "mentions__link")
        .order_by("registered_at", "pk")
    )
    seen_victims: set[int] = set()
    victims_of: defaultdict[int, set[int]] = defaultdict(set)
    for registration in registrations:
        articles = {o.article for o in registration.offences.all()}
        stalking = "285b" in articles
        domestic = bool(articles & dv.offences) and any(
            r.kind in dv.circle for r in registration.relations.all()
        )
        if not (stalking or domestic):
            continue
        day, where = (
            local_day(registration.registered_at),
            areas_of(registration.municipality, registration.unit),
        )
        expected.add("registrations", "stalking" if stalking else "dv_only", day, where)
        mentions = list(registration.mentions.all())
        victims = {p for m in mentions if m.role == "victim" and (p := person_of(m)) is not None}
        suspects = {p for m in mentions if m.role == "suspect" and (p := person_of(m)) is not None}
        for victim in victims & seen_victims:
            expected.add("repeat_victims", "persons", day, where, person=victim)
        seen_victims |= victims
        for suspect in suspects:
            victims_of[suspect] |= victims - {suspect}
            if len(victims_of[suspect]) >= 2:
                expected.add("serial_suspects", "persons", day, where, person=suspect)

    first_285b: dict[tuple[int, int], datetime] = {}
    for registration in registrations:
        if "285b" not in {o.article for o in registration.offences.all()}:
            continue
        mentions = list(registration.mentions.all())
        for s in (person_of(m) for m in mentions if m.role == "suspect"):
            for v in (person_of(m) for m in mentions if m.role == "victim"):
                if s is not None and v is not None and (s, v) not in first_285b:
                    first_285b[(s, v)] = registration.registered_at
    for signal in Signal.objects.filter(rule="possible_stalking", suspect__isnull=False).select_related(
        "first_fired_registration__municipality__police_unit", "unit"
    ):
        where = areas_of(signal.first_fired_registration.municipality, signal.unit)
        day = local_day(signal.first_fired_at)
        assert signal.suspect_id is not None
        first = first_285b.get((signal.suspect_id, signal.victim_id or 0))
        if first is None:
            expected.add("stalking_signals", "without", day, where)
        elif first > signal.first_fired_at:
            expected.add("stalking_signals", "before", day, where, value=(first - signal.first_fired_at).days)
        else:
            expected.add("stalking_signals", "after", day, where)

    for screening in ScreeningCase.objects.select_related("case", "unit", "opened_by__municipality"):
        case = screening.case
        where = areas_of(screening.opened_by.municipality if screening.opened_by else None, screening.unit)
        day = local_day(case.opened_at)
        events = list(case.events.order_by("at"))
        done = next((e.at for e in events if e.kind == "transition" and e.transition == "screened"), None)
        late = next((e.at for e in events if e.kind == "escalated"), None)
        if done is not None:
            status = "late" if late is not None and late < done else "in_time"
        elif case.closed_at is not None:
            status = "closed_unscreened"
        elif late is not None or (case.deadline_at is not None and case.deadline_at <= now):
            status = "overdue_now"
        else:
            status = "waiting"
        expected.add("screening_timeliness", f"{screening.urgency or 'none'}:{status}", day, where)

    for notification in Notification.objects.exclude(outcome="forwarded").select_related("municipality"):
        where = [a for a in areas_of(notification.municipality, None) if a[0] != "vt_region"]
        where.append(("vt_region", notification.organisation.code))
        if notification.taken_over_by_id is not None:
            status = "taken_over"
        elif notification.assessed_at is not None:
            due = notification.assessment_due_at
            status = "in_time" if due is None or notification.assessed_at <= due else "late"
        elif notification.assessment_due_at is not None and notification.assessment_due_at <= now:
            status = "overdue_now"
        else:
            status = "waiting"
        group = RadarClass(notification.radar_class).group
        expected.add("vt_notifications", f"{group}:{status}", local_day(notification.received_at), where)

    for file in ZsmFile.objects.filter(decided_at__isnull=False).select_related(
        "municipality", "district_office"
    ):
        assert file.decided_at is not None
        where = areas_of(file.municipality, file.district_office)
        hours = round((file.decided_at - file.received_at).total_seconds() / 3600, 1)
        route = file.route or file.triage.get("route") or "undetermined"
        for part in (route, "all"):
            expected.add("zsm_decided", part, local_day(file.decided_at), where, value=hours)

    for measure in Measure.objects.select_related("organisation", "district_office"):
        source = ZsmFile.objects.filter(case=measure.source_case).first() if measure.source_case else None
        police = (
            ScreeningCase.objects.filter(case=measure.police_case).first() if measure.police_case else None
        )
        municipality = (source.municipality if source else None) or (
            police.opened_by.municipality if police and police.opened_by else None
        )
        expected.add(
            "measures", measure.kind, measure.starts_on, areas_of(municipality, measure.organisation)
        )
    for breach in Breach.objects.select_related("registration__municipality", "registration__unit"):
        where = areas_of(breach.registration.municipality, breach.registration.unit)
        expected.add("breaches", breach.kind, breach.occurred_on, where)
    return expected.cells()


def counted() -> dict[Key, float]:
    return {
        (c.period_kind, c.period_start, c.area_kind, c.area_code, c.figure, c.part): c.value
        for c in Cell.objects.all()
    }


def test_every_counted_figure_reconciles_with_the_register(make_user: Callable[..., Any]) -> None:
    # Beside the demo: a ZSM file decided with a behaviour order, and his breach of it under her misspelt
    # name, so that decisions, measures and breaches are counted too (before the demo's pilot units move
    # to version 2 of the stalking process).
    officer = make_user("prosecutor", organisation="om-oost-brabant")
    post_assign(organisation=officer.organisation, user=officer, kind=PostKind.DV_PROSECUTOR)
    file, _police_case = send_to_zsm(make_user, "PL0600-INS-1")
    triage_choose(file, route="zsm", actor=officer, reason="", expected_version=None)
    file.refresh_from_db()
    behaviour_order_impose(
        file,
        actor=officer,
        conditions=["contact_ban"],
        conditions_text="geen contact",
        areas=None,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=89),  # 90 days, the most at a time
        expected_version=None,
    )
    take_in("PL0600-INS-2", MARCO, LOTTE_MISSPELT, registered_at=recent(0), offences=["285b"])
    take_in("PL0600-INS-3", MARCO, ILSE, registered_at=recent(0), offences=["300"])  # a second victim
    assert Breach.objects.exists() and ZsmFile.objects.filter(decided_at__isnull=False).exists()
    call_command("load_demo", "--force", "--registrations", "400")

    now = timezone.now()
    result = figures_refresh(years=register_years(), now=now)
    assert result.cells > 0
    found, expected = counted(), expected_from_the_register(now)
    for figure in (
        "registrations",
        "repeat_victims",
        "serial_suspects",
        "stalking_signals",
        "screening_timeliness",
        "vt_notifications",
        "zsm_decided",
        "measures",
        "breaches",
    ):
        assert any(key[4] == figure for key in expected), (
            f"the data set has no {figure}: the test proves nothing"
        )
    missing = {k: v for k, v in expected.items() if found.get(k) != v}
    extra = {k: v for k, v in found.items() if k not in expected}
    assert not missing and not extra, (list(missing.items())[:5], list(extra.items())[:5])
