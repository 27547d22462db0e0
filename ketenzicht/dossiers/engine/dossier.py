"""The dossier's facts from the rows its queries read: one line per registration, the counts (in total,
the last twelve months, per offence, year and source), names, dates of birth and the persons seen with
this one. Pure: no database, no Django; `dossiers.dossier.dossier_for_user` reads the rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ketenzicht.registrations.names import Spelling, full_name, list_name

SUSPECT, VICTIM = "suspect", "victim"  # registrations.models.MentionRole
STALKING_ARTICLE = "285b"
BREACH_KIND = "overtreding_maatregel"


class OffenceFacts(Protocol):
    """What the dossier reads of an offence (registrations.models.Offence)."""

    @property
    def article(self) -> str: ...
    @property
    def long_label(self) -> str: ...
    @property
    def violence(self) -> bool: ...
    @property
    def measure_breach(self) -> bool: ...


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
    source_label: Any = None  # the source's display label (may be a lazy translation)

    def get_source_display(self) -> str:
        return str(self.source if self.source_label is None else self.source_label)


@dataclass
class DossierLine:
    """One registration in the dossier, from the person's side."""

    registration: RegistrationRef
    role: str
    role_label: str
    when: dt.datetime
    offences: list[Any]  # OffenceFacts (registrations.models.Offence)
    probability: float | None
    method: str
    review_item_id: int | None  # an open review of this link that the user may open
    stalking: bool
    breach: bool
    violence: bool
    others: list[str]
    doubtful: bool = False  # an open review of this link waits (whether or not the user may open it)
    # Whether `when` is the time of the incident; False: none was written down, it is the registration's.
    occurred: bool = True


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
class DossierFacts:
    lines: list[DossierLine]
    name: str  # the person's list name (registrations.names): the heading's
    names: list[str]  # every spelling seen, as written, the most frequent first
    birth_dates: list[str]
    totals: CountRow
    last_12_months: CountRow
    by_offence: list[CountRow]
    by_year: list[CountRow]
    by_source: list[CountRow]
    companions: list[Companion]


@dataclass(frozen=True)
class Labels:
    """Display labels of the stored codes (the models' choices, in the active language)."""

    roles: Mapping[str, Any]
    relations: Mapping[str, Any]
    sources: Mapping[str, Any]


def _count(row: CountRow, role: str) -> None:
    if role == SUSPECT:
        row.suspect += 1
    elif role == VICTIM:
        row.victim += 1
    else:
        row.other += 1


def article_order(article: str) -> tuple[int, str]:
    digits = "".join(ch for ch in article if ch.isdigit())
    return (int(digits) if digits else 0, article)


def _written(given: str | None, prefix: str | None, surname: str | None) -> str:
    """A mention's name as its registration writes it (the list name is `registrations.names`)."""
    return " ".join(p for p in (given, prefix, surname) if p)


