"""Writes of the measures registry: imposing (registering) a measure, extending it, ending it early, and the
intake step that finds breaches. Each write adds a line to the measure's history and, when the measure
belongs to a police case, a line to that case's history, in the caller's transaction.

The breaches the intake pipeline finds are in `breaches` (`breaches_judge` once per batch, `breaches_record`
to store them); `breaches_detect` judges and stores the registrations since a measure's first day when it is
registered after the fact."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.engine.machine import CaseStart
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.selectors import case_start

from .breaches import breaches_detect
from .engine.periods import (
    START_TOO_EARLY,
    START_TOO_LATE,
    START_TOO_LATE_FOR_KIND,
    PeriodError,
    StartWindow,
    Term,
    check_extension,
    check_start,
    end_for,
    start_window_with,
    terms_with,
)
from .history import case_line, measure_event, value_shown
from .models import (
    Condition,
    ImposedBy,
    Measure,
    MeasureEventKind,
    MeasureKind,
)

REFERENCE_PREFIX = "MR"
# The period engine's messages (it imports no Django), marked here for translation: every message it raises
# must be here (tests/measures/test_periods.py reads the engine for them), or the page shows it in English.
PERIOD_MESSAGES = (
    gettext_noop("unknown kind of measure: %(kind)s"),
    gettext_noop("this kind of measure needs an end date"),
    gettext_noop("the end date lies before the start date"),
    gettext_noop("this kind of measure may last until %(limit)s at most"),
    gettext_noop(
        "the end date cannot lie after %(limit)s: the first period ends then at the latest; "
        "extend it after that"
    ),
    gettext_noop("this kind of measure cannot be extended"),
    gettext_noop("an extension must end after the current end date (%(end)s)"),
    gettext_noop("this kind of measure may be extended until %(limit)s at most"),
    gettext_noop(
        "the start cannot lie before %(limit)s: the earliest incident of the case's registrations happened "
        "that day"
    ),
    gettext_noop("the start cannot lie before %(limit)s: the case was opened on that day"),
)
# The engine's messages with a number of days (its English says "days"), in the singular or the plural as
# the number asks, in the active language: by the engine's message.
PERIOD_MESSAGES_IN_DAYS: dict[str, Callable[[int], str]] = {
    START_TOO_EARLY: lambda days: ngettext(
        "the start cannot lie before %(limit)s: a measure is registered within %(days)s day after it starts",
        "the start cannot lie before %(limit)s: a measure is registered within %(days)s days after it starts",
        days,
    ),
    START_TOO_LATE: lambda days: ngettext(
        "the start cannot lie after %(limit)s: a measure is registered at most %(days)s day before it starts",
        "the start cannot lie after %(limit)s: a measure is registered at most %(days)s days before it "
        "starts",
        days,
    ),
    START_TOO_LATE_FOR_KIND: lambda days: ngettext(
        "the start cannot lie after %(limit)s: this kind of measure starts within %(days)s day of being "
        "imposed",
        "the start cannot lie after %(limit)s: this kind of measure starts within %(days)s days of being "
        "imposed",
        days,
    ),
}

_MUNICIPALITY = re.compile(r"^GM\d{4}$")
_POSTCODE4 = re.compile(r"^\d{4}$")

# History lines: English texts written in the installation's language (a case's history is a record, not a
# page).
NOTE_IMPOSED = gettext_noop("Protective measure %(measure)s registered: %(kind)s, %(period)s.")
NOTE_EXTENDED = gettext_noop("Protective measure %(measure)s extended until %(until)s: %(reason)s")
NOTE_ENDED = gettext_noop("Protective measure %(measure)s ended on %(on)s: %(reason)s")


class MeasureInvalid(ValueError):
    """Input that cannot make or change a measure: `field` names the input at fault, `message` says why
    (English, with %(name)s placeholders filled from `params`, translated where shown)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        self.field = field
        self.message = message
        self.params = params
        # Every problem found in one go (this one first): a form shows them all at once, not one a submit.
        self.problems: list[MeasureInvalid] = [self]
        super().__init__(f"{field}: {message % params if params else message}")

    @classmethod
    def every(cls, problems: Sequence[MeasureInvalid]) -> MeasureInvalid:
        """One exception for several problems: `field` and `message` are the first's, `problems` all."""
        first = problems[0]
        found = cls(first.field, first.message, **first.params)
        found.problems = list(problems)
        return found

    def text(self) -> str:
        """The message in the active language (a number of days in the singular or plural as it asks)."""
        params = {k: value_shown(v) for k, v in self.params.items()}
        in_days = PERIOD_MESSAGES_IN_DAYS.get(self.message)
        if in_days is not None:
            return in_days(int(self.params["days"])) % params
        return gettext(self.message) % params if params else gettext(self.message)


