"""Person search, scoped to what the user may see under the sharing rules.

Only registrations the user may see count, show, or lead to a person: a person found only through a name
in a registration the user may not see is not found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from rapidfuzz.distance import JaroWinkler

from ketenzicht.linking.models import MentionLink
from ketenzicht.organisations.models import Municipality, User
from ketenzicht.registrations.models import PersonMention
from ketenzicht.registrations.names import Spelling, list_names
from ketenzicht.registrations.sharing import visibility_filter

from .engine.query import Entry, Scorer, SearchQuery, deletion_keys, sound_key
from .models import SearchEntry, SearchKey

SEARCH_LIMIT = 20
MIN_SCORE = 55.0  # below this a candidate is noise, not a result
# Index rows read per search, best first by a coarse order in SQL (same surname, initial, birth year):
# bounds the work for very common names.
CANDIDATE_CAP = 1_500
TRIGRAM_MIN_LENGTH = 7  # shorter surnames share too few trigrams after a typo to help
TRIGRAM_MIN_SIMILARITY = 0.85  # Jaro-Winkler to a typed surname for a surname found by trigrams alone
TRIGRAM_MAX_NAMES = 20

_ROW = (
    "surname_key",
    "phonetic",
    "given_first",
    "initials",
    "birth_year",
    "birth_month",
    "birth_day",
    "pc6",
    "bsn",
    "person_id",
)


@dataclass
class PersonHit:
    person_id: int
    score: float
    name: str = ""  # the list name (registrations.names) among the mentions the searcher may see
    names: list[str] = field(default_factory=list)  # name variants seen, most frequent first
    birth_dates: list[str] = field(default_factory=list)
    municipality: str = ""  # last known
    registrations: int = 0  # that the searcher may see
    within_rules: int | None = None  # of a break-the-glass search: those the sharing rules show the searcher


def _prefixed(condition: Q, prefix: str) -> Q:
    """The same condition on a related model's fields (`unit` -> `registration__unit`)."""
    copy = Q()
    copy.connector, copy.negated = condition.connector, condition.negated
    copy.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])  # type: ignore[index]
        for child in condition.children
    ]
    return copy


def _surname_keys(query: SearchQuery) -> list[str]:
    """The indexed surname keys worth reading for this query: one typo apart or sounding the same (one
    look-up in the SearchKey index, any database), and on PostgreSQL long surnames more typos apart
    (trigram similarity on the distinct surname keys, kept when close enough by Jaro-Winkler)."""
    keys = query.surname_keys
    if not keys:
        return []
    variants = sorted({v for key in keys for v in (*deletion_keys(key), sound_key(key))})
    names = set(SearchKey.objects.filter(key__in=variants).values_list("surname_key", flat=True))
    long_keys = [k for k in keys if len(k) >= TRIGRAM_MIN_LENGTH]
    if connection.vendor == "postgresql" and long_keys:
        # The trigram index (migrations 0004, 0005) holds each surname's own row (key = surname_key).
        where = " OR ".join(["dossiers_searchkey.surname_key %% %s"] * len(long_keys))
        trigram = SearchKey.objects.filter(key=F("surname_key")).extra(where=[f"({where})"], params=long_keys)
        similar = set(trigram.values_list("surname_key", flat=True))
        closeness = {
            name: max(JaroWinkler.similarity(key, name) for key in long_keys) for name in similar - names
        }
        close = [n for n, similarity in closeness.items() if similarity >= TRIGRAM_MIN_SIMILARITY]
        close.sort(key=lambda n: -closeness[n])
        names.update(close[:TRIGRAM_MAX_NAMES])
    return sorted(names)


def _priority(query: SearchQuery) -> Any:
    """A coarse order of index rows in SQL, so that the rows read first are the likely best: one point
    each for the very surname typed, its first initial and its birth year (one off)."""
    points: list[Q] = []
    if query.surname_keys:
        points.append(Q(surname_key__in=query.surname_keys))
    initials = query.initials
    if initials:
        agree = Q(initials__startswith=initials[0])
        for initial in initials[1:]:
            agree |= Q(initials__startswith=initial)
        points.append(agree)
    if query.birth_year is not None:
        points.append(Q(birth_year__in=[query.birth_year - 1, query.birth_year, query.birth_year + 1]))
    if not points:
        return Value(0)
    total: Any = None
    for point in points:
        term = Case(When(point, then=Value(1)), default=Value(0))
        total = term if total is None else total + term
    return total


def _candidate_rows(query: SearchQuery, condition: Q) -> list[tuple[Any, ...]]:
    """Index rows that may match, read with the sharing rules as a filter on each row's own copy of its
    registration's source, unit and municipality (no joins), in one statement."""
    wanted = Q()
    names = _surname_keys(query)
    if names:
        wanted |= Q(surname_key__in=names)
    if query.bsn:
        wanted |= Q(bsn=query.bsn)
    if not wanted:
        return []
    person = MentionLink.objects.filter(mention_id=OuterRef("mention_id")).values("person_id")[:1]
    rows = (
        SearchEntry.objects.filter(condition)
        .filter(wanted)
        .annotate(priority=_priority(query), person_id=Subquery(person))
        .order_by("-priority", "-mention_id")  # among equals the latest mentions: the same rows every time
        .values_list(*_ROW)
    )
    return list(rows[:CANDIDATE_CAP])


