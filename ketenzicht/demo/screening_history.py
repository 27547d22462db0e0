"""The demo's police screening history: the register's older screening cases were worked by the demo's police
users, on plausible moments after their registrations came in (seeded, so every load gives the same
history), through the kernel's services; the last weeks' cases, the storylines' and the demo's closed case
are left as they are. See docs/demo.md, "Cases and work processes"."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from ketenzicht.organisations.models import User
from ketenzicht.registrations.models import Registration
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.recording import SCREENING_RECORDED
from ketenzicht.workprocesses.alerts import SECOND_PERSON_CONFIRMED_KIND, alert_read
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import is_working_day
from ketenzicht.workprocesses.models import Alert, Case, CaseEvent, EventKind
from ketenzicht.workprocesses.services import (
    case_assign_owner,
    case_confirm,
    case_record,
    case_take,
    deadlines_check,
)

from .closed import STORYLINE_SUSPECTS
from .services import AMSTERDAM, DEMO_SEED, demo_users_ensure

# Cases whose latest registration came in during the last four weeks of the register stay open (the queues
# have work); older ones were worked.
DEMO_SCREENING_OPEN_WEEKS = 4
# Who worked a unit's cases: its demo screener (the owner), else Oost-Brabant's, taking the steps without
# owning the case (the demo has no users in the other units; as Veilig Thuis's history is one assessor's).
DEMO_SCREENERS = {"oost-brabant": "screener", "zeeland-west-brabant": "screener-zwb"}
DEMO_SCREENER = "screener"
# The second person who confirms closing without action (ex-partner stalking version 2).
DEMO_SECOND = "casusregisseur"
# The storylines are planted in these units, in the register's last months (the Tilburg history the
# year before the move): their cases are walked open (docs/demo.md), a namesake's elsewhere is worked.
STORYLINE_UNITS = ("oost-brabant", "zeeland-west-brabant")
STORYLINE_PERIOD = timedelta(days=400)
# Who read an escalation of a case whose screening started late: the unit's team lead, else its screener.
DEMO_TEAM_LEADS = {"oost-brabant": "teamleider"}
# About one case in eight was taken after its deadline (escalated to the team lead first).
LATE_SHARE = 0.12

_NO_ACTION_REASONS = (
    "Eenmalige woordenwisseling, geen dreiging of geweld; beide partijen willen geen vervolg.",
    "Melder trekt de melding in; geen aanwijzingen voor onveiligheid, geen eerdere meldingen.",
    "Slachtoffer heeft al hulp via het wijkteam; geen politietaak meer, geen verdere actie.",
)
_SAFETY_AGREEMENTS = (
    "Slachtoffer belt 112 bij contact; vaste contactpersoon bij de politie.",
    "Slachtoffer verblijft tijdelijk bij familie; noodknop aangevraagd.",
    "Afspraken over veilig ophalen van de kinderen via een derde; buurtbewoners weten ervan.",
)
_CLOSE_REASONS = (
    "Stopgesprek gevoerd; sindsdien geen nieuwe meldingen. Zaak afgerond.",
    "Verdachte heeft zich aan de afspraken gehouden; slachtoffer voelt zich veilig. Afgerond.",
    "Zaak overgedragen aan het OM voor afdoening; politietaak afgerond.",
)
_SCREENING_LEVELS = {"acute": "high", "high": "medium", "normal": "standard", "low": "none"}
_NOTES = {
    "high": "Risicoscreening: hoog (bedreiging, eerdere incidenten).",
    "medium": "Risicoscreening: verhoogd.",
    "standard": "Risicoscreening: standaard.",
    "none": "Risicoscreening: geen aanwijzingen voor verhoogd risico.",
}


@dataclass(frozen=True)
class _Users:
    screener: User
    second: User
    lead: User | None
    owns: bool  # the screener is of the case's unit: owner of the case


def _minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randint(low, high))


def _daytime(rng: random.Random, at: datetime, limit: datetime | None = None) -> datetime:
    """`at`, or when it falls outside office hours the next working morning, if that is before `limit` (an
    acute case is screened at night)."""
    local = at.astimezone(AMSTERDAM)
    if is_working_day(local.date()) and 8 <= local.hour < 18:
        return at
    day = local.date() + timedelta(days=1 if local.hour >= 18 else 0)
    while not is_working_day(day):
        day += timedelta(days=1)
    morning = datetime.combine(day, time(8), AMSTERDAM) + _minutes(rng, 0, 90)
    return morning if limit is None or morning < limit else at


def _within(rng: random.Random, start: datetime, deadline: datetime | None) -> datetime:
    """A moment after `start`, well within `deadline` when there is one ahead (in office hours when the
    deadline allows)."""
    if deadline is None or deadline <= start + timedelta(minutes=20):
        return _daytime(rng, start + _minutes(rng, 20, 240))
    minutes = int((deadline - start).total_seconds() * rng.uniform(0.15, 0.85) // 60)
    return _daytime(rng, start + timedelta(minutes=max(minutes, 1)), deadline)


def _untouched(horizon: datetime, open_weeks: int) -> list[tuple[ScreeningCase, datetime]]:
    """The open screening cases nobody touched (new, no owner, nothing waiting, never escalated) whose latest
    registration came in before the last `open_weeks` of the register, but the storylines' (by their names,
    `closed.STORYLINE_SUSPECTS`, in their units and months): each with the moment of its latest
    registration, oldest first."""
    cases = ScreeningCase.objects.filter(
        open=True,
        case__state="new",
        case__owner__isnull=True,
        case__pending__isnull=True,
        case__escalated_at__isnull=True,
        case__closed_at__isnull=True,
    )
    # The storylines' cases (Oost-Brabant's, and Tilburg's history: their last year), by their names.
    storylines = Q(unit__code__in=STORYLINE_UNITS, case__opened_at__gte=horizon - STORYLINE_PERIOD)
    names = Q()
    for surname in STORYLINE_SUSPECTS:
        names |= Q(suspect_name__icontains=surname) | Q(victim_name__icontains=surname)
    cases = cases.exclude(storylines & names)
    latest = dict(
        CaseEvent.objects.filter(
            case_id__in=cases.values("case_id"), kind__in=[EventKind.OPENED, EventKind.REGISTRATION]
        )
        .values("case_id")
        .annotate(at=Max("at"))
        .values_list("case_id", "at")
    )
    cutoff = horizon - timedelta(weeks=open_weeks)
    found = [
        (screening, latest[screening.case_id])
        for screening in cases.select_related("case", "case__process_version", "unit", "opened_by")
        if screening.case_id in latest and latest[screening.case_id] < cutoff
    ]
    return sorted(found, key=lambda row: (row[1], row[0].case_id))


def _start(case: Case, rng: random.Random, base: datetime, users: _Users) -> Case:
    """Take the case and start its screening: within its deadline mostly; late (escalated to the team lead
    first, who read it) about one in eight, and whenever a later registration came in after the deadline."""
    late = case.deadline_at is not None and (rng.random() < LATE_SHARE or case.deadline_at <= base)
    if late and case.deadline_at is not None:
        escalated = max(case.deadline_at, base) + _minutes(rng, 2, 15)  # the scheduler's next run
        deadlines_check(now=escalated, cases=[case.pk])
        started = _daytime(rng, escalated + _minutes(rng, 60, 30 * 60))
        reader = users.lead or users.screener
        for alert in Alert.objects.filter(case=case, kind="escalated", read_at__isnull=True):
            alert_read(alert, actor=reader, at=escalated + (started - escalated) / 2)
        case.refresh_from_db()
    else:
        started = _within(rng, base, case.deadline_at)
    if users.owns:
        case = case_assign_owner(
            case, owner=users.screener, actor=users.screener, expected_version=None, at=started
        )
    return case_take(
        case, "start_screening", actor=users.screener, expected_version=None, at=started + _minutes(rng, 1, 5)
    )


def _moment(case: Case) -> datetime:
    """The moment of the case's latest history line."""
    last = case.events.order_by("-at", "-id").values_list("at", flat=True).first()
    return last or case.opened_at


