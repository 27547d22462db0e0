"""Screening cases from intake: which registrations open a case (the case rules) and in which unit.

`screening_cases_for(registration_ids)` is the intake pipeline's step after `patterns` (and, over the
whole register, `screening_cases_rebuild`): it reads the facts of the registrations in bulk (a handful of
queries for the batch), lets the pure engine decide (`case_rules.decide`), and per suspect-victim pair and
police unit either opens a case on the work-process version rolled out for the unit
(`workprocesses.services.case_open`) or adds the registrations to the pair's open case there
(`case_add_registrations`, which marks a case that was screened already for re-assessment)."""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketenzicht.linking.models import MentionLink
from ketenzicht.organisations.models import Organisation
from ketenzicht.patterns.models import Signal, SignalRegistration
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import MentionRelation, MentionRole, PersonMention, Registration
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import NoProcessVersion, case_add_registrations, case_open

from .case_models import ScreeningCase
from .case_rules import CASE_RULES_PATH, CaseRules, Facts, PairFacts, decide, load_case_rules
from .engine.urgency import provisional_urgency, rank_of

# Reasons (case_rules.yaml codes) that make a pair's case urgent before any screening (engine/urgency.py).
HIGH_REASONS = {
    "stalking_offence": "stalking",
    "measure_breach": "breach_of_ban",
    "stalking_signal": "signal",
    "pattern_signal": "signal",
}

Progress = Callable[[str, int, int], None]
CHUNK = 2_000


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


def _facts(registration_ids: Sequence[int], rules: CaseRules) -> list[tuple[int, int, Facts]]:
    """(registration, unit, facts) for the registrations that may open a case, in the order they were
    registered."""
    rows = list(
        Registration.objects.filter(
            pk__in=list(registration_ids), source__in=rules.sources, unit__isnull=False
        ).values_list("pk", "source", "kind", "unit_id", "registered_at")
    )
    if not rows:
        return []
    rows.sort(key=lambda row: (row[4], row[0]))
    ids = [row[0] for row in rows]
    offences: dict[int, set[str]] = defaultdict(set)
    through = Registration.offences.through
    for registration_id, article in through.objects.filter(registration_id__in=ids).values_list(
        "registration_id", "offence__article"
    ):
        offences[registration_id].add(article)
    person_of: dict[int, int] = {}
    suspects: dict[int, list[int]] = defaultdict(list)
    victims: dict[int, list[int]] = defaultdict(list)
    for registration_id, mention_id, role, person_id in MentionLink.objects.filter(
        mention__registration_id__in=ids, mention__role__in=[MentionRole.SUSPECT, MentionRole.VICTIM]
    ).values_list("mention__registration_id", "mention_id", "mention__role", "person_id"):
        person_of[mention_id] = person_id
        (suspects if role == MentionRole.SUSPECT else victims)[registration_id].append(person_id)
    relations: dict[tuple[int, int, int], set[str]] = defaultdict(set)
    for registration_id, left, right, kind in MentionRelation.objects.filter(
        registration_id__in=ids
    ).values_list("registration_id", "from_mention_id", "to_mention_id", "kind"):
        if left in person_of and right in person_of:
            a, b = person_of[left], person_of[right]
            relations[(registration_id, a, b)].add(kind)
            relations[(registration_id, b, a)].add(kind)
    signals: dict[tuple[int, int], set[str]] = defaultdict(set)
    all_suspects = {person for persons in suspects.values() for person in persons}
    if all_suspects:
        for suspect, victim, rule in Signal.objects.filter(
            active=True, suspect_id__in=sorted(all_suspects), victim_id__isnull=False
        ).values_list("suspect_id", "victim_id", "rule"):
            signals[(suspect, victim)].add(rule)
    found: list[tuple[int, int, Facts]] = []
    for pk, source, kind, unit_id, _at in rows:
        pairs = tuple(
            PairFacts(
                suspect,
                victim,
                frozenset(relations.get((pk, suspect, victim), ())),
                frozenset(signals.get((suspect, victim), ())),
            )
            for suspect in dict.fromkeys(suspects.get(pk, ()))
            for victim in dict.fromkeys(victims.get(pk, ()))
        )
        found.append((pk, unit_id, Facts(source, kind, frozenset(offences.get(pk, ())), pairs)))
    return found


