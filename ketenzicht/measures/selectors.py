"""Reads of the measures registry, scoped to the user. The police roles of a unit (screener, case owner,
team lead) see the measures their unit registered, those of its police cases and those of the district office
matching it; a prosecutor sees the measures of their district office. Anything else is NotVisible (the one
404, logged once in audit.access). Rows that name persons are built here, for the pages to log what they
showed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from ketenzicht.audit.access import refuse
from ketenzicht.dossiers.selectors import may_open_dossier
from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.persons.selectors import person_label, person_list_names_for_user
from ketenzicht.registrations.models import MentionRole, PersonMention, Registration
from ketenzicht.registrations.selectors import Sight, registration_sight_for_user
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.selectors import case_list_for_user, case_person_ids

from .breaches import POLICE_ROLES
from .engine.periods import days_left, extension_limit
from .models import Breach, BreachKind, Condition, Measure, MeasureKind
from .services import measure_terms


def _police_unit(user: User) -> Organisation | None:
    organisation: Organisation | None = getattr(user, "organisation", None)
    if (
        user.is_authenticated
        and organisation is not None
        and organisation.kind == OrganisationKind.POLITIE
        and user.has_role(*POLICE_ROLES)
    ):
        return organisation
    return None


def _district_office(user: User) -> Organisation | None:
    organisation: Organisation | None = getattr(user, "organisation", None)
    if (
        user.is_authenticated
        and organisation is not None
        and organisation.kind == OrganisationKind.OM
        and user.has_role(Role.PROSECUTOR)
    ):
        return organisation
    return None


def _visible(user: User) -> Q | None:
    return _visible_to(_police_unit(user), _district_office(user))


def _visible_to(unit: Organisation | None, office: Organisation | None) -> Q | None:
    """The measures a police unit's police roles (`unit`) and a district office's prosecutors (`office`)
    see."""
    condition: Q | None = None
    if unit is not None:
        condition = (
            Q(organisation_id=unit.pk)
            | Q(police_case__organisation_id=unit.pk)
            | Q(district_office__police_unit_id=unit.pk)
        )
    if office is not None:
        mine = Q(district_office_id=office.pk)
        condition = mine if condition is None else condition | mine
    return condition


def may_see_measures(user: User) -> bool:
    return _visible(user) is not None


def measure_list_for_user(*, user: User) -> QuerySet[Measure]:
    condition = _visible(user)
    if condition is None:
        return Measure.objects.none()
    return (
        Measure.objects.filter(condition)
        .select_related(
            "organisation", "district_office", "police_case__organisation", "source_case", "prosecutor"
        )
        .prefetch_related("protected")
    )


def measure_list_for_readers(*, organisation: Organisation, roles: Collection[str]) -> QuerySet[Measure]:
    """The measures every user of `organisation` holding one of `roles` sees, as `measure_list_for_user`
    would show each of them: for what a desk computes once for all its readers and keeps (the triage of a
    ZSM file, read by the prosecutors of its district office)."""
    unit = (
        organisation
        if organisation.kind == OrganisationKind.POLITIE and set(POLICE_ROLES).intersection(roles)
        else None
    )
    office = organisation if organisation.kind == OrganisationKind.OM and Role.PROSECUTOR in roles else None
    condition = _visible_to(unit, office)
    return Measure.objects.none() if condition is None else Measure.objects.filter(condition)


def measure_references_visible(*, user: User, references: Iterable[str]) -> set[str]:
    """The references among `references` of the measures `user` may see (no log entry: the page that
    names them logs what it showed)."""
    condition = _visible(user)
    wanted = set(references)
    if condition is None or not wanted:
        return set()
    return set(Measure.objects.filter(condition, reference__in=wanted).values_list("reference", flat=True))


def measure_get_for_user(*, user: User, pk: int, origin: str = "") -> Measure:
    try:
        return measure_list_for_user(user=user).get(pk=pk)
    except Measure.DoesNotExist:
        raise refuse(actor=user, object_type="measure", object_id=pk, origin=origin) from None


def measure_for_purpose(*, user: User, measure_id: int) -> Measure | None:
    """The measure, when `user` may see it (no log entry: the look-up it serves is logged with it)."""
    condition = _visible(user)
    if condition is None:
        return None
    return Measure.objects.filter(condition, pk=measure_id).first()


def may_change(user: User, measure: Measure) -> bool:
    """Extending and ending early: the police roles of the unit that sees it; a behaviour order only the
    prosecutors of the district office that imposed it (art. 509hh Sv: the prosecutor extends or lifts it;
    the police see it and act on its breaches, they do not lift it)."""
    if measure.ended_at is not None:
        return False
    if measure.kind == MeasureKind.BEHAVIOUR_ORDER:
        office = _district_office(user)
        return office is not None and measure.district_office_id == office.pk
    return _police_unit(user) is not None


def may_impose_for(user: User, case: Case) -> bool:
    """Registering a restraining order or an Aware alarm from a police case: the police roles of its unit."""
    unit = _police_unit(user)
    return unit is not None and case.organisation_id == unit.pk and case.closed_at is None


# --- persons and rows ---------------------------------------------------------------------------------------


def case_parties(case: Case) -> tuple[list[int], list[int]]:
    """The case's persons as suspects and as victims in its registrations (a person may be both)."""
    suspects: set[int] = set()
    victims: set[int] = set()
    persons = case_person_ids(case)
    for person_id, role in PersonMention.objects.filter(
        registration__cases=case, link__person_id__in=persons
    ).values_list("link__person_id", "role"):
        if role == MentionRole.SUSPECT:
            suspects.add(person_id)
        elif role == MentionRole.VICTIM:
            victims.add(person_id)
    return sorted(suspects), sorted(victims - suspects) or sorted(victims)


