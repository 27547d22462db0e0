"""Notifications to Veilig Thuis: routed from intake and from the screening desk's hand-off, forwarded to
another region, kept in step with their safety-assessment case, and the chain protocol's alerts.

A notification is opened in the caller's transaction: a kernel case of the Veilig Thuis organisation
(process `vt_safety_assessment`), the desk's row with its radar class, and a disclosure of the notified
registration to that organisation (the sharing rules' `disclosed` scope: Veilig Thuis sees the registration
it was notified of, and nothing else of the police's)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.registrations.models import Disclosure, MentionRelation, Offence, PersonMention, Registration
from ketenzicht.screening.engine.urgency import rank_of
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import alert_for_case_owner, alert_raise, alerts_settle_reason_gone
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.deadlines import deadline_at, grace_end, overridden
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import NOTE_WORDS
from ketenzicht.workprocesses.models import Case, EventKind, Handoff
from ketenzicht.workprocesses.selectors import queue_role
from ketenzicht.workprocesses.services import (
    ALERTS_SETTLED,
    HANDOFF_JOINED,
    CaseToOpen,
    case_add_registrations,
    case_assign_owner,
    case_close_taken_over,
    case_record,
    case_take,
    cases_open,
)

from .engine.radar import Earlier, Period, Phase, classify
from .engine.routing import (
    MentionFact,
    RegistrationFacts,
    notified_persons,
    routing_municipality,
    routing_reasons,
    suspect_victim_pairs,
)
from .handover import handover_text, handover_told
from .models import Notification, Origin
from .rules import ChainRules, chain_rules
from .signals import notifications_opened

PROCESS = "vt_safety_assessment"
HANDOFF_KIND = "veilig_thuis"
DISCLOSURE_PURPOSE = "veilig_thuis_notification"

ACUTE_MESSAGE = gettext_noop(
    "Case %(case)s: %(organisation)s found acute unsafety in its notification %(notification)s. Act now."
)
NO_FEEDBACK_MESSAGE = gettext_noop(
    "Case %(case)s: no feedback from %(organisation)s on notification %(notification)s within the "
    "protocol's term (%(due)s)."
)
RISING_RISK_MESSAGE = gettext_noop(
    "Notification %(notification)s: a new police registration of %(when)s names a person of it during your "
    "involvement (%(why)s)."
)
NO_FEEDBACK_KIND = "vt_no_feedback"
FEEDBACK_NOTE = gettext_noop("Feedback from %(organisation)s on notification %(notification)s: %(feedback)s.")
FEEDBACK_KIND = "vt_feedback"
FEEDBACK_MESSAGE = gettext_noop(
    "Case %(case)s: feedback from %(organisation)s on notification %(notification)s: %(feedback)s."
)
# The name under which the feedback's line says how its note reads in the reader's language (apps.py).
FEEDBACK_WORDS = "vt_feedback"


# What the police case is told of a safety assessment: these fields of its case, as a step recorded them.
TOLD = ("unsafety", "outcome", "safety_conditions")


def _feedback_told(feedback: Mapping[str, Any], *, words: Callable[[str], str]) -> str:
    """What the feedback told: its fields and choices by `words` (the file's words as they are, or in the
    reader's language), a choice changed since the police were told before as from what to what, what the
    assessor wrote as written."""
    told = []
    for field, *values in feedback.get("told") or []:
        if len(values) == 2:
            told.append(
                gettext("%(field)s changed from %(before)s to %(after)s")
                % {
                    "field": words(str(field)),
                    "before": words(str(values[0])),
                    "after": words(str(values[1])),
                }
            )
        else:
            told.append(f"{words(str(field))}: {words(str(values[0]))}")
    if feedback.get("written"):
        field, text = feedback["written"]
        told.append(f"{words(str(field))}: {text}")
    return "; ".join(told)


def feedback_text(feedback: Mapping[str, Any], notification: str, *, words: Callable[[str], str]) -> str:
    """The feedback's note in the active language (`_feedback_told`)."""
    return gettext(FEEDBACK_NOTE) % {
        "organisation": feedback.get("organisation", ""),
        "notification": notification,
        "feedback": _feedback_told(feedback, words=words),
    }


# What the police case's history calls the feedback's line (translated when shown).
FEEDBACK_LINE = gettext_noop("feedback from Veilig Thuis")


# --- reading the facts of registrations ---------------------------------------------------------------------


def registration_facts(registration_ids: Iterable[int]) -> dict[int, RegistrationFacts]:
    """The routing facts of these registrations: four queries whatever their number."""
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    rows = Registration.objects.filter(pk__in=ids).values_list(
        "pk", "source", "kind", "municipality__code", "registered_at"
    )
    offences: dict[int, set[str]] = defaultdict(set)
    for pk, article in Registration.offences.through.objects.filter(registration_id__in=ids).values_list(
        "registration_id", "offence__article"
    ):
        offences[pk].add(article)
    mentions: dict[int, list[MentionFact]] = defaultdict(list)
    for pk, mention, role, person, place in (
        PersonMention.objects.filter(registration_id__in=ids)
        .order_by("id")
        .values_list("registration_id", "pk", "role", "link__person_id", "address_municipality")
    ):
        mentions[pk].append(MentionFact(mention, role, person, place or ""))
    relations: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for pk, a, b, kind in MentionRelation.objects.filter(registration_id__in=ids).values_list(
        "registration_id", "from_mention_id", "to_mention_id", "kind"
    ):
        relations[pk].append((a, b, kind))
    return {
        pk: RegistrationFacts(
            pk,
            source,
            kind,
            frozenset(offences[pk]),
            place or "",
            tuple(mentions[pk]),
            tuple(relations[pk]),
            registered_at,
        )
        for pk, source, kind, place, registered_at in rows
    }


def _names(facts: Sequence[RegistrationFacts]) -> dict[int, tuple[str, str]]:
    """Per registration the first suspect's and the first victim's name as it writes them: one query."""
    wanted = {m.id: (f.id, m.role) for f in facts for m in f.mentions if m.role in ("suspect", "victim")}
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for mention in PersonMention.objects.filter(pk__in=list(wanted)).order_by("id"):
        registration, role = wanted[mention.pk]
        found[registration].setdefault(role, mention.display_name)
    return {f.id: (found[f.id].get("suspect", ""), found[f.id].get("victim", "")) for f in facts}


def municipalities_for(codes: Iterable[str]) -> dict[str, Municipality]:
    """These municipalities with their Veilig Thuis organisation, by code: one query."""
    wanted = {code for code in codes if code}
    return {m.code: m for m in Municipality.objects.select_related("vt_region").filter(code__in=wanted)}


def vt_organisation_for(
    facts: RegistrationFacts, rules: ChainRules, municipalities: Mapping[str, Municipality] | None = None
) -> tuple[Organisation | None, Municipality | None]:
    """The Veilig Thuis organisation a registration is notified to, and the municipality that decided it
    (`municipalities`: read beforehand for a batch)."""
    code = routing_municipality(facts, rules.routing.route_by)
    if municipalities is None:
        municipalities = municipalities_for([code])
    municipality = municipalities.get(code)
    return (municipality.vt_region if municipality else None), municipality


def police_cases_of(registration_ids: Iterable[int]) -> dict[int, Case]:
    """The open police case each registration is on (the latest opened when several are)."""
    found: dict[int, Case] = {}
    through = Case.registrations.through.objects.filter(
        registration_id__in=list(registration_ids),
        case__organisation__kind=OrganisationKind.POLITIE,
        case__closed_at__isnull=True,
    ).select_related("case", "case__owner", "case__organisation", "case__process_version")
    for row in through.order_by("case__opened_at", "case_id"):
        found[row.registration_id] = row.case
    return found


# --- the radar ----------------------------------------------------------------------------------------------


def _periods(n: Notification) -> tuple[Period, ...]:
    end = n.closed_at
    # The assessment lasts until its outcome: acute unsafety found is part of it, not its end.
    periods = [Period(Phase.ASSESSMENT, n.received_at, n.outcome_at or end)]
    if n.investigation_at:
        periods.append(Period(Phase.INVESTIGATION, n.investigation_at, n.monitoring_at or end))
    if n.monitoring_at:
        periods.append(Period(Phase.MONITORING, n.monitoring_at, end))
    return tuple(periods)


@dataclass(frozen=True)
class RadarAsked:
    """One notification whose radar is wanted: to `organisation`, naming `persons`, received at `at`.
    `leave_out`: its own case, when it is stored already. `pending`: the notification itself when it is
    about to be stored with those asked after it (a batch of intake), which then count it as earlier."""

    organisation: Organisation
    persons: Sequence[int]
    at: datetime
    leave_out: int | None = None
    pending: Notification | None = None


def radar_for(
    organisation: Organisation, persons: Sequence[int], at: datetime, *, leave_out: int | None = None
) -> tuple[str, dict[str, Any]]:
    """The radar of one notification (see `radars_for`)."""
    return radars_for([RadarAsked(organisation, persons, at, leave_out)])[0]


def radars_for(asked: Sequence[RadarAsked]) -> list[tuple[str, dict[str, Any]]]:
    """The radar class of each notification asked, from its organisation's history as it stood at its
    receipt: its earlier notifications (stored, or pending before it in `asked`) and the registrations it
    made in its own system (which count as known). How many earlier notifications at other Veilig Thuis
    organisations name any of the persons is counted beside it (hit / no-hit), never shown. Three queries
    whatever the number asked."""
    everyone = sorted({person for ask in asked for person in ask.persons})
    latest = max((ask.at for ask in asked), default=None)
    persons_of: dict[int, set[int]] = defaultdict(set)  # a stored notification's case: its persons asked
    cases_of: dict[int, set[int]] = defaultdict(set)  # a person: the stored notifications' cases naming them
    stored: list[Notification] = []
    own: dict[int, set[int]] = defaultdict(set)  # a Veilig Thuis registration: its persons asked
    own_at: dict[int, tuple[datetime, int | None]] = {}  # ... its registration time and region
    owns_of: dict[int, set[int]] = defaultdict(set)  # a person: the Veilig Thuis registrations naming them
    if everyone:
        for case_id, person in Case.persons.through.objects.filter(
            person_id__in=everyone, case__vt_notification__isnull=False
        ).values_list("case_id", "person_id"):
            persons_of[case_id].add(person)
            cases_of[person].add(case_id)
        stored = list(Notification.objects.filter(case_id__in=list(persons_of), received_at__lt=latest))
        for registration, person, registered_at, region in PersonMention.objects.filter(
            link__person_id__in=everyone,
            registration__source=OrganisationKind.VEILIG_THUIS,
            registration__registered_at__lt=latest,
        ).values_list(
            "registration_id", "link__person_id", "registration__registered_at",
            "registration__municipality__vt_region_id",
        ):  # fmt: skip
            own[registration].add(person)
            own_at[registration] = (registered_at, region)
            owns_of[person].add(registration)
    by_case = {n.case_id: n for n in stored}
    results: list[tuple[str, dict[str, Any]]] = []
    pending: list[tuple[Notification, frozenset[int]]] = []
    for ask in asked:
        named = frozenset(ask.persons)
        if not named:
            results.append(
                (
                    classify(ask.at, [], []).radar_class.value,
                    {"known": [], "earlier": [], "involved_in": None, "elsewhere": 0},
                )
            )
        else:
            history: list[Earlier] = []
            elsewhere = 0
            earlier = [
                (by_case[case], frozenset(persons_of[case] & named))
                for case in sorted({case for person in named for case in cases_of[person]})
                if case in by_case and case != ask.leave_out
            ]
            for n, persons in [*earlier, *((n, p & named) for n, p in pending if p & named)]:
                if n.received_at >= ask.at or n.outcome == "forwarded":
                    continue  # forwarded on receipt: the organisation it went to has it
                if n.organisation_id != ask.organisation.pk:
                    elsewhere += 1
                    continue
                history.append(Earlier(str(n.case_id), n.received_at, persons, _periods(n)))
            for own_pk in sorted({pk for person in named for pk in owns_of[person]}):
                own_registered, own_region = own_at[own_pk]
                if own_region == ask.organisation.pk and own_registered < ask.at:
                    history.append(Earlier(f"r{own_pk}", own_registered, frozenset(own[own_pk] & named)))
            radar = classify(ask.at, named, history)
            results.append(
                (
                    radar.radar_class.value,
                    {
                        "known": sorted(radar.known),
                        "earlier": [int(key) for key in radar.earlier if not key.startswith("r")],
                        "registrations": [int(key[1:]) for key in radar.earlier if key.startswith("r")],
                        "involved_in": int(radar.involved_in) if radar.involved_in else None,
                        "elsewhere": elsewhere,
                    },
                )
            )
        if ask.pending is not None:
            pending.append((ask.pending, named))
    return results


# --- opening ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notified:
    registration: Registration
    organisation: Organisation
    municipality: Municipality | None


def _urgency_of(police_case: Case | None) -> str:
    return case_urgency(police_case.data)[0] if police_case is not None else ""


def _feedback_due(received: datetime, rules: ChainRules) -> datetime:
    term = rules.protocol.feedback_term
    amount, unit = overridden(
        term.amount, term.unit, term.setting, getattr(settings, "VT_PROTOCOL_TERMS", {})
    )
    return deadline_at(received, amount, unit)


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
    names = _names([w.facts for w in wanted])
    persons = [notified_persons(w.facts) for w in wanted]
    urgencies = [_urgency_of(w.police_case) for w in wanted]
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
            feedback_due_at=_feedback_due(w.at, rules) if w.police_case is not None else None,
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


def notifications_route(
    registration_ids: Sequence[int], *, actor: User | None = None, at: datetime | None = None
) -> list[Notification]:
    """The intake step: notify Veilig Thuis of every new registration a routing reason names, then alert the
    assessors of open notifications whose persons a new police registration names with rising risk. In the
    caller's transaction.

    One notification per suspect-victim pair while Veilig Thuis works it: a registration naming a pair of an
    open notification at the organisation it is routed to (`pair_notifications`) joins it while it is being
    worked (`being_worked`, the hand-off's rule): the registration is added to its case and disclosed, its
    history says so, and the inbox marks it as having new information from the police (`_join_registration`).
    One that waited past its term and the grace after it without an assessment is taken over by a new
    notification of the registration instead (`_take_over`). A registration is notified once per
    organisation while its notification is open (joined or notified)."""
    rules = chain_rules()
    now = at or timezone.now()
    facts = registration_facts(registration_ids)
    registered = {pk: fact.registered_at or now for pk, fact in facts.items()}
    reasons = {
        pk: routing_reasons(fact, rules.routing.sources, rules.routing.reasons) for pk, fact in facts.items()
    }
    routed = [pk for pk in sorted(facts, key=lambda pk: (registered[pk], pk)) if reasons[pk]]
    police = police_cases_of(facts)
    # What the loop needs, read once for the batch: the deciding municipalities, the open notifications of
    # these registrations (notified or joined), those of their pairs.
    municipalities = municipalities_for(
        routing_municipality(facts[pk], rules.routing.route_by) for pk in routed
    )
    already = set(
        Case.registrations.through.objects.filter(
            registration_id__in=routed, case__vt_notification__open=True
        ).values_list("case__vt_notification__organisation_id", "registration_id")
    )
    pairs = {pk: suspect_victim_pairs(facts[pk]) for pk in routed}
    open_of_pairs = pair_notifications({person for pk in routed for pair in pairs[pk] for person in pair})
    wanted: list[ToNotify] = []
    wanted_persons: list[frozenset[int]] = []
    joins: list[
        tuple[Notification | int, int]
    ] = []  # (open notification, or index in `wanted`; registration)
    takes_over: dict[int, Notification] = {}  # index in `wanted`: the open notification it takes over
    for pk in routed:
        organisation, municipality = vt_organisation_for(facts[pk], rules, municipalities)
        if organisation is None or (organisation.pk, pk) in already:
            continue
        # The police notify as they register: a registration of the past (an import of history) was
        # notified then.
        received = min(registered[pk], now)
        # An import of history is notified as it came (`protocol.join_recent_days`).
        named = pairs[pk] if (now - registered[pk]).days < rules.protocol.join_recent_days else frozenset()
        pending = next(
            (
                i
                for i in reversed(range(len(wanted)))
                if wanted[i].organisation.pk == organisation.pk
                and any(set(pair) <= wanted_persons[i] for pair in named)
            ),
            None,
        )
        if pending is not None:  # notified in this batch: being worked
            joins.append((pending, pk))
            continue
        existing = next(
            (
                n
                for n, persons in open_of_pairs
                if n.organisation_id == organisation.pk
                and n.received_at <= received
                and n.pk not in takes_over.values()
                and any(set(pair) <= persons for pair in named)
            ),
            None,
        )
        if existing is not None and being_worked(existing, at=received, rules=rules):
            joins.append((existing, pk))
            continue
        if existing is not None:
            takes_over[len(wanted)] = existing
        wanted.append(
            ToNotify(
                facts[pk],
                organisation,
                municipality,
                at=received,
                reasons=reasons[pk],
                police_case=police.get(pk),
            )
        )
        wanted_persons.append(frozenset(notified_persons(facts[pk])))
    opened = notifications_open(wanted, origin=Origin.ROUTING, actor=actor)
    for index, old in takes_over.items():
        _routing_takes_over(old, by=opened[index], actor=actor, rules=rules)
    for target, pk in joins:
        notification = opened[target] if isinstance(target, int) else target
        _join_registration(
            notification,
            facts[pk],
            police_case=police.get(pk),
            at=min(registered[pk], now),
            actor=actor,
            rules=rules,
        )
    _rising_risk(facts, police, registered, rules, at=now, opened={n.case_id for n in opened})
    return opened


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


def _add_registration(
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
        detail={
            "desk_note": in_installation_language(
                JOINED_REGISTRATION_NOTE,
                registration=registration.reference,
                when=f"{timezone.localtime(registration.registered_at or at):%d-%m-%Y}",
            )
        },
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
    at: datetime,
    actor: User | None,
    rules: ChainRules,
) -> None:
    """A later police registration about the notification's suspect-victim pair joins it (routing): added to
    its case (`_add_registration`), the inbox marks it as having new information from the police, feedback
    goes to the registration's police case when it had none, and a higher urgency of the police counts for
    the term of an assessment still to come. No notification of its own: the figures count the one it
    joined (docs/veiligthuis.md)."""
    changes: dict[str, Any] = {"news": True, "news_at": at}
    if notification.police_case_id is None and police_case is not None:
        changes.update(police_case=police_case, feedback_due_at=_feedback_due(at, rules))
    urgency = _urgency_of(police_case)
    raise_urgency = bool(
        urgency and notification.case.state == "received" and rank_of(urgency) < notification.urgency_rank
    )
    if raise_urgency:
        changes["urgency_rank"] = rank_of(urgency)
    # Before the case changes: the desk's row kept in step with it reads these.
    Notification.objects.filter(pk=notification.pk).update(**changes)
    for name, value in changes.items():
        setattr(notification, name, value)
    _add_registration(
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
    _take_over(old, by=by, police_case=None, at=by.received_at)


def _rising_risk(
    facts: Mapping[int, RegistrationFacts],
    police: Mapping[int, Case],
    registered: Mapping[int, datetime],
    rules: ChainRules,
    *,
    at: datetime,
    opened: set[int],
) -> None:
    """Alert the assessor of every open notification that a new police registration of these shows rising
    risk for (the rule's urgency, a violent offence, a kind it names). A registration older than the rule's
    `recent_days` (an import of history) raises none."""
    rule = rules.protocol.rising_risk
    if rule.alert == "none":
        return
    violent = set(Offence.objects.filter(violence=True).values_list("article", flat=True))
    for pk, fact in facts.items():
        if fact.source != OrganisationKind.POLITIE or (at - registered[pk]).days >= rule.recent_days:
            continue
        why: list[str] = []
        urgency = _urgency_of(police.get(pk))
        if urgency and urgency in rule.urgency:
            why.append(f"urgency {urgency}")
        if rule.violent_offence and fact.offences & violent:
            why.append("violent offence " + ", ".join(sorted(fact.offences & violent)))
        if fact.kind in rule.kinds:
            why.append(fact.kind)
        persons = notified_persons(fact)
        if not why or not persons:
            continue
        involved = (
            Notification.objects.filter(open=True, case__persons__in=persons, received_at__lte=registered[pk])
            .exclude(case_id__in=opened)
            .select_related("case", "case__owner", "case__organisation")
            .distinct()
        )
        for notification in involved:
            params = {
                "notification": notification.case.reference,
                "when": f"{timezone.localtime(registered[pk]):%d-%m-%Y}",
                "why": "; ".join(why),
            }
            if rule.alert == "vt_assessor":
                alert_raise(
                    kind="vt_rising_risk",
                    message=RISING_RISK_MESSAGE,
                    organisation=notification.organisation,
                    case=notification.case,
                    recipient=notification.case.owner,
                    role=Role.VT_ASSESSOR,
                    params=params,
                    at=at,
                )


# --- the screening desk's hand-off --------------------------------------------------------------------------


# The history lines of a hand-off on the notification's side, and of Veilig Thuis taking it up.
HANDOFF_RECEIVED = gettext_noop("hand-off from the police received")
HANDOFF_TAKEN_UP = gettext_noop("hand-off from the police taken up")
TAKES_OVER_NOTE = gettext_noop(
    "Takes over notification %(notification)s of this registration, which waited past its term (%(due)s) "
    "without a safety assessment."
)
TAKEN_OVER_NOTE = gettext_noop(
    "The police handed this registration over again (police case %(police_case)s) while this notification "
    "still waited past its term for its safety assessment: notification %(notification)s takes it over."
)
# On the police case: a notification that no feedback will come from, and why.
POLICE_TAKEN_OVER_NOTE = gettext_noop(
    "Notification %(old)s of %(organisation)s waited past its term without a safety assessment and is taken "
    "over by the new notification %(notification)s: the feedback comes on that one."
)
POLICE_TAKEN_OVER_LINE = gettext_noop("notification of Veilig Thuis taken over")
TAKES_OVER_MESSAGE = gettext_noop(
    "Notification %(notification)s: a new hand-off from the police (police case %(police_case)s). It takes "
    "over notification %(old)s, which waited past its term without a safety assessment."
)
TAKEN_OVER_BY_REGISTRATION_NOTE = gettext_noop(
    "A new police registration names the suspect and the victim of this notification while it still waited "
    "past its term for its safety assessment: notification %(notification)s takes it over."
)
TAKES_OVER_BY_REGISTRATION_MESSAGE = gettext_noop(
    "Notification %(notification)s: a new police registration about the suspect and the victim of "
    "notification %(old)s, which waited past its term without a safety assessment. It takes that one over."
)
JOINED_MESSAGE = gettext_noop(
    "Notification %(notification)s: new information from the police (police case %(police_case)s). See what "
    "was handed over on the notification."
)


def takeover_from(deadline: datetime, rules: ChainRules | None = None) -> datetime:
    """From when a notification still waiting for its assessment, whose term passes at `deadline`, is
    taken over by a new hand-off of its registration: the end of the chain rules' grace after the term
    (`protocol.takeover_grace_working_days` working days after the day it passed; Dutch public holidays
    and weekends do not count)."""
    rules = rules or chain_rules()
    return grace_end(deadline, rules.protocol.takeover_grace_working_days)


def being_worked(notification: Notification, *, at: datetime, rules: ChainRules | None = None) -> bool:
    """Whether an open notification is still being worked, so that a new hand-off of its registration
    joins it: its safety assessment was made (it left "received"), or it still waits for it within its
    term or the grace after it (`takeover_from`). One that waited past both without an assessment is taken
    over by a new notification instead, so that the hand-off is not hidden behind a long overdue line of the
    inbox."""
    case = notification.case
    if case.closed_at is not None:
        return False
    if case.state != "received" or case.deadline_at is None:
        return True
    return takeover_from(case.deadline_at, rules) > at


@dataclass(frozen=True)
class HandoffTarget:
    """Where a police case's hand-off to Veilig Thuis goes: the registration notified, the organisation
    and municipality that decided it, and the open notification of it there (None: none is open)."""

    facts: RegistrationFacts
    organisation: Organisation
    municipality: Municipality | None
    open: Notification | None


def handoff_target(police_case: Case) -> HandoffTarget | None:
    """Where a hand-off of the police case to Veilig Thuis goes now (None: no registration, or none of its
    municipality has a Veilig Thuis organisation)."""
    latest = police_case.registrations.order_by("-registered_at", "-id").first()
    if latest is None:
        return None
    facts = registration_facts([latest.pk])[latest.pk]
    organisation, municipality = vt_organisation_for(facts, chain_rules())
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
    return HandoffTarget(facts, organisation, municipality, existing)


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
            _add_registration(existing, target.facts, at=at, actor=actor)
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
        _take_over(existing, by=notification, police_case=police_case, at=at)
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
    existing.police_case = existing.police_case or police_case
    existing.handoff = existing.handoff or handoff
    existing.feedback_due_at = existing.feedback_due_at or _feedback_due(at, rules)
    existing.handovers = [*existing.handovers, told]
    existing.news, existing.news_at = True, at
    fields = ["police_case", "handoff", "feedback_due_at", "handovers", "news", "news_at"]
    urgency = str(told.get("urgency") or "")
    raise_urgency = bool(
        urgency and existing.case.state == "received" and rank_of(urgency) < existing.urgency_rank
    )
    if raise_urgency:
        existing.urgency_rank = rank_of(urgency)
        fields.append("urgency_rank")
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
        kind="vt_handoff_joined",
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


def _take_over(old: Notification, *, by: Notification, police_case: Case | None, at: datetime) -> None:
    """`old` waited past its term without an assessment: it closes, taken over by `by` (its owner, still
    with the organisation, owns `by`); the police case's alert that no feedback came on it is settled, and
    its history says why. Marked taken over before its case closes, so that the desk's row in step with the
    case (`sync_notification`) does not count the close as its assessment. `police_case`: the one whose
    hand-off took it over (None: a new registration of its pair, routed)."""
    Notification.objects.filter(pk=old.pk).update(taken_over_by=by)
    old.taken_over_by = by
    case_close_taken_over(
        old.case,
        by=by.case,
        actor=None,
        note=in_installation_language(
            TAKEN_OVER_NOTE, police_case=police_case.reference, notification=by.case.reference
        )
        if police_case is not None
        else in_installation_language(TAKEN_OVER_BY_REGISTRATION_NOTE, notification=by.case.reference),
        at=at,
    )
    owner = old.case.owner
    if owner is not None and owner.is_active:
        with contextlib.suppress(Refused):
            case_assign_owner(by.case, owner=owner, actor=None, expected_version=None, at=at)
    else:
        owner = None
    alert_raise(
        kind="vt_handoff_takes_over",
        message=TAKES_OVER_MESSAGE if police_case is not None else TAKES_OVER_BY_REGISTRATION_MESSAGE,
        organisation=by.organisation,
        case=by.case,
        recipient=owner,
        role=Role.VT_ASSESSOR,
        params={
            "notification": by.case.reference,
            "old": old.case.reference,
            **({"police_case": police_case.reference} if police_case is not None else {}),
        },
        at=at,
    )
    # The police case the old notification fed back to (the routing's may be another than this one).
    told = police_case
    if old.police_case_id and (police_case is None or old.police_case_id != police_case.pk):
        told = Case.objects.select_related("organisation").get(pk=old.police_case_id)
    if told is None:
        return
    settled = alerts_settle_reason_gone(
        told, kinds=[NO_FEEDBACK_KIND], params={"notification": old.case.reference}, at=at
    )
    with contextlib.suppress(Refused):  # a police case closed meanwhile: the panel shows it
        case_record(
            told,
            values={},
            actor=None,
            expected_version=None,
            note=in_installation_language(
                POLICE_TAKEN_OVER_NOTE,
                old=old.case.reference,
                organisation=old.organisation.name,
                notification=by.case.reference,
            ),
            detail={
                "veilig_thuis": old.organisation.code,
                "notification": by.case.reference,
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
            at=at,
            what=POLICE_TAKEN_OVER_LINE,
        )


def notification_take_up(notification: Notification, *, actor: User, at: datetime | None = None) -> int:
    """Veilig Thuis takes up what the police handed over on this notification (an assessor read it, or took
    a step on it or took it on since it came): its hand-offs count as taken, by `actor`, and the inbox no
    longer marks it. The history says so. How many hand-offs were taken."""
    at = at or timezone.now()
    with transaction.atomic():
        taken = _taken_up(notification, actor_id=actor.pk, at=at)
        case_record(
            notification.case, values={}, actor=actor, expected_version=None, at=at, what=HANDOFF_TAKEN_UP
        )
    return taken


def _taken_up(notification: Notification, *, actor_id: int | None, at: datetime) -> int:
    pending = [int(told["handoff"]) for told in notification.handovers if told.get("handoff")]
    if notification.handoff_id:
        pending.append(notification.handoff_id)
    Notification.objects.filter(pk=notification.pk).update(news=False, news_at=None)
    notification.news, notification.news_at = False, None
    return Handoff.objects.filter(pk__in=pending, taken_at__isnull=True).update(
        taken_at=at, taken_by_id=actor_id
    )


def on_handoff(sender: Any, handoff: Handoff, actor: User | None = None, **kwargs: Any) -> None:
    if handoff.kind == HANDOFF_KIND:
        notification_from_handoff(handoff, actor=actor)


# --- forwarding ---------------------------------------------------------------------------------------------


class ForwardRefused(Exception):
    """A notification that cannot be forwarded there (not another Veilig Thuis organisation, no reason)."""


def notification_forward(
    notification: Notification, *, to: Organisation, actor: User, reason: str, origin: str = ""
) -> Notification:
    """Forward a notification received by the wrong organisation: its case closes as forwarded (with the
    reason), the disclosure to this organisation ends, and `to` receives a notification of the same
    registration. Logged."""
    if to.kind != OrganisationKind.VEILIG_THUIS or to.pk == notification.organisation_id:
        raise ForwardRefused("organisation")
    if not reason.strip():
        raise ForwardRefused("reason")
    at = timezone.now()
    # The registrations that joined it (of its suspect-victim pair) go with it.
    joined = list(
        notification.case.registrations.exclude(pk=notification.registration_id)
        .order_by("registered_at", "id")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        case_take(notification.case, "forward", actor=actor, expected_version=None, reason=reason, at=at)
        Disclosure.objects.filter(
            registration_id__in=[notification.registration_id, *joined],
            organisation_id=notification.organisation_id,
            purpose=DISCLOSURE_PURPOSE,
            ended_at__isnull=True,
        ).update(ended_at=at)
        facts = registration_facts([notification.registration_id])[notification.registration_id]
        forwarded = notification_open(
            facts=facts,
            organisation=to,
            municipality=notification.municipality,
            origin=Origin.FORWARDED,
            actor=actor,
            reasons=notification.reasons,
            police_case=notification.police_case,
            handoff=notification.handoff,
            forwarded_from=notification,
            at=at,
        )
        for facts in registration_facts(joined).values():
            _add_registration(forwarded, facts, at=at, actor=actor)
        if notification.handovers:  # what the police told goes with it, new to the organisation it reaches
            forwarded.handovers, forwarded.news, forwarded.news_at = notification.handovers, True, at
            forwarded.save(update_fields=["handovers", "news", "news_at"])
        access_log_record(
            actor=actor,
            action="forward",
            object_type="vt_notification",
            object_id=notification.case_id,
            result="stored",
            origin=origin,
            detail={"to": to.code, "new": forwarded.case.reference, "reason": reason.strip()},
        )
    return forwarded


# --- in step with the case, feedback to the police, the protocol's alerts -----------------------------------


def sync_notification(sender: Any, case: Case, **kwargs: Any) -> None:
    """After every change of a safety-assessment case: the desk's row follows it, and each step that changes
    what the police case was told (`TOLD`: the unsafety, the outcome, the safety conditions) is fed back to
    it once (`_feed_back`). Every case change sends this signal (a police case's on every intake that joins
    it): another process's case costs no query."""
    if case.process_version.process != PROCESS:  # loaded with the locked case
        return
    notification = (
        Notification.objects.filter(case_id=case.pk).select_related("police_case", "organisation").first()
    )
    if notification is None:
        return
    stepped = (
        case.events.filter(kind=EventKind.TRANSITION).order_by("-id").values_list("id", "at", "actor_id")
    )
    # The step last taken (a desk may record it after the fact: when it was taken), and by whom.
    step, now, stepped_by = stepped.first() or (None, timezone.now(), None)
    data = case.data
    outcome = str(data.get("outcome") or "")
    if notification.closed_at is not None and case.closed_at is None and not outcome:
        # Reopened by a team lead, and the outcome of the step that closed it withdrawn with it (it was the
        # only one): the assessment has no outcome again; the next one is kept as its outcome.
        notification.outcome, notification.outcome_at = "", None
    first_outcome = bool(outcome) and not notification.outcome and outcome != "forwarded"
    notification.open = case.closed_at is None
    notification.deadline_at = case.deadline_at
    notification.unsafety = str(data.get("unsafety") or "")
    if outcome and not notification.outcome:
        # The safety assessment's outcome, kept (the figures count it once): a later step (the end of an
        # investigation or of monitoring) is fed back to the police, not kept here.
        notification.outcome = outcome
        notification.outcome_at = now
    notification.closed_at = case.closed_at
    # Closed as taken over is no assessment: the notification that took it over carries the term.
    taken_over = notification.taken_over_by_id is not None
    if case.state != "received" and notification.assessed_at is None and not taken_over:
        notification.assessed_at = now
    if case.state == "investigation" and notification.investigation_at is None:
        notification.investigation_at = now
    if case.state == "monitoring" and notification.monitoring_at is None:
        notification.monitoring_at = now
    # Acute unsafety is the protocol's feedback as the first outcome is: given once, at the first of them.
    if (notification.unsafety == "acute" or first_outcome) and notification.feedback_at is None:
        notification.feedback_at = now
    # A step not seen before, on a notification with a police case to tell (a forwarded one tells nothing:
    # the organisation it went to feeds back). Seen once, never again: a repeated save, a reopen that
    # restores what the step before recorded, another change of the case are no feedback.
    before = dict(notification.told)
    new_step = (
        step is not None
        and before.get("step") != step
        and notification.police_case is not None
        and outcome != "forwarded"
    )
    now_told = {name: str(data.get(name) or "").strip() for name in TOLD}
    # What changed since the police were last told; a value a reopen withdrew is not told as gone.
    changed = [name for name in TOLD if now_told[name] and now_told[name] != before.get(name, "")]
    if new_step:
        notification.told = {**before, **{name: now_told[name] for name in changed}, "step": step}
    notification.save()
    if notification.news and notification.news_at is not None and outcome != "forwarded":
        # The police's hand-off is taken up once someone of this Veilig Thuis acts on the notification
        # after it came: a step, or taking it on (not the system's routing, not the police's hand-off; not
        # forwarding it, which leaves it to the organisation it goes to).
        acted = (
            case.events.filter(
                kind__in=[EventKind.TRANSITION, EventKind.OWNER],
                at__gte=notification.news_at,
                actor__organisation_id=notification.organisation_id,
            )
            .order_by("-at", "-id")
            .values_list("at", "actor_id")
            .first()
        )
        if acted is not None:
            _taken_up(notification, actor_id=acted[1], at=acted[0])
    if new_step and changed:
        _feed_back(notification, case, before=before, after=now_told, changed=changed, at=now, by=stepped_by)


def _feed_back(
    notification: Notification,
    case: Case,
    *,
    before: Mapping[str, Any],
    after: Mapping[str, str],
    changed: Sequence[str],
    at: datetime,
    by: int | None,
) -> None:
    """Tell the notification's police case what the step changed (`changed` of `TOLD`, from `before` to
    `after`): a line in its history, open or closed, in the installation's language, naming what changed
    (the unsafety from what to what, a new outcome, new safety conditions), the unsafety always; an alert to
    whoever works the open police case (its owner, else the role that works its unit's queue, marked for
    the owner: whoever takes the case on gets it), urgent (`vt_acute`) when the unsafety became acute. A
    closed police case gets the line and no alert: nobody works it any more."""
    police_case = notification.police_case
    assert police_case is not None
    rules = chain_rules()
    became_acute = after["unsafety"] == "acute" and before.get("unsafety") != "acute"
    # The feedback came: the police case's alert that it did not come within the term asks nothing any more.
    settled = alerts_settle_reason_gone(
        police_case, kinds=[NO_FEEDBACK_KIND], params={"notification": case.reference}, at=at
    )
    # What Veilig Thuis fed back, kept in the file's words beside the police case's line, for a page in
    # another language (`panel.feedback_note`): a choice told as it is, or as changed from what the police
    # were told before; what the assessor wrote as written.
    fields = definition_of(case.process_version).fields
    told: list[list[str]] = []
    for name in ("unsafety", "outcome"):
        if not after[name] or (name not in changed and name != "unsafety"):
            continue
        choices = fields[name].choices
        now_word = choices.get(after[name], after[name])
        was = str(before.get(name) or "")
        told.append(
            [fields[name].label, choices.get(was, was), now_word]
            if name in changed and was
            else [fields[name].label, now_word]
        )
    feedback: dict[str, Any] = {"organisation": notification.organisation.name, "told": told}
    if "safety_conditions" in changed:
        feedback["written"] = [fields["safety_conditions"].label, after["safety_conditions"].rstrip(".")]
    feedback["changed"] = list(changed)
    # In the installation's language: a record, and the alert's words are filled in when it is raised.
    with translation.override(settings.LANGUAGE_CODE):
        note = feedback_text(feedback, case.reference, words=str)
        words = _feedback_told(feedback, words=str)
    alerted = rules.protocol.acute_unsafety if became_acute else rules.protocol.feedback
    if police_case.closed_at is None and alerted.alert == "police_case_owner":
        alert_for_case_owner(
            police_case,
            kind="vt_acute" if became_acute else FEEDBACK_KIND,
            message=ACUTE_MESSAGE if became_acute else FEEDBACK_MESSAGE,
            fallback_role=queue_role(definition_of(police_case.process_version)),
            params={
                "organisation": notification.organisation.name,
                "notification": case.reference,
                **({} if became_acute else {"feedback": words}),
            },
            at=at,
        )
    # One line in the police case's history, also when it is closed: the panel on the case shows the
    # notification's state as it is now, the history each change as it was told.
    case_record(
        police_case,
        values={},
        # The assessor who took the step: the police read who fed back.
        actor=User.objects.filter(pk=by).first() if by else None,
        expected_version=None,
        note=note,
        detail={
            "veilig_thuis": notification.organisation.code,
            "notification": case.reference,
            "feedback": feedback,
            NOTE_WORDS: FEEDBACK_WORDS,
            **({ALERTS_SETTLED: settled} if settled else {}),
        },
        at=at,  # fed back when the step was taken
        what=FEEDBACK_LINE,
        closed_too=True,
    )


def refuse_reopen(sender: Any, case: Case, **kwargs: Any) -> None:
    """Before a closed safety-assessment case reopens (`case_reopening`): refused when its notification was
    forwarded (the other organisation works on it, and this one no longer sees the registration), or when
    the organisation has another open notification of the same registration (a later hand-off of it opened
    one once this one closed), naming that case. The notification is marked open here, in a savepoint, so
    that the database's one open notification per registration (`vt_one_open_notification`) refuses
    whichever of this reopen and a new notification of the registration comes second."""
    if case.process_version.process != PROCESS:  # loaded with the locked case
        return
    notification = Notification.objects.filter(case_id=case.pk).first()
    if notification is None:
        return
    forwarded = notification.forwarded_to.select_related("organisation").order_by("-case_id").first()
    if forwarded is not None:
        raise Refused("forwarded", forwarded.organisation.name)
    others = Notification.objects.filter(
        organisation_id=notification.organisation_id, registration_id=notification.registration_id, open=True
    ).exclude(case_id=case.pk)
    other = others.values_list("case__reference", flat=True).first()
    if other is not None:
        raise Refused("open_case", other)
    try:
        with transaction.atomic():
            Notification.objects.filter(case_id=case.pk).update(open=True)
    except IntegrityError:
        raise Refused("open_case", others.values_list("case__reference", flat=True).first() or "") from None


def protocol_check(*, now: datetime | None = None) -> list[Notification]:
    """Alert the owner of every police case whose notification got no feedback within the protocol's term
    (once per notification), or with nobody owning it the role that works its unit's queue (whoever takes
    the case on gets it), as the other feedback alerts. Run it from a scheduler beside deadlines_check."""
    now = now or timezone.now()
    rules = chain_rules()
    if rules.protocol.no_feedback.alert == "none":
        return []
    late = Notification.objects.filter(
        feedback_at__isnull=True,
        feedback_due_at__lte=now,
        no_feedback_alerted_at__isnull=True,
        police_case__isnull=False,
        forwarded_to__isnull=True,
        taken_over_by__isnull=True,  # the notification that took it over gives the feedback
    ).select_related(
        "police_case",
        "police_case__owner",
        "police_case__organisation",
        "police_case__process_version",
        "organisation",
        "case",
    )
    alerted: list[Notification] = []
    for notification in late.order_by("feedback_due_at", "case_id"):
        with transaction.atomic():
            assert notification.police_case is not None and notification.feedback_due_at is not None
            alert_for_case_owner(
                notification.police_case,
                kind=NO_FEEDBACK_KIND,
                message=NO_FEEDBACK_MESSAGE,
                # As the other feedback alerts: with no owner, the role that works the unit's queue.
                fallback_role=queue_role(definition_of(notification.police_case.process_version)),
                params={
                    "organisation": notification.organisation.name,
                    "notification": notification.case.reference,
                    "due": deadline_text(notification.feedback_due_at),  # as the case page shows it
                    "due_at": notification.feedback_due_at.isoformat(),  # shown in the reader's language
                },
                at=now,
            )
            Notification.objects.filter(pk=notification.pk).update(no_feedback_alerted_at=now)
            alerted.append(notification)
    return alerted


def radar_rebuild(*, chunk: int = 2_000) -> int:
    """Recompute every notification's radar class from the persons as linked now (after a relink), each as
    of its receipt (`radars_for`, `chunk` notifications at a time). How many changed."""
    changed = 0
    persons_of: dict[int, list[int]] = defaultdict(list)
    for case_id, person in Case.persons.through.objects.filter(
        case__vt_notification__isnull=False
    ).values_list("case_id", "person_id"):
        persons_of[case_id].append(person)
    notifications = list(
        Notification.objects.select_related("organisation").order_by("received_at", "case_id")
    )
    for start in range(0, len(notifications), chunk):
        part = notifications[start : start + chunk]
        asked = [
            RadarAsked(n.organisation, persons_of[n.case_id], n.received_at, leave_out=n.case_id)
            for n in part
        ]
        for notification, (radar_class, radar) in zip(part, radars_for(asked), strict=True):
            if radar_class != notification.radar_class or radar != notification.radar:
                Notification.objects.filter(pk=notification.pk).update(radar_class=radar_class, radar=radar)
                changed += 1
    return changed


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
