"""Planted patterns and confounders, each with its truth.

- `ex_partner_stalking` and `other_stalking` (acquaintance, colleague, stranger): one suspect, one victim,
  3-25 registrations over weeks to months, spread over offences; only some carry 285b; some victims move to
  another police unit mid-campaign; shapes: escalating (ever more often, more severe, threats to kill or
  weapons in the text), steady, stopping (fading out).
- `serial`: one suspect stalking 2-4 victims one after another over the years (a campaign per victim).
- confounders that must not be flagged: a neighbour quarrel going both ways, a one-off DV incident, two
  different people with the same common name and birth year in one city, a father and son sharing address,
  surname and first given name.

Planted people live in household ids above PLANT_HID_BASE (never drawn by ordinary events) and are held by
their plant; a plant writes its truth when its last registration has been written.
"""

from __future__ import annotations

import random
from typing import Any

from .events import (
    DAY_MINUTES,
    DV_OFFENCES,
    EX_WORDS,
    NEIGHBOUR_OFFENCES,
    Draft,
    Mention,
    Ordinary,
    time_of_day,
)
from .params import Campaign, GeneratorParams
from .planted import Plant, Serial
from .population import PLANT_HID_BASE, Household, Person, Population, neighbour_address, random_address
from .reference import Municipality
from .rng import PLANT, Weighted, stream, triangular_int
from .summaries import Summaries

PLANT_SLOTS = 8  # households per plant
SEVERE = {"285": 2.5, "300": 2.5, "266": 0.5, "none": 0.4, "138": 1.0, "350": 1.0, "184a": 1.2}


