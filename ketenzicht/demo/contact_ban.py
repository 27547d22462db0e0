"""The demo's contact ban: the behaviour order (art. 509hh Sv) that the prosecutor of Oost-Brabant
(`officier`) imposed on Dennis van der Linden to protect his ex-partner Sandra Verbeek (the
`ex-partner-den-bosch` storyline), in the weeks after Veilig Thuis was notified and before he breached it.
It is registered through the measures registry on the day it was imposed, between the register's
registrations before that day and those after it (`demo_data_load`), so intake attributes the breaches that
came in later to it, as it would have then: the measures desk, the pair's police case and their pattern
signal show them. See docs/demo.md, "The contact ban"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from ketenzicht.demo.generator import load_params
from ketenzicht.measures.models import Condition, ImposedBy, Measure, MeasureKind
from ketenzicht.measures.services import measure_impose
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention, Registration
from ketenzicht.workprocesses.models import Alert, Case

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Imposed 80 days before the generator's window ends (a Wednesday: after the Veilig Thuis notification of
# late July, before the breach of late August), for 90 days: in force when the demo is loaded.
DEMO_BAN_DAYS_BEFORE_END = 80
DEMO_BAN_TIME = time(11, 0)
DEMO_BAN_DAYS = 90
DEMO_BAN_UNIT = "oost-brabant"
DEMO_BAN_PROSECUTOR = "officier"
DEMO_BAN_TEXT = (
    "Geen contact met Sandra Verbeek, ook niet via anderen; niet bij haar woning of de school van haar kind."
)
# The storyline's persons as its registrations write them with their full date of birth.
DEMO_BAN_SUSPECT = {"surname__icontains": "linden", "birth_date_raw": "1986-03-14"}
DEMO_BAN_PROTECTED = {
    "given_names__startswith": "Sandra",
    "surname": "Verbeek",
    "birth_date_raw": "1988-09-02",
}
BREACH_KIND = "measure_breach"


def demo_ban_moment(shift: timedelta) -> datetime:
    """When the prosecutor imposed (and registered) the contact ban: in the generator's window moved by
    `shift` (`services.demo_shift`), as the register is."""
    day: date = load_params().window.end_date - timedelta(days=DEMO_BAN_DAYS_BEFORE_END) + shift
    return datetime.combine(day, DEMO_BAN_TIME, AMSTERDAM)


def _person(role: str, written: dict[str, str]) -> Person | None:
    person_id = (
        PersonMention.objects.filter(role=role, link__isnull=False, **written)
        .order_by("registration__registered_at", "id")
        .values_list("link__person_id", flat=True)
        .first()
    )
    return Person.objects.filter(pk=person_id).first() if person_id is not None else None


def demo_ban_prosecutor() -> User | None:
    """The prosecutor who imposed the ban (a demo user: none before `demo_users_ensure`)."""
    return (
        User.objects.filter(username=DEMO_BAN_PROSECUTOR, organisation__isnull=False)
        .select_related("organisation")
        .first()
    )


def demo_ban_get() -> Measure | None:
    """The demo's contact ban, once registered."""
    return Measure.objects.filter(kind=MeasureKind.BEHAVIOUR_ORDER, conditions_text=DEMO_BAN_TEXT).first()


def demo_ban_ensure(*, at: datetime) -> Measure | None:
    """Register the contact ban as `officier` on `at` (its day and moment), binding Dennis van der Linden
    and protecting Sandra Verbeek, on the pair's police case of Oost-Brabant. Once: safe to repeat. None when
    the storyline's pair or case is not in the register (yet). A register loaded before the ban existed gets
    it after the fact: its registrations since the ban's first day are judged then (`measure_impose`)."""
    found = demo_ban_get()
    if found is not None:
        return found
    suspect, protected = _person("suspect", DEMO_BAN_SUSPECT), _person("victim", DEMO_BAN_PROTECTED)
    if suspect is None or protected is None:
        return None
    police_case = (
        Case.objects.filter(organisation__code=DEMO_BAN_UNIT, persons=suspect, opened_at__lt=at)
        .filter(persons=protected)
        .order_by("opened_at", "id")
        .first()
    )
    prosecutor = demo_ban_prosecutor()
    if police_case is None or prosecutor is None or prosecutor.organisation is None:
        return None
    starts_on = at.astimezone(AMSTERDAM).date()
    with transaction.atomic():
        measure = measure_impose(
            kind=MeasureKind.BEHAVIOUR_ORDER,
            suspect=suspect,
            protected=[protected],
            conditions=[Condition.CONTACT_BAN],
            conditions_text=DEMO_BAN_TEXT,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=DEMO_BAN_DAYS - 1),
            imposed_by=ImposedBy.PROSECUTOR,
            organisation=prosecutor.organisation,
            district_office=prosecutor.organisation,
            prosecutor=prosecutor,
            actor=prosecutor,
            police_case=police_case,
            at=at,
        )
    return measure


def demo_ban_alerts_read(measure: Measure) -> int:
    """The alerts of the ban's breaches that came in with the register were read back then (as the Veilig
    Thuis history's feedback): none waits today. A breach of a later registration (the walk's) stays unread.
    How many were marked read."""
    horizon = Registration.objects.order_by("-registered_at").values_list("registered_at", flat=True).first()
    if horizon is None:
        return 0
    return Alert.objects.filter(
        kind=BREACH_KIND, params__measure=measure.reference, read_at__isnull=True, created_at__lte=horizon
    ).update(read_at=F("created_at"), read_by=None)
