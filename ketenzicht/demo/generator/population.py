"""The population: households and the people in them, derived lazily from (seed, household id).

Nothing is stored per person: `Population.household(hid)` rebuilds a household from its own seeded stream
whenever it is needed (a bounded cache keeps the recently used ones), so a population of millions costs no
memory and the same household id always yields the same people. Household ids are laid out per
municipality (a block of ids per municipality, sized by its inhabitants); the first `repeat_pool_fraction` of
each block are the households "known to the police" that ordinary events draw more often.

Planted people (campaigns, confounders) live in households above `PLANT_HID_BASE`, which ordinary events
never draw, so a planted person's identity is never disturbed by chance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import yaml

from .names import NameTable, cohort_of, feminine, name_tables
from .params import DATA_DIR, GeneratorParams
from .reference import Municipality, Reference
from .rng import HOUSEHOLD, PREVIOUS, STREETS, Weighted, stream

SLOTS = 8  # person id = household id * SLOTS + slot
PLANT_HID_BASE = 6_000_000
MAX_HID = 10_000_000
CACHE_SIZE = 20_000

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
_PAIRS = [a + b for a in POSTCODE_LETTERS for b in POSTCODE_LETTERS if a + b not in ("SA", "SD", "SS")]
SUFFIXES = Weighted(["a", "b", "c", "A", "B", "hs", "1", "2", "bis"], [30, 20, 6, 10, 6, 8, 6, 4, 1])


class Address(NamedTuple):
    street: str
    house_number: str
    suffix: str
    postcode: str
    city: str
    municipality: str


class Person:
    __slots__ = (
        "_population",
        "_previous",
        "address",
        "birth",
        "given",
        "hid",
        "mobile",
        "origin",
        "partner_name",
        "pid",
        "prefix",
        "sex",
        "surname",
    )

    def __init__(
        self,
        pid: int,
        sex: str,
        given: tuple[str, ...],
        prefix: str,
        surname: str,
        birth: tuple[int, int, int],
        origin: str,
        address: Address,
        population: Population | None,
        previous_address: Address | None = None,
    ):
        self.pid = pid
        self.hid = pid // SLOTS
        self.sex = sex
        self.given = given
        self.prefix = prefix
        self.surname = surname
        self.birth = birth
        self.origin = origin
        self.address = address
        self._population = population
        self._previous = previous_address
        self.mobile = ""
        self.partner_name: tuple[str, str] | None = None

    @property
    def tid(self) -> str:
        """The true person's id in truth.jsonl."""
        return f"T{self.pid:09d}"

    @property
    def bsn(self) -> str:
        return bsn_for(self.pid)

    @property
    def previous_address(self) -> Address:
        """Where the person lived before (shown on a mention with a "moved" address): derived from the
        household id when first asked, so that it costs nothing for people never written that way."""
        if self._previous is None:
            assert self._population is not None
            self._previous = self._population.previous_address_for(self.hid, self.address.municipality)
        return self._previous

    def age(self, year: int) -> int:
        return year - self.birth[0]

    def address_municipality(self, population: Population) -> Municipality:
        return population.by_code[self.address.municipality]

    def moved_to(self, address: Address) -> Person:
        """The same person after a move: a new current address, the old one as previous address."""
        clone = Person(
            self.pid,
            self.sex,
            self.given,
            self.prefix,
            self.surname,
            self.birth,
            self.origin,
            address,
            self._population,
            self.address,
        )
        clone.mobile = self.mobile
        clone.partner_name = self.partner_name
        return clone

    def full_surname(self) -> str:
        return f"{self.prefix} {self.surname}" if self.prefix else self.surname

    def __repr__(self) -> str:
        return f"Person({self.tid} {' '.join(self.given)} {self.full_surname()} {self.birth})"


@dataclass
class Household:
    hid: int
    municipality: Municipality
    members: list[Person]
    adults: int  # members[:adults] are the adults (a couple is members[0] and members[1])
    kind: str


# --- identifiers ------------------------------------------------------------------------------------------


def bsn_check_digit(first8: str) -> int:
    """The 9th digit that makes `first8` a valid BSN, or 10 when none does."""
    return sum(int(d) * w for d, w in zip(first8, BSN_WEIGHTS, strict=True)) % 11