def measure_terms() -> dict[str, Term]:
    """The period rules in force: the defaults with the setting MEASURE_TERMS laid over them."""
    return terms_with(getattr(settings, "MEASURE_TERMS", None) or {})


def measure_start_window() -> StartWindow:
    """How far from the day it is registered a measure may start: the default with the setting
    MEASURE_START_WINDOW laid over it."""
    return start_window_with(getattr(settings, "MEASURE_START_WINDOW", None) or {})


def measure_case_start(police_case: Case | None, source_case: Case | None = None) -> CaseStart | None:
    """The start of the case a measure is registered from (the police case, which holds the registrations
    of what happened, else the case it was decided in): the measure starts not before it. None without a
    case."""
    case = police_case or source_case
    return case_start(case) if case is not None else None


# --- imposing, extending, ending ----------------------------------------------------------------------------


def _next_reference(year: int) -> str:
    prefix = f"{REFERENCE_PREFIX}{year}-"
    last = (
        Measure.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def _areas(areas: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    if not areas:
        return {}
    if not isinstance(areas, Mapping) or set(areas) - {"municipalities", "postcodes"}:
        raise MeasureInvalid("areas", gettext_noop("areas hold municipalities and postcode ranges only"))
    municipalities = [str(code).strip().upper() for code in areas.get("municipalities") or []]
    for code in municipalities:
        if not _MUNICIPALITY.match(code):
            raise MeasureInvalid(
                "areas", gettext_noop("%(code)s is no municipality code (GM and four digits)"), code=code
            )
    ranges: list[list[str]] = []
    for pair in areas.get("postcodes") or []:
        low, high = (pair, pair) if isinstance(pair, str) else tuple(pair) if len(pair) == 2 else ("", "")
        low, high = str(low).strip(), str(high).strip()
        shown = low if low == high else f"{low}-{high}"  # as the user wrote it, not as a Python list
        if not (_POSTCODE4.match(low) and _POSTCODE4.match(high)):
            raise MeasureInvalid(
                "areas", gettext_noop("%(range)s is no range of four-digit postcodes"), range=shown
            )
        if low > high:
            raise MeasureInvalid(
                "areas",
                gettext_noop("%(range)s runs backwards: write the lower postcode first (%(turned)s)"),
                range=shown,
                turned=f"{high}-{low}",
            )
        ranges.append([low, high])
    found: dict[str, list[Any]] = {}
    if municipalities:
        found["municipalities"] = sorted(set(municipalities))
    if ranges:
        found["postcodes"] = ranges
    return found


def _district_office_for(organisation: Organisation, police_case: Case | None) -> Organisation | None:
    """The district office whose prosecutor hears of the measure: where the police case's last registration
    happened, else the one matching the registering police unit, else the registering office itself."""
    if police_case is not None:
        found = (
            police_case.registrations.filter(municipality__isnull=False)
            .order_by("-registered_at", "-id")
            .values_list("municipality__district_office_id", flat=True)
            .first()
        )
        if found:
            return Organisation.objects.get(pk=found)
    if organisation.kind == OrganisationKind.OM:
        return organisation
    if organisation.kind == OrganisationKind.POLITIE:
        return organisation.district_offices.order_by("pk").first()
    return None


def _period_text(starts_on: date, ends_on: date) -> str:
    return f"{starts_on:%d-%m-%Y} – {ends_on:%d-%m-%Y}"


@dataclass(frozen=True)
class Checked:
    """What `measure_check` made of the input: the conditions without repeats, the areas as stored, the
    last day (None where a problem was found)."""

    conditions: list[str]
    areas: dict[str, list[Any]] | None
    ends_on: date | None


def measure_check(
    *,
    kind: str,
    suspect_id: int | None,
    protected_ids: Sequence[int],
    conditions: Sequence[str],
    conditions_text: str = "",
    areas: Mapping[str, Any] | None = None,
    starts_on: date | None,
    ends_on: date | None = None,
    imposed_by: str | None = None,
    today: date | None = None,
    earliest: CaseStart | None = None,
) -> tuple[list[MeasureInvalid], Checked]:
    """Every problem of a measure's own input at once (its kind, persons, conditions, areas, authority and
    period), each naming its field; nothing is read but the period rules. The start lies within the start
    window around `today` (default: today) and not before `earliest`, the start of the case it is registered
    from (`measure_case_start`). `measure_impose` decides by it,
    and a form asks it too, so that one submit shows everything to fix. A rule that needs an input found
    wrong (the period of an unknown kind, the areas of areas unreadable) is left for the next time."""
    problems: list[MeasureInvalid] = []

    def problem(field: str, message: str, **params: Any) -> None:
        problems.append(MeasureInvalid(field, message, **params))

    known_kind = kind in MeasureKind.values
    if not known_kind:
        problem("kind", gettext_noop("unknown kind of measure: %(kind)s"), kind=kind)
    if suspect_id is None:
        problem("suspect", gettext_noop("a measure binds one known person"))
    elif suspect_id in protected_ids:
        problem("protected", gettext_noop("the suspect cannot be one of the protected persons"))
    codes = list(dict.fromkeys(conditions))
    unknown = [c for c in codes if c not in Condition.values]
    if unknown:
        problem("conditions", gettext_noop("unknown condition: %(code)s"), code=unknown[0])
    if not protected_ids and (
        Condition.CONTACT_BAN in codes or kind in (MeasureKind.RESTRAINING_ORDER, MeasureKind.AWARE_ALARM)
    ):
        problem("protected", gettext_noop("name the persons this measure protects"))
    if Condition.OTHER in codes and not conditions_text.strip():
        problem("conditions_text", gettext_noop("describe the other condition"))
    if kind == MeasureKind.AWARE_ALARM and codes:
        # The victim's alarm button binds the suspect to nothing: a condition on it would make every later
        # registration of the pair a breach. An order that binds him is a measure of its own.
        problem(
            "conditions",
            gettext_noop("an Aware alarm sets no conditions: register the order that does on its own"),
        )
    if known_kind and kind != MeasureKind.AWARE_ALARM and not codes:
        problem("conditions", gettext_noop("tick the conditions this measure imposes"))
    area: dict[str, list[Any]] | None
    try:
        area = _areas(areas)
    except MeasureInvalid as invalid:
        problems.append(invalid)
        area = None
    if area is not None and Condition.AREA_BAN in codes and not area:
        problem("areas", gettext_noop("an area ban needs the municipalities or postcodes it covers"))
    if area and Condition.AREA_BAN not in codes:
        problem("areas", gettext_noop("banned areas are given: tick Area ban, or leave the areas empty"))
    if imposed_by is not None and imposed_by not in ImposedBy.values:
        problem("imposed_by", gettext_noop("unknown authority: %(value)s"), value=imposed_by)
    last: date | None = None
    if not isinstance(starts_on, date):
        problem("starts_on", gettext_noop("a start date is required"))
        return problems, Checked(codes, area, None)
    try:
        check_start(
            starts_on,
            today=today or timezone.localdate(),
            window=measure_start_window(),
            case_start=earliest.day if earliest else None,
            case_start_by=earliest.by if earliest else "registration",
            term=measure_terms()[kind] if known_kind else None,
        )
    except PeriodError as exc:
        problem(exc.field, exc.message, **exc.params)
    if known_kind:
        try:
            last = end_for(kind, starts_on, ends_on, measure_terms())
        except PeriodError as exc:
            problem(exc.field, exc.message, **exc.params)
    return problems, Checked(codes, area, last)


def measure_impose(
    *,
    kind: str,
    suspect: Person,
    protected: Iterable[Person],
    conditions: Sequence[str],
    conditions_text: str = "",
    areas: Mapping[str, Any] | None = None,
    starts_on: date,
    ends_on: date | None = None,
    imposed_by: str,
    organisation: Organisation,
    actor: User | None,
    district_office: Organisation | None = None,
    prosecutor: User | None = None,
    police_case: Case | None = None,
    source_case: Case | None = None,
    at: datetime | None = None,
) -> Measure:
    """Register a measure that was imposed (a restraining order by the mayor, a behaviour order by the
    prosecutor, ...). Raises MeasureInvalid naming the field at fault, with every problem found in its
    `problems`; stores nothing then."""
    at = at or timezone.now()
    shielded = {p.pk: p for p in protected}
    problems, checked = measure_check(
        kind=kind,
        suspect_id=suspect.pk if isinstance(suspect, Person) else None,
        protected_ids=list(shielded),
        conditions=conditions,
        conditions_text=conditions_text,
        areas=areas,
        starts_on=starts_on,
        ends_on=ends_on,
        imposed_by=imposed_by,
        today=timezone.localdate(at),
        earliest=measure_case_start(police_case, source_case),
    )
    office: Organisation | None = None
    if organisation is None:
        problems.append(
            MeasureInvalid("organisation", gettext_noop("the registering organisation is required"))
        )
    if police_case is not None and police_case.organisation.kind != OrganisationKind.POLITIE:
        problems.append(
            MeasureInvalid(
                "police_case", gettext_noop("%(case)s is no police case"), case=police_case.reference
            )
        )
    elif organisation is not None:
        office = district_office or _district_office_for(organisation, police_case)
        if office is None or office.kind != OrganisationKind.OM:
            problems.append(
                MeasureInvalid(
                    "district_office",
                    gettext_noop("name the district office whose prosecutor is told of breaches"),
                )
            )
    if problems:
        raise MeasureInvalid.every(problems)
    assert office is not None and checked.ends_on is not None and checked.areas is not None
    codes, area, last = checked.conditions, checked.areas, checked.ends_on
    with transaction.atomic():
        # One registration of one measure: the same order sent twice (a second tab, a double submit)
        # would alert twice on every breach. Checked with the suspect locked, so two at once cannot both
        # pass.
        Person.objects.select_for_update().filter(pk=suspect.pk).first()
        same = _same_measure(kind, suspect, set(shielded), codes, area, starts_on, last)
        if same is not None:
            raise MeasureInvalid(
                "measure",
                gettext_noop("this measure is registered already for this period: %(measure)s"),
                measure=same.reference,
            )
        measure = Measure.objects.create(
            reference=_next_reference(at.year),
            kind=kind,
            suspect=suspect,
            conditions=codes,
            conditions_text=conditions_text.strip(),
            areas=area,
            starts_on=starts_on,
            ends_on=last,
            imposed_by=imposed_by,
            organisation=organisation,
            district_office=office,
            prosecutor=prosecutor,
            police_case=police_case,
            source_case=source_case,
            created_by=actor if actor is not None and actor.pk else None,
            created_at=at,
        )
        measure.protected.set(list(shielded.values()))
        measure_event(
            measure,
            kind=MeasureEventKind.IMPOSED,
            actor=actor,
            at=at,
            starts_on=starts_on.isoformat(),
            ends_on=last.isoformat(),
            conditions=codes,
            protected=sorted(shielded),
        )
        case_line(
            police_case,
            note=NOTE_IMPOSED,
            params={
                "measure": measure.reference,
                "kind": MeasureKind(kind),  # by its label, in the installation's and the reader's language
                "period": _period_text(starts_on, last),
            },
            actor=actor,
            at=at,
        )
        # Registered after the fact (an order dated back, a restraining order entered days later): the
        # suspect's registrations of what happened after its first day are judged now, as intake would
        # have judged them. Not the first day itself: the incident that led to the measure happened then.
        since = (
            Registration.objects.filter(mentions__link__person_id=suspect.pk)
            .filter(
                Q(occurred_at__date__gt=starts_on)
                | Q(occurred_at__isnull=True, registered_at__date__gt=starts_on)
            )
            .values_list("pk", flat=True)
        )
        breaches_detect(sorted(set(since)), at=at)
    return measure


def _same_measure(
    kind: str,
    suspect: Person,
    protected: set[int],
    conditions: Sequence[str],
    areas: Mapping[str, Any],
    starts_on: date,
    ends_on: date,
) -> Measure | None:
    """A measure of this kind binding `suspect` for the same persons, conditions and areas, in force on a
    day of the period: the same measure registered before."""
    overlapping = Measure.objects.filter(
        kind=kind, suspect=suspect, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).prefetch_related("protected")
    for other in overlapping:
        if (
            {p.pk for p in other.protected.all()} == protected
            and set(other.conditions) == set(conditions)
            and (other.areas or {}) == dict(areas)
        ):
            return other
    return None


def measure_extend(
    measure: Measure, *, until: date, actor: User | None, reason: str, at: datetime | None = None
) -> Measure:
    """Extend a measure to `until` (a restraining order to 28 days in all at most)."""
    at = at or timezone.now()
    if not reason.strip():
        raise MeasureInvalid("reason", gettext_noop("say why the measure is extended"))
    with transaction.atomic():
        current = Measure.objects.select_for_update().get(pk=measure.pk)
        if current.ended_at is not None:
            raise MeasureInvalid("until", gettext_noop("this measure was ended early"))
        try:
            new_end = check_extension(
                current.kind, current.starts_on, current.ends_on, until, measure_terms()
            )
        except PeriodError as exc:
            raise MeasureInvalid(exc.field, exc.message, **exc.params) from None
        previous = current.ends_on
        current.ends_on = new_end
        current.save(update_fields=["ends_on"])
        _recorded(
            current,
            kind=MeasureEventKind.EXTENDED,
            note=NOTE_EXTENDED,
            params={"until": new_end},
            previous_end=previous,
            actor=actor,
            at=at,
            reason=reason,
        )
    return current


def measure_end(
    measure: Measure, *, actor: User | None, reason: str, on: date, at: datetime | None = None
) -> Measure:
    """End a measure early: `on` is the last day it holds (its end date moves there; the history keeps the
    end it had)."""
    at = at or timezone.now()
    if not reason.strip():
        raise MeasureInvalid("reason", gettext_noop("say why the measure ends early"))
    with transaction.atomic():
        current = Measure.objects.select_for_update().get(pk=measure.pk)
        if current.ended_at is not None:
            raise MeasureInvalid("on", gettext_noop("this measure was ended early already"))
        if not isinstance(on, date) or on < current.starts_on:
            raise MeasureInvalid(
                "on",
                gettext_noop("a measure cannot end before it starts (%(start)s)"),
                start=current.starts_on,
            )
        if on >= current.ends_on:
            raise MeasureInvalid(
                "on", gettext_noop("the measure ends on %(end)s already"), end=current.ends_on
            )
        previous = current.ends_on
        current.ends_on = on
        current.ended_at = at
        current.end_reason = reason.strip()
        current.save(update_fields=["ends_on", "ended_at", "end_reason"])
        _recorded(
            current,
            kind=MeasureEventKind.ENDED,
            note=NOTE_ENDED,
            params={"on": on},
            previous_end=previous,
            actor=actor,
            at=at,
            reason=reason,
        )
    return current


def _recorded(
    measure: Measure,
    *,
    kind: str,
    note: str,
    params: dict[str, Any],
    previous_end: date,
    actor: User | None,
    at: datetime,
    reason: str,
) -> None:
    """A change of the end date in the measure's history and in its police case's."""
    measure_event(
        measure,
        kind=kind,
        actor=actor,
        at=at,
        reason=reason.strip(),
        previous_end=previous_end.isoformat(),
        ends_on=measure.ends_on.isoformat(),
    )
    case_line(
        _police_case(measure),
        note=note,
        params={"measure": measure.reference, **params, "reason": reason.strip()},
        actor=actor,
        at=at,
    )


def _police_case(measure: Measure) -> Case | None:
    if measure.police_case_id is None:
        return None
    return Case.objects.select_related("process_version", "organisation").get(pk=measure.police_case_id)
