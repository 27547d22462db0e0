"""The screening desk's hand-off: where a police case's "notify Veilig Thuis" goes, the notification
it opens or joins, and Veilig Thuis taking it up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.registrations.models import Registration
from ketenzicht.screening.engine.urgency import rank_of
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import alert_raise, alerts_settle_reason_gone
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.models import Case, Handoff
from ketenzicht.workprocesses.services import (
    ALERTS_SETTLED,
    HANDOFF_JOINED,
    case_record,
)

from ..engine.routing import RegistrationFacts, suspect_victim_pairs
from ..handover import handover_text, handover_told
from ..models import Notification, Origin
from ..rules import ChainRules, chain_rules
from .facts import municipalities_for, registration_facts, victim_route, vt_organisation_for
from .names import (
    HANDOFF_ALERT_KINDS,
    HANDOFF_JOINED_KIND,
    HANDOFF_KIND,
    HANDOFF_RECEIVED,
    HANDOFF_TAKEN_UP,
    JOINED_MESSAGE,
    SINCE,
    TAKES_OVER_NOTE,
)
from .opening import feedback_due_now, notification_open, pair_notifications, registration_add
from .takeover import being_worked, take_over


@dataclass(frozen=True)
class HandoffTarget:
    """Where a police case's hand-off to Veilig Thuis goes: the registration notified, the organisation
    and municipality that decided it, whose municipality that is (`basis`: children, victim, registration;
    `routing_basis`), the open notification of it there (None: none is open), and when the victim's
    municipality came from another registration of the case than the one notified: that registration and
    the municipality the notified one gives alone (`routed_by`, `instead_of`)."""

    facts: RegistrationFacts
    organisation: Organisation
    municipality: Municipality | None
    open: Notification | None
    basis: str = ""
    registration: Registration | None = None
    routed_by: Registration | None = None
    instead_of: Municipality | None = None


def handoff_target(police_case: Case) -> HandoffTarget | None:
    """Where a hand-off of the police case to Veilig Thuis goes now (None: no registration, or none of its
    municipality has a Veilig Thuis organisation). The case's latest registration is notified, by intake's
    rule (`facts.victim_route`): unless its children decide, the municipality is the victim's most recent
    one known among the case's registrations (one that names no address of the victim leaves it to an
    earlier one that does, not to where it happened), docs/veiligthuis.md."""
    registrations = list(police_case.registrations.order_by("-registered_at", "-id"))
    if not registrations:
        return None
    latest = registrations[0]
    rules = chain_rules()
    known = registration_facts([r.pk for r in registrations])
    facts = known[latest.pk]
    routed = victim_route(facts, known.values(), rules)
    municipalities = municipalities_for([routed.municipality, routed.instead_of])
    organisation, municipality = vt_organisation_for(routed.facts, rules, municipalities)
    if organisation is None:
        return None
    # The open notification of the registration (notified, or joined later), else of its suspect-victim pair.
    existing = (
        Notification.objects.filter(organisation=organisation, case__registrations=latest, open=True)
        .select_related("case", "case__owner", "case__process_version", "organisation")
        .order_by("-received_at", "-case_id")
        .first()
    )
    if existing is None:
        pairs = suspect_victim_pairs(facts)
        existing = next(
            (
                n
                for n, persons in pair_notifications({p for pair in pairs for p in pair})
                if n.organisation_id == organisation.pk and any(set(pair) <= persons for pair in pairs)
            ),
            None,
        )
    return HandoffTarget(
        facts,
        organisation,
        municipality,
        existing,
        basis=routed.basis,
        registration=latest,
        routed_by=next((r for r in registrations if r.pk == routed.routed_by.id), None)
        if routed.routed_by is not None
        else None,
        instead_of=municipalities.get(routed.instead_of) if routed.routed_by is not None else None,
    )


def notification_from_handoff(handoff: Handoff, *, actor: User | None) -> Notification | None:
    """The police case's "notify Veilig Thuis": its latest registration is notified to the Veilig Thuis
    organisation of the victim's (or children's) municipality, with what the hand-off tells (handover.py).
    When that registration's notification there is open and still being worked (`being_worked`), the
    hand-off joins it: its history and the inbox say so, and its assessor is alerted. When it is open but
    waited past its term and the grace after it without an assessment, a new notification takes it over (it
    closes, saying so on both sides). Either way the hand-off counts as taken only once Veilig Thuis takes
    it up."""
    rules = chain_rules()
    police_case = Case.objects.select_related("organisation", "owner", "process_version").get(
        pk=handoff.case_id
    )
    target = handoff_target(police_case)
    if target is None:
        return None
    at = handoff.created_at
    told = handover_told(handoff, police_case)
    existing = target.open
    if existing is not None and being_worked(existing, at=at, rules=rules):
        if not existing.case.registrations.filter(pk=target.facts.id).exists():  # joins its pair's
            registration_add(existing, target.facts, at=at, actor=actor)
        return _join(existing, handoff=handoff, police_case=police_case, told=told, actor=actor, rules=rules)
    if existing is not None:  # the database keeps one open notification per registration: this one first
        Notification.objects.filter(pk=existing.pk).update(open=False)
    notification = notification_open(
        facts=target.facts,
        organisation=target.organisation,
        municipality=target.municipality,
        origin=Origin.POLICE_CASE,
        actor=actor,
        police_case=police_case,
        handoff=handoff,
        at=at,
    )
    changes: dict[str, Any] = {"handovers": [told], "news": True, "news_at": at}
    if existing is not None:
        # The same registration: the history its persons had when it came in is the one it still has (the
        # notification it takes over is no earlier notification of them).
        changes.update(radar_class=existing.radar_class, radar=existing.radar)
    Notification.objects.filter(pk=notification.pk).update(**changes)
    for name, value in changes.items():
        setattr(notification, name, value)
    definition = definition_of(notification.case.process_version)
    note = handover_text(told, definition)
    if existing is not None:
        assert existing.case.deadline_at is not None  # waited past it
        note = f"{note}. " + in_installation_language(
            TAKES_OVER_NOTE,
            notification=existing.case.reference,
            due=deadline_text(existing.case.deadline_at),
        )
    case_record(
        notification.case,
        values={},
        actor=actor,
        expected_version=None,
        note=note,
        detail={"handoff": handoff.pk, "police_case": police_case.reference},
        at=at,
        what=HANDOFF_RECEIVED,
    )
    if existing is not None:
        take_over(existing, by=notification, police_case=police_case, at=at)
    return notification


def _join(
    existing: Notification,
    *,
    handoff: Handoff,
    police_case: Case,
    told: dict[str, Any],
    actor: User | None,
    rules: ChainRules,
) -> Notification:
    """The hand-off joins a notification still being worked: what it tells is kept and written in the
    history, the inbox marks the notification as having new information from the police, its assessor (the
    assessors while nobody owns it) is alerted, and a higher urgency of the police counts for the term of an
    assessment still to come. The police case's hand-off names the notification it joined."""
    at = handoff.created_at
    if existing.police_case is None:
        # Its first police case: what the assessment found so far is told to it at once (`names.SINCE`).
        existing.told = {**existing.told, SINCE: at.isoformat()}
    existing.police_case = existing.police_case or police_case
    existing.handoff = existing.handoff or handoff
    existing.handovers = [*existing.handovers, told]
    existing.news, existing.news_at = True, at
    fields = ["police_case", "handoff", "feedback_due_at", "handovers", "news", "news_at", "told"]
    urgency = str(told.get("urgency") or "")
    raise_urgency = bool(
        urgency and existing.case.state == "received" and rank_of(urgency) < existing.urgency_rank
    )
    if raise_urgency:
        existing.urgency_rank = rank_of(urgency)
        fields.append("urgency_rank")
    if existing.feedback_at is None:
        existing.feedback_due_at = feedback_due_now(
            existing.feedback_due_at, at, rules, urgency_rank=existing.urgency_rank
        )
    existing.save(update_fields=fields)
    case = case_record(
        existing.case,
        values={"urgency_provisional": urgency} if raise_urgency else {},
        actor=actor,
        expected_version=None,
        note=handover_text(told, definition_of(existing.case.process_version)),
        detail={"handoff": handoff.pk, "police_case": police_case.reference},
        at=at,
        what=HANDOFF_JOINED,
    )
    Handoff.objects.filter(pk=handoff.pk).update(
        detail={**handoff.detail, "joined": case.reference, "joined_at": at.isoformat()}
    )
    alert_raise(
        kind=HANDOFF_JOINED_KIND,
        message=JOINED_MESSAGE,
        organisation=existing.organisation,
        case=case,
        recipient=case.owner if case.owner is not None and case.owner.is_active else None,
        role=Role.VT_ASSESSOR,
        params={"notification": case.reference, "police_case": police_case.reference},
        at=at,
    )
    existing.case = case
    return existing