def bsn_is_valid(bsn: str) -> bool:
    if len(bsn) != 9 or not bsn.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], BSN_WEIGHTS, strict=True)) - int(bsn[8])
    return total % 11 == 0 and int(bsn) > 0


def bsn_for(pid: int) -> str:
    """A valid BSN, distinct for every person id below MAX_HID * SLOTS: the id is scrambled by an affine
    bijection onto (7-digit block, slot 0-8); the slot picks the j-th 8th digit that allows a check digit."""
    key = (pid * 7_654_321 + 1_234_567) % 81_000_000
    block, j = divmod(key, 9)
    first7 = f"{1_000_000 + block:07d}"
    partial = sum(int(d) * w for d, w in zip(first7, BSN_WEIGHTS, strict=False))
    valid = [d for d in range(10) if (partial + 2 * d) % 11 != 10]
    d8 = valid[j]
    return f"{first7}{d8}{(partial + 2 * d8) % 11}"


def mobile_for(pid: int) -> str:
    """A Dutch mobile number (6 and 8 digits), distinct per person id."""
    return f"6{(pid * 37_491_623 + 13_579_111) % 100_000_000:08d}"


# --- places -----------------------------------------------------------------------------------------------


class Street(NamedTuple):
    name: str
    pc4: int
    letters: int
    numbers: int


@cache
def _street_parts() -> dict[str, list[str]]:
    data = yaml.safe_load((DATA_DIR / "streets.yaml").read_text(encoding="utf-8"))
    return {k: [str(v) for v in data[k]] for k in ("stems", "suffixes", "named")}


