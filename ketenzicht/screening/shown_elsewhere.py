"""Screening cases where pages below the screening desk show them: a person's cases in their dossier, the
open case of a signal's pair on the signal page, and which person is the suspect and which the victim on
the kernel's case page. Those apps do not import the desk (imports point down): their templates load the
desk's template tags `kz_desks`, thin tags over these reads.

Always scoped to the user: a case is named only when the user may open it (`case_list_for_user`); the
person's cases in units the user may not open are counted per unit, never named (hit / no-hit).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ketenzicht.dossiers.selectors import may_open_dossier
from ketenzicht.organisations.models import User
from ketenzicht.patterns.models import Signal
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import person_list_names_for_user, persons_merged_from
from ketenzicht.registrations.models import MentionRole, PersonMention
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.labels import state_label, value_label
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.selectors import case_list_for_user

from .models import ScreeningCase
from .receivers import MANUAL_REASON
from .selectors import screening_case_of

SIDES = {"suspect": _("suspect"), "victim": _("victim")}


@dataclass(frozen=True)
class CaseRow:
    case: Case
    side: str  # the person as "suspect" or "victim" in it
    unit: str
    state: str
    urgency: str
    opened_at: dt.datetime

    @property
    def side_label(self) -> str:
        return str(SIDES[self.side])


@dataclass
class PersonCases:
    rows: list[CaseRow] = field(default_factory=list)
    hidden: list[tuple[str, int]] = field(default_factory=list)  # (unit name, cases the user may not open)

    @property
    def hidden_total(self) -> int:
        return sum(n for _unit, n in self.hidden)


def _urgency(case: Case, code: str) -> str:
    if not code:
        return "—"
    return value_label(definition_of(case.process_version), "urgency", code)[1]


def person_screening_cases_for_user(*, user: User, person: Person | int) -> PersonCases:
    """The screening cases with this person (or one merged into them) as suspect or victim: those the user
    may open, latest first; the others counted per unit."""
    person_id = person if isinstance(person, int) else person.pk
    found = PersonCases()
    if not user.is_authenticated:
        return found
    ids = persons_merged_from({person_id})
    screenings = list(
        ScreeningCase.objects.filter(Q(suspect_id__in=ids) | Q(victim_id__in=ids))
        .select_related("unit")
        .order_by("-case_id")
    )
    visible = {
        case.pk: case for case in case_list_for_user(user=user).filter(pk__in=[s.case_id for s in screenings])
    }
    hidden: Counter[str] = Counter()
    for screening in screenings:
        case = visible.get(screening.case_id)
        if case is None:
            hidden[screening.unit.name] += 1
            continue
        definition = definition_of(case.process_version)
        found.rows.append(
            CaseRow(
                case=case,
                side="suspect" if screening.suspect_id in ids else "victim",
                unit=screening.unit.name,
                state=state_label(definition, case.state),
                urgency=_urgency(case, screening.urgency),
                opened_at=case.opened_at,
            )
        )
    found.hidden = sorted(hidden.items())
    return found


def signal_case_for_user(*, user: User, signal: Signal) -> Case | None:
    """The open screening case of the signal's pair (suspect and victim) that the user may open, if any
    (in the user's own unit: a pair has at most one open case per unit)."""
    if not user.is_authenticated or signal.suspect_id is None or signal.victim_id is None:
        return None
    open_cases = ScreeningCase.objects.filter(
        suspect_id=signal.suspect_id, victim_id=signal.victim_id, open=True
    ).values("case_id")
    return case_list_for_user(user=user).filter(pk__in=open_cases).order_by("-pk").first()


@dataclass(frozen=True)
class CasePerson:
    side: str
    person: Person
    name: str  # the list name for the reader (registrations.names; "" when no registration they see names it)
    # Whether the reader may open the person's dossier (the police roles that search persons, the audit
    # readers): to anyone else (Veilig Thuis, the prosecutor) a link would answer the one 404.
    dossier: bool = False

    @property
    def side_label(self) -> str:
        return str(SIDES[self.side])


def case_persons(case: Case, *, user: User) -> list[CasePerson]:
    """Suspect and victim of a screening case (the caller has opened the case), of one opened by hand
    followed by the other persons its registrations named (the pair never silently replaces them); of a case
    without a pair (a case opened by hand, whose registrations do not name both yet), its persons as its
    registrations name them, suspects first. Each by its list name among the registrations `user` may see
    under the case as purpose."""
    screening = screening_case_of(case)
    if screening is None:
        found = _persons_from_registrations(case)
    else:
        found = [
            CasePerson("suspect", screening.suspect, ""),
            CasePerson("victim", screening.victim, ""),
        ]
        if MANUAL_REASON in screening.reasons:
            # A case opened by hand keeps the persons its registrations named before they named the pair.
            paired = {screening.suspect_id, screening.victim_id}
            found += [p for p in _persons_from_registrations(case) if p.person.pk not in paired]
    # The case page reads the case's registrations under the case as its purpose: so are its persons named.
    names = person_list_names_for_user(user=user, person_ids={p.person.pk for p in found}, purposed=True)
    dossier = may_open_dossier(user)
    return [CasePerson(p.side, p.person, names.get(p.person.pk, ""), dossier) for p in found]


def _persons_from_registrations(case: Case) -> list[CasePerson]:
    """The case's persons with the side the first of its registrations that names them gives them (names
    are filled in by the caller)."""
    persons = {person.pk: person for person in case.persons.all()}
    found: dict[int, CasePerson] = {}
    mentions = (
        PersonMention.objects.filter(
            registration__cases=case,
            role__in=[MentionRole.SUSPECT, MentionRole.VICTIM],
            link__person_id__in=list(persons),
        )
        .order_by("registration__registered_at", "id")
        .values_list("link__person_id", "role")
    )
    for person_id, role in mentions:
        if person_id not in found:
            found[person_id] = CasePerson(role, persons[person_id], "")
    return sorted(found.values(), key=lambda p: p.side != MentionRole.SUSPECT)