def person_search_for_user(
    *,
    user: User,
    query: SearchQuery,
    limit: int = SEARCH_LIMIT,
    purposed: bool = False,
    everything: bool = False,
) -> list[PersonHit]:
    """Persons best first, each with what the user may see of them. Empty for users who may not search.
    A person scores as their best index row; among equal scores, the person with more matching rows
    (more registrations the user may see under that name) comes first. `purposed`: the search has a
    stated purpose, logged with it (`services.person_search`), so the sharing rules that need one apply.
    `everything`: a break-the-glass search outside the sharing rules (`break_glass.break_glass_search`,
    which checked the role, the reason and the confirmation, and logs it as such)."""
    condition = visibility_filter(user, purposed=purposed) if user.is_authenticated else None
    if everything and user.is_authenticated:
        condition = Q()
    if condition is None:
        return []
    scorer = Scorer(query)
    best: dict[int, float] = {}
    support: Counter[int] = Counter()
    scored: dict[tuple[Any, ...], float] = {}  # many rows repeat one name variant: score it once
    for row in _candidate_rows(query, condition):
        person_id, same = row[9], row[:9]
        if person_id is None:  # a mention whose link is gone (the index is rebuilt on the next run)
            continue
        score = scored.get(same)
        if score is None:
            score = scored[same] = scorer.score(Entry(*same))
        if score >= MIN_SCORE:
            support[person_id] += 1
            if score > best.get(person_id, -1.0):
                best[person_id] = score
    ranked = sorted(best.items(), key=lambda item: (-item[1], -support[item[0]], item[0]))[:limit]
    hits = {person_id: PersonHit(person_id, score) for person_id, score in ranked}
    _describe(hits, condition)
    return [hits[person_id] for person_id, _score in ranked if hits[person_id].registrations]


def person_hits_outside_rules(*, user: User, found: list[int], scores: dict[int, float]) -> list[PersonHit]:
    """The persons a break-the-glass search showed (`found`, in its order), described from every
    registration, each with how many of them the sharing rules show the user (`within_rules`: 0 for a person
    only the search outside the rules showed). The caller checked that the search is the user's and holds
    (`break_glass.break_glass_search_results`)."""
    hits = {person_id: PersonHit(person_id, scores.get(person_id, -1.0)) for person_id in found}
    _describe(hits, Q())
    condition = visibility_filter(user, purposed=True)
    within = (
        PersonMention.objects.filter(link__person_id__in=list(hits))
        .filter(_prefixed(condition, "registration__"))
        .values_list("link__person_id", "registration_id")
        .distinct()
        if condition is not None
        else []
    )
    counts: Counter[int] = Counter(person_id for person_id, _registration in within)
    for person_id, hit in hits.items():
        hit.within_rules = counts[person_id]
    return [hit for hit in hits.values() if hit.registrations]


def _describe(hits: dict[int, PersonHit], condition: Q) -> None:
    """Fill in names, dates of birth, last municipality and registration count from visible mentions."""
    if not hits:
        return
    rows = (
        PersonMention.objects.filter(link__person_id__in=list(hits))
        .filter(_prefixed(condition, "registration__"))
        .order_by("registration__registered_at", "id")
        .values_list(
            "link__person_id",
            "given_names",
            "surname_prefix",
            "surname",
            "birth_date_raw",
            "address_municipality",
            "registration_id",
            "registration__municipality__code",
            "registration__registered_at",
        )
    )
    names: dict[int, Counter[str]] = defaultdict(Counter)
    births: dict[int, Counter[str]] = defaultdict(Counter)
    registrations: dict[int, set[int]] = defaultdict(set)
    last_code: dict[int, str] = {}
    spellings: list[tuple[int, Spelling]] = []
    for person_id, given, prefix, surname, birth, address_code, registration_id, place_code, at in rows:
        names[person_id][" ".join(p for p in (given, prefix, surname) if p)] += 1
        spellings.append((person_id, Spelling(given, prefix, surname, at, registration_id)))
        if birth:
            births[person_id][birth] += 1
        registrations[person_id].add(registration_id)
        code = address_code or place_code
        if code:
            last_code[person_id] = code
    municipalities = dict(
        Municipality.objects.filter(code__in=set(last_code.values())).values_list("code", "name")
    )
    listed = list_names(spellings)
    for person_id, hit in hits.items():
        hit.name = listed.get(person_id, "")
        hit.names = [name for name, _n in names[person_id].most_common()]
        hit.birth_dates = [birth for birth, _n in births[person_id].most_common()]
        hit.municipality = municipalities.get(last_code.get(person_id, ""), "")
        hit.registrations = len(registrations[person_id])