@dataclass
class MeasureRow:
    measure: Measure
    kind: str
    suspect: str
    protected: list[str]
    protected_count: int
    conditions: list[str]
    areas: str
    active: bool
    upcoming: bool
    days_left: int
    extendable_until: date | None
    breaches: int  # those whose registration the user may see (`breach_counts_for_user`)
    names_shown: bool
    breaches_hidden: int = 0  # those they may not see that the sharing rules count for them
    person_ids: set[int] = field(default_factory=set)


def areas_text(areas: dict[str, list[object]], names: dict[str, str] | None = None) -> str:
    """A banned area as a reader knows it: municipalities by name (their CBS code only when unknown), then
    postcode areas and ranges. `names`: code to name (`municipality_names`)."""
    names = names or {}
    parts = [names.get(str(code), str(code)) for code in areas.get("municipalities") or []]
    for pair in areas.get("postcodes") or []:
        low, high = str(pair[0]), str(pair[1])  # type: ignore[index]
        parts.append(str(low) if low == high else f"{low}–{high}")
    return ", ".join(parts)


def municipality_names(measures: Iterable[Measure]) -> dict[str, str]:
    """The names of the municipalities the measures ban (one query, none when no measure bans one)."""
    codes = {str(code) for m in measures for code in (m.areas or {}).get("municipalities") or []}
    if not codes:
        return {}
    return dict(Municipality.objects.filter(code__in=codes).values_list("code", "name"))


def measure_rows(
    measures: Iterable[Measure],
    *,
    user: User,
    today: date,
    names_for: set[int] | None = None,
    own_persons: Collection[int] = (),
) -> list[MeasureRow]:
    """Rows to show to `user`. The suspect and protected persons are shown for the measures in `names_for`
    (all when None), each by its list name among the registrations the user may see
    (`persons.selectors`), else by its number; the others show counts only, but name a bound person among
    `own_persons` (a case's own, on the case's panel) as the case's lists do: by list name where a
    registration the user may see names them, else not at all. The breaches are counted as the measure's
    page lists them (`breach_counts_for_user`). Five queries (names, breaches and their registrations,
    banned municipalities) at most beyond the measures' own."""
    measures = list(measures)
    terms = measure_terms()
    shown = {m.pk for m in measures} if names_for is None else names_for
    own = set(own_persons)
    wanted = {m.suspect_id for m in measures if m.pk in shown or m.suspect_id in own} | {
        p.pk for m in measures if m.pk in shown for p in m.protected.all()
    }
    names = person_list_names_for_user(user=user, person_ids=wanted)
    counts = breach_counts_for_user(user, [m.pk for m in measures])
    municipalities = municipality_names(measures)
    rows = []
    for m in measures:
        visible = m.pk in shown
        # Not shown, but bound is the case's own person the user may see: named as the case's lists name them.
        own_named = not visible and m.suspect_id in own and m.suspect_id in names
        protected = [p.pk for p in m.protected.all()]
        limit = extension_limit(m.kind, m.starts_on, m.ends_on, terms)
        rows.append(
            MeasureRow(
                measure=m,
                kind=str(MeasureKind(m.kind).label),
                suspect=person_label(m.suspect_id, names)
                if visible
                else names[m.suspect_id]
                if own_named
                else "",
                protected=[person_label(p, names) for p in protected] if visible else [],
                protected_count=len(protected),
                conditions=[str(Condition(c).label) for c in m.conditions if c in Condition.values],
                areas=areas_text(m.areas or {}, municipalities),
                active=m.starts_on <= today <= m.ends_on,
                upcoming=today < m.starts_on,
                days_left=days_left(m, today),
                extendable_until=limit if limit and m.ended_at is None and m.ends_on < limit else None,
                breaches=counts[m.pk].seen,
                breaches_hidden=counts[m.pk].hidden,
                names_shown=visible,
                person_ids={m.suspect_id, *protected} if visible else {m.suspect_id} if own_named else set(),
            )
        )
    return rows


