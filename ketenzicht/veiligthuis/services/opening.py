"""Opening notifications: routed from intake (one per suspect-victim pair and Veilig Thuis
organisation), a registration joining the open notification of its pair, and the batch rebuild."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.registrations.models import Disclosure, Offence, Registration
from ketenzicht.screening.engine.urgency import rank_of
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import alert_raise
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import deadline_at, overridden
from ketenzicht.workprocesses.labels import desk_note_words
from ketenzicht.workprocesses.models import Case, Handoff
from ketenzicht.workprocesses.services import (
    CaseToOpen,
    case_add_registrations,
    case_record,
    cases_open,
    opening_deadline,
)

from ..engine.routing import (
    RegistrationFacts,
    Route,
    notified_persons,
    routing_reasons,
    suspect_victim_pairs,
)
from ..models import Notification, Origin
from ..rules import ChainRules, chain_rules
from ..signals import notifications_opened
from .facts import (
    intake_routes,
    municipalities_for,
    police_cases_of,
    registration_facts,
    suspect_victim_names,
    vt_organisation_for,
)
from .names import DISCLOSURE_PURPOSE, PROCESS, RISING_RISK_KIND, RISING_RISK_MESSAGE, SINCE
from .radar import RadarAsked, radars_for
from .takeover import being_worked, take_over, takeover_from


@dataclass(frozen=True)
class Notified:
    registration: Registration
    organisation: Organisation
    municipality: Municipality | None


def _urgency_of(police_case: Case | None, provisional: str = "") -> str:
    """The police case's urgency (`case_urgency`); `provisional`: its provisional urgency as of the
    registration routed (the screening step's, `notifications_route`), instead of the one it has now."""
    if police_case is None:
        return ""
    data = {**police_case.data, "urgency_provisional": provisional} if provisional else police_case.data
    return case_urgency(data)[0]


ACUTE_RANK = rank_of("acute")


def feedback_due(received: datetime, rules: ChainRules, *, acute: bool = False) -> datetime:
    """When the police case should have Veilig Thuis's feedback on a notification received then: the chain
    rules' feedback term, or their term for an acute one (the police case's urgency is acute)."""
    term = (rules.protocol.acute_feedback_term if acute else None) or rules.protocol.feedback_term
    amount, unit = overridden(
        term.amount, term.unit, term.setting, getattr(settings, "VT_PROTOCOL_TERMS", {})
    )
    return deadline_at(received, amount, unit)


def feedback_due_now(due: datetime | None, at: datetime, rules: ChainRules, *, urgency_rank: int) -> datetime:
    """A notification's feedback term once the police handed it over (again) at `at`: the one it had, or
    from `at` when it had none; an acute one (`urgency_rank`) gets the acute term, or keeps an earlier one."""
    acute = urgency_rank == ACUTE_RANK
    if due is None:
        return feedback_due(at, rules, acute=acute)
    return min(due, feedback_due(at, rules, acute=True)) if acute else due


@dataclass(frozen=True)
class ToNotify:
    """One notification for `notifications_open`: the registration's facts, the organisation notified and
    the municipality that decided it, why, and what it comes with."""

    facts: RegistrationFacts
    organisation: Organisation
    municipality: Municipality | None
    at: datetime
    reasons: Sequence[str] = ()
    police_case: Case | None = None
    handoff: Handoff | None = None
    forwarded_from: Notification | None = None
    urgency: str | None = None  # the police case's urgency as of the registration (None: as it is now)


def notification_open(
    *,
    facts: RegistrationFacts,
    organisation: Organisation,
    municipality: Municipality | None,
    origin: str,
    actor: User | None,
    reasons: Sequence[str] = (),
    police_case: Case | None = None,
    handoff: Handoff | None = None,
    forwarded_from: Notification | None = None,
    at: datetime | None = None,
) -> Notification:
    """Open a notification of `facts`' registration at `organisation` (in the caller's transaction)."""
    wanted = ToNotify(
        facts, organisation, municipality, at or timezone.now(), reasons, police_case, handoff, forwarded_from
    )
    return notifications_open([wanted], origin=origin, actor=actor)[0]


def notifications_open(wanted: Sequence[ToNotify], *, origin: str, actor: User | None) -> list[Notification]:
    """Open these notifications in the caller's transaction, in their order: each a safety-assessment case
    of its organisation, its radar (counting those before it in `wanted` as earlier), and a disclosure of
    its registration to the organisation; then `signals.notifications_opened`. A fixed number of round
    trips whatever their number (and those of the signal's receivers)."""
    if not wanted:
        return []
    rules = chain_rules()
    references = dict(
        Registration.objects.filter(pk__in=[w.facts.id for w in wanted]).values_list("pk", "reference")
    )
    names = suspect_victim_names([w.facts for w in wanted])
    persons = [notified_persons(w.facts) for w in wanted]
    urgencies = [_urgency_of(w.police_case) if w.urgency is None else w.urgency for w in wanted]
    cases = cases_open(
        [
            CaseToOpen(
                process=PROCESS,
                organisation=w.organisation,
                title=_title(*names[w.facts.id], references[w.facts.id]),
                at=w.at,
                persons=named,
                registrations=(w.facts.id,),
                data={"urgency_provisional": urgency} if urgency else {},
            )
            for w, named, urgency in zip(wanted, persons, urgencies, strict=True)
        ],
        actor=actor,
    )
    notifications = [
        Notification(
            case=case,
            organisation=w.organisation,
            registration_id=w.facts.id,
            origin=origin,
            reasons=list(w.reasons),
            rules_version=rules.version,
            municipality=w.municipality,
            police_case=w.police_case,
            handoff=w.handoff,
            forwarded_from=w.forwarded_from,
            received_at=w.at,
            suspect_name=names[w.facts.id][0][:300],
            victim_name=names[w.facts.id][1][:300],
            urgency_rank=rank_of(urgency),
            deadline_at=case.deadline_at,
            assessment_due_at=case.deadline_at,
            feedback_due_at=(
                feedback_due(w.at, rules, acute=urgency == "acute") if w.police_case is not None else None
            ),
        )
        for w, case, urgency in zip(wanted, cases, urgencies, strict=True)
    ]
    radars = radars_for(
        [
            RadarAsked(w.organisation, named, w.at, leave_out=n.case_id, pending=n)
            for w, named, n in zip(wanted, persons, notifications, strict=True)
        ]
    )
    for notification, (radar_class, radar) in zip(notifications, radars, strict=True):
        notification.radar_class, notification.radar = radar_class, radar
    Notification.objects.bulk_create(notifications)
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                registration_id=w.facts.id,
                organisation=w.organisation,
                purpose=DISCLOSURE_PURPOSE,
                reference=case.reference,
                created_at=w.at,
            )
            for w, case in zip(wanted, cases, strict=True)
        ]
    )
    notifications_opened.send(sender=Notification, notifications=notifications)
    return notifications


