"""The demo's closed case: a police case of Oost-Brabant that its screener closed without action (confirmed
by a case owner as the second person where its process asks one: ex-partner stalking version 2), for the team
lead (`teamleider`) to find under *Zaken* → *Afgesloten zaken tonen* and reopen. In the demo register (of
either size) no case outside the storylines opens on version 2, so it is a version 1 case, closed with *Geen
verdere actie* alone. See docs/demo.md, "Version 1 elsewhere, and the team lead"."""

from __future__ import annotations

from django.db import transaction

from ketenzicht.organisations.models import User
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.models import Case, CaseEvent, EventKind
from ketenzicht.workprocesses.services import case_assign_owner, case_confirm, case_take

from .services import demo_users_ensure

DEMO_CLOSED_UNIT = "oost-brabant"
DEMO_CLOSED_SCREENER = "screener"
DEMO_CLOSED_SECOND = "casusregisseur"
DEMO_CLOSED_REASON = (
    "Melder trekt de melding in: het was een woordenwisseling bij het ophalen van spullen, geen dreiging "
    "of contact daarna. Geen verdere actie."
)
# The closing step without action of the police's processes: version 2 of ex-partner stalking asks a second
# person to confirm it, the others do not.
CLOSING_STEPS = ("close_without_action", "no_further_action")
# The storylines' suspects: their cases are walked open in docs/demo.md, so none of them is closed.
STORYLINE_SUSPECTS: tuple[str, ...] = (
    "Linden",
    "Wijngaarde",
    "Wyngaarde",
    "Scholten",
    "Kuijpers",
    "Kuypers",
    "Aydın",
    "Amrani",
    "Kuipers",
)


def _closed_before() -> Case | None:
    """The case the demo closed on an earlier load (reopened since, perhaps): it is not closed again."""
    event = (
        CaseEvent.objects.filter(
            kind__in=[EventKind.PROPOSED, EventKind.TRANSITION], reason=DEMO_CLOSED_REASON
        )
        .select_related("case")
        .order_by("id")
        .first()
    )
    return event.case if event is not None else None


def _candidate() -> Case | None:
    """The newest untouched case of the unit that no storyline walks: new, not acute, without owner or
    waiting step, on ex-partner stalking when the unit has one (the pilot's version 2 first)."""
    cases = ScreeningCase.objects.filter(
        unit__code=DEMO_CLOSED_UNIT,
        open=True,
        case__state="new",
        case__owner__isnull=True,
        case__pending__isnull=True,
    ).exclude(urgency="acute")  # not closed without action before its screening (screening/steps.py)
    for surname in STORYLINE_SUSPECTS:
        cases = cases.exclude(suspect_name__icontains=surname).exclude(victim_name__icontains=surname)
    found = cases.select_related("case", "case__process_version").order_by(
        "-case__process_version__version", "-case__opened_at", "-case_id"
    )
    stalking = found.filter(case__process_version__process="ex_partner_stalking").first()
    chosen = stalking or found.first()
    return chosen.case if chosen is not None else None


def demo_closed_case_ensure() -> Case | None:
    """Close one case of Oost-Brabant without action, as the screener who took it (and, where the process
    wants a second person, the case owner confirming), through the services, with its history. Once: safe
    to repeat (a case it closed, reopened since or not, is left as it is). None when the unit has no case to
    close (a register without one)."""
    done = _closed_before()
    if done is not None:
        return done
    case = _candidate()
    if case is None:
        return None
    if User.objects.filter(username__in=[DEMO_CLOSED_SCREENER, DEMO_CLOSED_SECOND]).count() != 2:
        demo_users_ensure()
    screener = User.objects.get(username=DEMO_CLOSED_SCREENER)
    second = User.objects.get(username=DEMO_CLOSED_SECOND)
    definition = definition_of(case.process_version)
    step = next((definition.transition(name) for name in CLOSING_STEPS if definition.transition(name)), None)
    if step is None:
        return None
    with transaction.atomic():
        case = case_assign_owner(case, owner=screener, actor=screener, expected_version=None)
        start = definition.transition("start_screening")
        if start is not None and case.state in start.sources:
            case = case_take(case, start.name, actor=screener, expected_version=None)
        case = case_take(case, step.name, actor=screener, expected_version=None, reason=DEMO_CLOSED_REASON)
        if case.pending:
            case = case_confirm(case, actor=second, expected_version=None)
    return case