def _signal_evidence(
    pairs: dict[tuple[int, int, int], _Pair], rules: CaseRules
) -> dict[tuple[int, int, int], list[int]]:
    """For pairs that a pattern signal brought in: the registrations of the signals' evidence of the
    rules' sources in the pair's unit (the earlier reports that make the pattern)."""
    signal_reasons = {reason.code for reason in rules.reasons if reason.signals}
    wanted = [key for key, pair in pairs.items() if signal_reasons & set(pair.reasons)]
    if not wanted:
        return {}
    suspects = sorted({key[1] for key in wanted})
    found: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    keys = set(wanted)
    for suspect, victim, registration_id, unit_id, _at in (
        SignalRegistration.objects.filter(
            signal__active=True,
            signal__suspect_id__in=suspects,
            registration__source__in=rules.sources,
            registration__unit__isnull=False,
        )
        .values_list(
            "signal__suspect_id",
            "signal__victim_id",
            "registration_id",
            "registration__unit_id",
            "registration__registered_at",
        )
        .order_by("registration__registered_at", "registration_id")
    ):
        key = (unit_id, suspect, victim)
        if key in keys and registration_id not in found[key]:
            found[key].append(registration_id)
    return found


def _merged_into(persons: set[int]) -> dict[int, int]:
    """For persons that were merged (a reviewer's decision) into one of `persons`, directly or through
    another merged person: their id -> the person they are now part of."""
    current: dict[int, int] = {}
    frontier = set(persons)
    for _depth in range(10):  # merges of merges: rare, and short
        found = dict(
            Person.objects.filter(merged_into_id__in=sorted(frontier)).values_list("pk", "merged_into_id")
        )
        found = {old: new for old, new in found.items() if old not in current}
        if not found:
            break
        current.update(found)
        frontier = set(found)
    for old in list(current):  # follow every chain to its end
        seen = {old}
        while current[old] in current and current[old] not in seen:
            seen.add(current[old])
            current[old] = current[current[old]]
    return current


def _open_cases(pairs: dict[tuple[int, int, int], _Pair]) -> dict[tuple[int, int, int], ScreeningCase]:
    """The open case of each (unit, suspect, victim), in two queries. A case opened on a person that was
    merged since counts for the person it is now part of; with two open cases for one pair (opened before
    the merge), the older one."""
    persons = {p for key in pairs for p in key[1:]}
    merged = _merged_into(persons)
    people = sorted(persons | set(merged))
    found: dict[tuple[int, int, int], ScreeningCase] = {}
    for screening in (
        ScreeningCase.objects.filter(
            unit_id__in=sorted({key[0] for key in pairs}),
            suspect_id__in=people,
            victim_id__in=people,
            case__closed_at__isnull=True,
        )
        .select_related("case__process_version")
        .order_by("-case_id")
    ):
        key = (
            screening.unit_id,
            merged.get(screening.suspect_id, screening.suspect_id),
            merged.get(screening.victim_id, screening.victim_id),
        )
        if key in pairs:
            found[key] = screening  # the oldest comes last
    return found


def _provisional(reasons: Sequence[str]) -> str:
    found = {HIGH_REASONS[code] for code in reasons if code in HIGH_REASONS}
    return provisional_urgency(
        {"breach_of_ban": "breach_of_ban" in found}, signal="signal" in found, stalking="stalking" in found
    )


def _names(pairs: Sequence[_Pair]) -> dict[tuple[int, int], str]:
    """(registration, person) -> the name the registration writes for that person, for the registrations
    that open the pairs' cases (one query)."""
    openers = sorted({pk for pair in pairs for pk in pair.registrations})
    people = sorted({p for pair in pairs for p in (pair.suspect, pair.victim)})
    if not openers:
        return {}
    found: dict[tuple[int, int], str] = {}
    for mention in PersonMention.objects.filter(
        registration_id__in=openers, link__person_id__in=people
    ).select_related("link"):
        found.setdefault((mention.registration_id, mention.link.person_id), mention.display_name)
    return found


def _name(names: dict[tuple[int, int], str], pair: _Pair, person: int) -> str:
    return next((names[(pk, person)] for pk in reversed(pair.registrations) if (pk, person) in names), "")


def _title(rules: CaseRules, opening: _Pair, suspect: str, victim: str) -> str:
    return f"{rules.label(opening.reasons[0])} ({suspect or '?'} → {victim or '?'})"