def _title(suspect: str, victim: str, reference: str) -> str:
    """The notification's title, kept as the record of its opening (the names as notified). Pages head it
    with the reader's list names instead (`selectors.notification_case_pairs`, `workprocesses.headings`)."""
    return f"{suspect or '?'} → {victim or '?'}" if (suspect or victim) else reference


@dataclass
class _Open:
    """An open notification as routing a batch sees it, one registration after another (as if they came one
    at a time): read from the database (`notification`) or opened in the batch (`index` in the notifications
    to open, with its assessment term `due`); the persons of the batch it names, as registrations join it."""

    organisation_id: int
    persons: set[int]
    received_at: datetime
    order: tuple[int, int]  # which of two received at once came later: (0, case id), (1, index)
    notification: Notification | None = None
    index: int = -1
    due: datetime | None = None
    open: bool = True

    def worked(self, at: datetime, rules: ChainRules) -> bool:
        """`being_worked` at `at`: one opened in the batch still waits for its assessment."""
        if self.notification is not None:
            return being_worked(self.notification, at=at, rules=rules)
        return self.due is None or takeover_from(self.due, rules) > at


def notifications_route(
    registration_ids: Sequence[int],
    *,
    actor: User | None = None,
    at: datetime | None = None,
    urgencies: Mapping[tuple[int, int], str] | None = None,
) -> list[Notification]:
    """The intake step: notify Veilig Thuis of every new registration a routing reason names, then alert the
    assessors of open notifications whose persons a new police registration names with rising risk. In the
    caller's transaction.

    Where: the Veilig Thuis organisation of the route by the hand-off's rule (`facts.intake_routes`: unless
    the children decide, the victim's most recent municipality among the registrations of the registration's
    police case registered up to it). One notification per suspect-victim pair while Veilig Thuis works it:
    a registration naming a pair of an open notification at the organisation it is routed to
    (`pair_notifications`) joins it while it is being worked (`being_worked`, the hand-off's rule): the
    registration is added to its case and disclosed, its history says so, and the inbox marks it as having
    new information from the police (`_join_registration`). One that waited past its term and the grace after
    it without an assessment is taken over by a new notification of the registration instead (`take_over`).
    A registration is notified once per organisation while its notification is open (joined or notified).

    The same whatever batches the registrations come in: the batch is decided one registration after
    another in the order they were registered, each seeing the notifications opened, joined and taken over
    before it in the batch as it would see them in the database had they come one at a time; then the
    notifications are opened at once (`notifications_open`) and the joins, take-overs and alerts made in
    that order. The police case's urgency counts as it was as of each registration: `urgencies`
    ((registration, police case) -> its provisional urgency then, as the intake's screening step decided the
    batch one registration after another); without it, as it is now."""
    rules = chain_rules()
    now = at or timezone.now()
    facts = registration_facts(registration_ids)
    registered = {pk: fact.registered_at or now for pk, fact in facts.items()}
    order = sorted(facts, key=lambda pk: (registered[pk], pk))
    reasons = {
        pk: routing_reasons(fact, rules.routing.sources, rules.routing.reasons) for pk, fact in facts.items()
    }
    routed = [pk for pk in order if reasons[pk]]
    police = police_cases_of(facts)
    as_of = urgencies or {}
    urgency = {pk: _urgency_of(case, as_of.get((pk, case.pk), "")) for pk, case in police.items()}
    # What the loop needs, read once for the batch: the routes and their municipalities, the open
    # notifications of these registrations (notified or joined), those naming their persons.
    routes = intake_routes({pk: facts[pk] for pk in routed}, police, rules)
    municipalities = municipalities_for(routes[pk].municipality for pk in routed)
    already = set(
        Case.registrations.through.objects.filter(
            registration_id__in=routed, case__vt_notification__open=True
        ).values_list("case__vt_notification__organisation_id", "registration_id")
    )
    named_persons = {pk: notified_persons(fact) for pk, fact in facts.items()}
    live = [
        _Open(n.organisation_id, set(persons), n.received_at, (0, n.case_id), notification=n)
        for n, persons in pair_notifications({p for persons in named_persons.values() for p in persons})
    ]
    rising = _rising_risk_reasons(facts, urgency, registered, rules, at=now)
    batch = _Batch(
        rules, now, facts, routes, municipalities, reasons, police, urgency, registered, already, live
    )
    for pk in order:
        own = batch.route(pk) if reasons[pk] else None
        if pk in rising:
            batch.rising(pk, named_persons[pk], own)
    wanted, actions = batch.wanted, batch.actions
    opened = notifications_open(wanted, origin=Origin.ROUTING, actor=actor)

    def notification_of(item: _Open) -> Notification:
        return item.notification if item.notification is not None else opened[item.index]

    for action, item, pk in actions:  # for "take_over": the index of the one taking it over
        if action == "join":
            _join_registration(
                notification_of(item),
                facts[pk],
                police_case=police.get(pk),
                urgency=urgency.get(pk, ""),
                at=min(registered[pk], now),
                actor=actor,
                rules=rules,
            )
        elif action == "take_over":
            _routing_takes_over(notification_of(item), by=opened[pk], actor=actor, rules=rules)
        else:
            _rising_risk_alert(notification_of(item), registered[pk], rising[pk], rules, at=now)
    return opened


