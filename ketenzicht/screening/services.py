"""Screening cases from intake: which registrations open a case (the case rules) and in which unit.

`screening_cases_for(registration_ids)` is the intake pipeline's step after `patterns` (and, over the
whole register, `screening_cases_rebuild`): it reads the facts of the registrations in bulk (one statement
for the batch), lets the pure engine decide (`case_rules.decide`), and per suspect-victim pair and
police unit either opens a case on the work-process version rolled out for the unit (the batch's new
cases at once: `workprocesses.services.cases_open`) or adds the registrations to the pair's open case there
(`case_add_registrations`, which marks a case that was screened already for re-assessment)."""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from ketenzicht.db import query_rows
from ketenzicht.db import quoted_table as _t
from ketenzicht.linking.models import MentionLink
from ketenzicht.measures.breaches import BreachOf, breaches_judge
from ketenzicht.organisations.models import Organisation
from ketenzicht.patterns.detector import detector
from ketenzicht.patterns.models import Signal, SignalRegistration
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import person_list_names
from ketenzicht.registrations.models import (
    MentionRelation,
    MentionRole,
    Offence,
    PersonMention,
    Registration,
)
from ketenzicht.registrations.names import Spelling, list_name
from ketenzicht.workprocesses.labels import desk_note_words
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.rollouts import NoProcessVersion, version_for, versions_remembered
from ketenzicht.workprocesses.services import CaseToOpen, case_add_registrations, cases_open

from .case_models import ScreeningCase
from .case_rules import CASE_RULES_PATH, CaseRules, Facts, PairFacts, decide, load_case_rules
from .engine.urgency import ACUTE_FACTS, provisional_urgency, rank_of

# Reasons (case_rules.yaml codes) that make a pair's case urgent before any screening (engine/urgency.py).
HIGH_REASONS = {
    "stalking_offence": "stalking",
    "measure_breach": "breach_of_ban",
    "stalking_signal": "signal",
    "pattern_signal": "signal",
}

# The history line of a registration that joins, or opens, the case of a measure's pair as a breach of it.
NOTE_JOINED_AS_BREACH = gettext_noop("Joined as a breach of protective measure %(measures)s.")
NOTE_OPENED_AS_BREACH = gettext_noop("Opened for a breach of protective measure %(measures)s.")

Progress = Callable[[str, int, int], None]
CHUNK = 2_000
# When a pair's case opens, or its registrations join one: given the batch's read and the pair's ones.
_At = Callable[["_Read", Sequence[int]], datetime]


def case_rules_path() -> Path:
    return Path(getattr(settings, "KETENZICHT_CASE_RULES", "") or CASE_RULES_PATH)


@functools.cache
def _rules(path: str, modified: float) -> CaseRules:
    return load_case_rules(Path(path))