@cache
def streets_of(municipality: Municipality) -> tuple[Street, ...]:
    """The municipality's streets with postcode area and length; fixed (not seeded by the run's seed)."""
    parts = _street_parts()
    rng = stream(0, STREETS, int(municipality.code[2:]))
    count = max(40, min(1500, municipality.inhabitants // 300))
    names: list[str] = []
    seen: set[str] = set()
    named = list(parts["named"])
    rng.shuffle(named)
    for name in named[: max(10, len(named) // 2)]:
        seen.add(name)
        names.append(name)
    attempts = 0
    while len(names) < count and attempts < count * 20:
        attempts += 1
        name = rng.choice(parts["stems"]) + rng.choice(parts["suffixes"])
        if name not in seen:
            seen.add(name)
            names.append(name)
    pc4s = [pc for low, high in municipality.pc4 for pc in range(low, high + 1)]
    return tuple(
        Street(name, rng.choice(pc4s), rng.randrange(len(_PAIRS)), rng.choice((12, 30, 60, 120, 200)))
        for name in names
    )


def random_address(rng: random.Random, municipality: Municipality, suffix_rate: float) -> Address:
    street = rng.choice(streets_of(municipality))
    number = 1 + int(street.numbers * rng.random() ** 1.4)
    suffix = SUFFIXES.draw(rng) if rng.random() < suffix_rate else ""
    letters = _PAIRS[(street.letters + number // 24) % len(_PAIRS)]
    return Address(
        street.name,
        str(number),
        suffix,
        f"{street.pc4} {letters}",
        municipality.name,
        municipality.code,
    )


def neighbour_address(address: Address, rng: random.Random) -> Address:
    """The house next door (same street, a number or two away, usually the same postcode)."""
    number = int(address.house_number) + rng.choice((-2, -1, 1, 2))
    if number < 1:
        number += 4
    return address._replace(house_number=str(number), suffix="")


# --- the population ---------------------------------------------------------------------------------------


class Population:
    def __init__(self, seed: int, params: GeneratorParams, reference: Reference):
        self.seed = seed
        self.params = params
        self.reference = reference
        pop = params.population
        self.ref_year = params.window.end_date.year
        self.tables: dict[str, NameTable] = name_tables(tuple(sorted(pop.surname_tail_share.items())))
        self.origins = Weighted.of(pop.origin_mix)
        self.kinds = Weighted.of(pop.household_mix)
        self.given_count = Weighted(
            [int(k) for k in pop.given_names_count], list(pop.given_names_count.values())
        )
        self.municipalities = reference.municipalities
        self.sizes = [
            max(50, int(m.inhabitants * pop.households_per_inhabitant)) for m in self.municipalities
        ]
        self.bases: list[int] = []
        total = 0
        for size in self.sizes:
            self.bases.append(total)
            total += size
        if total >= PLANT_HID_BASE:
            raise ValueError("the population is too large for the household id layout")
        self.total_households = total
        self.by_code = {m.code: m for m in self.municipalities}
        self.by_weight = Weighted(list(self.municipalities), [m.inhabitants for m in self.municipalities])
        self.by_unit: dict[str, list[Municipality]] = {}
        for m in self.municipalities:
            self.by_unit.setdefault(m.unit, []).append(m)
        self.unit_weights = {
            unit: Weighted(ms, [m.inhabitants for m in ms]) for unit, ms in self.by_unit.items()
        }
        self.elsewhere = Weighted.of(pop.lives_elsewhere)
        self._cache: dict[int, Household] = {}
        self.cache_hits = 0
        self.cache_misses = 0

    # households and persons

    def municipality_of(self, hid: int) -> Municipality:
        lo, hi = 0, len(self.bases) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.bases[mid] <= hid:
                lo = mid
            else:
                hi = mid - 1
        return self.municipalities[lo]

    def household(self, hid: int) -> Household:
        found = self._cache.get(hid)
        if found is not None:
            self.cache_hits += 1
            return found
        self.cache_misses += 1
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        household = self.build_household(hid, self.municipality_of(hid), stream(self.seed, HOUSEHOLD, hid))
        self._cache[hid] = household
        return household

    def person(self, pid: int) -> Person:
        """The clean (true) person behind an id of the ordinary population."""
        if pid // SLOTS >= PLANT_HID_BASE:
            raise KeyError("planted persons are held by their plant, not rebuilt from the id")
        household = self.household(pid // SLOTS)
        for member in household.members:
            if member.pid == pid:
                return member
        raise KeyError(pid)

    def build_household(
        self,
        hid: int,
        municipality: Municipality,
        rng: random.Random,
        *,
        kind: str | None = None,
        origin: str | None = None,
        first_sex: str | None = None,
        first_age: tuple[int, int] | None = None,
    ) -> Household:
        pop = self.params.population
        origin = origin or self.origins.draw(rng)
        kind = kind or self.kinds.draw(rng)
        address = random_address(rng, municipality, pop.house_number_suffix)
        members: list[Person] = []
        ref = self.ref_year

        def make(slot: int, sex: str, age: int, origin_: str, surname: tuple[str, str]) -> Person:
            year = ref - age
            month = 1 + int(rng.random() * 12)
            day = 1 + int(rng.random() * (28 if month == 2 else (30 if month in (4, 6, 9, 11) else 31)))
            person = Person(
                hid * SLOTS + slot,
                sex,
                self.given_names(rng, origin_, sex, year),
                surname[0],
                feminine(origin_, surname[1]) if sex == "F" else surname[1],
                (year, month, day),
                origin_,
                address,
                self,
            )
            if age >= 12 and rng.random() < pop.has_mobile:
                person.mobile = mobile_for(person.pid)
            return person

        table = self.tables[origin]
        age1 = rng.randint(*first_age) if first_age is not None else 18 + int(67 * rng.random() ** 1.25)
        couple = kind in ("couple", "couple_children")
        if couple:
            same_sex = rng.random() < pop.same_sex_couples
            sex1 = first_sex or "M"
            sex2 = sex1 if same_sex else ("F" if sex1 == "M" else "M")
        elif kind == "single_parent":
            sex1 = first_sex or ("F" if rng.random() < 0.85 else "M")
            sex2 = ""
        else:
            sex1 = first_sex or ("M" if rng.random() < 0.5 else "F")
            sex2 = ""
        surname1 = table.surname(rng)
        first = make(0, sex1, age1, origin, surname1)
        members.append(first)
        adults = 1
        if couple:
            origin2 = self.origins.draw(rng) if rng.random() < pop.mixed_origin_couples else origin
            age2 = max(18, age1 + int(rng.gauss(-2 if sex1 == "M" else 2, 3)))
            second = make(1, sex2, age2, origin2, self.tables[origin2].surname(rng))
            members.append(second)
            adults = 2
            if rng.random() < pop.married_share:
                for a, b in ((second, first), (first, second)):
                    if a.sex == "F" or rng.random() < pop.man_uses_partner_name:
                        a.partner_name = (
                            b.prefix,
                            feminine(b.origin, b.surname) if a.sex == "F" else b.surname,
                        )
        mother = next((m for m in members if m.sex == "F"), members[0])
        mother_age = mother.age(ref)
        if kind in ("couple_children", "single_parent") and 21 <= mother_age <= 64:
            count = 1 + (rng.random() < 0.6) + (rng.random() < 0.25)
            if kind == "single_parent" and rng.random() < 0.7:
                child_surname = table.surname(rng)  # the absent parent's name
            elif rng.random() < 0.85 or len(members) == 1:
                child_surname = surname1
            else:
                child_surname = (members[1].prefix, members[1].surname)
            for i in range(count):
                age = rng.randint(0, min(25, mother_age - 20))
                sex = "M" if rng.random() < 0.51 else "F"
                members.append(make(2 + i, sex, age, origin, child_surname))
        return Household(hid, municipality, members, adults, kind)

    def given_names(self, rng: random.Random, origin: str, sex: str, birth_year: int) -> tuple[str, ...]:
        table = self.tables[origin]
        cohort = cohort_of(birth_year)
        first = table.given_name(rng, sex, cohort)
        if origin == "dutch":
            count = self.given_count.draw(rng)
        else:
            count = 2 if rng.random() < self.params.population.other_second_given_name else 1
        names = [first]
        for _ in range(count - 1):
            extra = table.given_name(rng, sex, 0 if origin == "dutch" else cohort)
            if extra not in names:
                names.append(extra)
        return tuple(names)

    def previous_address_for(self, hid: int, code: str) -> Address:
        rng = stream(self.seed, PREVIOUS, hid)
        municipality = self.by_code[code]
        where = municipality if rng.random() < 0.75 else self.elsewhere_of(rng, municipality)
        return random_address(rng, where, self.params.population.house_number_suffix)

    # drawing people for events

    def elsewhere_of(self, rng: random.Random, municipality: Municipality) -> Municipality:
        where = self.elsewhere.draw(rng)
        if where == "same_municipality":
            return municipality
        if where == "same_unit":
            return self.unit_weights[municipality.unit].draw(rng)
        return self.by_weight.draw(rng)

    def pick_household(self, rng: random.Random, municipality: Municipality, role: str) -> Household:
        size = self.sizes[municipality.index]
        if rng.random() < self.params.population.repeat_share[role]:
            idx = int(rng.random() * max(1, int(size * self.params.population.repeat_pool_fraction)))
        else:
            idx = int(rng.random() * size)
        return self.household(self.bases[municipality.index] + idx)

    def pick_person(
        self,
        rng: random.Random,
        municipality: Municipality,
        role: str,
        year: int,
        *,
        sex: str | None = None,
        min_age: int = 12,
        max_age: int = 120,
        exclude: tuple[int, ...] = (),
    ) -> Person:
        fallback: Person | None = None
        for _ in range(6):
            household = self.pick_household(rng, self.elsewhere_of(rng, municipality), role)
            fitting = [
                m for m in household.members if min_age <= m.age(year) <= max_age and m.pid not in exclude
            ]
            if not fitting:
                continue
            if sex is not None:
                preferred = [m for m in fitting if m.sex == sex]
                if preferred:
                    return preferred[int(rng.random() * len(preferred))]
                fallback = fallback or fitting[0]
                continue
            return fitting[int(rng.random() * len(fitting))]
        if fallback is not None:
            return fallback
        household = self.pick_household(rng, municipality, role)
        return household.members[0]

    def pick_couple(self, rng: random.Random, municipality: Municipality, year: int) -> Household:
        for _ in range(20):
            household = self.pick_household(rng, municipality, "suspect")
            if household.adults == 2 and household.members[1].age(year) >= 16:
                return household
        return household