@dataclass
class _Batch:
    """`notifications_route` deciding a batch one registration after another: what it reads once, the open
    notifications as they are after each registration (`live`), the notifications to open (`wanted`), and
    what to do once they are open, in the order decided (`actions`): ("join", the open notification,
    registration), ("take_over", the one taken over, the index in `wanted` of the one taking it over),
    ("rising", the notification, registration)."""

    rules: ChainRules
    now: datetime
    facts: Mapping[int, RegistrationFacts]
    routes: Mapping[int, Route]
    municipalities: Mapping[str, Municipality]
    reasons: Mapping[int, Sequence[str]]
    police: Mapping[int, Case]
    urgency: Mapping[int, str]  # of the registration's police case as of it
    registered: Mapping[int, datetime]
    already: set[tuple[int, int]]
    live: list[_Open]
    wanted: list[ToNotify] = field(default_factory=list)
    actions: list[tuple[str, _Open, int]] = field(default_factory=list)

    def route(self, pk: int) -> _Open | None:
        """Decide a registration a reason names: join the open notification of its pair, take it over, or
        be notified; the notification it opens (None: none)."""
        rules = self.rules
        organisation, municipality = vt_organisation_for(self.routes[pk].facts, rules, self.municipalities)
        if organisation is None or (organisation.pk, pk) in self.already:
            return None
        registered = self.registered[pk]
        # The police notify as they register: a registration of the past (an import of history) was
        # notified then.
        received = min(registered, self.now)
        # An import of history is notified as it came (`protocol.join_recent_days`).
        recent = (self.now - registered).days < rules.protocol.join_recent_days
        pairs = suspect_victim_pairs(self.facts[pk]) if recent else frozenset()
        existing = max(
            (
                item
                for item in self.live
                if item.open
                and item.organisation_id == organisation.pk
                and item.received_at <= received
                and any(set(pair) <= item.persons for pair in pairs)
            ),
            key=lambda item: (item.received_at, item.order),
            default=None,
        )
        persons = notified_persons(self.facts[pk])
        if existing is not None and existing.worked(received, rules):
            existing.persons.update(persons)
            self.actions.append(("join", existing, pk))
            return None
        police_case = self.police.get(pk)
        urgency = self.urgency.get(pk, "")
        new = _Open(
            organisation.pk,
            set(persons),
            received,
            (1, len(self.wanted)),
            index=len(self.wanted),
            due=opening_deadline(
                PROCESS, organisation, received, {"urgency_provisional": urgency} if urgency else {}
            ),
        )
        if existing is not None:
            existing.open = False
            self.actions.append(("take_over", existing, new.index))
        self.wanted.append(
            ToNotify(
                self.facts[pk],
                organisation,
                municipality,
                at=received,
                reasons=self.reasons[pk],
                police_case=police_case,
                urgency=urgency,
            )
        )
        self.live.append(new)
        return new

    def rising(self, pk: int, persons: Iterable[int], own: _Open | None) -> None:
        """A registration showing rising risk alerts the assessors of every notification open after it that
        names one of its persons and was received by then, but the one it opened."""
        named = set(persons)
        self.actions.extend(
            ("rising", item, pk)
            for item in self.live
            if item.open
            and item is not own
            and item.persons & named
            and item.received_at <= self.registered[pk]
        )