def _no_action(case: Case, rng: random.Random, users: _Users) -> Case:
    """Closed without action after the screening began, with a reason; where the process asks a second
    person (ex-partner stalking version 2), proposed by the screener and confirmed by the case owner, who
    then read that it was taken."""
    definition = definition_of(case.process_version)
    step = "no_further_action" if definition.transition("no_further_action") else "close_without_action"
    at = _within(rng, _moment(case), case.deadline_at)
    case = case_take(
        case, step, actor=users.screener, expected_version=None, reason=rng.choice(_NO_ACTION_REASONS), at=at
    )
    if case.pending:
        confirmed = at + _minutes(rng, 20, 180)
        case = case_confirm(case, actor=users.second, expected_version=None, at=confirmed)
        told = Alert.objects.filter(
            case=case, kind=SECOND_PERSON_CONFIRMED_KIND, recipient=users.screener, read_at__isnull=True
        )
        for alert in told:
            alert_read(alert, actor=users.screener, at=confirmed + _minutes(rng, 5, 90))
    return case


def _follow_up(case: Case, rng: random.Random, users: _Users, horizon: datetime) -> Case:
    """Screened (the risk screening's level recorded first, the urgency the register suggested), on version 2
    the victim contacted and a safety plan agreed, then a talk, an arrest or advice on a restraining order,
    and closed some days later: after the last line on the case (Veilig Thuis's feedback), never after the
    register's end (then it is still in follow-up)."""
    definition = definition_of(case.process_version)
    urgency = str(case.data.get("urgency_provisional") or "normal")
    level = _SCREENING_LEVELS.get(urgency, "standard")
    at = _within(rng, _moment(case), case.deadline_at)
    case = case_record(
        case,
        values={"screening_level": level},
        actor=users.screener,
        expected_version=None,
        note=_NOTES[level],
        at=at,
        what=SCREENING_RECORDED,
    )
    values = {"urgency": urgency}
    if "stalking_indication" in definition.fields:
        values["stalking_indication"] = rng.choice(("yes", "yes", "no", "unclear"))
    at += _minutes(rng, 5, 40)
    case = case_take(case, "screened", actor=users.screener, expected_version=None, values=values, at=at)
    if definition.transition("contact_victim") is not None:  # version 2: the victim, then a safety plan
        at = _within(rng, at, case.deadline_at)
        contacted = {"victim_contact_on": timezone.localdate(at).isoformat()}
        case = case_take(
            case, "contact_victim", actor=users.screener, expected_version=None, values=contacted, at=at
        )
        at = _within(rng, at, case.deadline_at)
        agreed = {"safety_agreements": rng.choice(_SAFETY_AGREEMENTS)}
        case = case_take(
            case, "agree_safety", actor=users.screener, expected_version=None, values=agreed, at=at
        )
    at = _within(rng, at, case.deadline_at)
    step = rng.choice(("stop_talk", "stop_talk", "arrest", "advise_restraining_order"))
    case = case_take(case, step, actor=users.screener, expected_version=None, at=at)
    closing = max(_within(rng, at, case.deadline_at), _moment(case) + _minutes(rng, 10, 60))
    if closing <= horizon:
        case = case_take(
            case,
            "close",
            actor=users.screener,
            expected_version=None,
            reason=rng.choice(_CLOSE_REASONS),
            at=closing,
        )
    return case


