"""Which registrations the police notify to Veilig Thuis by themselves, and to which municipality's Veilig
Thuis organisation. Pure: the caller reads the facts and the rules (rules.py) and stores the outcome."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

SUSPECT, VICTIM = "suspect", "victim"


@dataclass(frozen=True)
class MentionFact:
    id: int
    role: str
    person: int | None  # the person it is linked to (None: not linked yet)
    municipality: str  # CBS code of the address written down, "" when none


@dataclass(frozen=True)
class RegistrationFacts:
    id: int
    source: str
    kind: str
    offences: frozenset[str]
    municipality: str  # where it happened
    mentions: tuple[MentionFact, ...]
    relations: tuple[tuple[int, int, str], ...]  # (from mention id, to mention id, kind)
    registered_at: datetime | None = None

    def with_role(self, role: str) -> list[MentionFact]:
        return [m for m in self.mentions if m.role == role]


class ReasonSpec(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def relations(self) -> Sequence[str]: ...
    @property
    def offences(self) -> Sequence[str]: ...
    @property
    def kinds(self) -> Sequence[str]: ...


def _between_suspect_and_victim(facts: RegistrationFacts) -> set[str]:
    roles = {m.id: m.role for m in facts.mentions}
    return {
        kind
        for a, b, kind in facts.relations
        if {roles.get(a), roles.get(b)} == {SUSPECT, VICTIM}
        or (kind == "child" and roles.get(a) == SUSPECT)  # a child of the suspect's household
    }


def routing_reasons(
    facts: RegistrationFacts, sources: Iterable[str], reasons: Sequence[ReasonSpec]
) -> list[str]:
    """The codes of the reasons that notify this registration, in the rules' order; [] for none."""
    if facts.source not in set(sources):
        return []
    pair = bool(facts.with_role(SUSPECT)) and bool(facts.with_role(VICTIM))
    related = _between_suspect_and_victim(facts)
    found: list[str] = []
    for reason in reasons:
        if (
            related & set(reason.relations)
            or (pair and facts.offences & set(reason.offences))
            or (pair and facts.kind in set(reason.kinds))
        ):
            found.append(reason.code)
    return found


def routing_basis(facts: RegistrationFacts, route_by: Sequence[str]) -> tuple[str, str]:
    """Whose municipality decides the Veilig Thuis organisation, and which: the first of `route_by` that is
    known (children: the address of a mention a `child` relation points to; victim: the victim's address;
    registration: where it happened); ("", "") when none is."""
    by_id = {m.id: m for m in facts.mentions}
    for basis in route_by:
        if basis == "children":
            places = [
                by_id[b].municipality for _a, b, kind in facts.relations if kind == "child" and b in by_id
            ]
        elif basis == "victim":
            places = [m.municipality for m in facts.with_role(VICTIM)]
        else:
            places = [facts.municipality]
        for place in places:
            if place:
                return basis, place
    return "", ""


def routing_municipality(facts: RegistrationFacts, route_by: Sequence[str]) -> str:
    """The municipality whose Veilig Thuis organisation gets the notification (`routing_basis`); "" when
    none is known."""
    return routing_basis(facts, route_by)[1]


def victim_municipality_known(
    latest: RegistrationFacts, others: Sequence[RegistrationFacts]
) -> tuple[RegistrationFacts, str] | None:
    """The most recent municipality known for the victim of `latest` among `others` (the registrations of
    the same police case, the latest registered first): the first of them, `latest` among them, that gives
    an address of a person `latest` names as its victim; with that registration. None when none does."""
    victims = {m.person for m in latest.with_role(VICTIM) if m.person is not None}
    for facts in others:
        for mention in facts.mentions:
            if not mention.municipality:
                continue
            if (mention.person is not None and mention.person in victims) or (
                facts.id == latest.id and mention.role == VICTIM
            ):
                return facts, mention.municipality
    return None


@dataclass(frozen=True)
class Route:
    """Where a registration is notified: whose municipality decides (`basis`: children, victim, registration;
    "" when none is known) and which (`municipality`, a CBS code), the facts as routed (the victim living
    there), and when the victim's municipality came from another registration than the one notified: that
    registration and the municipality the notified one gives alone (`routed_by`, `instead_of`)."""

    basis: str
    municipality: str
    facts: RegistrationFacts
    routed_by: RegistrationFacts | None = None
    instead_of: str = ""


def route(latest: RegistrationFacts, known: Sequence[RegistrationFacts], route_by: Sequence[str]) -> Route:
    """The route of `latest` (`routing_basis`), with one rule for intake and the police's hand-off alike:
    unless its children decide, the victim's municipality is her most recent one known among `known` (the
    registrations that count, the latest registered first, `latest` among them: `victim_municipality_known`).
    A registration that names no address of the victim thus goes by her address in an earlier one, not by
    where it happened."""
    basis, code = routing_basis(latest, route_by)
    if basis == "children":
        return Route(basis, code, latest)
    found = victim_municipality_known(latest, known)
    if found is None or found[1] == code:
        return Route(basis, code, latest)
    routing = with_victim_municipality(latest, found[1])
    routed_basis, routed_code = routing_basis(routing, route_by)
    if routed_code == code:  # the victim's municipality does not decide (`route_by` puts another first)
        return Route(basis, code, latest)
    routed_by = found[0] if found[0].id != latest.id else None
    return Route(routed_basis, routed_code, routing, routed_by, code if routed_by is not None else "")


def with_victim_municipality(facts: RegistrationFacts, municipality: str) -> RegistrationFacts:
    """These facts with the victim living in `municipality` (what routing by the victim then reads)."""
    return replace(
        facts,
        mentions=tuple(
            replace(m, municipality=municipality) if m.role == VICTIM else m for m in facts.mentions
        ),
    )


def notified_persons(facts: RegistrationFacts) -> list[int]:
    """The persons a notification is about (whom the radar looks for): everyone it names but a reporter or a
    witness, linked to a person."""
    return sorted(
        {m.person for m in facts.mentions if m.person is not None and m.role not in ("reporter", "witness")}
    )


def suspect_victim_pairs(facts: RegistrationFacts) -> frozenset[tuple[int, int]]:
    """The (suspect, victim) pairs of linked persons a registration names: a later registration naming a pair
    of an open notification at the same Veilig Thuis organisation joins it (services.notifications_route)."""
    return frozenset(
        (s.person, v.person)
        for s in facts.with_role(SUSPECT)
        for v in facts.with_role(VICTIM)
        if s.person is not None and v.person is not None and s.person != v.person
    )