def pair_notifications(persons: Iterable[int]) -> list[tuple[Notification, frozenset[int]]]:
    """The open notifications naming any of these persons, each with those of them it names, the latest
    received first: two queries."""
    persons_of: dict[int, set[int]] = defaultdict(set)
    for case_id, person in Case.persons.through.objects.filter(
        person_id__in=sorted(set(persons)), case__vt_notification__open=True
    ).values_list("case_id", "person_id"):
        persons_of[case_id].add(person)
    if not persons_of:
        return []
    found = Notification.objects.filter(case_id__in=list(persons_of), open=True).select_related(
        "case", "case__owner", "case__process_version", "organisation"
    )
    return [(n, frozenset(persons_of[n.case_id])) for n in found.order_by("-received_at", "-case_id")]


JOINED_REGISTRATION_NOTE = gettext_noop(
    "New police registration %(registration)s of %(when)s added: it names the suspect and the victim of this "
    "notification."
)


def registration_add(
    notification: Notification,
    facts: RegistrationFacts,
    *,
    at: datetime,
    actor: User | None,
    data: Mapping[str, Any] | None = None,
) -> Case:
    """Add a registration about the notification's suspect-victim pair to its case (one "registration
    added" line saying so), disclose it to the organisation and add the persons it names."""
    registration = Registration.objects.get(pk=facts.id)
    definition = definition_of(notification.case.process_version)
    case = case_add_registrations(
        notification.case,
        [registration],
        actor=actor,
        reassess_unless_in=tuple(definition.states),  # a desk of its own: no screening's "reassess"
        at=at,
        detail=desk_note_words(
            JOINED_REGISTRATION_NOTE,
            registration=registration.reference,
            when=f"{timezone.localtime(registration.registered_at or at):%d-%m-%Y}",
        ),
        data=data,
    )
    Disclosure.objects.get_or_create(
        registration=registration,
        organisation_id=notification.organisation_id,
        purpose=DISCLOSURE_PURPOSE,
        ended_at__isnull=True,
        defaults={"reference": case.reference, "created_at": at},
    )
    Case.persons.through.objects.bulk_create(
        [Case.persons.through(case_id=case.pk, person_id=p) for p in notified_persons(facts)],
        ignore_conflicts=True,
    )
    notification.case = case
    return case


