"""Reading linked registrations from the database as the engine's events.

Two ways in: `events_involving(persons)` for the online update (every registration one of those persons is
linked into) and `all_events()` for detection over the whole register, which first reads who is mentioned
where (mentions and links only), keeps the registrations that can take part in a pattern (a pair seen more
than once either way, a victim with more than one registration), and reads the rest of those alone.

Both bring the breaches of protective measures (`measure_breaches`): a registration found to breach a
measure is one of the pair the measure protects, named in it or not; the online update also reads the
breaches of measures protecting one of its persons that name only the bound person.

Both read only the registrations the police may see or count (`sight.detection_sight`, from the sharing
rules): every event is built in `_events_in_sight`, which leaves out any other (Veilig Thuis's own file)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from ketenzicht.db import CHUNK, chunks, one_of, query_rows
from ketenzicht.db import quoted_table as _t
from ketenzicht.linking.models import MentionLink
from ketenzicht.organisations.models import Organisation
from ketenzicht.registrations.models import MentionRelation, Offence, PersonMention, Registration

from .engine.detect import Detector
from .engine.events import Event, MeasureBreach, Party, directed_pairs, home_key
from .engine.events import Offence as OffenceFact
from .measure_breaches import breaches_of
from .models import Signal
from .sight import detection_sight

Progress = Callable[[str, int, int], None]


def _offences_through() -> str:
    return _t(Registration.offences.through)


def _parties_sql(where: str, *, homes: bool = True) -> str:
    address = ", m.postcode, m.street, m.city, m.house_number" if homes else ""
    return (
        f"SELECT m.registration_id, l.person_id, m.role, m.ref{address} "
        f"FROM {_t(PersonMention)} m JOIN {_t(MentionLink)} l ON l.mention_id = m.id WHERE {where}"
    )


def _party(
    person: int, role: str, ref: str, postcode: str = "", street: str = "", city: str = "", number: str = ""
) -> Party:
    return Party(person, role, ref, home_key(postcode, street, city, number))


def _events(
    registration_ids: Sequence[int],
    parties: dict[int, list[Party]],
    detector: Detector,
    progress: Progress | None = None,
    unit_pks: dict[str, int] | None = None,
) -> list[Event]:
    """Events for the registrations, given their parties: reads registrations, offences and relations.
    `unit_pks` gets the id of every police unit code met."""
    through = _offences_through()
    events: list[Event] = []
    done = 0
    for chunk in chunks(registration_ids):
        offences_of: dict[int, list[OffenceFact]] = defaultdict(list)
        where, params = one_of("t.registration_id", chunk)
        for registration_id, article, severity, violence, breach in query_rows(
            f"SELECT t.registration_id, o.article, o.severity_rank, o.violence, o.measure_breach "
            f"FROM {through} t JOIN {_t(Offence)} o ON o.id = t.offence_id WHERE {where}",
            params,
        ):
            offences_of[registration_id].append(_offence(article, severity, violence, breach))
        relations_of: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        where, params = one_of("r.registration_id", chunk)
        for registration_id, left, right, kind in query_rows(
            f"SELECT r.registration_id, lf.person_id, lt.person_id, r.kind FROM {_t(MentionRelation)} r "
            f"JOIN {_t(MentionLink)} lf ON lf.mention_id = r.from_mention_id "
            f"JOIN {_t(MentionLink)} lt ON lt.mention_id = r.to_mention_id WHERE {where}",
            params,
        ):
            relations_of[registration_id].append((left, right, kind))
        where, params = one_of("r.id", chunk)
        rows = query_rows(f"SELECT {REGISTRATION_COLUMNS} FROM {_registrations()} WHERE {where}", params)
        events += _events_in_sight(rows, parties, offences_of, relations_of, detector, unit_pks)
        done += len(chunk)
        if progress is not None:
            progress("read", done, len(registration_ids))
    return events


# A registration row as the events are built from it; the unit's kind decides whether it is in sight.
REGISTRATION_COLUMNS = (
    "r.id, r.source, r.reference, r.kind, r.registered_at, r.unit_id, u.code, r.summary, u.kind"
)


def _registrations() -> str:
    return f"{_t(Registration)} r LEFT JOIN {_t(Organisation)} u ON u.id = r.unit_id"


def _events_in_sight(
    rows: Iterable[Sequence[Any]],
    parties: dict[int, list[Party]],
    offences_of: dict[int, list[OffenceFact]],
    relations_of: dict[int, list[tuple[int, int, str]]],
    detector: Detector,
    unit_pks: dict[str, int] | None,
) -> list[Event]:
    """The events of these registration rows (`REGISTRATION_COLUMNS`) that the police may see or count
    (`sight.detection_sight`): a pattern signal rests on nothing else. The one place both ways in (and the
    breach registrations read for them) build their events."""
    sight = detection_sight()
    return [
        _event(row[:8], parties, offences_of, relations_of, detector, unit_pks)
        for row in rows
        if sight.admits(row[1], row[8])
    ]


def _event(
    row: Sequence[Any],
    parties: dict[int, list[Party]],
    offences_of: dict[int, list[OffenceFact]],
    relations_of: dict[int, list[tuple[int, int, str]]],
    detector: Detector,
    unit_pks: dict[str, int] | None,
) -> Event:
    pk, source, reference, kind, registered_at, unit_id, unit, summary = row
    if unit and unit_pks is not None:
        unit_pks[unit] = unit_id
    return Event(
        id=pk,
        source=source,
        reference=reference,
        kind=kind,
        at=_aware(registered_at),
        unit=unit or "",
        offences=tuple(offences_of.get(pk, ())),
        parties=tuple(parties.get(pk, ())),
        relations=tuple(relations_of.get(pk, ())),
        summary=summary,
        words=detector.words(summary),
    )


@functools.lru_cache(maxsize=256)
def _offence(article: str, severity: int, violence: Any, breach: Any) -> OffenceFact:
    return OffenceFact(article, severity, bool(violence), bool(breach))


def _aware(value: Any) -> dt.datetime:
    """SQLite hands back naive UTC datetimes (or text) for raw queries; make them aware, as the ORM does."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"registered_at: {value!r} is not a date and time")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _add_homes(parties: dict[int, list[Party]]) -> None:
    """Give the parties of these registrations their homes (read for these registrations alone)."""
    for chunk in chunks(sorted(parties)):
        homes: dict[tuple[int, str], str] = {}
        where, params = one_of("registration_id", chunk)
        for registration_id, ref, postcode, street, city, number in query_rows(
            f"SELECT registration_id, ref, postcode, street, city, house_number FROM {_t(PersonMention)} "
            f"WHERE {where}",
            params,
        ):
            if home := home_key(postcode, street, city, number):
                homes[(registration_id, ref)] = home
        for registration_id in chunk:
            found = parties[registration_id]
            found[:] = [replace(p, home=homes.get((registration_id, p.ref), "")) for p in found]