def screening_cases_for(
    registration_ids: Sequence[int], *, actor: Any = None, at: datetime | None = None
) -> CasesSummary:
    """Open or update the screening cases for these registrations (see the module docstring). Runs in the
    caller's transaction; the cases are opened by the system, at `at` (now)."""
    began = time.perf_counter()
    rules = case_rules()
    at = at or timezone.now()
    facts = _facts(registration_ids, rules)
    pairs: dict[tuple[int, int, int], _Pair] = {}
    for registration_id, unit_id, registration_facts in facts:
        for opening in decide(rules, registration_facts):
            key = (unit_id, opening.suspect, opening.victim)
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
                )
                continue
            pair.reasons.extend(code for code in opening.reasons if code not in pair.reasons)
            if registration_id not in pair.registrations:
                pair.registrations.append(registration_id)
    if not pairs:
        return CasesSummary(len(facts), 0, 0, 0, time.perf_counter() - began)
    for key, evidence in _signal_evidence(pairs, rules).items():
        pair = pairs[key]
        pair.registrations = [*[pk for pk in evidence if pk not in pair.registrations], *pair.registrations]
    open_cases = _open_cases(pairs)
    present: set[tuple[int, int]] = set()  # (case, registration) already on the pair's open case
    if open_cases:
        present = set(
            Case.registrations.through.objects.filter(
                case_id__in=[found.case_id for found in open_cases.values()],
                registration_id__in=sorted({pk for pair in pairs.values() for pk in pair.registrations}),
            ).values_list("case_id", "registration_id")
        )
    registrations = Registration.objects.only("pk", "source", "reference").in_bulk(
        sorted({pk for pair in pairs.values() for pk in pair.registrations})
    )
    persons = Person.objects.in_bulk(sorted({p for key in pairs for p in key[1:]}))
    organisations = Organisation.objects.in_bulk(sorted({key[0] for key in pairs}))
    names = _names([pair for key, pair in pairs.items() if key not in open_cases])
    opened, added, missing = 0, 0, 0
    new_screenings: list[ScreeningCase] = []
    changed: list[ScreeningCase] = []
    with transaction.atomic(savepoint=False):
        for key, pair in pairs.items():
            screening = open_cases.get(key)
            if screening is not None:
                new_reasons = [code for code in pair.reasons if code not in screening.reasons]
                fresh = [
                    registrations[pk] for pk in pair.registrations if (screening.case_id, pk) not in present
                ]
                if fresh:
                    case_add_registrations(
                        screening.case,
                        fresh,
                        actor=actor,
                        reassess_unless_in=rules.assessing_states,
                        at=at,
                        detail={"reasons": new_reasons, "rules": rules.stamp},
                    )
                    added += len(fresh)
                if new_reasons:
                    screening.reasons = [*screening.reasons, *new_reasons]
                    changed.append(screening)
                continue
            suspect_name, victim_name = _name(names, pair, pair.suspect), _name(names, pair, pair.victim)
            try:
                case = case_open(
                    process=pair.process,
                    organisation=organisations[pair.unit],
                    title=_title(rules, pair, suspect_name, victim_name),
                    actor=actor,
                    at=at,
                    persons=[persons[pair.suspect], persons[pair.victim]],
                    registrations=[registrations[pk] for pk in pair.registrations],
                    data={"urgency_provisional": _provisional(pair.reasons)},
                )
            except NoProcessVersion:
                missing += 1
                continue
            urgency = str(case.data["urgency_provisional"])
            new_screenings.append(
                ScreeningCase(
                    case=case,
                    urgency=urgency,
                    urgency_rank=rank_of(urgency),
                    deadline_at=case.deadline_at,
                    suspect_name=suspect_name[:300],
                    victim_name=victim_name[:300],
                    unit_id=pair.unit,
                    suspect_id=pair.suspect,
                    victim_id=pair.victim,
                    reasons=pair.reasons,
                    rules_version=rules.stamp,
                    opened_by_id=pair.opened_by,
                )
            )
            opened += 1
        ScreeningCase.objects.bulk_create(new_screenings)
        if changed:
            ScreeningCase.objects.bulk_update(changed, ["reasons"])
    return CasesSummary(len(facts), opened, added, missing, time.perf_counter() - began)


def screening_cases_rebuild(*, progress: Progress | None = None, chunk: int = CHUNK) -> CasesSummary:
    """Over the whole register, in the order registrations came in: every registration that may open a
    case and is on no screening case yet is handled as intake would. Idempotent: a second run adds
    nothing. One transaction per chunk."""
    began = time.perf_counter()
    rules = case_rules()
    on_a_case = set(
        Case.registrations.through.objects.filter(case__screening__isnull=False).values_list(
            "registration_id", flat=True
        )
    )
    ids = [
        pk
        for pk in Registration.objects.filter(source__in=rules.sources, unit__isnull=False)
        .order_by("registered_at", "pk")
        .values_list("pk", flat=True)
        if pk not in on_a_case
    ]
    looked, opened, added, missing = 0, 0, 0, 0
    if progress is not None:
        progress("cases", 0, len(ids))
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            summary = screening_cases_for(ids[start : start + chunk])
        looked += summary.registrations
        opened += summary.opened
        added += summary.added
        missing += summary.not_rolled_out
        if progress is not None:
            progress("cases", min(start + chunk, len(ids)), len(ids))
    return CasesSummary(looked, opened, added, missing, time.perf_counter() - began)