def dossier_facts(
    *,
    mentions: Sequence[Sequence[Any]],
    offences: Mapping[int, Sequence[OffenceFacts]],
    reviews: Mapping[int, int | None],
    others: Sequence[Sequence[Any]],
    relations: Sequence[tuple[int, int, str]],
    labels: Labels,
    now: dt.datetime,
    person_names: Mapping[int, str] | None = None,
) -> DossierFacts:
    """The facts of one person's dossier.

    `mentions`: the person's mentions in visible registrations, in time order, as (mention id, role,
    given names, surname prefix, surname, raw birth date, registration id, source, reference, kind,
    occurred at, registered at, link probability, link method); `offences` per registration; `reviews`:
    the mentions with an open review item, each with the item the user may open (None: none of them);
    `others`: the other mentions of those registrations as (mention id,
    registration id, role, given names, surname prefix, surname, person id or None); `relations`: (from
    mention, to mention, kind) in those registrations; `person_names`: the list names of the other persons
    (`registrations.names.list_name` among the registrations the user may see), else the latest spelling in
    these registrations."""
    person_names = person_names or {}
    mine = {m[0] for m in mentions}
    relation_of: dict[int, list[str]] = defaultdict(list)  # other mention -> relation kinds to the person
    for left, right, kind in relations:
        if left in mine:
            relation_of[right].append(kind)
        elif right in mine:
            relation_of[left].append(kind)

    others_by_registration: dict[int, list[str]] = defaultdict(list)
    companions: dict[Any, dict[str, Any]] = {}
    for mention_id, registration_id, role, given, prefix, surname, other_person in others:
        name = _written(given, prefix, surname)
        others_by_registration[registration_id].append(name)
        slot = companions.setdefault(
            other_person or f"m{mention_id}",
            {"name": name, "registrations": set(), "relations": Counter(), "roles": Counter()},
        )
        slot["name"] = person_names.get(other_person or 0) or full_name(given, prefix, surname)
        slot["registrations"].add(registration_id)
        slot["roles"][role] += 1
        for kind in relation_of.get(mention_id, []):
            slot["relations"][kind] += 1

    lines: list[DossierLine] = []
    names: Counter[str] = Counter()
    spellings: list[Spelling] = []
    births: Counter[str] = Counter()
    totals, recent = CountRow("total"), CountRow("last 12 months")
    by_offence: dict[str, CountRow] = {}
    by_year: dict[int, CountRow] = {}
    by_source: dict[str, CountRow] = {}
    since = now - dt.timedelta(days=365)
    for row in mentions:
        (mention_id, role, given, prefix, surname, birth_raw) = row[:6]
        registration_id, source, reference, kind, occurred_at, registered_at, probability, method = row[6:]
        when = occurred_at or registered_at
        listed = sorted(offences.get(registration_id, []), key=lambda o: o.article)
        lines.append(
            DossierLine(
                registration=RegistrationRef(
                    registration_id, source, reference, kind, labels.sources.get(source, source)
                ),
                role=role,
                role_label=str(labels.roles.get(role, role)),
                when=when,
                occurred=occurred_at is not None,
                offences=listed,
                probability=probability,
                method=method,
                review_item_id=reviews.get(mention_id),
                doubtful=mention_id in reviews,
                stalking=any(o.article == STALKING_ARTICLE for o in listed),
                breach=kind == BREACH_KIND or any(o.measure_breach for o in listed),
                violence=any(o.violence for o in listed),
                others=others_by_registration.get(registration_id, []),
            )
        )
        names[_written(given, prefix, surname)] += 1
        spellings.append(Spelling(given or "", prefix or "", surname or "", registered_at, registration_id))
        if birth_raw:
            births[birth_raw] += 1
        _count(totals, role)
        if when >= since:
            _count(recent, role)
        for offence in listed:
            _count(by_offence.setdefault(offence.article, CountRow(offence.long_label)), role)
        _count(by_year.setdefault(when.year, CountRow(str(when.year))), role)
        _count(by_source.setdefault(source, CountRow(str(labels.sources.get(source)))), role)
    companion_list = [
        Companion(
            person_id=key if isinstance(key, int) else None,
            name=slot["name"],
            together=len(slot["registrations"]),
            relations=[str(labels.relations.get(k, k)) for k, _n in slot["relations"].most_common()],
            roles=[str(labels.roles.get(r, r)) for r, _n in slot["roles"].most_common()],
        )
        for key, slot in companions.items()
    ]
    companion_list.sort(key=lambda c: (-c.together, c.name))
    return DossierFacts(
        lines=lines,
        name=list_name(spellings),
        names=[n for n, _c in names.most_common()],
        birth_dates=[b for b, _c in births.most_common()],
        totals=totals,
        last_12_months=recent,
        by_offence=[by_offence[k] for k in sorted(by_offence, key=article_order)],
        by_year=[by_year[k] for k in sorted(by_year)],
        by_source=sorted(by_source.values(), key=lambda r: -r.total),
        companions=companion_list,
    )
