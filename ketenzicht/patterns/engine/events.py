"""What the engine knows of one registration: an `Event`. The caller (the Django app, a benchmark, a test)
builds events from whatever store it has; person ids are the linked persons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Roles that act (do something to someone) and roles that are acted upon.
SUSPECT = "suspect"
VICTIM = "victim"
INVOLVED = "involved"
REPORTER = "reporter"

BREACH_KIND = "overtreding_maatregel"

# What a breach of a protective measure broke, as `MeasureBreach.what` holds it.
CONTACT_BAN = "contact_ban"
AREA_BAN = "area_ban"
MEASURE = "measure"  # any other condition of the measure


@dataclass(frozen=True, slots=True)
class Offence:
    article: str
    severity: int  # the offences reference data's severity_rank, 1 (least) .. 10
    violence: bool = False
    breach: bool = False  # breach of a protective measure (art. 184a Sr and the like)


@dataclass(frozen=True, slots=True)
class Party:
    person: int
    role: str
    ref: str  # the mention's ref within its registration ("p1")
    home: str = ""  # where the mention lives, as `home_key` makes it ("" when not known)


def home_key(postcode: str, street: str, city: str, house_number: str) -> str:
    """An address as "area|number": the area is the six-character postcode, else street and city. Two homes
    in one area with different numbers are neighbours; "" when the number or the area is missing."""
    number = "".join(house_number.split()).lower()
    code = "".join(postcode.split()).upper()
    area = code if len(code) == 6 else ""
    if not area and street.strip() and city.strip():
        area = f"{' '.join(street.lower().split())}/{' '.join(city.lower().split())}"
    return f"{area}|{number}" if area and number else ""


def neighbours(home: str, other: str) -> bool:
    if not home or not other:
        return False
    area, number = home.rsplit("|", 1)
    other_area, other_number = other.rsplit("|", 1)
    return area == other_area and number != other_number


@dataclass(frozen=True, slots=True)
class MeasureBreach:
    """A registration found to breach a protective measure that binds `suspect` and protects `protected`
    (the measures registry judged it). It is a registration of each pair (suspect, protected person), named
    in it or not: an arrest for breaching a contact ban often names the bound person alone."""

    measure: str  # the measure's reference
    what: str  # CONTACT_BAN, AREA_BAN or MEASURE
    suspect: int
    protected: tuple[int, ...]
    on: date  # the day it happened

    def of_pair(self, suspect: int, victim: int) -> bool:
        return self.suspect == suspect and victim in self.protected


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    source: str
    reference: str
    kind: str
    at: datetime  # registered_at: the order in which the register learnt of it
    unit: str = ""  # the police unit (organisation code), "" when none
    offences: tuple[Offence, ...] = ()
    parties: tuple[Party, ...] = ()
    # (from person, to person, relation kind) as written down in this registration
    relations: tuple[tuple[int, int, str], ...] = ()
    summary: str = ""
    words: frozenset[str] = field(default=frozenset())  # word categories found in the summary
    measure_breaches: tuple[MeasureBreach, ...] = ()  # the protective measures it was found to breach

    @property
    def breach(self) -> bool:
        """Whether the registration says it is a breach of a measure (its kind or an offence)."""
        return self.kind == BREACH_KIND or any(o.breach for o in self.offences)

    def breaches_of(self, suspect: int, victim: int) -> tuple[MeasureBreach, ...]:
        """The breaches found in it of measures that bind `suspect` and protect `victim`."""
        return tuple(b for b in self.measure_breaches if b.of_pair(suspect, victim))

    def breach_for(self, pair: tuple[int, int] | None) -> bool:
        """A breach for this pair: the registration says so, or it breaches a measure protecting the pair's
        victim from its suspect (without a pair: the registration says so, or it breaches any measure)."""
        if self.breach:
            return True
        if pair is None:
            return bool(self.measure_breaches)
        return bool(self.breaches_of(*pair))

    @property
    def violence(self) -> bool:
        return any(o.violence for o in self.offences)

    @property
    def severity(self) -> int:
        return max((o.severity for o in self.offences), default=0)

    @property
    def articles(self) -> frozenset[str]:
        return frozenset(o.article for o in self.offences)

    def pairs(self) -> list[tuple[int, int]]:
        """Its directed pairs (see `directed_pairs`), and the pair of every measure it breaches: the bound
        person towards each person the measure protects, named in it or not, when the bound person acts in
        it (suspect or involved: not when a protected person is the suspect and the bound person the
        victim, nor for a measure of a person merged into another since, who is no party)."""
        found = directed_pairs(self.parties)
        acting = {p.person for p in self.parties if p.role in (SUSPECT, INVOLVED)}
        for breach in self.measure_breaches:
            if breach.suspect not in acting:
                continue
            for victim in breach.protected:
                pair = (breach.suspect, victim)
                if victim != breach.suspect and pair not in found:
                    found.append(pair)
        return found

    def refs_of(self, person: int) -> tuple[str, ...]:
        return tuple(p.ref for p in self.parties if p.person == person)

    def live_next_door(self, a: int, b: int) -> bool:
        """Whether this registration has the two persons at different homes of one street or postcode."""
        homes_a = [p.home for p in self.parties if p.person == a and p.home]
        homes_b = [p.home for p in self.parties if p.person == b and p.home]
        return any(neighbours(x, y) for x in homes_a for y in homes_b)

    def live_together(self, a: int, b: int) -> bool:
        """Whether this registration has the two persons at one home (the same postcode and number)."""
        homes_a = {p.home for p in self.parties if p.person == a and p.home}
        homes_b = {p.home for p in self.parties if p.person == b and p.home}
        return bool(homes_a & homes_b)

    def relation_between(self, a: int, b: int) -> str:
        """The relation written down between two persons here (either direction), "" if none."""
        for left, right, kind in self.relations:
            if (left, right) in ((a, b), (b, a)) and kind != "unknown":
                return kind
        return ""


def directed_pairs(parties: tuple[Party, ...]) -> list[tuple[int, int]]:
    """The directed (actor, target) person pairs of a registration's parties.

    Actors are the suspects; a registration without a suspect (a notification, an incident without an
    offence) has its `involved` persons act. Targets are the victims; without a victim, the reporter."""
    actors = [p.person for p in parties if p.role == SUSPECT]
    if not actors:
        actors = [p.person for p in parties if p.role == INVOLVED]
    targets = [p.person for p in parties if p.role == VICTIM]
    if not targets:
        targets = [p.person for p in parties if p.role == REPORTER]
    found: list[tuple[int, int]] = []
    for actor in dict.fromkeys(actors):
        for target in dict.fromkeys(targets):
            if actor != target:
                found.append((actor, target))
    return found
