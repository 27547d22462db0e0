"""Reads of persons: search and dossier, always scoped to what the user may see under the sharing rules.

Only registrations the user may see count, show, or lead to a person: a person found only through a name
in a registration the user may not see is not found. Missing and forbidden look the same.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from rapidfuzz.distance import JaroWinkler

from ketenzicht.audit.access import refuse
from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.audit.selectors import AUDIT_READER_ROLES, access_log_for_persons
from ketenzicht.linking.models import MentionLink, ReviewItem, ReviewStatus
from ketenzicht.organisations.models import Municipality, User
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import (
    MentionRelation,
    MentionRole,
    Offence,
    PersonMention,
    Registration,
    RelationKind,
)
from ketenzicht.registrations.selectors import HiddenGroup, registration_sight_for_user
from ketenzicht.registrations.sharing import may_see_registrations, visibility_filter

from .engine.query import Entry, Scorer, SearchQuery, deletion_keys, sound_key
from .models import SearchEntry, SearchKey

SEARCH_LIMIT = 20
MIN_SCORE = 55.0  # below this a candidate is noise, not a result
# Index rows read per search, best first by a coarse order in SQL (same surname, initial, birth year):
# bounds the work for very common names.
CANDIDATE_CAP = 1_500
MAX_MERGE_HOPS = 20
TRIGRAM_MIN_LENGTH = 7  # shorter surnames share too few trigrams after a typo to help
TRIGRAM_MIN_SIMILARITY = 0.85  # Jaro-Winkler to a typed surname for a surname found by trigrams alone
TRIGRAM_MAX_NAMES = 20
PERSON_OBJECT = "person"


def may_search_persons(user: User) -> bool:
    """Searching needs a role that sees registrations under the sharing rules (the national analyst,
    the privacy officer and the functional administrator see none)."""
    return bool(user.is_authenticated and may_see_registrations(user))


def may_open_dossier(user: User) -> bool:
    """Searchers open dossiers; audit readers open them for the access list alone."""
    return may_search_persons(user) or bool(user.is_authenticated and user.has_role(*AUDIT_READER_ROLES))


def _visible(user: User) -> QuerySet[Registration]:
    condition = visibility_filter(user)
    if condition is None:
        return Registration.objects.none()
    return Registration.objects.filter(condition)


# ---------------------------------------------------------------------------------------------- search

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
    names: list[str] = field(default_factory=list)  # name variants seen, most frequent first
    birth_dates: list[str] = field(default_factory=list)
    municipality: str = ""  # last known
    registrations: int = 0  # that the searcher may see


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


def person_search_for_user(*, user: User, query: SearchQuery, limit: int = SEARCH_LIMIT) -> list[PersonHit]:
    """Persons best first, each with what the user may see of them. Empty for users who may not search.
    A person scores as their best index row; among equal scores, the person with more matching rows
    (more registrations the user may see under that name) comes first."""
    condition = visibility_filter(user) if user.is_authenticated else None
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
        )
    )
    names: dict[int, Counter[str]] = defaultdict(Counter)
    births: dict[int, Counter[str]] = defaultdict(Counter)
    registrations: dict[int, set[int]] = defaultdict(set)
    last_code: dict[int, str] = {}
    for person_id, given, prefix, surname, birth, address_code, registration_id, place_code in rows:
        names[person_id][" ".join(p for p in (given, prefix, surname) if p)] += 1
        if birth:
            births[person_id][birth] += 1
        registrations[person_id].add(registration_id)
        code = address_code or place_code
        if code:
            last_code[person_id] = code
    municipalities = dict(
        Municipality.objects.filter(code__in=set(last_code.values())).values_list("code", "name")
    )
    for person_id, hit in hits.items():
        hit.names = [name for name, _n in names[person_id].most_common()]
        hit.birth_dates = [birth for birth, _n in births[person_id].most_common()]
        hit.municipality = municipalities.get(last_code.get(person_id, ""), "")
        hit.registrations = len(registrations[person_id])


# --------------------------------------------------------------------------------------------- dossier


@dataclass
class Companion:
    person_id: int | None
    name: str
    together: int  # registrations shared with the dossier's person
    relations: list[str]  # relation labels, most frequent first
    roles: list[str]


@dataclass(frozen=True)
class RegistrationRef:
    """What a dossier line shows of its registration (read as values, not as a model instance)."""

    pk: int
    source: str
    reference: str
    kind: str

    def get_source_display(self) -> str:
        return str(_SOURCE_LABELS.get(self.source, self.source))


_SOURCE_LABELS = dict(Registration._meta.get_field("source").choices or [])


@dataclass
class DossierLine:
    """One registration in the dossier, from the person's side."""

    registration: RegistrationRef
    role: str
    role_label: str
    when: dt.datetime
    offences: list[Offence]
    probability: float | None
    method: str
    review_item_id: int | None  # an open review of this link: the link is doubtful
    stalking: bool
    breach: bool
    violence: bool
    others: list[str]

    @property
    def doubtful(self) -> bool:
        return self.review_item_id is not None