def case_rules() -> CaseRules:
    """The current case rules (read again when the file changes)."""
    path = case_rules_path()
    return _rules(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class CasesSummary:
    registrations: int  # looked at
    opened: int  # cases opened
    added: int  # registrations added to cases that were open already
    not_rolled_out: int  # pairs left without a case: their process is not rolled out for the unit
    seconds: float = 0.0
    # (registration, case) -> the case's provisional urgency as of that registration: as the registrations of
    # its pair up to it (in the order registered) raised it, had they come one at a time (`_as_of`)
    urgencies: Mapping[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class _Pair:
    """What a batch brings for one pair in one unit."""

    unit: int
    suspect: int
    victim: int
    process: str
    reasons: list[str]
    registrations: list[int]  # in the order they came in
    opened_by: int | None
    batch: list[int] = field(default_factory=list)  # the batch's registrations of the pair (no evidence)
    brought: dict[int, list[str]] = field(default_factory=dict)  # batch registration -> the reasons it gave


@dataclass(frozen=True)
class _Open:
    """The open case of a pair in a unit, as read with the facts."""

    case: int
    reasons: list[str]
    provisional: str  # the urgency the register's facts suggested so far


@dataclass
class _Read:
    """Everything the step reads about a batch, in one statement (`_read`)."""

    facts: list[tuple[int, int, Facts]]  # (registration, unit, facts) in the order they were registered
    registrations: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # source, reference, summary
    registered: dict[int, datetime] = field(default_factory=dict)  # registered_at, of those above
    evidence: dict[tuple[int, int, int], list[int]] = field(default_factory=dict)  # of the pairs' signals
    merged: dict[int, int] = field(default_factory=dict)  # a person merged since -> the one it is part of
    open_rows: list[tuple[int, int, int, int, list[str], str]] = field(default_factory=list)
    present: set[tuple[int, int]] = field(default_factory=set)  # (case, registration) on an open case
    units: dict[int, str] = field(default_factory=dict)  # organisation id -> code
    # (registration, person) -> its name fields (given names, prefix, surname) as written there
    names: dict[tuple[int, int], tuple[str, str, str]] = field(default_factory=dict)
    # (registration, suspect, victim) -> the measures binding the suspect and protecting the victim that the
    # registration breaches (their references), as the measures register judges it
    breaches: dict[tuple[int, int, int], list[str]] = field(default_factory=dict)
    # person -> the name the register knows them by, for a pair's person no registration of it names (the
    # protected person of a breach), read when a case opens for the pair
    known_names: dict[int, str] = field(default_factory=dict)


# --- reading ------------------------------------------------------------------------------------------


def _agg(columns: str, rest: str) -> str:
    """A scalar subquery: the rows of `SELECT columns rest` as one JSON array of arrays."""
    if connection.vendor == "postgresql":
        return f"(SELECT coalesce(json_agg(json_build_array({columns})), '[]'::json) {rest})"
    return f"(SELECT json_group_array(json_array({columns})) {rest})"


def _json_column(column: str) -> str:
    return column if connection.vendor == "postgresql" else f"json({column})"


def _json_text(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _one_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _statement(
    registration_ids: Sequence[int], sources: Sequence[str], also: Sequence[int] = ()
) -> tuple[str, list[Any]]:
    """The facts of a batch and what the cases already hold, as one statement of JSON arrays: one round trip
    where the ORM needs ten (registrations, offences, suspects and victims, relations, the pattern signals
    about the suspects and their evidence, persons merged since, the pairs' open cases, what is on them, the
    units, the names the registrations write for the batch's persons). `also`: persons of pairs the batch
    concerns without naming them (a breach's protected persons), whose open cases are read too."""
    reg, mention, link, person = _t(Registration), _t(PersonMention), _t(MentionLink), _t(Person)
    through, offence = _t(Registration.offences.through), _t(Offence)
    on_case = _t(Case.registrations.through)
    ids_sql, ids = _one_of("r.id", [int(pk) for pk in registration_ids])
    sources_sql, source_params = _one_of("r.source", list(sources))
    also_sql, also_params = "", list[Any]()
    if also:
        where, also_params = _one_of("p.id", [int(pk) for pk in also])
        also_sql = f"\n  UNION SELECT p.id FROM {person} p WHERE {where}"
    suspect, victim = MentionRole.SUSPECT.value, MentionRole.VICTIM.value
    provisional = _json_text("c.data", "urgency_provisional")
    # CROSS JOIN: SQLite joins in the order written (from the few signals and people of the batch to their
    # evidence and cases, not from every registration or open case by its index); PostgreSQL plans freely.
    # A pair's open case: the screening case's `open` (what the database's one-open-case rule reads, kept in
    # step with the kernel case), so no plan starts from every open case of the register.
    ctes = f"""
regs AS (
  SELECT r.id, r.source, r.kind, r.unit_id, r.registered_at, r.reference, r.summary FROM {reg} r
  WHERE {ids_sql} AND {sources_sql} AND r.unit_id IS NOT NULL),
parties AS (
  SELECT m.registration_id, m.id AS mention_id, m.role, l.person_id
  FROM {mention} m JOIN {link} l ON l.mention_id = m.id
  WHERE m.registration_id IN (SELECT id FROM regs) AND m.role IN ('{suspect}', '{victim}')),
merged (old, new) AS (
  SELECT p.id, p.merged_into_id FROM {person} p WHERE p.merged_into_id IN (SELECT person_id FROM parties)
  UNION
  SELECT p.id, merged.new FROM {person} p JOIN merged ON p.merged_into_id = merged.old),
people AS (SELECT person_id AS id FROM parties UNION SELECT old FROM merged{also_sql}),
signals AS (
  SELECT s.id, s.suspect_id, s.victim_id, s.rule, s.first_fired_at, s.first_fired_registration_id
  FROM {_t(Signal)} s
  WHERE s.active AND s.victim_id IS NOT NULL
  AND s.suspect_id IN (SELECT person_id FROM parties WHERE role = '{suspect}')),
evidence AS (
  SELECT s.suspect_id, s.victim_id, r.id, r.unit_id, r.registered_at, r.source, r.reference, r.summary
  FROM signals s CROSS JOIN {_t(SignalRegistration)} e CROSS JOIN {reg} r
  WHERE e.signal_id = s.id AND r.id = e.registration_id AND {sources_sql} AND r.unit_id IS NOT NULL),
open_cases AS (
  SELECT sc.case_id, sc.unit_id, sc.suspect_id, sc.victim_id, sc.reasons, {provisional} AS provisional
  FROM people ps CROSS JOIN {_t(ScreeningCase)} sc CROSS JOIN {_t(Case)} c
  WHERE sc.suspect_id = ps.id AND sc.open AND sc.unit_id IN (SELECT unit_id FROM regs)
  AND sc.victim_id IN (SELECT id FROM people) AND c.id = sc.case_id)"""
    columns = [
        ("id, source, kind, unit_id, registered_at, reference, summary", "FROM regs"),
        (
            "t.registration_id, o.article",
            f"FROM {through} t JOIN {offence} o ON o.id = t.offence_id "
            "WHERE t.registration_id IN (SELECT id FROM regs)",
        ),
        ("registration_id, mention_id, role, person_id", "FROM parties"),
        (
            "x.registration_id, x.from_mention_id, x.to_mention_id, x.kind",
            f"FROM {_t(MentionRelation)} x WHERE x.registration_id IN (SELECT id FROM regs)",
        ),
        ("suspect_id, victim_id, rule, first_fired_at, first_fired_registration_id", "FROM signals"),
        ("suspect_id, victim_id, id, unit_id, registered_at, source, reference, summary", "FROM evidence"),
        ("old, new", "FROM merged"),
        (
            f"case_id, unit_id, suspect_id, victim_id, {_json_column('reasons')}, provisional",
            "FROM open_cases",
        ),
        (
            "cr.case_id, cr.registration_id",
            f"FROM {on_case} cr WHERE cr.case_id IN (SELECT case_id FROM open_cases) AND "
            "(cr.registration_id IN (SELECT id FROM regs) "
            "OR cr.registration_id IN (SELECT id FROM evidence))",
        ),
        ("u.id, u.code", f"FROM {_t(Organisation)} u WHERE u.id IN (SELECT unit_id FROM regs)"),
        (
            "m.registration_id, l.person_id, m.given_names, m.surname_prefix, m.surname",
            f"FROM {mention} m JOIN {link} l ON l.mention_id = m.id "
            "WHERE m.registration_id IN (SELECT id FROM regs UNION SELECT id FROM evidence) "
            "AND l.person_id IN (SELECT person_id FROM parties)",
        ),
    ]
    select = ",\n  ".join(_agg(what, rest) for what, rest in columns)
    params = [*ids, *source_params, *also_params, *source_params]
    return f"WITH RECURSIVE{ctes}\nSELECT\n  {select}", params


def _fetch(sql: str, params: list[Any]) -> tuple[Any, ...]:
    """The one row of the batch's statement. On PostgreSQL as a prepared statement with a generic plan:
    planning this statement anew (about 1.5-3 ms) costs several times running it (0.2-0.5 ms), and with
    the default plan cache mode PostgreSQL keeps planning it anew for every batch. Django connects with
    `prepare_threshold=None` (nothing is prepared, and `ketenzicht.db.query_rows`' `prepare=True` is
    ignored), so the threshold is lifted around this statement alone. The generic plan mode holds until
    the caller's transaction ends and touches only prepared statements (Django binds its own queries
    client-side); a round trip of its own, about 0.1 ms."""
    if connection.vendor != "postgresql":
        return next(query_rows(sql, params))
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    raw.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 5
    try:
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            row = cursor.fetchone()
    finally:
        raw.prepare_threshold = threshold
    assert row is not None
    return tuple(row)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _moment(value: Any) -> datetime:
    found = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(found, datetime):
        raise TypeError(f"registered_at: {value!r} is not a date and time")
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found


def _read(
    registration_ids: Sequence[int],
    rules: CaseRules,
    judged: Mapping[int, Sequence[BreachOf]],
    *,
    in_order: bool = True,
) -> _Read:
    """The facts of the registrations that may open a case and the state of the cases they may join. A
    registration that breaches a protective measure in force (`judged`: registration id -> the breaches
    `measures.breaches.breaches_judge` judged in it) brings the measure's pairs (bound -> protected
    person), whether it names the protected person or not. `in_order`: a pair's pattern signal is a fact of
    a registration only when it had fired by it (by it or one registered before: the pattern engine's
    `first_event`), as had the registrations come one at a time; else every active signal of the pair is."""
    if not registration_ids:
        return _Read([])
    breaches: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    # registration -> the pairs it breaches a measure of, in the order judged
    breached: dict[int, dict[tuple[int, int], None]] = defaultdict(dict)
    for pk in registration_ids:
        for breach in judged.get(pk, ()):
            for protected in breach.protected:
                breached[pk][(breach.suspect, protected)] = None
                refs = breaches[(pk, breach.suspect, protected)]
                if breach.measure not in refs:
                    refs.append(breach.measure)
    also = sorted({person for _pk, suspect, victim in breaches for person in (suspect, victim)})
    row = _fetch(*_statement(registration_ids, rules.sources, also))
    (regs, offence_rows, party_rows, relation_rows, signal_rows, evidence_rows, merged_rows, open_rows,
     present_rows, unit_rows, name_rows) = (_json(value) for value in row)  # fmt: skip
    read = _Read([], breaches=dict(breaches))
    if not regs:
        return read
    regs.sort(key=lambda r: (_moment(r[4]), r[0]))
    offences: dict[int, set[str]] = defaultdict(set)
    for registration_id, article in offence_rows:
        offences[registration_id].add(article)
    person_of: dict[int, int] = {}
    suspects: dict[int, list[int]] = defaultdict(list)
    victims: dict[int, list[int]] = defaultdict(list)
    for registration_id, mention_id, role, person_id in sorted(party_rows, key=lambda r: r[1]):
        person_of[mention_id] = person_id
        (suspects if role == MentionRole.SUSPECT else victims)[registration_id].append(person_id)
    relations: dict[tuple[int, int, int], set[str]] = defaultdict(set)
    for registration_id, left, right, kind in relation_rows:
        if left in person_of and right in person_of:
            a, b = person_of[left], person_of[right]
            relations[(registration_id, a, b)].add(kind)
            relations[(registration_id, b, a)].add(kind)
    # (suspect, victim) -> rule -> the (registered_at, id) of the registration that made it fire first
    signals: dict[tuple[int, int], dict[str, tuple[datetime, int]]] = defaultdict(dict)
    for suspect, victim, rule, fired_at, fired_by in signal_rows:
        fired = (_moment(fired_at), fired_by)
        signals[(suspect, victim)][rule] = min(fired, signals[(suspect, victim)].get(rule, fired))
    for pk, source, kind, unit_id, at, reference, summary in regs:
        read.registrations[pk] = (source, reference, summary or "")
        read.registered[pk] = _moment(at)
        named = [
            (suspect, victim)
            for suspect in dict.fromkeys(suspects.get(pk, ()))
            for victim in dict.fromkeys(victims.get(pk, ()))
        ]
        pairs = tuple(
            PairFacts(
                suspect,
                victim,
                frozenset(relations.get((pk, suspect, victim), ())),
                frozenset(
                    rule
                    for rule, fired in signals.get((suspect, victim), {}).items()
                    if not in_order or fired <= (read.registered[pk], pk)
                ),
                frozenset(breaches.get((pk, suspect, victim), ())),
            )
            for suspect, victim in dict.fromkeys([*named, *breached.get(pk, ())])
        )
        read.facts.append((pk, unit_id, Facts(source, kind, frozenset(offences.get(pk, ())), pairs)))
    evidence_rows.sort(key=lambda r: (_moment(r[4]), r[2]))
    for suspect, victim, pk, unit_id, at, source, reference, summary in evidence_rows:
        read.registrations.setdefault(pk, (source, reference, summary or ""))
        read.registered.setdefault(pk, _moment(at))
        found = read.evidence.setdefault((unit_id, suspect, victim), [])
        if pk not in found:
            found.append(pk)
    read.merged = _chains({old: new for old, new in merged_rows})
    read.open_rows = [
        (c, u, s, v, list(_json(reasons) or []), p or "") for c, u, s, v, reasons, p in open_rows
    ]
    read.present = {(case_id, pk) for case_id, pk in present_rows}
    read.units = {pk: code for pk, code in unit_rows}
    for pk, person, given, prefix, surname in sorted(name_rows, key=lambda r: (r[0], r[1])):
        read.names.setdefault((pk, person), (given or "", prefix or "", surname or ""))
    return read


def _chains(merged: dict[int, int]) -> dict[int, int]:
    """Every merged person to the end of its chain of merges (the recursive read maps each to a batch
    person already; kept for safety against a chain through two batch persons)."""
    current = dict(merged)
    for old in list(current):
        seen = {old}
        while current[old] in current and current[old] not in seen:
            seen.add(current[old])
            current[old] = current[current[old]]
    return current


def _open_cases(read: _Read, pairs: dict[tuple[int, int, int], _Pair]) -> dict[tuple[int, int, int], _Open]:
    """The open case of each (unit, suspect, victim). A case opened on a person that was merged since
    counts for the person it is now part of; with two open cases for one pair (opened before the merge),
    the older one."""
    found: dict[tuple[int, int, int], _Open] = {}
    for case_id, unit_id, suspect, victim, reasons, provisional in sorted(read.open_rows, reverse=True):
        key = (unit_id, read.merged.get(suspect, suspect), read.merged.get(victim, victim))
        if key in pairs:
            found[key] = _Open(case_id, reasons, provisional)  # the oldest comes last
    return found


# --- urgency before screening ---------------------------------------------------------------------------


def _danger_words(summaries: Sequence[str]) -> set[str]:
    """The danger facts (a threat to kill, a weapon) the pattern engine's word lists find in summaries."""
    words = detector().words
    return {fact for summary in summaries for fact in words(summary) if fact in ACUTE_FACTS}


def _provisional(reasons: Sequence[str], words: set[str] | frozenset[str] = frozenset()) -> str:
    found = {HIGH_REASONS[code] for code in reasons if code in HIGH_REASONS}
    facts: dict[str, bool | int] = {"breach_of_ban": "breach_of_ban" in found}
    facts.update({fact: True for fact in ACUTE_FACTS if fact in words})
    return provisional_urgency(facts, signal="signal" in found, stalking="stalking" in found)


def _as_of(
    read: _Read,
    rules: CaseRules,
    pair: _Pair,
    *,
    case: int | None = None,
    reasons: Sequence[str] = (),
    floor: str = "",
) -> dict[int, str]:
    """The provisional urgency of the pair's case as of each of the batch's registrations of the pair, in
    the order registered: what one at a time would have made it (the reasons and danger words of the
    registrations up to it, with the signals' evidence once a signal reason is among them), never below the
    open `case`'s (its `reasons`, its provisional urgency `floor`). The last is the case's after the batch.
    Worked out from the batch's read, without a query."""
    signal_reasons = {reason.code for reason in rules.reasons if reason.signals}
    evidence = [pk for pk in pair.registrations if pk not in pair.batch and (case, pk) not in read.present]
    found: list[str] = list(reasons)
    words: set[str] = set()
    urgency, as_of = floor, {}
    for pk in pair.batch:
        found.extend(code for code in pair.brought.get(pk, ()) if code not in found)
        summaries = [read.registrations[pk][2]]
        if evidence and signal_reasons & set(pair.brought.get(pk, ())):
            summaries += [read.registrations[e][2] for e in evidence]
            evidence = []
        words |= _danger_words(summaries)
        suggested = _provisional(found, words)
        if not urgency or rank_of(suggested) < rank_of(urgency):
            urgency = suggested
        as_of[pk] = urgency
    return as_of


def provisional_urgency_of(registration_ids: Sequence[int], suspect: int, victim: int) -> str:
    """The urgency before any screening that these registrations give the pair `suspect` -> `victim` (as
    persons are now, merges included), as intake gives the case it opens for a pair: the reasons the case
    rules find in them for the pair, the danger facts of their summaries. E.g. for a case opened by hand
    once its registrations name a pair."""
    rules = case_rules()
    read = _read(registration_ids, rules, breaches_judge(registration_ids), in_order=False)
    reasons: list[str] = []
    for (_unit, found_suspect, found_victim), pair in _pairs_of(read, rules).items():
        if (read.merged.get(found_suspect, found_suspect), read.merged.get(found_victim, found_victim)) == (
            suspect,
            victim,
        ):
            reasons += [code for code in pair.reasons if code not in reasons]
    words = _danger_words([read.registrations[pk][2] for pk in registration_ids if pk in read.registrations])
    return _provisional(reasons, words)


def _name(read: _Read, pair: _Pair, person: int) -> str:
    """The person's list name (`registrations.names`) among the pair's registrations, for the case's title;
    for a person none of them names (the protected person of a breach), the name the register knows."""
    return list_name(
        Spelling(*read.names[(pk, person)], read.registered[pk], pk)
        for pk in pair.registrations
        if (pk, person) in read.names and pk in read.registered
    ) or read.known_names.get(person, "")


def _breached(read: _Read, pair: _Pair, registrations: Iterable[int]) -> list[str]:
    """The measures of the pair (binding its suspect, protecting its victim) these registrations breach."""
    found: list[str] = []
    for pk in registrations:
        found += [ref for ref in read.breaches.get((pk, pair.suspect, pair.victim), ()) if ref not in found]
    return found


def _breach_line(note: str, measures: list[str]) -> dict[str, Any]:
    """What a case's history line says of registrations that are a breach of the pair's measures: their
    references, and a note written in the installation's language, shown in the reader's."""
    if not measures:
        return {}
    return {"measures": measures, **desk_note_words(note, measures=", ".join(measures))}


def _title(rules: CaseRules, opening: _Pair, suspect: str, victim: str) -> str:
    """The case's title, kept as the record of its opening (the names of then). Pages head the case with
    the reader's list names instead (`panel.case_pairs_of`, `workprocesses.headings`)."""
    return f"{rules.label(opening.reasons[0])} ({suspect or '?'} → {victim or '?'})"


# --- the step -------------------------------------------------------------------------------------------


def _pairs_of(
    read: _Read, rules: CaseRules, on_cases: AbstractSet[tuple[int, int, int, int]] = frozenset()
) -> dict[tuple[int, int, int], _Pair]:
    """The pairs the registrations open or join a case of. `on_cases`: (registration, unit, suspect,
    victim) of registrations on a screening case of that pair already (open or closed), left out for it."""
    pairs: dict[tuple[int, int, int], _Pair] = {}
    # A case opened on a person merged since counts for the person it is now part of.
    was: dict[int, list[int]] = defaultdict(list)
    for old, new in read.merged.items():
        was[new].append(old)

    def on_a_case(pk: int, unit: int, suspect: int, victim: int) -> bool:
        return any(
            (pk, unit, s, v) in on_cases for s in (suspect, *was[suspect]) for v in (victim, *was[victim])
        )

    for registration_id, unit_id, registration_facts in read.facts:
        for opening in decide(rules, registration_facts):
            key = (unit_id, opening.suspect, opening.victim)
            if on_cases and on_a_case(registration_id, *key):
                continue
            pair = pairs.get(key)
            if pair is None:
                pairs[key] = _Pair(
                    unit_id,
                    opening.suspect,
                    opening.victim,
                    opening.process,
                    list(opening.reasons),
                    [registration_id],
                    registration_id,
                    [registration_id],
                    {registration_id: list(opening.reasons)},
                )
                continue
            pair.reasons.extend(code for code in opening.reasons if code not in pair.reasons)
            brought = pair.brought.setdefault(registration_id, [])
            brought.extend(code for code in opening.reasons if code not in brought)
            if registration_id not in pair.registrations:
                pair.registrations.append(registration_id)
                pair.batch.append(registration_id)
    signal_reasons = {reason.code for reason in rules.reasons if reason.signals}
    for key, pair in pairs.items():
        evidence = read.evidence.get(key)
        if evidence and signal_reasons & set(pair.reasons):
            # The registrations of the signals' evidence (the earlier reports that make the pattern) first.
            pair.registrations = [
                *[pk for pk in evidence if pk not in pair.registrations],
                *pair.registrations,
            ]
    return pairs


def _registration(read: _Read, pk: int) -> Registration:
    source, reference, _summary = read.registrations[pk]
    return Registration.from_db(None, ["id", "source", "reference"], (pk, source, reference))


def _join(
    read: _Read,
    rules: CaseRules,
    pair: _Pair,
    found: _Open,
    *,
    actor: Any,
    at: _At,
    changed: list[ScreeningCase],
    urgencies: dict[tuple[int, int], str],
) -> int:
    """Add the pair's registrations to its open case; the number added. Its provisional urgency as of each of
    them goes into `urgencies`."""
    new_reasons = [code for code in pair.reasons if code not in found.reasons]
    fresh = [pk for pk in pair.registrations if (found.case, pk) not in read.present]
    added = 0
    as_of = _as_of(read, rules, pair, case=found.case, reasons=found.reasons, floor=found.provisional)
    urgencies.update(((pk, found.case), urgency) for pk, urgency in as_of.items())
    if fresh:
        joined = at(read, [pk for pk in pair.batch if pk in fresh] or fresh)
        words = _danger_words([read.registrations[pk][2] for pk in fresh])
        suggested = _provisional([*found.reasons, *new_reasons], words)
        raise_to = rank_of(suggested) < rank_of(found.provisional)
        case_add_registrations(
            Case.from_db(None, ["id"], (found.case,)),
            [_registration(read, pk) for pk in fresh],
            actor=actor,
            reassess_unless_in=rules.assessing_states,
            at=joined,
            detail={
                "reasons": new_reasons,
                "rules": rules.stamp,
                **_breach_line(NOTE_JOINED_AS_BREACH, _breached(read, pair, fresh)),
            },
            data={"urgency_provisional": suggested} if raise_to else None,
        )
        added = len(fresh)
    if new_reasons:
        changed.append(
            ScreeningCase.from_db(None, ["case_id", "reasons"], (found.case, [*found.reasons, *new_reasons]))
        )
    return added


def _is_second_open_case(error: IntegrityError) -> bool:
    """The database refused a second open case for one pair in one unit (`screening_one_open_case`)."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return bool(diag.constraint_name == "screening_one_open_case")
    text = str(error)
    return "screening_one_open_case" in text or (
        "UNIQUE" in text and f"{ScreeningCase._meta.db_table}.unit_id" in text
    )


def _case_of(read: _Read, rules: CaseRules, pair: _Pair, *, at: datetime) -> tuple[CaseToOpen, ScreeningCase]:
    """The kernel case and the desk's row a new case of the pair is opened with (the row's case to be set)."""
    words = _danger_words([read.registrations[pk][2] for pk in pair.registrations])
    urgency = _provisional(pair.reasons, words)
    organisation = Organisation.from_db(None, ["id", "code"], (pair.unit, read.units.get(pair.unit, "")))
    suspect_name, victim_name = _name(read, pair, pair.suspect), _name(read, pair, pair.victim)
    wanted = CaseToOpen(
        process=pair.process,
        organisation=organisation,
        title=_title(rules, pair, suspect_name, victim_name),
        at=at,
        persons=(pair.suspect, pair.victim),
        registrations=tuple(pair.registrations),
        data={"urgency_provisional": urgency},
        detail=_breach_line(NOTE_OPENED_AS_BREACH, _breached(read, pair, pair.registrations)),
    )
    row = ScreeningCase(
        urgency=urgency,
        urgency_rank=rank_of(urgency),
        suspect_name=suspect_name[:300],
        victim_name=victim_name[:300],
        unit_id=pair.unit,
        suspect_id=pair.suspect,
        victim_id=pair.victim,
        reasons=pair.reasons,
        rules_version=rules.stamp,
        opened_by_id=pair.opened_by,
    )
    return wanted, row


def _open_all(
    read: _Read,
    rules: CaseRules,
    pairs: list[_Pair],
    *,
    actor: Any,
    at: _At,
    urgencies: dict[tuple[int, int], str],
) -> int:
    """Open the cases of these pairs at once (those whose process is rolled out for their unit, on the day
    each opens); how many. Their provisional urgency as of each of their registrations goes into
    `urgencies`. Raises IntegrityError when another intake opened one of them meanwhile (the savepoint is
    rolled back then, nothing of these is stored)."""
    rolled_out = []
    unnamed = {
        person
        for pair in pairs
        for person in (pair.suspect, pair.victim)
        if not _name(read, pair, person) and person not in read.known_names
    }
    if unnamed:  # the protected person of a breach that names the bound person alone
        # The list name among the police's registrations: a police case's title, which its unit may read.
        read.known_names.update(
            person_list_names(person_ids=unnamed, registrations=Registration.objects.filter(source="politie"))
        )
    with versions_remembered():  # read once here and in cases_open
        for pair in pairs:
            moment = at(read, pair.batch)
            wanted, row = _case_of(read, rules, pair, at=moment)
            try:
                version_for(wanted.process, wanted.organisation, timezone.localdate(moment))
            except NoProcessVersion:
                continue
            rolled_out.append((wanted, row, pair))
        with transaction.atomic():  # a savepoint: two intakes may open a pair's case at once
            cases = cases_open([wanted for wanted, _, _ in rolled_out], actor=actor)
            rows = []
            as_of: dict[tuple[int, int], str] = {}
            for case, (_, row, pair) in zip(cases, rolled_out, strict=True):
                row.case, row.deadline_at = case, case.deadline_at
                rows.append(row)
                as_of.update(((pk, case.pk), urgency) for pk, urgency in _as_of(read, rules, pair).items())
            ScreeningCase.objects.bulk_create(rows)
    urgencies.update(as_of)
    return len(rows)


def _open(
    read: _Read, rules: CaseRules, pair: _Pair, *, actor: Any, at: _At, urgencies: dict[tuple[int, int], str]
) -> bool:
    """Open the pair's case (False: its process is not rolled out for the unit). Raises IntegrityError
    when another intake opened one for the pair meanwhile (the savepoint is rolled back then)."""
    return _open_all(read, rules, [pair], actor=actor, at=at, urgencies=urgencies) == 1


def _opened_meanwhile(pair: _Pair) -> _Open | None:
    """The pair's open case that another intake opened (and committed) while this one was deciding."""
    found = (
        ScreeningCase.objects.filter(
            unit_id=pair.unit, suspect_id=pair.suspect, victim_id=pair.victim, open=True
        )
        .values_list("case_id", "reasons", "case__data")
        .first()
    )
    if found is None:
        return None
    case_id, reasons, data = found
    return _Open(case_id, list(reasons or []), str((data or {}).get("urgency_provisional") or ""))


def _at_moment(moment: datetime) -> _At:
    """Every case opened and every join at one moment."""
    return lambda read, registrations: moment


def _at_registered(now: datetime) -> _At:
    """A pair's case opened, or its registrations joined, when the latest of them was registered (never
    after `now`)."""

    def at(read: _Read, registrations: Sequence[int]) -> datetime:
        moments = [read.registered[pk] for pk in registrations if pk in read.registered]
        return min(max(moments), now) if moments else now

    return at


def screening_cases_for(
    registration_ids: Sequence[int],
    *,
    actor: Any = None,
    at: datetime | None = None,
    at_registered: bool = False,
    breaches: Mapping[int, Sequence[BreachOf]] | None = None,
    on_cases: AbstractSet[tuple[int, int, int, int]] = frozenset(),
) -> CasesSummary:
    """Open or update the screening cases for these registrations (see the module docstring). Runs in the
    caller's transaction; the cases are opened by the system, at `at` (now). A registration that breaches a
    protective measure in force joins (or opens) the case of the measure's pair too, named in it or not,
    with a history line naming the measure; `breaches` (registration id -> the breaches judged in it, as
    `measures.breaches.breaches_judge` judges them) is that judgement when the caller has it (the intake
    pipeline judges a batch once, for this step and its measures step): then it is not judged here.
    `at_registered`: instead, a
    pair's case is opened (on the version rolled out on that day), or a registration joins the pair's open
    case, at the moment the registration was registered (never later than now; a pair's later
    registrations of the batch join the case its first opened, each at its moment): a register taken in
    afterwards (the demo's) then has its cases opened as it came in.
    Reads everything in one statement; opens the new pairs' cases at once, adds to the others' per pair.
    Two intakes that open a case for one brand-new pair at once: the database refuses the second
    (`screening_one_open_case`), whose registrations then join the first one's case (the batch's new pairs
    then taken one at a time). `on_cases`: (registration, unit, suspect, victim) of registrations that are on
    a screening case of that pair already (the rebuild's): not taken for that pair again."""
    began = time.perf_counter()
    rules = case_rules()
    now = at or timezone.now()
    at_of = _at_registered(now) if at_registered else _at_moment(now)
    if breaches is None:
        breaches = breaches_judge(registration_ids)  # judged once: a historic batch's rounds share it
    read = _read(registration_ids, rules, breaches)
    pairs = _pairs_of(read, rules, on_cases)
    later = {pk for pair in pairs.values() for pk in pair.batch[1:]} if at_registered else set()
    if at_registered:
        # A pair's case holds what was registered by its moment: the signals' evidence registered later
        # (stored in this batch) joins it later.
        for pair in pairs.values():
            until = max(read.registered[pk] for pk in pair.batch)
            pair.registrations = [pk for pk in pair.registrations if read.registered.get(pk, until) <= until]
    if later:
        # A pair with more than one registration in the batch: its case opens at the first, the later ones
        # join it at their own moments (a round each; the batch's earliest registration is in the first).
        first = screening_cases_for(
            [pk for pk in registration_ids if pk not in later],
            actor=actor,
            at=now,
            at_registered=True,
            breaches=breaches,
            on_cases=on_cases,
        )
        rest = screening_cases_for(
            [pk for pk in registration_ids if pk in later],
            actor=actor,
            at=now,
            at_registered=True,
            breaches=breaches,
            on_cases=on_cases,
        )
        return CasesSummary(
            first.registrations + rest.registrations,
            first.opened + rest.opened,
            first.added + rest.added,
            first.not_rolled_out + rest.not_rolled_out,
            time.perf_counter() - began,
            {**first.urgencies, **rest.urgencies},
        )
    if not pairs:
        return CasesSummary(len(read.facts), 0, 0, 0, time.perf_counter() - began)
    open_cases = _open_cases(read, pairs)
    opened, added, missing = 0, 0, 0
    changed: list[ScreeningCase] = []
    urgencies: dict[tuple[int, int], str] = {}
    with transaction.atomic(savepoint=False):
        new: list[_Pair] = []
        for key, pair in pairs.items():
            found = open_cases.get(key)
            if found is None:
                new.append(pair)
            else:
                added += _join(
                    read, rules, pair, found, actor=actor, at=at_of, changed=changed, urgencies=urgencies
                )
        try:
            opened = _open_all(read, rules, new, actor=actor, at=at_of, urgencies=urgencies)
            missing = len(new) - opened
            new = []
        except IntegrityError as error:
            if not _is_second_open_case(error):
                raise
        # Another intake opened a case of one of the new pairs meanwhile: one pair at a time.
        for pair in new:
            try:
                if _open(read, rules, pair, actor=actor, at=at_of, urgencies=urgencies):
                    opened += 1
                else:
                    missing += 1
                continue
            except IntegrityError as error:
                if not _is_second_open_case(error):
                    raise
                found = _opened_meanwhile(pair)
                if found is None:  # opened and closed again meanwhile: try once more to open it
                    if not _open(read, rules, pair, actor=actor, at=at_of, urgencies=urgencies):
                        missing += 1
                    else:
                        opened += 1
                    continue
            read.present |= set(
                Case.registrations.through.objects.filter(
                    case_id=found.case, registration_id__in=pair.registrations
                ).values_list("case_id", "registration_id")
            )
            added += _join(
                read, rules, pair, found, actor=actor, at=at_of, changed=changed, urgencies=urgencies
            )
        if changed:
            ScreeningCase.objects.bulk_update(changed, ["reasons"])
    return CasesSummary(len(read.facts), opened, added, missing, time.perf_counter() - began, urgencies)


def screening_cases_rebuild(
    *, progress: Progress | None = None, chunk: int = CHUNK, at_registered: bool = False
) -> CasesSummary:
    """Over the whole register, in the order registrations came in: every registration that may open a
    case is handled as intake would (`at_registered`: as a historic import would, `screening_cases_for`)
    for each pair it concerns that does not have it on a screening case yet (open or closed). So a
    registration on one pair's case still opens the case of another pair it names (the rules changed since:
    a pattern signal now opens a case). Idempotent: a second run adds nothing. One transaction per chunk."""
    began = time.perf_counter()
    rules = case_rules()
    on_cases = set(
        Case.registrations.through.objects.filter(case__screening__isnull=False).values_list(
            "registration_id",
            "case__screening__unit_id",
            "case__screening__suspect_id",
            "case__screening__victim_id",
        )
    )
    ids = list(
        Registration.objects.filter(source__in=rules.sources, unit__isnull=False)
        .order_by("registered_at", "pk")
        .values_list("pk", flat=True)
    )
    looked, opened, added, missing = 0, 0, 0, 0
    if progress is not None:
        progress("cases", 0, len(ids))
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            summary = screening_cases_for(
                ids[start : start + chunk], at_registered=at_registered, on_cases=on_cases
            )
        looked += summary.registrations
        opened += summary.opened
        added += summary.added
        missing += summary.not_rolled_out
        if progress is not None:
            progress("cases", min(start + chunk, len(ids)), len(ids))
    return CasesSummary(looked, opened, added, missing, time.perf_counter() - began)
