"""Reading the facts of registrations: their persons, relations, offences and municipalities, and
the Veilig Thuis organisation and police cases they belong to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration
from ketenzicht.workprocesses.models import Case

from ..engine.routing import (
    MentionFact,
    RegistrationFacts,
    Route,
    route,
    routing_municipality,
)
from ..rules import ChainRules


def registration_facts(registration_ids: Iterable[int]) -> dict[int, RegistrationFacts]:
    """The routing facts of these registrations: four queries whatever their number."""
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    rows = Registration.objects.filter(pk__in=ids).values_list(
        "pk", "source", "kind", "municipality__code", "registered_at"
    )
    offences: dict[int, set[str]] = defaultdict(set)
    for pk, article in Registration.offences.through.objects.filter(registration_id__in=ids).values_list(
        "registration_id", "offence__article"
    ):
        offences[pk].add(article)
    mentions: dict[int, list[MentionFact]] = defaultdict(list)
    for pk, mention, role, person, place in (
        PersonMention.objects.filter(registration_id__in=ids)
        .order_by("id")
        .values_list("registration_id", "pk", "role", "link__person_id", "address_municipality")
    ):
        mentions[pk].append(MentionFact(mention, role, person, place or ""))
    relations: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for pk, a, b, kind in MentionRelation.objects.filter(registration_id__in=ids).values_list(
        "registration_id", "from_mention_id", "to_mention_id", "kind"
    ):
        relations[pk].append((a, b, kind))
    return {
        pk: RegistrationFacts(
            pk,
            source,
            kind,
            frozenset(offences[pk]),
            place or "",
            tuple(mentions[pk]),
            tuple(relations[pk]),
            registered_at,
        )
        for pk, source, kind, place, registered_at in rows
    }


def suspect_victim_names(facts: Sequence[RegistrationFacts]) -> dict[int, tuple[str, str]]:
    """Per registration the first suspect's and the first victim's name as it writes them: one query."""
    wanted = {m.id: (f.id, m.role) for f in facts for m in f.mentions if m.role in ("suspect", "victim")}
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for mention in PersonMention.objects.filter(pk__in=list(wanted)).order_by("id"):
        registration, role = wanted[mention.pk]
        found[registration].setdefault(role, mention.display_name)
    return {f.id: (found[f.id].get("suspect", ""), found[f.id].get("victim", "")) for f in facts}


def municipalities_for(codes: Iterable[str]) -> dict[str, Municipality]:
    """These municipalities with their Veilig Thuis organisation, by code: one query."""
    wanted = {code for code in codes if code}
    return {m.code: m for m in Municipality.objects.select_related("vt_region").filter(code__in=wanted)}


def vt_organisation_for(
    facts: RegistrationFacts, rules: ChainRules, municipalities: Mapping[str, Municipality] | None = None
) -> tuple[Organisation | None, Municipality | None]:
    """The Veilig Thuis organisation a registration is notified to, and the municipality that decided it
    (`municipalities`: read beforehand for a batch)."""
    code = routing_municipality(facts, rules.routing.route_by)
    if municipalities is None:
        municipalities = municipalities_for([code])
    municipality = municipalities.get(code)
    return (municipality.vt_region if municipality else None), municipality


def _registered(facts: RegistrationFacts) -> tuple[datetime, int]:
    assert facts.registered_at is not None  # read from the register, where it is required
    return facts.registered_at, facts.id


def victim_route(
    latest: RegistrationFacts, registrations: Iterable[RegistrationFacts], rules: ChainRules
) -> Route:
    """Where `latest` is notified, by the one rule of intake and the police's hand-off
    (`engine.routing.route`): unless its children decide, the victim's municipality is her most recent one
    known among `registrations` registered up to `latest` (the latest registered first; `latest` is among
    them). Intake passes the registrations of the police case `latest` is on, the hand-off those of the case
    it hands off (whose latest it notifies): so a case's registration and its hand-off go to the same Veilig
    Thuis organisation, and what a registration registered later says does not count, however a file was
    split into batches."""
    until = _registered(latest)
    known = {f.id: f for f in registrations if _registered(f) <= until}
    known[latest.id] = latest
    return route(latest, sorted(known.values(), key=_registered, reverse=True), rules.routing.route_by)


def intake_routes(
    facts: Mapping[int, RegistrationFacts], police: Mapping[int, Case], rules: ChainRules
) -> dict[int, Route]:
    """`victim_route` for each of these registrations (intake), by the registrations of the police case it is
    on (`police`: `police_cases_of`), or by itself when it is on none: five queries whatever their number."""
    of_case: dict[int, list[int]] = defaultdict(list)
    for case_id, registration_id in Case.registrations.through.objects.filter(
        case_id__in=sorted({case.pk for case in police.values()})
    ).values_list("case_id", "registration_id"):
        of_case[case_id].append(registration_id)
    others = {i for pk in facts if pk in police for i in of_case[police[pk].pk]} - set(facts)
    known = {**registration_facts(others), **facts}
    return {
        pk: victim_route(
            fact, [known[i] for i in of_case[police[pk].pk] if i in known] if pk in police else [], rules
        )
        for pk, fact in facts.items()
    }


def police_cases_of(registration_ids: Iterable[int]) -> dict[int, Case]:
    """The open police case each registration is on (the latest opened when several are)."""
    found: dict[int, Case] = {}
    through = Case.registrations.through.objects.filter(
        registration_id__in=list(registration_ids),
        case__organisation__kind=OrganisationKind.POLITIE,
        case__closed_at__isnull=True,
    ).select_related("case", "case__owner", "case__organisation", "case__process_version")
    for row in through.order_by("case__opened_at", "case_id"):
        found[row.registration_id] = row.case
    return found