def _users(unit: str, cache: dict[str, User]) -> _Users:
    def user(name: str) -> User:
        if name not in cache:
            cache[name] = User.objects.get(username=name)
        return cache[name]

    screener = DEMO_SCREENERS.get(unit, DEMO_SCREENER)
    lead = DEMO_TEAM_LEADS.get(unit)
    return _Users(
        user(screener), user(DEMO_SECOND), user(lead) if lead else None, owns=unit in DEMO_SCREENERS
    )


def demo_screening_history_ensure(
    *, open_weeks: int = DEMO_SCREENING_OPEN_WEEKS, keep_open: Sequence[int] = ()
) -> int:
    """Work the demo register's older police screening cases through their processes as the demo's police
    users, with historic moments (deterministic: seeded by the reference of the registration that opened
    each): the screening started within its deadline mostly, some late; then closed without action with a
    reason (a second person confirming where the process asks one), or screened and followed up, then
    closed. The cases whose latest registration came in during the last `open_weeks` weeks of the register,
    the storylines' and `keep_open` (case ids) stay as they are. Only untouched cases are worked, so it is
    safe to repeat. How many were worked."""
    horizon = Registration.objects.aggregate(newest=Max("registered_at"))["newest"]
    if horizon is None:
        return 0
    if User.objects.filter(username__in=[DEMO_SCREENER, DEMO_SECOND]).count() != 2:
        demo_users_ensure()
    cache: dict[str, User] = {}
    worked = 0
    for screening, base in _untouched(horizon, open_weeks):
        if screening.case_id in keep_open:
            continue
        reference = screening.opened_by.reference if screening.opened_by else screening.case.reference
        rng = random.Random(f"{DEMO_SEED}:screening:{reference}")
        users = _users(screening.unit.code, cache)
        provisional = str(screening.case.data.get("urgency_provisional") or "")
        urgent = provisional in ("acute", "high")
        with transaction.atomic():
            case = _start(screening.case, rng, base, users)
            # An acute case is not closed without action before its risk screening (screening/steps.py).
            if provisional != "acute" and rng.random() < (0.15 if urgent else 0.45):
                _no_action(case, rng, users)
            else:
                _follow_up(case, rng, users, horizon)
        worked += 1
    return worked
