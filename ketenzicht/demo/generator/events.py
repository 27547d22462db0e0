"""Registrations before they are written: `Draft`, and the ordinary work of police and partners.

A draft holds true persons (not yet written down), the time as whole minutes since the window's start, and
the rest of a registration. `Ordinary.draft(kind, rng, day)` builds one registration of an ordinary kind
(theft, assault, DV between partners, a Veilig Thuis notification, ...) and may add later follow-ups by
partners about the same persons (Veilig Thuis after a DV incident, OM and victim support after violence).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .params import GeneratorParams
from .population import Household, Person, Population
from .reference import Municipality
from .rng import Weighted
from .summaries import Summaries

if TYPE_CHECKING:
    from .planted import Plant

DAY_MINUTES = 1440
HOUR_WEIGHTS = (
    2,
    1.5,
    1,
    0.8,
    0.6,
    0.6,
    0.8,
    1.2,
    2,
    2.5,
    2.8,
    3,
    3,
    3,
    3,
    3,
    3.2,
    3.4,
    3.4,
    3.2,
    3,
    2.8,
    2.6,
    2.3,
)
HOURS = Weighted(list(range(24)), HOUR_WEIGHTS)


@dataclass(slots=True)
class Mention:
    person: Person
    role: str
    written: dict[str, Any] | None = None  # hand-written mention (storylines); None: written with noise


@dataclass(slots=True)
class Draft:
    minute: int  # registered_at, minutes since the window's first day 00:00 local time
    source: str
    kind: str
    municipality: Municipality
    offences: list[str]
    summary: str
    mentions: list[Mention]
    relations: list[tuple[int, int, str]] = field(default_factory=list)
    occurred: int | None = None  # minutes, like `minute`
    occurred_date_only: bool = False
    plant: Plant | None = None
    extra: dict[str, Any] | None = None  # extra keys written into the registration (storylines)
    facts: frozenset[str] = frozenset()  # danger facts its summary states (a planted campaign's truth)

    def persons(self) -> list[Person]:
        return [m.person for m in self.mentions]


def time_of_day(rng: random.Random) -> int:
    return HOURS.draw(rng) * 60 + int(rng.random() * 60)


def occurred_before(rng: random.Random, minute: int, kind: str) -> tuple[int, bool]:
    """When it happened: minutes to an hour before an incident record, hours to days before a report."""
    if kind in ("incident", "overtreding_maatregel"):
        return minute - int(rng.random() * 90), False
    lag = int(rng.expovariate(1 / 900))  # mean 15 hours
    return minute - lag, rng.random() < 0.2


DV_OFFENCES = Weighted([("300",), ("285",), ("350",), ("300", "285"), ("266",), ()], [45, 15, 10, 10, 5, 20])
PUBLIC_ORDER = Weighted([("424",), ("141",), ()], [35, 15, 50])
NEIGHBOUR_OFFENCES = Weighted([(), ("266",), ("350",), ("285",), ("424",)], [55, 20, 10, 8, 7])
EX_WORDS = {
    "acquaintance": ("kennis", "V", "een bekende"),
    "colleague": ("collega", "oud-collega", "V"),
    "stranger": ("onbekende man", "V", "een onbekende"),
    "neighbour": ("buurman", "V"),
}


class Ordinary:
    def __init__(self, params: GeneratorParams, population: Population, summaries: Summaries):
        self.p = params
        self.pop = population
        self.s = summaries
        ev = params.events
        self.kinds = Weighted.of(ev.ordinary_mix)
        self.relations = Weighted.of(ev.relation)
        self.ref_year = params.window.end_date.year
        self.start_year = params.window.start_date.year
        self.follow_ups: list[Draft] = []  # filled by draft(); the engine moves them into its queue

    def year_of(self, day: int) -> int:
        return self.start_year + day // 365

    def draft(
        self, kind: str, rng: random.Random, day: int, *, forced: dict[str, Person] | None = None
    ) -> Draft:
        municipality = self.pop.by_weight.draw(rng)
        if forced:
            municipality = next(iter(forced.values())).address_municipality(self.pop)
        minute = day * DAY_MINUTES + time_of_day(rng)
        builder = getattr(self, "_" + kind)
        draft: Draft = builder(rng, municipality, minute, self.year_of(day), forced or {})
        if draft.occurred is None and draft.source == "politie":
            draft.occurred, draft.occurred_date_only = occurred_before(rng, minute, draft.kind)
        return draft

    # helpers

    def person(
        self, rng: random.Random, m: Municipality, role: str, year: int, forced: dict[str, Person], **kw: Any
    ) -> Person:
        if role in forced:
            return forced.pop(role)
        return self.pop.pick_person(rng, m, role, year, **kw)

    def _police(
        self,
        rng: random.Random,
        m: Municipality,
        minute: int,
        kind: str,
        offences: tuple[str, ...] | list[str],
        summary: str,
        mentions: list[Mention],
        relations: list[tuple[int, int, str]] | None = None,
    ) -> Draft:
        return Draft(minute, "politie", kind, m, list(offences), summary, mentions, relations or [])

    def _with_suspect(
        self,
        rng: random.Random,
        m: Municipality,
        minute: int,
        year: int,
        forced: dict[str, Person],
        *,
        category: str,
        offences: tuple[str, ...],
        known: float,
        kind: str = "aangifte",
    ) -> Draft:
        ev = self.p.events
        victim = self.person(rng, m, "victim", year, forced)
        mentions = [Mention(victim, "victim")]
        relations: list[tuple[int, int, str]] = []
        suspect: Person | None = None
        if rng.random() < known or "suspect" in forced:
            sex = "M" if rng.random() < 0.78 else "F"
            suspect = self.person(rng, m, "suspect", year, forced, sex=sex, min_age=14, exclude=(victim.pid,))
            mentions.insert(0, Mention(suspect, "suspect"))
            relation = self.relations.draw(rng)
            if rng.random() < ev.relation_recorded:
                relations.append((0, 1, relation))
        if rng.random() < ev.reporter_not_victim:
            reporter = self.person(rng, m, "reporter", year, forced, min_age=18)
            if reporter.pid not in (victim.pid, suspect.pid if suspect else -1):
                mentions.append(Mention(reporter, "reporter"))
        if rng.random() < ev.witness:
            witness = self.person(rng, m, "witness", year, forced, min_age=14)
            if all(witness.pid != x.person.pid for x in mentions):
                mentions.append(Mention(witness, "witness"))
        summary = self.s.render(
            category, rng, victim_sex=victim.sex, suspect_sex=suspect.sex if suspect else "M"
        )
        return self._police(rng, m, minute, kind, offences, summary, mentions, relations)

    # ordinary kinds

    def _theft(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        known = self.p.events.suspect_known.get("theft", 0.2)
        return self._with_suspect(rng, m, minute, year, f, category="theft", offences=("310",), known=known)

    def _burglary(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        known = self.p.events.suspect_known.get("burglary", 0.1)
        return self._with_suspect(
            rng, m, minute, year, f, category="burglary", offences=("311",), known=known
        )

    def _assault(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        kind = "aangifte" if rng.random() < 0.6 else "incident"
        draft = self._with_suspect(
            rng, m, minute, year, f, category="assault", offences=("300",), known=1.0, kind=kind
        )
        self._violence_follow_ups(rng, draft)
        return draft

    def _threat(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        kind = "aangifte" if rng.random() < 0.7 else "incident"
        return self._with_suspect(
            rng, m, minute, year, f, category="threat", offences=("285",), known=1.0, kind=kind
        )

    def _vandalism(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        known = self.p.events.suspect_known.get("vandalism", 0.35)
        return self._with_suspect(
            rng, m, minute, year, f, category="vandalism", offences=("350",), known=known
        )

    def _insult(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        return self._with_suspect(rng, m, minute, year, f, category="insult", offences=("266",), known=1.0)

    def _traffic(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        count = 1 + (rng.random() < 0.7) + (rng.random() < 0.15)
        mentions: list[Mention] = []
        at_fault = rng.random() < self.p.events.suspect_known.get("traffic", 0.5)
        for i in range(count):
            role = "suspect" if (i == 0 and at_fault) else "involved"
            person = self.person(rng, m, role, year, f, min_age=16)
            if all(person.pid != x.person.pid for x in mentions):
                mentions.append(Mention(person, role))
        if rng.random() < self.p.events.witness:
            witness = self.person(rng, m, "witness", year, f, min_age=14)
            if all(witness.pid != x.person.pid for x in mentions):
                mentions.append(Mention(witness, "witness"))
        return self._police(rng, m, minute, "incident", (), self.s.render("traffic", rng), mentions)

    def _public_order(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        offences = PUBLIC_ORDER.draw(rng)
        count = 1 + int(rng.random() * 3)
        mentions: list[Mention] = []
        for _ in range(count):
            role = "suspect" if offences else "involved"
            person = self.person(
                rng, m, role, year, f, sex="M" if rng.random() < 0.8 else None, min_age=12, max_age=60
            )
            if all(person.pid != x.person.pid for x in mentions):
                mentions.append(Mention(person, role))
        if rng.random() < 0.4:
            reporter = self.person(rng, m, "reporter", year, f, min_age=18)
            if all(reporter.pid != x.person.pid for x in mentions):
                mentions.append(Mention(reporter, "reporter"))
        return self._police(
            rng, m, minute, "incident", offences, self.s.render("public_order", rng), mentions
        )

    def _neighbour_nuisance(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        reporter = self.person(rng, m, "reporter", year, f, min_age=18)
        other = self.person(rng, m, "involved", year, f, min_age=18, exclude=(reporter.pid,))
        offences = NEIGHBOUR_OFFENCES.draw(rng)
        mentions = [
            Mention(reporter, "reporter" if not offences else "victim"),
            Mention(other, "involved" if not offences else "suspect"),
        ]
        relations = [(0, 1, "neighbour")] if rng.random() < self.p.events.relation_recorded else []
        kind = "melding" if not offences else "incident"
        return self._police(
            rng, m, minute, kind, offences, self.s.render("neighbour", rng), mentions, relations
        )

    def _dv_partner(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        ev = self.p.events
        children: list[Person] = []
        if rng.random() < ev.dv_ex_partner and not f:
            suspect = self.pop.pick_person(
                rng, m, "suspect", year, sex="M" if rng.random() < 0.8 else "F", min_age=18
            )
            victim = self.pop.pick_person(
                rng, m, "victim", year, sex="F" if suspect.sex == "M" else "M",
                min_age=max(18, suspect.age(year) - 12), max_age=suspect.age(year) + 12,
                exclude=(suspect.pid,),
            )  # fmt: skip
            relation, category = "ex_partner", "dv_ex"
        else:
            household = self.pop.pick_couple(rng, m, year)
            a, b = (
                household.members[0],
                household.members[1] if household.adults == 2 else household.members[0],
            )
            if a.pid == b.pid:
                return self._assault(rng, m, minute, year, f)
            male_first = rng.random() < 0.8
            suspect, victim = (a, b) if (a.sex == "M") == male_first else (b, a)
            # born in an earlier year: certainly before the incident (a child born later is not mentioned)
            children = [c for c in household.members[household.adults :] if c.age(year) >= 1][:3]
            relation, category = "partner", "dv_partner"
        offences = DV_OFFENCES.draw(rng)
        mentions = [Mention(suspect, "suspect"), Mention(victim, "victim")]
        relations = [(0, 1, relation)] if rng.random() < ev.relation_recorded else []
        if children and rng.random() < ev.dv_children_present:
            for child in children:
                relations.append((0, len(mentions), "child"))
                mentions.append(Mention(child, "involved"))
        kind = "aangifte" if (offences and rng.random() < 0.4) else "incident"
        summary = self.s.render(category, rng, victim_sex=victim.sex, suspect_sex=suspect.sex)
        draft = self._police(
            rng, victim.address_municipality(self.pop), minute, kind, offences, summary, mentions, relations
        )
        if rng.random() < ev.follow_up.vt_after_dv:
            self._follow(rng, draft, "veilig_thuis", "melding", "vt_melding", mentions=list(mentions))
        self._violence_follow_ups(rng, draft)
        return draft

    def _dv_family(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        for _ in range(12):
            household = self.pop.pick_household(rng, m, "suspect")
            kids = [c for c in household.members[household.adults :] if c.age(year) >= 15]
            if kids:
                break
        else:
            return self._dv_partner(rng, m, minute, year, f)
        parent = household.members[int(rng.random() * household.adults)]
        kid = kids[int(rng.random() * len(kids))]
        if rng.random() < 0.65:
            mentions = [Mention(kid, "suspect"), Mention(parent, "victim")]
            relations = [(0, 1, "family")]
        else:
            mentions = [Mention(parent, "suspect"), Mention(kid, "victim")]
            relations = [(0, 1, "child")]
        offences = DV_OFFENCES.draw(rng)
        summary = self.s.render("dv_family", rng)
        draft = self._police(
            rng, household.municipality, minute, "incident", offences, summary, mentions, relations
        )
        if rng.random() < self.p.events.follow_up.vt_after_dv:
            self._follow(rng, draft, "veilig_thuis", "melding", "vt_melding", mentions=list(mentions))
        return draft

    def _vt_notification(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        household = self._family(rng, m, year)
        adults = household.members[: household.adults]
        kids = [k for k in household.members[household.adults :] if k.age(year) >= 1]  # born before it
        mentions: list[Mention] = []
        relations: list[tuple[int, int, str]] = []
        if len(adults) == 2:
            male_first = rng.random() < 0.8
            a, b = adults
            suspect, victim = (a, b) if (a.sex == "M") == male_first else (b, a)
            mentions = [Mention(suspect, "suspect"), Mention(victim, "victim")]
            relations.append((0, 1, "partner"))
        else:
            mentions = [Mention(adults[0], "involved")]
        for kid in kids[:3]:
            relations.append((0, len(mentions), "child"))
            mentions.append(Mention(kid, "victim" if len(adults) == 1 else "involved"))
        if rng.random() < 0.3:
            reporter = self.pop.pick_person(rng, m, "reporter", year, min_age=22)
            if all(reporter.pid != x.person.pid for x in mentions):
                mentions.append(Mention(reporter, "reporter"))
        summary = self.s.render("vt_melding", rng)
        return Draft(
            minute, "veilig_thuis", "melding", household.municipality, [], summary, mentions, relations
        )

    def _om_case(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        suspect = self.pop.pick_person(
            rng, m, "suspect", year, sex="M" if rng.random() < 0.8 else None, min_age=16
        )
        victim = self.pop.pick_person(rng, m, "victim", year, min_age=12, exclude=(suspect.pid,))
        kind = "overtreding_maatregel" if rng.random() < 0.25 else "melding"
        offences = (
            ["184a"] if kind == "overtreding_maatregel" else [("300", "285", "350")[int(rng.random() * 3)]]
        )
        return Draft(
            minute,
            "om",
            kind,
            m,
            offences,
            self.s.render("om", rng),
            [Mention(suspect, "suspect"), Mention(victim, "victim")],
        )

    def _reclassering(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        suspect = self.pop.pick_person(
            rng, m, "suspect", year, sex="M" if rng.random() < 0.85 else None, min_age=18
        )
        breach = rng.random() < 0.5
        return Draft(
            minute, "reclassering", "overtreding_maatregel" if breach else "melding", m,
            ["184a"] if breach else [],
            self.s.render("reclassering", rng), [Mention(suspect, "suspect")],
        )  # fmt: skip

    def _slachtofferhulp(
        self, rng: random.Random, m: Municipality, minute: int, year: int, f: dict[str, Person]
    ) -> Draft:
        victim = self.pop.pick_person(rng, m, "victim", year, min_age=12)
        return Draft(
            minute,
            "slachtofferhulp",
            "melding",
            m,
            [],
            self.s.render("slachtofferhulp", rng),
            [Mention(victim, "victim")],
        )

    def _family(self, rng: random.Random, m: Municipality, year: int) -> Household:
        for _ in range(12):
            household = self.pop.pick_household(rng, m, "involved")
            if (
                household.kind in ("couple_children", "single_parent")
                and len(household.members) > household.adults
            ):
                return household
        return household

    # follow-ups by partners

    def _follow(
        self,
        rng: random.Random,
        draft: Draft,
        source: str,
        kind: str,
        category: str,
        *,
        mentions: list[Mention],
    ) -> None:
        low, high = self.p.events.follow_up.delay_days
        minute = (draft.minute // DAY_MINUTES + rng.randint(max(1, low), high)) * DAY_MINUTES + time_of_day(
            rng
        )
        offences = list(draft.offences) if source == "om" else []
        relations = [r for r in draft.relations if r[0] < len(mentions) and r[1] < len(mentions)]
        summary = self.s.render(category, rng)
        self.follow_ups.append(
            Draft(minute, source, kind, draft.municipality, offences, summary, mentions, relations)
        )

    def _violence_follow_ups(self, rng: random.Random, draft: Draft) -> None:
        fu = self.p.events.follow_up
        if not any(o in ("300", "285") for o in draft.offences) or len(draft.mentions) < 2:
            return
        if rng.random() < fu.om_after_violence:
            self._follow(rng, draft, "om", "melding", "om", mentions=draft.mentions[:2])
        if rng.random() < fu.slachtofferhulp_after_violence:
            victim = [x for x in draft.mentions if x.role == "victim"][:1]
            if victim:
                self._follow(rng, draft, "slachtofferhulp", "melding", "slachtofferhulp", mentions=victim)