@dataclass
class BreachCount:
    """A measure's breaches as `user` may know of them: `seen`, those whose registration they may see (read
    under the measure as purpose, as its page opens them); `hidden`, those they may not see whose source
    the sharing rules count for them (`counted`). A breach in any other registration (e.g. a Veilig Thuis
    own file, for the police) is in neither: its registration is another organisation's, and so is the
    count."""

    seen: int = 0
    hidden: int = 0


def _breach_sight(user: User, registration_ids: Iterable[int]) -> Sight:
    """Which of the breaches' registrations `user` may see or count, under the measure as purpose
    (`purpose.MEASURE_PARAM`: a breach's registration opens from its measure). One query."""
    return registration_sight_for_user(user=user, ids=sorted(set(registration_ids)), purposed=True)


def breach_counts_for_user(user: User, measure_ids: Collection[int]) -> dict[int, BreachCount]:
    """The breaches of these measures, counted as `user` may know of them (`BreachCount`), through the
    access selectors (`registration_sight_for_user`). Two queries (none without measures)."""
    counts: dict[int, BreachCount] = defaultdict(BreachCount)
    if not measure_ids:
        return counts
    rows = list(
        Breach.objects.filter(measure_id__in=list(measure_ids))
        .order_by()
        .values_list("measure_id", "registration_id")
    )
    sight = _breach_sight(user, (registration_id for _measure, registration_id in rows))
    for measure_id, registration_id in rows:
        if registration_id in sight.visible:
            counts[measure_id].seen += 1
        elif registration_id in sight.hidden:
            counts[measure_id].hidden += 1
    return counts


def measures_of_persons(
    person_ids: Iterable[int], *, current_only: bool = False, today: date | None = None
) -> QuerySet[Measure]:
    """The measures binding or protecting any of these persons (for a case's panel, a dossier)."""
    ids = list(person_ids)
    found = Measure.objects.filter(Q(suspect_id__in=ids) | Q(protected__in=ids)).distinct()
    if current_only and today is not None:
        found = found.filter(ends_on__gte=today)
    return (
        found.select_related("organisation", "district_office", "police_case")
        .prefetch_related("protected")
        .order_by("-ends_on", "-id")
    )


# --- what a measure's page may link to ---------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureLinks:
    """Which of the measure's neighbours the user may open from its page: a link to anything else would
    answer the one 404, so it is shown as plain text (or, for what names protected data, not at all)."""

    dossier: bool  # the bound person's dossier (police roles that search persons; not the prosecutor)
    police_case: bool  # the police case (its unit's police roles)
    source_case: bool  # the case it was decided in, e.g. the ZSM file (the district office's prosecutors)
    # The police case the dossier link carries as its purpose (`?zaak=`): when the user may open it and the
    # bound person is one of its persons; else the dossier asks for a purpose first.
    dossier_case: int | None = None


def measure_links_for_user(user: User, measure: Measure) -> MeasureLinks:
    """What the measure's page links to for `user`: asked of the same selectors the linked pages use,
    without a log entry (the page that opens logs, or refuses, once). Two queries at most."""
    cases = [pk for pk in (measure.police_case_id, measure.source_case_id) if pk is not None]
    open_cases = (
        set(case_list_for_user(user=user).filter(pk__in=cases).values_list("pk", flat=True))
        if cases
        else set()
    )
    dossier = may_open_dossier(user)
    police_case = measure.police_case_id is not None and measure.police_case_id in open_cases
    in_case = (
        dossier
        and police_case
        and Case.persons.through.objects.filter(
            case_id=measure.police_case_id or 0, person_id=measure.suspect_id
        ).exists()
    )
    return MeasureLinks(
        dossier=dossier,
        police_case=police_case,
        source_case=measure.source_case_id in open_cases,
        dossier_case=measure.police_case_id if in_case else None,
    )