def notification_take_up(notification: Notification, *, actor: User, at: datetime | None = None) -> int:
    """Veilig Thuis takes up what the police handed over on this notification (an assessor read it, or took
    a step on it or took it on since it came): its hand-offs count as taken, by `actor`, and the inbox no
    longer marks it; the alerts that announced it are settled. The history says so. How many hand-offs
    were taken."""
    at = at or timezone.now()
    with transaction.atomic():
        taken, settled = _taken_up(notification, actor_id=actor.pk, at=at)
        case_record(
            notification.case,
            values={},
            actor=actor,
            expected_version=None,
            at=at,
            what=HANDOFF_TAKEN_UP,
            detail={ALERTS_SETTLED: settled} if settled else None,
        )
    return taken


def taken_up(notification: Notification, *, actor_id: int | None, at: datetime) -> int:
    """The notification's hand-offs taken by `actor_id` at `at`, the inbox's mark cleared, and the alerts
    that announced new information from the police (joined, or taking an old notification over) settled:
    someone of this Veilig Thuis took it up. How many hand-offs were taken."""
    return _taken_up(notification, actor_id=actor_id, at=at)[0]


def _taken_up(notification: Notification, *, actor_id: int | None, at: datetime) -> tuple[int, int]:
    """`taken_up`, and how many alerts it settled."""
    settled = alerts_settle_reason_gone(notification.case, kinds=HANDOFF_ALERT_KINDS, at=at)
    pending = [int(told["handoff"]) for told in notification.handovers if told.get("handoff")]
    if notification.handoff_id:
        pending.append(notification.handoff_id)
    Notification.objects.filter(pk=notification.pk).update(news=False, news_at=None)
    notification.news, notification.news_at = False, None
    taken = Handoff.objects.filter(pk__in=pending, taken_at__isnull=True).update(
        taken_at=at, taken_by_id=actor_id
    )
    return taken, settled


def on_handoff(sender: Any, handoff: Handoff, actor: User | None = None, **kwargs: Any) -> None:
    if handoff.kind == HANDOFF_KIND:
        notification_from_handoff(handoff, actor=actor)