def _join_registration(
    notification: Notification,
    facts: RegistrationFacts,
    *,
    police_case: Case | None,
    urgency: str,
    at: datetime,
    actor: User | None,
    rules: ChainRules,
) -> None:
    """A later police registration about the notification's suspect-victim pair joins it (routing): added to
    its case (`registration_add`), the inbox marks it as having new information from the police, feedback
    goes to the registration's police case when it had none, and a higher urgency of the police counts for
    the term of an assessment still to come (`urgency`: the police case's as of the registration). No
    notification of its own: the figures count the one it joined (docs/veiligthuis.md)."""
    changes: dict[str, Any] = {"news": True, "news_at": at}
    raise_urgency = bool(
        urgency and notification.case.state == "received" and rank_of(urgency) < notification.urgency_rank
    )
    if raise_urgency:
        changes["urgency_rank"] = rank_of(urgency)
    if notification.police_case_id is None and police_case is not None:
        # What the assessment found so far is told to it at once, dated then (`names.SINCE`).
        changes.update(police_case=police_case, told={**notification.told, SINCE: at.isoformat()})
    if police_case is not None and notification.feedback_at is None:
        # The feedback's term: from now for a first police case, shorter once the notification is acute.
        changes["feedback_due_at"] = feedback_due_now(
            notification.feedback_due_at,
            at,
            rules,
            urgency_rank=changes.get("urgency_rank", notification.urgency_rank),
        )
    # Before the case changes: the desk's row kept in step with it reads these.
    Notification.objects.filter(pk=notification.pk).update(**changes)
    for name, value in changes.items():
        setattr(notification, name, value)
    registration_add(
        notification,
        facts,
        at=at,
        actor=actor,
        data={"urgency_provisional": urgency} if raise_urgency else None,
    )


TAKES_OVER_PAIR_NOTE = gettext_noop(
    "Takes over notification %(notification)s about the same suspect and victim, which waited past its term "
    "(%(due)s) without a safety assessment."
)


