"""The breaches of protective measures as facts of the pattern signals (`patterns.measure_breaches`).

A breach is a registration of the pair the measure protects, whoever it names: an arrest for breaching a
contact ban names the bound person alone. The patterns app sits below this registry and asks it through the
source registered in `MeasuresConfig.ready()`; when breaches are stored (at intake after the patterns step,
or for a measure registered after the fact) the signals of the measures' persons are computed again here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q

from ketenzicht.db import chunks
from ketenzicht.patterns.engine.events import AREA_BAN, CONTACT_BAN, MEASURE, MeasureBreach
from ketenzicht.patterns.measure_breaches import BreachSource
from ketenzicht.patterns.services import signals_update
from ketenzicht.persons.selectors import persons_merged_from, persons_merged_to

from .models import Breach, BreachKind, Condition, Measure
from .selectors import measure_references_visible

_Measure = tuple[str, int, list[str], set[int]]  # reference, suspect, conditions, protected


def _what(kind: str, conditions: list[str]) -> str:
    """What a breach broke, in the engine's words: an area ban when it was found in a banned area, the
    contact ban when the measure has one, else the measure."""
    if kind == BreachKind.AREA:
        return AREA_BAN
    if Condition.CONTACT_BAN in conditions:
        return CONTACT_BAN
    return MEASURE


def _measures(persons: Sequence[int] | None) -> dict[int, _Measure]:
    """The measures binding or protecting one of `persons` (all with None) that protect someone, with the
    persons they protect. A measure keeps the persons it was imposed on; a person merged into another since is
    read as the person the merges end in, as the registrations' mentions are (`persons_merged_to`): the
    measure is found by either, and binds and protects the person it ends in, so its breach still counts for
    its pair. One query per chunk of persons, and one per merge hop each way."""
    found: dict[int, _Measure] = {}
    through = Measure.protected.through
    queries = []
    if persons is None:
        queries.append(Measure.objects.order_by())
    else:
        for chunk in chunks(sorted(persons_merged_from(set(persons))), 500):
            protecting = through.objects.filter(person_id__in=chunk).values("measure_id")
            queries.append(Measure.objects.order_by().filter(Q(suspect_id__in=chunk) | Q(pk__in=protecting)))
    rows: dict[int, _Measure] = {}  # as imposed
    for query in queries:
        for pk, reference, suspect, conditions, person in query.values_list(
            "id", "reference", "suspect_id", "conditions", "protected__id"
        ):
            row = rows.setdefault(pk, (reference, suspect, list(conditions or []), set()))
            if person is not None:
                row[3].add(person)
    now = persons_merged_to({p for _r, bound, _c, protected in rows.values() for p in (bound, *protected)})
    for pk, (reference, suspect, conditions, protected) in rows.items():
        bound = now.get(suspect, suspect)
        found[pk] = (reference, bound, conditions, {now.get(p, p) for p in protected} - {bound})
    return {pk: m for pk, m in found.items() if m[3]}


def breaches_for_patterns(persons: Sequence[int] | None) -> list[tuple[int, MeasureBreach]]:
    """(registration id, breach) of every breach of a measure binding or protecting one of `persons` (every
    breach with None). One query when no such measure protects anyone, else two (per chunk of persons)."""
    measures = _measures(persons)
    if not measures:
        return []
    found: list[tuple[int, MeasureBreach]] = []
    for chunk in chunks(sorted(measures), 500):
        for registration_id, measure_id, kind, occurred_on in (
            Breach.objects.order_by()
            .filter(measure_id__in=chunk)
            .values_list("registration_id", "measure_id", "kind", "occurred_on")
        ):
            reference, suspect, conditions, protected = measures[measure_id]
            breach = MeasureBreach(
                measure=reference,
                what=_what(kind, conditions),
                suspect=suspect,
                protected=tuple(sorted(protected)),
                on=occurred_on,
            )
            found.append((registration_id, breach))
    return found


def _visible(user: Any, references: Collection[str]) -> set[str]:
    return measure_references_visible(user=user, references=references)


SOURCE = BreachSource(breaches_of=breaches_for_patterns, measures_visible=_visible)


def signals_after_breaches(sender: Any, breaches: Sequence[Breach] = (), at: datetime | None = None,
                           **kwargs: Any) -> None:  # fmt: skip
    """Breaches stored (`signals.breaches_stored`): the signals of each measure's bound and protected persons
    (merges followed) are computed again, now with the breach as a registration of their pair (in the same
    transaction)."""
    measure_ids = {breach.measure_id for breach in breaches}
    if not measure_ids:
        return
    persons = {breach.measure.suspect_id for breach in breaches}
    protected = Measure.protected.through.objects.filter(measure_id__in=measure_ids)
    persons |= set(protected.values_list("person_id", flat=True))
    # A person merged into another since the measure was imposed: the signals are the person's it ends in.
    signals_update(persons=set(persons_merged_to(persons).values()))
