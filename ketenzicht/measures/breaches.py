"""Breaches of protective measures found in new registrations. The intake pipeline judges a batch once
(`breaches_judge`: the batch's linked persons and the measures binding them in two queries, and only when a
measure binds one of them what else the rules need), hands the judgement to the screening step (a breach
brings the measure's pair) and stores it in its measures step (`breaches_record`); `breaches_detect` does
both for a measure registered after the fact. A breach stored is told to the desks above
(`signals.breaches_stored`), written in the measure's (and its police case's) history, its registration
disclosed to the measure's district office, and alerted to whoever acts on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import SYSTEM_ACTOR, prosecutor_on_duty
from ketenzicht.persons.selectors import persons_merged_to
from ketenzicht.registrations.models import Disclosure, Kind, PersonMention, Registration
from ketenzicht.registrations.selectors import registration_sight_for_readers
from ketenzicht.workprocesses.alerts import alert_for_case_owner, alert_raise
from ketenzicht.workprocesses.models import Case

from .engine.periods import active_on
from .history import case_line
from .models import Breach, BreachKind, Condition, Measure, MeasureEvent, MeasureEventKind
from .signals import breaches_stored

# A registration that shows a measure possibly broken is disclosed to the measure's district office (the
# sharing rule `om-measure-breach`): the evidence its prosecutor is alerted of and must act on. Nothing else
# of the suspect, the police case or the persons' dossiers comes with it.
DISCLOSURE_PURPOSE = "measure_breach"

# The police roles that follow measures and act on their breaches (screener, case owner, team lead).
POLICE_ROLES = (Role.CASE_SCREENER, Role.CASE_OWNER, Role.TEAM_LEAD)

# Alerts and history lines: English texts shown translated (alerts) or written in the installation's
# language (a case's history is a record, not a page).
BREACH_MESSAGES = {
    BreachKind.CONTACT: gettext_noop(
        "Possible breach of protective measure %(measure)s: the suspect and a protected person appear "
        "together in registration %(registration)s."
    ),
    BreachKind.AREA: gettext_noop(
        "Possible breach of protective measure %(measure)s: the suspect appears in registration "
        "%(registration)s in a banned area."
    ),
    BreachKind.REPORTED: gettext_noop(
        "Breach of protective measure %(measure)s reported in registration %(registration)s."
    ),
}
# The same alert to whoever stands in for the measure's prosecutor while an absence of theirs is recorded.
BREACH_MESSAGES_STAND_IN = {
    BreachKind.CONTACT: gettext_noop(
        "Possible breach of protective measure %(measure)s: the suspect and a protected person appear "
        "together in registration %(registration)s. This reaches you as stand-in for %(absent)s, who is "
        "absent."
    ),
    BreachKind.AREA: gettext_noop(
        "Possible breach of protective measure %(measure)s: the suspect appears in registration "
        "%(registration)s in a banned area. This reaches you as stand-in for %(absent)s, who is absent."
    ),
    BreachKind.REPORTED: gettext_noop(
        "Breach of protective measure %(measure)s reported in registration %(registration)s. This reaches "
        "you as stand-in for %(absent)s, who is absent."
    ),
}
NOTE_BREACH = BREACH_MESSAGES


# --- breaches ---------------------------------------------------------------------------------------------


@dataclass
class _Seen:
    """What the breach rules need of one new registration."""

    reference: str
    day: date
    unit_id: int | None
    municipality: str
    reported: bool
    persons: set[int]
    postcodes: set[str]


@dataclass
class _Candidate:
    """A measure binding a person of the batch, as the rules need it."""

    pk: int
    reference: str
    suspect_id: int
    starts_on: date
    ends_on: date
    conditions: list[str]
    areas: dict[str, Any]
    protected: set[int] = field(default_factory=set)


def _in_areas(areas: Mapping[str, Any], municipality: str, postcodes: set[str]) -> bool:
    if municipality and municipality in (areas.get("municipalities") or ()):
        return True
    ranges = areas.get("postcodes") or ()
    return any(low <= code <= high for low, high in ranges for code in postcodes)


def _facts(registration_ids: Sequence[int]) -> dict[int, _Seen]:
    """The batch's registrations with the persons their mentions link to and whether they name an offence
    of breaching a measure: one query."""
    seen: dict[int, _Seen] = {}
    breach_offence = Registration.offences.through.objects.filter(
        registration_id=OuterRef("registration_id"), offence__measure_breach=True
    )
    rows = (
        PersonMention.objects.filter(registration_id__in=registration_ids)
        .order_by()
        .annotate(breach_offence=Exists(breach_offence))
        .values_list(
            "registration_id",
            "link__person_id",
            "postcode",
            "registration__reference",
            "registration__occurred_at",
            "registration__registered_at",
            "registration__unit_id",
            "registration__municipality__code",
            "registration__kind",
            "breach_offence",
        )
    )
    for pk, person, postcode, reference, occurred, registered, unit, municipality, kind, offence in rows:
        fact = seen.get(pk)
        if fact is None:
            when = occurred or registered
            fact = seen[pk] = _Seen(
                reference=reference,
                day=timezone.localtime(when).date(),
                unit_id=unit,
                municipality=municipality or "",
                reported=kind == Kind.OVERTREDING_MAATREGEL or bool(offence),
                persons=set(),
                postcodes=set(),
            )
        if person is not None:
            fact.persons.add(person)
        if postcode:
            fact.postcodes.add(postcode[:4])
    return seen


def _candidates(persons: set[int], days: Sequence[date] = ()) -> dict[int, _Candidate]:
    """The measures binding these persons (in force on some of `days` when given), with their protected
    persons: one query (and one per merge hop when a person of them was merged). A measure keeps the persons
    it was imposed on; one merged into another person since is read as the person the merges end in, as the
    registrations' mentions are (`persons_merged_to`, which the patterns read measures by too), so that a
    registration of that person is judged against it, over the whole chain of merges (A into B into C,
    bounded by `MAX_MERGE_HOPS`). The query finds a bound person merged into one of `persons` directly, and
    every bound person whose merge was followed by another (few: merges of merges), read forward and kept
    where the chain ends in one of `persons`; reading the merges backwards first (`persons_merged_from`) would
    cost every batch a query where nearly none has a merge."""
    measures = Measure.objects.filter(
        Q(suspect_id__in=persons)
        | Q(suspect__merged_into_id__in=persons)
        | Q(suspect__merged_into__merged_into__isnull=False)
    )
    if days:
        measures = measures.filter(starts_on__lte=max(days), ends_on__gte=min(days))
    candidates: dict[int, _Candidate] = {}
    bound: dict[int, set[int]] = {}  # measure -> the person it was imposed on, and the one it was merged into
    merged: set[int] = set()
    for row in measures.order_by().values_list(
        "id", "reference", "suspect_id", "starts_on", "ends_on", "conditions", "areas", "protected__id",
        "suspect__merged_into_id", "protected__merged_into_id",
    ):  # fmt: skip
        pk, reference, suspect, starts_on, ends_on, conditions, areas, protected, moved, protected_moved = row
        bound[pk] = {suspect} if moved is None else {suspect, moved}
        found = candidates.get(pk)
        if found is None:
            found = candidates[pk] = _Candidate(
                pk, reference, suspect, starts_on, ends_on, conditions or [], areas or {}
            )
        if protected is not None:
            found.protected.add(protected)
        merged |= {person for person, into in ((suspect, moved), (protected, protected_moved)) if into}
    if merged:
        now = persons_merged_to(merged)
        for candidate in candidates.values():
            candidate.suspect_id = now.get(candidate.suspect_id, candidate.suspect_id)
            candidate.protected = {now.get(p, p) for p in candidate.protected}
    # A chain of merges that ends in a person not of `persons` binds none of them.
    return {pk: c for pk, c in candidates.items() if c.suspect_id in persons or bound[pk] & persons}


def breaches_detect(
    registration_ids: Sequence[int],
    *,
    linked: Mapping[int, Iterable[int]] | None = None,
    at: datetime | None = None,
) -> list[Breach]:
    """For every registration, the measures in force that day binding a person linked into it; a breach when
    a protected person is in it too (contact), when it happened in or names an address in a banned area
    while an area ban holds (area), or when it reports a breach of a measure (reported): judged as
    `breaches_judge` judges them and stored as `breaches_record` stores them. A registration already judged
    against a measure (a breach stored) is left alone: the unique constraint keeps the first.

    `linked` (registration id -> person ids, as the pipeline's link step found them) is for registrations
    stored in the caller's transaction. It saves a read (one query when no measure binds a person of them),
    and the breaches go in without a savepoint: none can exist for them yet. Without it: two queries when
    nothing binds (the registrations' facts, the measures). The intake pipeline judges once per batch
    (`breaches_judge`), hands the judgement to the screening step, and stores it with `breaches_record`."""
    judged = breaches_judge(registration_ids, linked=linked)
    return breaches_record(
        [breach for found in judged.values() for breach in found], at=at, new=linked is not None
    )


@dataclass(frozen=True)
class BreachOf:
    """A registration judged a breach of a measure in force (as `breaches_judge` judges it, nothing
    stored): the measure, the person it binds and the persons it protects, the breach's kinds, and what the
    alerts and history lines of a breach stored (`breaches_record`) say of the registration."""

    registration: int
    measure: str  # its reference
    suspect: int
    protected: tuple[int, ...]
    measure_id: int
    kinds: tuple[str, ...]  # contact, area, reported: those that hold, in that order
    reference: str  # the registration's
    occurred_on: date  # the day it happened, else the day it was registered
    unit_id: int | None  # the registration's unit


def breaches_judge(
    registration_ids: Sequence[int], *, linked: Mapping[int, Iterable[int]] | None = None
) -> dict[int, list[BreachOf]]:
    """The breaches of measures in force in these registrations, judged and not stored: registration id ->
    the measures it breaches (contact, area, reported, as `breaches_detect` says). The intake pipeline
    judges once per batch: the screening step acts on the judgement (the registration joins the case of
    each measure's pair), the measures step stores it (`breaches_record`). `linked` as for
    `breaches_detect`: one query when no measure binds a person of the registrations, else two."""
    facts, candidates = _judged_against(registration_ids, linked)
    by_pk = {candidate.pk: candidate for candidate in candidates}
    found: dict[int, list[BreachOf]] = defaultdict(list)
    for measure_id, pk, kinds in _judge(facts, candidates):
        measure, fact = by_pk[measure_id], facts[pk]
        protected = tuple(sorted(measure.protected - {measure.suspect_id}))
        found[pk].append(
            BreachOf(
                pk,
                measure.reference,
                measure.suspect_id,
                protected,
                measure_id=measure_id,
                kinds=tuple(kinds),
                reference=fact.reference,
                occurred_on=fact.day,
                unit_id=fact.unit_id,
            )
        )
    return dict(found)


def breaches_record(
    judged: Sequence[BreachOf], *, at: datetime | None = None, new: bool = False
) -> list[Breach]:
    """Store the breaches judged (`breaches_judge`): each with a line in the measure's history (and its
    police case's), the registration disclosed to the measure's district office, told to the desks above
    (`signals.breaches_stored`), and alerted to the owner of the measure's police case and of the open
    police cases the registration is on, and to the measure's prosecutor (whoever stands in while they are
    recorded absent). In the caller's transaction. The breaches stored, without those stored before (a
    measure and registration keep their first). `new`: the registrations were stored in the caller's
    transaction (the intake pipeline's), so none has a breach yet and they go in without a savepoint; and
    the screening step put them on their pairs' cases already."""
    if not judged:
        return []
    return _breaches_found(list(judged), at=at or timezone.now(), new=new)


def _judged_against(
    registration_ids: Sequence[int], linked: Mapping[int, Iterable[int]] | None
) -> tuple[dict[int, _Seen], list[_Candidate]]:
    """The facts of the registrations and the measures to judge them against ([] when none binds a person
    of them: then the facts may be left unread)."""
    ids = list(registration_ids)
    if not ids:
        return {}, []
    if linked is not None:
        persons = {p for pk in ids for p in linked.get(pk, ())}
        if not persons:
            return {}, []
        candidates = _candidates(persons)  # by suspect alone: the days are checked in `_judge`
        if not candidates:
            return {}, []
        return _facts(ids), list(candidates.values())
    facts = _facts(ids)
    persons = {p for fact in facts.values() for p in fact.persons}
    if not persons:
        return facts, []
    return facts, list(_candidates(persons, [fact.day for fact in facts.values()]).values())


def _judge(facts: dict[int, _Seen], candidates: list[_Candidate]) -> list[tuple[int, int, list[str]]]:
    """(measure id, registration id, breach kinds) of every measure in force that day binding a person
    linked into the registration, when a protected person is in it too, it lies in a banned area while an
    area ban holds, or it reports a breach of a measure."""
    found: list[tuple[int, int, list[str]]] = []
    for pk, fact in facts.items():
        for measure in candidates:
            if measure.suspect_id not in fact.persons or not active_on(measure, fact.day):
                continue
            kinds: list[str] = []
            if (measure.protected - {measure.suspect_id}) & fact.persons:
                kinds.append(BreachKind.CONTACT)
            if Condition.AREA_BAN in measure.conditions and _in_areas(
                measure.areas, fact.municipality, fact.postcodes
            ):
                kinds.append(BreachKind.AREA)
            if fact.reported:
                kinds.append(BreachKind.REPORTED)
            if kinds:
                found.append((measure.pk, pk, kinds))
    return found


def _breaches_found(judged: list[BreachOf], *, at: datetime, new: bool) -> list[Breach]:
    measures = (
        Measure.objects.order_by()
        .select_related(
            "police_case__organisation",
            "police_case__owner",
            "police_case__process_version",
            "district_office",
            "prosecutor",
            "organisation",
        )
        .in_bulk({found.measure_id for found in judged})
    )
    rows = [
        Breach(
            measure=measures[found.measure_id],
            registration_id=found.registration,
            kind=found.kinds[0],
            kinds=list(found.kinds),
            occurred_on=found.occurred_on,
            detected_at=at,
        )
        for found in judged
    ]
    breaches = _breaches_store(rows, new=new)
    if not breaches:
        return []
    breaches_stored.send(sender=Breach, breaches=breaches, at=at, judged=judged, new=new)
    judgement = {(found.measure_id, found.registration): found for found in judged}
    # The open police cases the registrations are on, the cases of the measures' pairs they joined included.
    joined = _open_police_cases({breach.registration_id for breach in breaches})
    MeasureEvent.objects.bulk_create(
        [
            MeasureEvent(
                measure=breach.measure,
                at=at,
                kind=MeasureEventKind.BREACH,
                actor=None,
                actor_name=SYSTEM_ACTOR,
                detail={
                    "registration": judgement[(breach.measure_id, breach.registration_id)].reference,
                    "breach": breach.pk,
                    "kinds": breach.kinds,
                    "occurred_on": breach.occurred_on.isoformat(),
                },
            )
            for breach in breaches
        ]
    )
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                registration_id=breach.registration_id,
                organisation_id=breach.measure.district_office_id,
                purpose=DISCLOSURE_PURPOSE,
                reference=breach.measure.reference,
                created_at=at,
            )
            for breach in breaches
        ]
    )
    police = _PoliceSight()
    for breach in breaches:
        found = judgement[(breach.measure_id, breach.registration_id)]
        _breach_alerts(breach.measure, breach, found, joined.get(breach.registration_id, []), police, at=at)
    return breaches