def _routing_takes_over(
    old: Notification, *, by: Notification, actor: User | None, rules: ChainRules
) -> None:
    """A registration about the pair of `old`, which waited past its term and the grace after it without an
    assessment, opened `by`: it takes `old` over (as a police hand-off does), with its radar (the same
    persons' history) and the information the police handed over on it."""
    assert old.case.deadline_at is not None  # waited past it
    changes: dict[str, Any] = {"radar_class": old.radar_class, "radar": old.radar}
    if old.handovers:
        changes.update(handovers=old.handovers, news=True, news_at=by.received_at)
    Notification.objects.filter(pk=by.pk).update(**changes)
    for name, value in changes.items():
        setattr(by, name, value)
    case_record(
        by.case,
        values={},
        actor=actor,
        expected_version=None,
        note=in_installation_language(
            TAKES_OVER_PAIR_NOTE,
            notification=old.case.reference,
            due=deadline_text(old.case.deadline_at),
        ),
        at=by.received_at,
    )
    take_over(old, by=by, police_case=None, at=by.received_at)


def _rising_risk_reasons(
    facts: Mapping[int, RegistrationFacts],
    urgency_of: Mapping[int, str],
    registered: Mapping[int, datetime],
    rules: ChainRules,
    *,
    at: datetime,
) -> dict[int, list[str]]:
    """The new police registrations of these that show rising risk by the rule (its urgency, a violent
    offence, a kind it names), each with why, for the assessors of every open notification naming one of
    its persons (`urgency_of`: its police case's urgency as of it). A registration older than the rule's
    `recent_days` (an import of history) raises none."""
    rule = rules.protocol.rising_risk
    if rule.alert == "none":
        return {}
    violent = set(Offence.objects.filter(violence=True).values_list("article", flat=True))
    found: dict[int, list[str]] = {}
    for pk, fact in facts.items():
        if fact.source != OrganisationKind.POLITIE or (at - registered[pk]).days >= rule.recent_days:
            continue
        why: list[str] = []
        urgency = urgency_of.get(pk, "")
        if urgency and urgency in rule.urgency:
            why.append(f"urgency {urgency}")
        if rule.violent_offence and fact.offences & violent:
            why.append("violent offence " + ", ".join(sorted(fact.offences & violent)))
        if fact.kind in rule.kinds:
            why.append(fact.kind)
        if why and notified_persons(fact):
            found[pk] = why
    return found


def _rising_risk_alert(
    notification: Notification, registered: datetime, why: Sequence[str], rules: ChainRules, *, at: datetime
) -> None:
    """Alert the assessor of this open notification that a new police registration (registered then) of
    one of its persons shows rising risk (`why`)."""
    if rules.protocol.rising_risk.alert != "vt_assessor":
        return
    alert_raise(
        kind=RISING_RISK_KIND,
        message=RISING_RISK_MESSAGE,
        organisation=notification.organisation,
        case=notification.case,
        recipient=notification.case.owner,
        role=Role.VT_ASSESSOR,
        params={
            "notification": notification.case.reference,
            "when": f"{timezone.localtime(registered):%d-%m-%Y}",
            "why": "; ".join(why),
        },
        at=at,
    )


def notifications_rebuild(*, at: datetime | None = None) -> int:
    """Route the registrations of the register that a reason names and that no notification covers yet
    (after a rule change, or for a register loaded before this desk). How many notifications were opened."""
    covered = set(Notification.objects.values_list("registration_id", flat=True)) | set(
        Case.registrations.through.objects.filter(case__vt_notification__isnull=False).values_list(
            "registration_id", flat=True
        )
    )  # notified, or joined to the notification of its pair
    ids = [
        pk
        for pk in Registration.objects.filter(source__in=chain_rules().routing.sources)
        .order_by("registered_at", "id")
        .values_list("pk", flat=True)
        if pk not in covered
    ]
    opened = 0
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            opened += len(notifications_route(ids[start : start + 500], at=at))
    return opened