def events_involving(
    persons: Iterable[int], detector: Detector, unit_pks: dict[str, int] | None = None
) -> list[Event]:
    """Every registration into which one of `persons` is linked and that the police may see or count
    (`_events_in_sight`), as events with all their parties."""
    return events_and_signals_involving(persons, detector, unit_pks)[0]


def events_and_signals_involving(
    persons: Iterable[int], detector: Detector, unit_pks: dict[str, int] | None = None
) -> tuple[list[Event], dict[str, tuple[int, str]] | None]:
    """The events of `persons` (see `events_involving`) and, where one statement reads them too
    (PostgreSQL), the stored signals about them (subject -> id, fingerprint); else None."""
    people = sorted(set(persons))
    if connection.vendor == "postgresql" and len(people) <= CHUNK:
        stored: dict[str, tuple[int, str]] = {}
        events = _events_in_one_statement(people, detector, unit_pks, stored)
        return _with_breaches(events, breaches_of(people), detector, unit_pks), stored
    parties: dict[int, list[Party]] = defaultdict(list)
    for chunk in chunks(people):
        where, params = one_of("l2.person_id", chunk)
        involving = (
            f"SELECT m2.registration_id FROM {_t(MentionLink)} l2 JOIN {_t(PersonMention)} m2 "
            f"ON m2.id = l2.mention_id WHERE {where}"
        )
        for registration_id, *row in query_rows(_parties_sql(f"m.registration_id IN ({involving})"), params):
            parties[registration_id].append(_party(*row))
    events = _events(sorted(parties), parties, detector, unit_pks=unit_pks)
    return _with_breaches(events, breaches_of(people), detector, unit_pks), None


def _with_breaches(
    events: list[Event],
    breaches: dict[int, list[MeasureBreach]],
    detector: Detector,
    unit_pks: dict[str, int] | None,
) -> list[Event]:
    """The events with the breaches of measures found in them, and the breach registrations not among them
    (an arrest that names only the bound person, read for a person the measure protects) as events too."""
    if not breaches:
        return events
    have = {event.id for event in events}
    missing = sorted(set(breaches) - have)
    if missing:
        parties: dict[int, list[Party]] = defaultdict(list)
        for chunk in chunks(missing):
            where, params = one_of("m.registration_id", chunk)
            for registration_id, *row in query_rows(_parties_sql(where), params):
                parties[registration_id].append(_party(*row))
        events = [*events, *_events(sorted(parties), parties, detector, unit_pks=unit_pks)]
        events.sort(key=lambda event: event.id)
    return [
        replace(event, measure_breaches=tuple(breaches[event.id])) if event.id in breaches else event
        for event in events
    ]