class _PoliceSight:
    """Whether a police unit's police roles may see or count a registration under the sharing rules
    (`registration_sight_for_readers`: `see` and `counted`), asked once per unit and registration. A breach
    in a registration they may neither see nor count (for the police: Veilig Thuis's own file) is not
    alerted to them nor written in their case's history: that the registration exists is another
    organisation's information (the measure's district office, to which it is disclosed, is alerted as
    ever)."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], bool] = {}

    def knows(self, unit: Organisation, registration_id: int) -> bool:
        key = (unit.pk, registration_id)
        if key not in self._known:
            sight = registration_sight_for_readers(
                organisation=unit, roles=POLICE_ROLES, ids=[registration_id]
            )
            self._known[key] = registration_id in sight.visible or registration_id in sight.hidden
        return self._known[key]


def _breaches_store(rows: list[Breach], *, new: bool) -> list[Breach]:
    """Insert the breaches in one statement. Registrations stored in the caller's transaction (`new`: the
    pipeline's) cannot have one yet; otherwise a breach already stored for a measure and registration keeps
    its place (the unique constraint) and the others are stored one by one."""
    if new:
        return Breach.objects.bulk_create(rows)
    try:
        with transaction.atomic():
            return Breach.objects.bulk_create(rows)
    except IntegrityError:
        stored = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            stored.append(row)
        return stored


def _open_police_cases(registration_ids: set[int]) -> dict[int, list[Case]]:
    found: dict[int, list[Case]] = defaultdict(list)
    through = Case.registrations.through.objects.filter(
        registration_id__in=list(registration_ids),
        case__organisation__kind=OrganisationKind.POLITIE,
        case__closed_at__isnull=True,
    ).select_related("case__owner", "case__organisation", "case__process_version")
    for row in sorted(through.order_by(), key=lambda row: (row.case.opened_at, row.case_id)):
        found[row.registration_id].append(row.case)
    return found


def _breach_alerts(
    measure: Measure,
    breach: Breach,
    fact: BreachOf,
    joined: list[Case],
    police: _PoliceSight,
    *,
    at: datetime,
) -> None:
    message = BREACH_MESSAGES[BreachKind(breach.kind)]
    params = {"measure": measure.reference, "registration": fact.reference}

    def told(unit: Organisation) -> bool:  # the unit's police may see or count the breach's registration
        return police.knows(unit, breach.registration_id)

    cases: dict[int, Case] = {}
    if measure.police_case is not None and measure.police_case.closed_at is None:
        cases[measure.police_case.pk] = measure.police_case
    for case in joined:
        cases.setdefault(case.pk, case)
    for case in [case for case in cases.values() if told(case.organisation)]:
        alert_for_case_owner(
            case, kind="measure_breach", message=message, fallback_role=Role.CASE_OWNER, params=params, at=at
        )
    if not cases:
        # No open police case to tell: the case owners of the unit that registered the measure, else of the
        # unit that registered the breach.
        unit = measure.organisation if measure.organisation.kind == OrganisationKind.POLITIE else None
        unit_id = unit.pk if unit is not None else fact.unit_id
        unit = unit or (Organisation.objects.get(pk=unit_id) if unit_id is not None else None)
        if unit is not None and told(unit):
            alert_raise(
                kind="measure_breach",
                message=message,
                organisation=unit,
                role=Role.CASE_OWNER,
                params=params,
                at=at,
            )
    # The measure's prosecutor, unless recorded absent today: then whoever the office's posts say stands in,
    # else the office's prosecutors by role; never the absent one alone.
    duty = prosecutor_on_duty(
        measure.district_office, on=timezone.localdate(at), prosecutor=measure.prosecutor
    )
    prosecutor_message, prosecutor_params = message, params
    if duty.stands_in_for is not None:
        prosecutor_message = BREACH_MESSAGES_STAND_IN[BreachKind(breach.kind)]
        prosecutor_params = {**params, "absent": duty.stands_in_for.display_name}
    # The prosecution's case the measure was decided in (a ZSM file), so the alert opens it.
    decided_in = (
        Case.objects.filter(pk=measure.source_case_id, organisation_id=measure.district_office_id).first()
        if measure.source_case_id
        else None
    )
    alert_raise(
        kind="measure_breach",
        message=prosecutor_message,
        organisation=measure.district_office,
        case=decided_in,
        recipient=duty.user,
        role=Role.PROSECUTOR,
        params=prosecutor_params,
        at=at,
    )
    if measure.police_case is None or not told(measure.police_case.organisation):
        return
    case_line(
        measure.police_case,
        note=NOTE_BREACH[BreachKind(breach.kind)],
        params=params,
        actor=None,
        at=at,
        registration=fact.reference,
    )