@dataclass
class BreachRow:
    """A breach as its measure's page shows it. `registration` is set only when the user may open it
    (under the measure as purpose); otherwise only what kind of organisation registered it is said: no
    reference, no date (hit / no-hit, as for any registration a user may not see)."""

    kinds: list[str]
    occurred_on: date | None
    registration: Registration | None
    hidden_label: str = ""


@dataclass
class BreachRows:
    """A measure's breaches as its page shows them to a user (`breach_rows_for_user`): the rows; the
    references of the registrations among them the user may open (history lines name only those); and the
    breaches listed (a history line of any other is left out, as the breach is)."""

    rows: list[BreachRow]
    openable: set[str]
    listed: set[int]


def breach_rows_for_user(user: User, measure: Measure) -> BreachRows:
    """The measure's breaches for `user`. Read as a registration opened from the measure is: under the
    measure as purpose (`purpose.MEASURE_PARAM`). A breach whose registration the user may not see is
    listed only where the sharing rules count that registration for them (`counted`), by its kind of
    organisation and unit (no reference, no date); any other is left out, as `breach_counts_for_user`
    leaves it out of the count. Two queries."""
    breaches = list(measure.breaches.select_related("registration"))
    sight = _breach_sight(user, (breach.registration_id for breach in breaches))
    found = BreachRows([], set(), set())
    for breach in breaches:
        kinds = [str(BreachKind(kind).label) for kind in breach.kinds or [breach.kind]]
        if breach.registration_id in sight.visible:
            found.openable.add(breach.registration.reference)
            found.rows.append(BreachRow(kinds, breach.occurred_on, breach.registration))
        elif breach.registration_id in sight.hidden:
            group = sight.hidden_groups([breach.registration_id])
            found.rows.append(BreachRow(kinds, None, None, group[0].label))
        else:
            continue  # another organisation's registration: not even that it exists
        found.listed.add(breach.pk)
    return found


def breach_lines_for_reader(case: Case, events: Sequence[Any], user: User) -> dict[int, str | None]:
    """The lines a breach wrote in a police case's history (`history.case_line`: they name the breach's
    registration) as `user` may read them: left out (None) where they may not see that registration under
    the case as purpose (the case page's), as the measure's page leaves such a breach out of its history.
    Registered with the kernel (`labels.history_reader_register`). Two queries when the case has such a
    line, none otherwise."""
    lines = [e for e in events if e.detail.get("measure") and e.detail.get("registration")]
    if not lines:
        return {}
    ids: dict[str, set[int]] = defaultdict(set)
    for reference, pk in Registration.objects.filter(
        reference__in={str(e.detail["registration"]) for e in lines}
    ).values_list("reference", "pk"):
        ids[reference].add(pk)
    sight = registration_sight_for_user(
        user=user, ids={pk for found in ids.values() for pk in found}, purposed=True
    )
    return {e.pk: None for e in lines if not ids[str(e.detail["registration"])] & sight.visible}


# --- breaches found on intake, as their registrar may know them ---------------------------------------------


@dataclass(frozen=True)
class BreachNotice:
    """A breach found in a registration just stored, as its registrar may be told: the measure's reference
    only when they may see the measure (`_visible`); whom the intake step alerted besides the measure's
    prosecutor: the owner of an open police case (`case_owner`), else the case owners of the unit."""

    measure: str | None
    case_owner: bool


def breach_notices_for_user(user: User, breaches: Iterable[Breach]) -> list[BreachNotice]:
    """What `user` may be told of these breaches of one registration they stored (the intake's feedback)."""
    found = list(breaches)
    if not found:
        return []
    condition = _visible(user)
    seen = (
        set(
            Measure.objects.filter(condition, pk__in=[b.measure_id for b in found]).values_list(
                "pk", flat=True
            )
        )
        if condition is not None
        else set()
    )
    registration_ids = {b.registration_id for b in found}
    on_open_case = set(
        Case.registrations.through.objects.filter(
            registration_id__in=registration_ids,
            case__organisation__kind=OrganisationKind.POLITIE,
            case__closed_at__isnull=True,
        ).values_list("registration_id", flat=True)
    )
    open_measure_case = set(
        Measure.objects.filter(
            pk__in=[b.measure_id for b in found],
            police_case__isnull=False,
            police_case__closed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    return [
        BreachNotice(
            measure=b.measure.reference if b.measure_id in seen else None,
            case_owner=b.registration_id in on_open_case or b.measure_id in open_measure_case,
        )
        for b in found
    ]