def _one_statement() -> str:
    """Parties, offences, relations and registrations of every registration of some persons, and the
    stored signals about them (subject, id, fingerprint), each as a JSON array: one round trip for the
    online step instead of five."""
    through = _offences_through()
    link, mention = _t(MentionLink), _t(PersonMention)

    def agg(columns: str, source: str, key: str) -> str:
        return (
            f"(SELECT coalesce(json_agg(json_build_array({columns})), '[]') FROM {source} "
            f"WHERE {key} IN (SELECT id FROM regs))"
        )

    return (
        f"WITH regs AS (SELECT DISTINCT m2.registration_id AS id FROM {link} l2 JOIN {mention} m2 "
        f"ON m2.id = l2.mention_id WHERE l2.person_id = ANY(%s)) SELECT "
        + ", ".join(
            [
                agg(
                    "m.registration_id, l.person_id, m.role, m.ref, m.postcode, m.street, m.city, "
                    "m.house_number",
                    f"{mention} m JOIN {link} l ON l.mention_id = m.id",
                    "m.registration_id",
                ),
                agg(
                    "t.registration_id, o.article, o.severity_rank, o.violence, o.measure_breach",
                    f"{through} t JOIN {_t(Offence)} o ON o.id = t.offence_id",
                    "t.registration_id",
                ),
                agg(
                    "r.registration_id, lf.person_id, lt.person_id, r.kind",
                    f"{_t(MentionRelation)} r JOIN {link} lf ON lf.mention_id = r.from_mention_id "
                    f"JOIN {link} lt ON lt.mention_id = r.to_mention_id",
                    "r.registration_id",
                ),
                agg(REGISTRATION_COLUMNS, _registrations(), "r.id"),
                f"(SELECT coalesce(json_agg(json_build_array(s.subject, s.id, s.fingerprint)), '[]') "
                f"FROM {_t(Signal)} s WHERE s.suspect_id = ANY(%s) OR s.victim_id = ANY(%s))",
            ]
        )
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _events_in_one_statement(
    people: list[int],
    detector: Detector,
    unit_pks: dict[str, int] | None,
    stored: dict[str, tuple[int, str]],
) -> list[Event]:
    row = next(query_rows(_one_statement(), [people, people, people]))
    party_rows, offence_rows, relation_rows, registration_rows, signal_rows = (_json(value) for value in row)
    stored.update({subject: (pk, fingerprint) for subject, pk, fingerprint in signal_rows})
    parties: dict[int, list[Party]] = defaultdict(list)
    for registration_id, person, role, ref, postcode, street, city, number in party_rows:
        home = home_key(postcode or "", street or "", city or "", number or "")
        parties[registration_id].append(Party(person, role, ref, home))
    offences_of: dict[int, list[OffenceFact]] = defaultdict(list)
    for registration_id, article, severity, violence, breach in offence_rows:
        offences_of[registration_id].append(_offence(article, severity, violence, breach))
    relations_of: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for registration_id, left, right, kind in relation_rows:
        relations_of[registration_id].append((left, right, kind))
    rows = sorted(registration_rows, key=lambda r: r[0])
    return _events_in_sight(rows, parties, offences_of, relations_of, detector, unit_pks)


def all_events(
    detector: Detector, progress: Progress | None = None, unit_pks: dict[str, int] | None = None
) -> tuple[list[Event], int]:
    """The events that can take part in a pattern (of the registrations the police may see or count,
    `_events_in_sight`), and how many registrations were looked at."""
    parties: dict[int, list[Party]] = defaultdict(list)
    everyone = query_rows(_parties_sql("1 = 1", homes=False), stream=True)
    for rows, (registration_id, person, role, ref) in enumerate(everyone, 1):
        parties[registration_id].append(Party(person, role, ref))  # homes follow for those kept
        if progress is not None and rows % 200_000 == 0:
            progress("mentions", rows, 0)
    breaches = breaches_of(None)
    pair_count: Counter[tuple[int, int]] = Counter()
    victim_count: Counter[int] = Counter()
    pairs_of: dict[int, list[tuple[int, int]]] = {}
    for registration_id, found in parties.items():
        pairs = directed_pairs(tuple(found))
        if registration_id in breaches:  # the pairs of the measures it breaches too (`Event.pairs`)
            event = Event(registration_id, "", "", "", dt.datetime.min, parties=tuple(found),
                          measure_breaches=tuple(breaches[registration_id]))  # fmt: skip
            pairs = event.pairs()
        if pairs:
            pairs_of[registration_id] = pairs
            for suspect, victim in pairs:
                pair_count[(min(suspect, victim), max(suspect, victim))] += 1
            for victim in {v for _, v in pairs}:
                victim_count[victim] += 1
    keep = sorted(
        registration_id
        for registration_id, pairs in pairs_of.items()
        if any(pair_count[(min(s, v), max(s, v))] > 1 or victim_count[v] > 1 for s, v in pairs)
    )
    looked_at = len(parties)
    kept = {pk: parties[pk] for pk in keep}
    parties.clear()
    _add_homes(kept)
    events = _events(keep, kept, detector, progress, unit_pks)
    kept_breaches = {pk: breaches[pk] for pk in keep if pk in breaches}
    return _with_breaches(events, kept_breaches, detector, None), looked_at