@dataclass
class CountRow:
    label: str
    suspect: int = 0
    victim: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.suspect + self.victim + self.other


@dataclass
class Dossier:
    person: Person
    lines: list[DossierLine]
    names: list[str]
    birth_dates: list[str]
    totals: CountRow
    last_12_months: CountRow
    by_offence: list[CountRow]
    by_year: list[CountRow]
    by_source: list[CountRow]
    companions: list[Companion]
    access: list[AccessLogEntry]
    may_read_access: bool
    # Registrations of this person the user may not see: counted per organisation kind and police unit
    # (hit / no-hit), never named. Empty for the audit readers, who open a dossier for its access list.
    hidden: list[HiddenGroup] = field(default_factory=list)

    @property
    def hidden_total(self) -> int:
        return sum(group.count for group in self.hidden)


_LINE_FIELDS = (
    "id",
    "role",
    "given_names",
    "surname_prefix",
    "surname",
    "birth_date_raw",
    "registration_id",
    "registration__source",
    "registration__reference",
    "registration__kind",
    "registration__occurred_at",
    "registration__registered_at",
    "link__probability",
    "link__method",
)


def person_ids_merged_into(person: Person) -> list[int]:
    """The person's id and those of every person merged into it (their reads are in its access list)."""
    ids, frontier = [person.pk], [person.pk]
    for _hop in range(MAX_MERGE_HOPS):
        frontier = list(Person.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids.extend(frontier)
    return ids


def person_resolve(person_id: int) -> Person:
    """The person under this id, following merges. Raises Person.DoesNotExist."""
    person = Person.objects.get(pk=person_id)
    hops = 0
    while person.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        person = Person.objects.get(pk=person.merged_into_id)
        hops += 1
    return person


def _count(row: CountRow, role: str) -> None:
    if role == MentionRole.SUSPECT:
        row.suspect += 1
    elif role == MentionRole.VICTIM:
        row.victim += 1
    else:
        row.other += 1


def dossier_get_for_user(*, user: User, person_id: int, origin: str = "", purpose: str = "") -> Dossier:
    """The dossier of the person under this id (following merges) as `user` may see it. Raises NotVisible
    (logged as refused) alike when there is no such person, when the user's role opens no dossiers and
    when the user may see nothing of them."""
    dossier = None
    if may_open_dossier(user):
        try:
            dossier = dossier_for_user(user=user, person=person_resolve(person_id))
        except Person.DoesNotExist:
            dossier = None
    if dossier is None:
        raise refuse(
            actor=user, object_type=PERSON_OBJECT, object_id=person_id, origin=origin, purpose=purpose
        )
    return dossier


def dossier_for_user(*, user: User, person: Person, now: dt.datetime | None = None) -> Dossier | None:
    """Everything `user` may see of `person`, in a fixed number of queries however long the history.
    None when the user may see nothing of them (and reads no access log): `dossier_get_for_user` is the
    road that answers NotVisible then."""
    may_read_access = user.has_role(*AUDIT_READER_ROLES)
    if not may_open_dossier(user):
        return None
    now = now or timezone.now()
    visible_ids = _visible(user).filter(mentions__link__person=person).values("pk")
    # Values, not model instances: a long history is hundreds of rows, and instances cost most of the time.
    mentions = list(
        PersonMention.objects.filter(link__person=person, registration__in=visible_ids)
        .order_by("registration__occurred_at", "registration__registered_at", "id")
        .values_list(*_LINE_FIELDS)
    )
    if not mentions and not may_read_access:
        return None
    mine = {m[0] for m in mentions}
    offences: dict[int, list[Offence]] = defaultdict(list)
    through = Registration.offences.through.objects.filter(registration_id__in=visible_ids)
    pairs = list(through.values_list("registration_id", "offence_id"))
    offence_of = Offence.objects.in_bulk({offence_id for _r, offence_id in pairs})
    for registration_id, offence_id in pairs:
        offences[registration_id].append(offence_of[offence_id])
    reviews = dict(
        ReviewItem.objects.filter(status=ReviewStatus.OPEN, mention__link__person=person)
        .filter(mention__registration__in=visible_ids)
        .order_by("-priority")
        .values_list("mention_id", "pk")
    )
    others = list(
        PersonMention.objects.filter(registration__in=visible_ids)
        .exclude(link__person=person)
        .values_list(
            "pk", "registration_id", "role", "given_names", "surname_prefix", "surname", "link__person_id"
        )
    )
    relations = list(
        MentionRelation.objects.filter(registration__in=visible_ids).values_list(
            "from_mention_id", "to_mention_id", "kind"
        )
    )
    relation_of: dict[int, list[str]] = defaultdict(list)  # other mention -> relation kinds to the person
    for left, right, kind in relations:
        if left in mine:
            relation_of[right].append(kind)
        elif right in mine:
            relation_of[left].append(kind)

    others_by_registration: dict[int, list[str]] = defaultdict(list)
    companions: dict[Any, dict[str, Any]] = {}
    for mention_id, registration_id, role, given, prefix, surname, other_person in others:
        name = " ".join(p for p in (given, prefix, surname) if p)
        others_by_registration[registration_id].append(name)
        slot = companions.setdefault(
            other_person or f"m{mention_id}",
            {"name": name, "registrations": set(), "relations": Counter(), "roles": Counter()},
        )
        slot["name"] = name  # the latest spelling
        slot["registrations"].add(registration_id)
        slot["roles"][role] += 1
        for kind in relation_of.get(mention_id, []):
            slot["relations"][kind] += 1

    role_labels = dict(MentionRole.choices)
    relation_labels = dict(RelationKind.choices)
    lines: list[DossierLine] = []
    names: Counter[str] = Counter()
    births: Counter[str] = Counter()
    totals, recent = CountRow("total"), CountRow("last 12 months")
    by_offence: dict[str, CountRow] = {}
    by_year: dict[int, CountRow] = {}
    by_source: dict[str, CountRow] = {}
    source_labels = dict(Registration._meta.get_field("source").choices or [])
    since = now - dt.timedelta(days=365)
    for row in mentions:
        (mention_id, role, given, prefix, surname, birth_raw) = row[:6]
        registration_id, source, reference, kind, occurred_at, registered_at, probability, method = row[6:]
        when = occurred_at or registered_at
        listed = sorted(offences.get(registration_id, []), key=lambda o: o.article)
        lines.append(
            DossierLine(
                registration=RegistrationRef(registration_id, source, reference, kind),
                role=role,
                role_label=str(role_labels.get(role, role)),
                when=when,
                offences=listed,
                probability=probability,
                method=method,
                review_item_id=reviews.get(mention_id),
                stalking=any(o.article == "285b" for o in listed),
                breach=kind == "overtreding_maatregel" or any(o.measure_breach for o in listed),
                violence=any(o.violence for o in listed),
                others=others_by_registration.get(registration_id, []),
            )
        )
        names[" ".join(p for p in (given, prefix, surname) if p)] += 1
        if birth_raw:
            births[birth_raw] += 1
        _count(totals, role)
        if when >= since:
            _count(recent, role)
        for offence in listed:
            _count(by_offence.setdefault(offence.article, CountRow(offence.long_label)), role)
        _count(by_year.setdefault(when.year, CountRow(str(when.year))), role)
        _count(by_source.setdefault(source, CountRow(str(source_labels.get(source)))), role)
    companion_list = [
        Companion(
            person_id=key if isinstance(key, int) else None,
            name=slot["name"],
            together=len(slot["registrations"]),
            relations=[str(relation_labels.get(k, k)) for k, _n in slot["relations"].most_common()],
            roles=[str(role_labels.get(r, r)) for r, _n in slot["roles"].most_common()],
        )
        for key, slot in companions.items()
    ]
    companion_list.sort(key=lambda c: (-c.together, c.name))
    access = (
        list(access_log_for_persons(user=user, person_ids=person_ids_merged_into(person))[:200])
        if may_read_access
        else []
    )
    hidden: list[HiddenGroup] = []
    if may_search_persons(user):
        everything = Registration.objects.filter(mentions__link__person=person).values("pk")
        hidden = registration_sight_for_user(user=user, ids=everything).hidden_groups()
    return Dossier(
        person=person,
        lines=lines,
        names=[n for n, _c in names.most_common()],
        birth_dates=[b for b, _c in births.most_common()],
        totals=totals,
        last_12_months=recent,
        by_offence=[by_offence[k] for k in sorted(by_offence, key=_article_order)],
        by_year=[by_year[k] for k in sorted(by_year)],
        by_source=sorted(by_source.values(), key=lambda r: -r.total),
        companions=companion_list,
        access=access,
        may_read_access=may_read_access,
        hidden=hidden,
    )


def _article_order(article: str) -> tuple[int, str]:
    digits = "".join(ch for ch in article if ch.isdigit())
    return (int(digits) if digits else 0, article)