class Planter:
    def __init__(
        self,
        seed: int,
        params: GeneratorParams,
        population: Population,
        ordinary: Ordinary,
        summaries: Summaries,
    ):
        self.seed = seed
        self.p = params
        self.pop = population
        self.ordinary = ordinary
        self.s = summaries
        self.ref_year = params.window.end_date.year
        self.start_year = params.window.start_date.year
        self.end_minute = params.window.days * DAY_MINUTES
        self.counter = 0
        self.serials = 0
        pl = params.plants
        self.rates: list[tuple[str, float]] = [
            ("ex_partner_stalking", pl.ex_partner_stalking.per_1000),
            ("other_stalking", pl.other_stalking.per_1000),
            ("serial", pl.serial.per_1000),
            ("neighbour_quarrel", pl.confounders.neighbour_quarrel.per_1000),
            ("one_off_dv", pl.confounders.one_off_dv.per_1000),
            ("same_name", pl.confounders.same_name.per_1000),
            ("family_same_address", pl.confounders.family_same_address.per_1000),
        ]

    # entry point

    def start(self, kind: str, day: int) -> list[Draft]:
        """Plan one plant of `kind` starting on `day`: its drafts (each pointing at its Plant), all inside the
        window; an empty list when it would not fit."""
        self.counter += 1
        ident = self.counter
        rng = stream(self.seed, PLANT, ident)
        drafts: list[Draft] = getattr(self, "_" + kind)(rng, ident, day)
        drafts = [d for d in drafts if d.minute < self.end_minute]
        plants = {id(d.plant): d.plant for d in drafts if d.plant is not None}
        for plant in plants.values():
            plant.expected = sum(1 for d in drafts if d.plant is plant)
        if kind in ("ex_partner_stalking", "other_stalking", "serial"):
            for plant in plants.values():
                if plant.expected < 3:
                    return []
            if kind == "serial":
                serial = next(iter(plants.values())).serial
                if serial is None or len(plants) < 2:
                    return []
                serial.campaigns = [p for p in serial.campaigns if p.expected > 0]
        return drafts

    # people

    def _household(self, ident: int, k: int, municipality: Municipality, **kw: Any) -> Household:
        hid = PLANT_HID_BASE + ident * PLANT_SLOTS + k
        return self.pop.build_household(hid, municipality, stream(self.seed, PLANT, hid), **kw)

    def _years_before_end(self, day: int) -> int:
        return self.ref_year - (self.start_year + day // 365)

    def _pair(
        self, rng: random.Random, ident: int, day: int, municipality: Municipality, relation: str, male: bool
    ) -> tuple[Person, Person]:
        dy = self._years_before_end(day)
        victim_sex, suspect_sex = ("F", "M") if male else ("M", "F")
        if rng.random() < 0.03:
            victim_sex = suspect_sex
        kind = "single_parent" if rng.random() < 0.35 else "single"
        victim = self._household(
            ident, 0, municipality, kind=kind, first_sex=victim_sex, first_age=(19 + dy, 55 + dy)
        ).members[0]
        age = victim.age(self.ref_year)
        if relation == "ex_partner":
            where, ages = self.pop.elsewhere_of(rng, municipality), (max(19 + dy, age - 4), age + 7)
        else:
            where, ages = self.pop.elsewhere_of(rng, municipality), (18 + dy, 62 + dy)
        origin = victim.origin if rng.random() < 0.85 else None
        suspect = self._household(
            ident, 1, where, kind="single", origin=origin, first_sex=suspect_sex, first_age=ages
        ).members[0]
        return suspect, victim

    # stalking campaigns

    def _ex_partner_stalking(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        cp = self.p.plants.ex_partner_stalking
        municipality = self.pop.by_weight.draw(rng)
        suspect, victim = self._pair(
            rng, ident, day, municipality, "ex_partner", rng.random() < cp.suspect_male
        )
        plant = Plant(f"P{ident:07d}", "pattern", self._pattern_data(suspect, victim, "ex_partner"))
        return self._campaign(rng, ident, plant, suspect, victim, "ex_partner", day, cp)

    def _other_stalking(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        cp = self.p.plants.other_stalking
        relation = Weighted.of(cp.relation or {"acquaintance": 1.0}).draw(rng)
        municipality = self.pop.by_weight.draw(rng)
        suspect, victim = self._pair(rng, ident, day, municipality, relation, rng.random() < cp.suspect_male)
        plant = Plant(f"P{ident:07d}", "pattern", self._pattern_data(suspect, victim, relation))
        return self._campaign(rng, ident, plant, suspect, victim, relation, day, cp)

    def _serial(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        sp = self.p.plants.serial
        cp = self.p.plants.ex_partner_stalking
        municipality = self.pop.by_weight.draw(rng)
        dy = self._years_before_end(day)
        suspect = self._household(
            ident, 0, municipality, kind="single", first_sex="M", first_age=(24 + dy, 45 + dy)
        ).members[0]
        self.serials += 1
        serial = Serial(f"S{self.serials:06d}", suspect)
        drafts: list[Draft] = []
        count = rng.randint(sp.victims.min, sp.victims.max)
        at = day
        for k in range(count):
            relation = (
                "ex_partner"
                if rng.random() < sp.ex_partner_share
                else ("acquaintance" if rng.random() < 0.5 else "stranger")
            )
            where = self.pop.unit_weights[municipality.unit].draw(rng)
            dyk = self._years_before_end(at)
            age = suspect.age(self.ref_year)
            victim = self._household(
                ident,
                1 + k,
                where,
                kind="single",
                first_sex="F",
                first_age=(max(19 + dyk, age - 10), age + 4),
            ).members[0]
            data = self._pattern_data(suspect, victim, relation)
            data["serial"] = serial.label
            plant = Plant(f"P{ident:07d}-{k + 1}", "pattern", data, serial=serial)
            serial.campaigns.append(plant)
            campaign = self._campaign(
                rng, ident * 10 + k, plant, suspect, victim, relation, at, cp, moves=False
            )
            drafts += campaign
            if not campaign:
                break
            at = campaign[-1].minute // DAY_MINUTES + rng.randint(sp.gap_days.min, sp.gap_days.max)
        return drafts

    def _pattern_data(self, suspect: Person, victim: Person, relation: str) -> dict[str, Any]:
        return {"suspect": suspect.tid, "victim": victim.tid, "kind": "stalking", "subkind": relation}

    def _campaign(
        self,
        rng: random.Random,
        ident: int,
        plant: Plant,
        suspect: Person,
        victim: Person,
        relation: str,
        day: int,
        cp: Campaign,
        *,
        moves: bool = True,
    ) -> list[Draft]:
        n = triangular_int(rng, cp.registrations.min, cp.registrations.max, cp.registrations.mode)
        span = rng.randint(cp.span_days.min, cp.span_days.max)
        span = max(span, 2 * n)
        shape = Weighted.of(cp.shape).draw(rng)
        if shape == "steady":
            offsets = sorted([0.0] + [rng.random() for _ in range(n - 1)])
        else:
            power = 0.5 if shape == "escalating" else 2.0
            offsets = [(i / (n - 1)) ** power for i in range(n)]
        days = [day + int(o * span) for o in offsets]
        normal = Weighted.of(cp.offences)
        severe = Weighted.of({k: v * SEVERE.get(k, 1.0) for k, v in cp.offences.items()})
        ban_after = max(1, n // 3)
        k285b = rng.randint(n // 2, n - 1) if rng.random() < cp.has_285b else -1
        move_at = (
            rng.randint(max(1, n // 3), n - 2)
            if (moves and n >= 4 and rng.random() < cp.victim_moves)
            else -1
        )
        ex_word = None
        if relation != "ex_partner":
            words = EX_WORDS.get(relation, ("V",))
            ex_word = words[int(rng.random() * len(words))]
        plant.data.update(
            {
                "shape": shape,
                "escalates": shape == "escalating",
                "has_285b": k285b >= 0,
                "victim_moved": move_at >= 0,
            }
        )
        current = victim
        drafts: list[Draft] = []
        minute_floor = 0
        for i, d in enumerate(days):
            if i == move_at:
                old = current.address_municipality(self.pop)
                for _ in range(20):
                    target = self.pop.by_weight.draw(rng)
                    if target.unit != old.unit:
                        break
                current = current.moved_to(random_address(rng, target, 0.05))
            late = i >= (2 * n) // 3
            escalation = shape == "escalating" and late and (i == n - 1 or rng.random() < 0.6)
            off = (severe if escalation else normal).draw(rng)
            tries = 0
            while off == "184a" and i <= ban_after and tries < 5:
                off, tries = normal.draw(rng), tries + 1
            if off == "184a" and i <= ban_after:
                off = "285"
            municipality = current.address_municipality(self.pop)
            minute = max(minute_floor, d * DAY_MINUTES + time_of_day(rng))
            minute_floor = minute + 1
            offences: list[str] = [] if off == "none" else [off]
            source, category = "politie", f"stalking_{off}"
            if i == k285b:
                offences = ["285b"] + [o for o in offences if o not in ("184a",)]
                category, kind = "stalking_285b", "aangifte"
            elif off == "184a":
                kind = "overtreding_maatregel"
                if rng.random() < 0.25:
                    source = "reclassering"
            elif off == "none":
                kind = "melding" if rng.random() < 0.4 else "incident"
            else:
                kind = "aangifte" if rng.random() < 0.55 else "incident"
            if source == "politie" and i != k285b and rng.random() < cp.vt_share:
                source, kind, offences, category = "veilig_thuis", "melding", [], "stalking_none"
            mentions = [Mention(suspect, "suspect" if offences else "involved"), Mention(current, "victim")]
            relations: list[tuple[int, int, str]] = []
            r = rng.random()
            if r < self.p.events.relation_recorded:
                relations.append((0, 1, relation))
            elif r < self.p.events.relation_recorded + 0.05:
                relations.append((0, 1, "unknown"))
            if rng.random() < 0.15:
                witness = self.pop.pick_person(
                    rng, municipality, "witness", self.start_year + d // 365, min_age=16
                )
                mentions.append(Mention(witness, "witness"))
            summary, facts = self.s.render_facts(
                category,
                rng,
                victim_sex=current.sex,
                suspect_sex=suspect.sex,
                escalation=escalation,
                ex_word=ex_word,
            )
            draft = Draft(
                minute, source, kind, municipality, offences, summary, mentions, relations, plant=plant
            )
            draft.facts = facts
            if source == "politie":
                lag = int(rng.expovariate(1 / 600)) if kind != "incident" else int(rng.random() * 60)
                draft.occurred = minute - lag
            drafts.append(draft)
        return drafts

    # confounders

    def _neighbour_quarrel(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        cf = self.p.plants.confounders.neighbour_quarrel
        municipality = self.pop.by_weight.draw(rng)
        dy = self._years_before_end(day)
        a_house = self._household(ident, 0, municipality, first_age=(25 + dy, 75 + dy))
        b_house = self._household(ident, 1, municipality, first_age=(25 + dy, 75 + dy))
        next_door = neighbour_address(a_house.members[0].address, rng)
        b_members = [m.moved_to(next_door) for m in b_house.members]
        a, b = a_house.members[0], b_members[0]
        plant = Plant(f"P{ident:07d}", "confounder", {"kind": "neighbour_quarrel", "persons": [a.tid, b.tid]})
        n = rng.randint(cf.registrations.min, cf.registrations.max)
        span = rng.randint(cf.span_days.min, cf.span_days.max)
        days = sorted(day + int(rng.random() * span) for _ in range(n))
        days[0] = day
        first_is_a = rng.random() < 0.5
        drafts: list[Draft] = []
        for i, d in enumerate(days):
            complainant, other = (a, b) if (i % 2 == 0) == first_is_a else (b, a)
            if i and rng.random() < 0.3:
                complainant, other = other, complainant  # not strictly alternating
            offences = list(NEIGHBOUR_OFFENCES.draw(rng))
            roles = ("victim", "suspect") if offences else ("reporter", "involved")
            mentions = [Mention(complainant, roles[0]), Mention(other, roles[1])]
            relations = [(0, 1, "neighbour")] if rng.random() < self.p.events.relation_recorded else []
            kind = ("aangifte" if rng.random() < 0.5 else "incident") if offences else "melding"
            minute = d * DAY_MINUTES + time_of_day(rng)
            summary = self.s.render("neighbour", rng)
            draft = Draft(
                minute, "politie", kind, municipality, offences, summary, mentions, relations, plant=plant
            )
            draft.occurred = minute - int(rng.random() * 120)
            drafts.append(draft)
        return drafts

    def _one_off_dv(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        municipality = self.pop.by_weight.draw(rng)
        dy = self._years_before_end(day)
        household = self._household(
            ident,
            0,
            municipality,
            kind="couple_children" if rng.random() < 0.5 else "couple",
            first_age=(22 + dy, 65 + dy),
        )
        a, b = household.members[0], household.members[1]
        suspect, victim = (a, b) if rng.random() < 0.8 else (b, a)
        plant = Plant(
            f"P{ident:07d}", "confounder", {"kind": "one_off_dv", "persons": [suspect.tid, victim.tid]}
        )
        minute = day * DAY_MINUTES + time_of_day(rng)
        mentions = [Mention(suspect, "suspect"), Mention(victim, "victim")]
        relations = [(0, 1, "partner")]
        year = self.start_year + day // 365
        for child in household.members[2:4]:
            if child.age(year) < 1:
                continue  # not certainly born at the time of the incident
            relations.append((0, len(mentions), "child"))
            mentions.append(Mention(child, "involved"))
        offences = list(DV_OFFENCES.draw(rng))
        summary = self.s.render("dv_partner", rng, victim_sex=victim.sex, suspect_sex=suspect.sex)
        draft = Draft(
            minute, "politie", "incident", municipality, offences, summary, mentions, relations, plant=plant
        )
        draft.occurred = minute - int(rng.random() * 60)
        drafts = [draft]
        if rng.random() < 0.5:
            later = minute + rng.randint(1, 10) * DAY_MINUTES
            summary = self.s.render("vt_melding", rng)
            drafts.append(
                Draft(
                    later,
                    "veilig_thuis",
                    "melding",
                    municipality,
                    [],
                    summary,
                    list(mentions),
                    list(relations),
                    plant=plant,
                )
            )
        return drafts

    def _lookalike_registrations(
        self, rng: random.Random, plant: Plant, people: list[Person], day: int, low: int, high: int
    ) -> list[Draft]:
        drafts: list[Draft] = []
        for person in people:
            for _ in range(rng.randint(low, high)):
                at = day + int(rng.random() * 365)
                kind = ("theft", "assault", "threat", "vandalism", "insult")[int(rng.random() * 5)]
                role = "suspect" if rng.random() < 0.5 else "victim"
                draft = self.ordinary.draft(kind, rng, at, forced={role: person})
                draft.plant = plant
                drafts.append(draft)
        drafts.sort(key=lambda d: d.minute)
        return drafts

    def _same_name(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        cf = self.p.plants.confounders.same_name
        municipality = self.pop.by_weight.draw(rng)
        dy = self._years_before_end(day)
        sex = "M" if rng.random() < 0.6 else "F"
        a = self._household(
            ident, 0, municipality, kind="single", origin="dutch", first_sex=sex, first_age=(22 + dy, 60 + dy)
        ).members[0]
        b = self._household(ident, 1, municipality, kind="single", origin=a.origin, first_sex=sex).members[0]
        prefix, surname = self.pop.tables[a.origin].surnames.draw(rng)  # a common name of the head list
        a.prefix = b.prefix = prefix
        a.surname = b.surname = surname
        b.given = a.given
        month = 1 + (a.birth[1] + rng.randint(1, 10)) % 12
        b.birth = (a.birth[0], month, min(a.birth[2], 28))
        plant = Plant(f"P{ident:07d}", "confounder", {"kind": "same_name", "persons": [a.tid, b.tid]})
        return self._lookalike_registrations(
            rng, plant, [a, b], day, cf.registrations_each.min, cf.registrations_each.max
        )

    def _family_same_address(self, rng: random.Random, ident: int, day: int) -> list[Draft]:
        cf = self.p.plants.confounders.family_same_address
        municipality = self.pop.by_weight.draw(rng)
        dy = self._years_before_end(day)
        household = self._household(
            ident,
            0,
            municipality,
            kind="couple_children",
            origin="dutch",
            first_sex="M",
            first_age=(46 + dy, 60 + dy),
        )
        father = household.members[0]
        kids = household.members[household.adults :]
        if not kids:
            return []
        son = kids[0]
        son.sex = "M"
        son.birth = (max(son.birth[0], father.birth[0] + 20), son.birth[1], son.birth[2])
        son.birth = (min(son.birth[0], self.ref_year - 19), son.birth[1], son.birth[2])
        others = self.pop.given_names(rng, father.origin, "M", son.birth[0])[1:]
        son.given = (father.given[0], *[g for g in others if g != father.given[0]])
        son.prefix, son.surname = father.prefix, father.surname
        plant = Plant(
            f"P{ident:07d}", "confounder", {"kind": "family_same_address", "persons": [father.tid, son.tid]}
        )
        return self._lookalike_registrations(
            rng, plant, [father, son], day, cf.registrations_each.min, cf.registrations_each.max
        )
