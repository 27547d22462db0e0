"""Changing cases (roll-outs: rollouts.py). Every change of a case is one transaction that appends to its
history and raises its lock version; a change against an older lock version is refused (ConcurrentEdit),
a note only when more than notes changed since."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from ketenzicht.db import Statement, execute_all, insert_statements, quoted_table
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import SYSTEM_ACTOR, absences_on, anyone_else_with_role
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import person_label, person_list_names_for_user, persons_merged_to
from ketenzicht.registrations.models import MentionRole, PersonMention, Registration
from ketenzicht.ui.formats import deadline as deadline_text

from .alerts import (
    ESCALATED_KIND,
    alert_handed_over,
    alert_owner_left,
    alert_raise,
    alert_reopened,
    alert_second_person_answered,
    alert_second_person_settled,
    alert_second_person_wanted,
    alerts_follow_owner,
    alerts_settle_reason_gone,
)
from .definitions import date_rules, definition_of, lowering_confirmers, ranked_fields
from .engine.definition import Definition
from .engine.machine import Outcome, Refused, further_escalation, state_deadline, take
from .labels import lowered_rows
from .models import Case, CaseEvent, EventKind, Handoff, ProcessVersion
from .panels import assessing_states, stand_in_for
from .references import case_reference
from .rollouts import version_for, versions_remembered
from .selectors import (
    case_start,
    closing_step,
    may_hand_over,
    open_handoff_kinds,
    queue_role,
    reopen_refusal,
)
from .signals import case_changed, case_registrations_joined, case_reopening, case_stepping, handoff_created


class ConcurrentEdit(Exception):
    """The case changed since the user loaded it: nothing was stored; reload and decide again."""


def _overrides() -> Mapping[str, Mapping[str, Any]]:
    return getattr(settings, "WORK_PROCESS_DEADLINES", {})


def version_label(process_version: ProcessVersion) -> str:
    return f"{process_version.process} v{process_version.version}"


# --- cases ----------------------------------------------------------------------------------------------


def _new_event(case: Case, *, kind: str, actor: User | None, at: datetime, **fields: Any) -> CaseEvent:
    return CaseEvent(
        case=case,
        at=at,
        kind=kind,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        process_version=version_label(case.process_version),
        **fields,
    )


def _event(case: Case, *, kind: str, actor: User | None, at: datetime, **fields: Any) -> CaseEvent:
    event = _new_event(case, kind=kind, actor=actor, at=at, **fields)
    event.save(force_insert=True)
    return event


def _update_statement(case: Case, names: Sequence[str]) -> Statement:
    """UPDATE of these fields of the case row (values prepared as the ORM prepares them)."""
    fields = [f for f in Case._meta.concrete_fields if f.name in names]
    assignments = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields]
    return f"UPDATE {quoted_table(Case)} SET {assignments} WHERE id = %s", [*values, case.pk]


def _event_statements(*events: CaseEvent) -> list[Statement]:
    """History lines as plain INSERTs (their values prepared as the ORM prepares them), to go in one round
    trip with other statements."""
    fields = [f for f in CaseEvent._meta.concrete_fields if not f.primary_key]
    rows = [[f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields] for event in events]
    return insert_statements(quoted_table(CaseEvent), [str(f.column) for f in fields], rows)


def case_open(
    *,
    process: str,
    organisation: Organisation,
    title: str,
    actor: User | None,
    at: datetime | None = None,
    persons: Iterable[Person] = (),
    registrations: Iterable[Registration] = (),
    data: Mapping[str, Any] | None = None,
) -> Case:
    """Open a case on the version rolled out for the organisation today; its history says which.

    Inside a caller's transaction it takes no savepoint of its own (intake opens cases in bulk): a caller
    that means to go on after a failure here keeps a savepoint of its own around it."""
    wanted = CaseToOpen(
        process=process,
        organisation=organisation,
        title=title,
        at=at,
        persons=tuple(person.pk for person in persons),
        registrations=tuple(registration.pk for registration in registrations),
        data=data,
    )
    return cases_open([wanted], actor=actor)[0]


@dataclass(frozen=True)
class CaseToOpen:
    """One case for `cases_open`: its process, organisation and title; the persons and registrations it is
    about (primary keys); its data; when it opens (None: now); what its "opened" line says besides (a desk's
    `detail`, e.g. its "desk_note")."""

    process: str
    organisation: Organisation
    title: str
    at: datetime | None = None
    persons: Sequence[int] = ()
    registrations: Sequence[int] = ()
    data: Mapping[str, Any] | None = None
    detail: Mapping[str, Any] | None = None


def cases_open(wanted: Sequence[CaseToOpen], *, actor: User | None) -> list[Case]:
    """Open these cases, each as `case_open` opens one, in two round trips whatever their number (intake
    opens a batch's cases at once): one INSERT of the cases, then their references, persons, registrations
    and "opened" history lines. Raises NoProcessVersion, before writing anything, when a process is not
    rolled out for its organisation on the day. In the caller's transaction, without a savepoint of its own
    (see `case_open`)."""
    now = timezone.now()
    cases: list[Case] = []
    with versions_remembered():
        versions = [version_for(w.process, w.organisation, timezone.localdate(w.at or now)) for w in wanted]
    for number, (item, process_version) in enumerate(zip(wanted, versions, strict=True)):
        at = item.at or now
        definition = definition_of(process_version)
        due, escalate_to = state_deadline(definition, definition.initial, at, _overrides(), item.data)
        cases.append(
            Case(
                # Unique until the primary key is known; then the reference it gives.
                reference=f"tmp-{now.timestamp()}-{number}",
                organisation=item.organisation,
                process_version=process_version,
                title=item.title[:300],
                state=definition.initial,
                deadline_at=due,
                escalate_to=escalate_to or "",
                opened_at=at,
                data=dict(item.data or {}),
            )
        )
    if not cases:
        return []
    with transaction.atomic(savepoint=False):
        Case.objects.bulk_create(cases)
        # A new case has no persons, registrations or history yet: plain inserts, without reading what is
        # there first (as `set` would).
        statements: list[Statement] = []
        persons: list[tuple[int, int]] = []
        registrations: list[tuple[int, int]] = []
        events: list[CaseEvent] = []
        for case, item in zip(cases, wanted, strict=True):
            case.reference = case_reference(item.process, case.opened_at, case.pk)
            statements.append(
                (f"UPDATE {quoted_table(Case)} SET reference = %s WHERE id = %s", [case.reference, case.pk])
            )
            persons += [(case.pk, pk) for pk in dict.fromkeys(item.persons)]
            registrations += [(case.pk, pk) for pk in dict.fromkeys(item.registrations)]
            events.append(
                _new_event(
                    case,
                    kind=EventKind.OPENED,
                    actor=actor,
                    at=case.opened_at,
                    to_state=case.state,
                    detail={
                        **(item.detail or {}),
                        "version": case.process_version.version,
                        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
                    },
                )
            )
        statements += insert_statements(quoted_table(Case.persons.through), ["case_id", "person_id"], persons)
        statements += insert_statements(
            quoted_table(Case.registrations.through), ["case_id", "registration_id"], registrations
        )
        execute_all([*statements, *_event_statements(*events)])
    return cases


def case_add_registrations(
    case: Case,
    registrations: Iterable[Registration],
    *,
    actor: User | None,
    reassess_unless_in: Iterable[str] = (),
    at: datetime | None = None,
    detail: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Case:
    """Add registrations to an open case (a new report about the same people): one "registration added"
    line in its history. The state does not change; a case that has left every state of
    `reassess_unless_in` (for a screening case: it was screened already) is marked `data["reassess"]`.
    `data`: values the new registrations change (e.g. a desk's provisional urgency), joined into
    `case.data` and named in the history line; a state deadline that follows one of them is counted again
    (as `case_record` does). Registrations already on the case are left out; with none left nothing is
    written."""
    at = at or timezone.now()
    wanted = {registration.pk: registration for registration in registrations}
    with transaction.atomic():
        current = _locked(case, None)
        if current.closed_at is not None:
            raise Refused("closed")
        present = set(
            current.registrations.through.objects.filter(
                case_id=current.pk, registration_id__in=list(wanted)
            ).values_list("registration_id", flat=True)
        )
        added = [wanted[pk] for pk in sorted(wanted) if pk not in present]
        if not added:
            return current
        fields: list[str] = []
        reassess = current.state not in set(reassess_unless_in)
        changed = {**(data or {}), **({"reassess": True} if reassess else {})}
        if changed:
            current.data = {**current.data, **changed}
            fields.append("data")
        moved = _deadline_after_record(current, data) if data else None
        if moved is not None:  # the state's deadline follows a value the registrations changed
            current.deadline_at, escalate_to = moved
            current.escalate_to = escalate_to or ""
            current.escalated_at = None
            current.escalate_again_at = None
            fields += ["deadline_at", "escalate_to", "escalated_at", "escalate_again_at"]
        settled = _escalations_settle(current, at) if moved is not None else 0
        line = _new_event(
            current,
            kind=EventKind.REGISTRATION,
            actor=actor,
            at=at,
            from_state=current.state,
            to_state=current.state,
            detail={
                **(detail or {}),
                "registrations": [registration.pk for registration in added],
                "references": [f"{registration.source}:{registration.reference}" for registration in added],
                "reassess": reassess,
                **({"values": dict(data)} if data else {}),
                **({"deadline_at": current.deadline_at.isoformat()} if moved and current.deadline_at else {}),
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
        )
        # The registrations (the case row is locked: none of these is there), the case and its history line
        # in one round trip.
        current.lock_version += 1
        rows = [(current.pk, registration.pk) for registration in added]
        execute_all(
            [
                *insert_statements(
                    quoted_table(Case.registrations.through), ["case_id", "registration_id"], rows
                ),
                _update_statement(current, [*fields, "lock_version"]),
                *_event_statements(line),
            ]
        )
        case_changed.send(sender=Case, case=current)
    return current


def _persons_of(registrations: Sequence[Registration]) -> list[int]:
    """The suspects and victims of these registrations, as linking knows them (a merged person as the
    person it was merged into), in the order they are written."""
    linked = PersonMention.objects.filter(
        registration__in=[registration.pk for registration in registrations],
        role__in=[MentionRole.SUSPECT, MentionRole.VICTIM],
        link__isnull=False,
    ).order_by("registration__registered_at", "id")
    written = list(linked.values_list("link__person_id", flat=True))
    now = persons_merged_to(set(written))
    return list(dict.fromkeys(now[pk] for pk in written))


def _names_of_persons(persons: Sequence[int], actor: User) -> str:
    """The case's persons (their ids as linking knows them now) as the case page names them to `actor`: by
    their list names among the registrations `actor` may see under the case as purpose (never a spelling
    of a registration they may not see), else by their number."""
    names = person_list_names_for_user(user=actor, person_ids=persons, purposed=True)
    return ", ".join(person_label(pk, names) for pk in persons)


def _refuse_unrelated(added: Sequence[Registration], known: Sequence[int], actor: User) -> None:
    """Refused("registration_unrelated", <its reference>, names=<the case's persons>) when one of `added`
    names none of the case's persons (`known`, as linking knows them now): a case is about its persons, and
    a registration about other people would make it about two families. A case without persons yet takes
    any."""
    if not known:
        return
    for registration in added:
        if not set(_persons_of([registration])) & set(known):
            raise Refused(
                "registration_unrelated", registration.reference, names=_names_of_persons(known, actor)
            )


def case_add_registrations_by_user(
    case: Case, registrations: Sequence[Registration], *, actor: User, expected_version: int
) -> Case:
    """Add registrations to an open case from its page (a manually opened case gets its first ones here):
    through `case_add_registrations` (its history line; a case assessed already is marked for a new
    assessment), with their suspects and victims as persons of the case. The desks hear of it
    (`signals.case_registrations_joined`) and may refuse it (`Refused`): then nothing is stored.
    ConcurrentEdit when the case changed since `expected_version`; Refused("closed") for a closed case,
    Refused("registration_present") when every one of them is on the case already,
    Refused("registration_unrelated") when one names none of the persons the case has already."""
    with transaction.atomic():
        current = _locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        present = set(current.registrations.values_list("pk", flat=True))
        added = [registration for registration in registrations if registration.pk not in present]
        if not added:
            raise Refused("registration_present")
        held = list(current.persons.values_list("pk", flat=True))
        now = persons_merged_to(set(held))
        known = list(dict.fromkeys(now[pk] for pk in held))
        _refuse_unrelated(added, known, actor)
        current = case_add_registrations(
            current,
            added,
            actor=actor,
            reassess_unless_in=assessing_states(current.process_version.process),
        )
        current.persons.add(*[pk for pk in _persons_of(added) if pk not in known])
        case_registrations_joined.send(sender=Case, case=current, registrations=added, actor=actor)
    return current


def _locked(case: Case, expected_version: int | None) -> Case:
    """The case row, locked for this transaction, if nobody changed it since `expected_version`."""
    # With its process version (every history line names it), locking the case row alone.
    current = Case.objects.select_for_update(of=("self",)).select_related("process_version").get(pk=case.pk)
    if expected_version is not None and current.lock_version != expected_version:
        raise ConcurrentEdit(case.reference)
    return current


def _save(case: Case, fields: list[str]) -> None:
    case.lock_version += 1
    case.save(update_fields=[*fields, "lock_version"])


def _apply(
    case: Case, outcome: Outcome, *, actor: User, at: datetime, reason: str, detail: dict[str, Any]
) -> None:
    case.state = outcome.target
    case.data = {**case.data, **outcome.values}
    case.deadline_at = outcome.deadline_at
    case.escalate_to = outcome.escalate_to or ""
    case.escalated_at = None
    case.escalate_again_at = None
    case.pending = None
    if outcome.final:
        case.closed_at = at
    _save(
        case,
        [
            "state",
            "data",
            "deadline_at",
            "escalate_to",
            "escalated_at",
            "escalate_again_at",
            "pending",
            "closed_at",
        ],
    )
    # A step gives the case its new state's deadline (or closes it): an escalation of the deadline that
    # passed asks nothing any more.
    settled = _escalations_settle(case, at)
    _event(
        case,
        kind=EventKind.TRANSITION,
        actor=actor,
        at=at,
        transition=outcome.transition.name,
        from_state=outcome.source,
        to_state=outcome.target,
        reason=reason,
        detail={**detail, "values": outcome.values, **({ALERTS_SETTLED: settled} if settled else {})},
    )
    case_changed.send(sender=Case, case=case)
    if outcome.transition.handoff:
        handoff = Handoff.objects.create(
            case=case,
            kind=outcome.transition.handoff,
            transition=outcome.transition.name,
            created_at=at,
            created_by=actor,
            detail={"state": outcome.source, "data": dict(case.data), "reason": reason},
        )
        handoff_created.send(sender=Handoff, handoff=handoff, actor=actor)


# A history line's detail: how many alerts it settled because their reason no longer holds.
ALERTS_SETTLED = "alerts_settled"


def _escalations_settle(case: Case, at: datetime) -> int:
    """The case's unread escalation alerts settled, when its deadline has not passed (any more)."""
    if case.closed_at is None and case.deadline_at is not None and case.deadline_at <= at:
        return 0
    return alerts_settle_reason_gone(case, kinds=[ESCALATED_KIND], at=at)


def _outcome(
    case: Case,
    transition: str,
    *,
    actor: User,
    at: datetime,
    values: Mapping[str, Any] | None,
    reason: str,
    roles: Iterable[str] | None = None,
) -> Outcome:
    """What taking `transition` on `case` would do, a second person taken as given (callers enforce it);
    `roles` (default: the actor's) are the roles it is taken with.
    A hand-off is refused while the previous one of its kind waits for its desk (pressed twice, it would
    leave a second one that nobody ever takes on)."""
    dates = date_rules()
    # The case's start is read only for a step given a date that may not lie before it.
    bounded = any(name in dates and dates[name].from_start for name in values or {})
    outcome = take(
        definition_of(case.process_version),
        case.state,
        transition,
        roles=actor.role_codes if roles is None else roles,
        at=at,
        values=values,
        recorded=case.data,
        reason=reason,
        second_person=True,
        overrides=_overrides(),
        dates=dates,
        ranked=ranked_fields(),
        start=case_start(case) if bounded else None,
    )
    kind = outcome.transition.handoff
    if kind and kind in open_handoff_kinds(case):
        raise Refused("handoff_waiting", kind)
    return outcome


def _pending(case: Case) -> dict[str, Any]:
    """The step waiting for a second person; Refused when none waits."""
    pending: dict[str, Any] | None = case.pending
    if not pending:
        raise Refused("nothing_pending")
    return pending


def _lowering(outcome: Outcome) -> dict[str, Any]:
    """What a step lowers that a second person must confirm: {"lowered": {field: {"from": its floor, "to":
    the value given}}, "confirm_role": the role that confirms} for the fields it gives below their floor whose
    lowering waits (`definitions.lowering_confirmers`, e.g. the urgency: a team lead); {} when none."""
    confirmers = lowering_confirmers()
    lowered = {
        name: {"from": floor, "to": outcome.values[name]}
        for name, floor in outcome.lowered.items()
        if name in confirmers
    }
    if not lowered:
        return {}
    return {"lowered": lowered, "confirm_role": confirmers[next(iter(lowered))]}


def _closes_over_lowering(case: Case, transition: str) -> bool:
    """While a lowering waits for a second person, a step that ends the case (without a second person of
    its own) may still be taken: the lowering then no longer counts, as a lowered screening level does."""
    pending = case.pending or {}
    definition = definition_of(case.process_version)
    step = definition.transition(transition)
    return bool(
        pending.get("lowered")
        and step is not None
        and not step.requires.second_person
        and step.to in definition.states
        and definition.states[step.to].final
    )


def case_take(
    case: Case,
    transition: str,
    *,
    actor: User,
    expected_version: int | None,
    values: Mapping[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    """Take a transition. One that needs a second person is proposed and waits (`case.pending`) until
    another user confirms it; so does one that gives a ranked field a lower choice than its floor where the
    field's lowering is confirmed by a role (`definitions.lowering_confirmers`: a lowered urgency waits for a
    team lead), the case keeping its higher value meanwhile. A step that ends the case may be taken while
    such a lowering waits: the lowering then lapses. Raises Refused or ConcurrentEdit; nothing is stored
    then."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        lapsing: dict[str, Any] = {}
        if current.pending:
            if not _closes_over_lowering(current, transition):
                raise Refused("pending", current.pending.get("transition", ""))
            lapsing = current.pending
        step = definition_of(current.process_version).transition(transition)
        # A step that needs a second person is checked as if confirmed: the proposal waits for one.
        outcome = _outcome(current, transition, actor=actor, at=at, values=values, reason=reason)
        # A desk's own rules about the step (signals.case_stepping): it refuses, or adds to the history line.
        desk_detail: dict[str, Any] = {}
        for _receiver, said in case_stepping.send(
            sender=Case,
            case=current,
            transition=transition,
            values=dict(outcome.values),
            reason=reason,
            actor=actor,
        ):
            if isinstance(said, dict):
                desk_detail.update(said)
        lowering = _lowering(outcome)
        if lowering and not anyone_else_with_role(
            current.organisation_id, lowering["confirm_role"], besides=actor
        ):
            # It would wait for good: refused before anything is stored, the case keeps the higher value.
            raise Refused("no_confirmer", lowering["confirm_role"])
        if (step and step.requires.second_person) or lowering:
            current.pending = {
                "transition": transition,
                "by": actor.pk,
                "by_name": actor.get_username(),
                "values": outcome.values,
                "reason": reason,
                "at": at.isoformat(),
                **lowering,
            }
            _save(current, ["pending"])
            _event(
                current,
                kind=EventKind.PROPOSED,
                actor=actor,
                at=at,
                transition=transition,
                from_state=current.state,
                to_state=outcome.target,
                reason=reason,
                detail={"values": outcome.values, **lowering, **desk_detail},
            )
            alert_second_person_wanted(
                current,
                step=_pending_label(current, current.pending),
                proposer=actor,
                role=str(lowering.get("confirm_role") or Role.TEAM_LEAD),
                at=at,
            )
        else:
            label = _pending_label(current, lapsing) if lapsing else ""
            _apply(
                current,
                outcome,
                actor=actor,
                at=at,
                reason=reason,
                detail={**desk_detail, **({"lapsed": label} if label else {})},
            )
            if label:
                alert_second_person_settled(current, step=label, by=None, at=at)
    return current


def case_take_where_available(
    case: Case,
    transition: str,
    *,
    actor: User,
    expected_version: int | None,
    reason: str = "",
    at: datetime | None = None,
) -> Case | None:
    """Take `transition`, without values, when the case's state (read under the case's lock) is one the step
    leaves from: for a desk whose own record implies the step (e.g. recording a screening starts it). None,
    nothing stored, when the case is elsewhere or its process has no such step. Where the step is there it
    is taken as `case_take` takes it, its history line and deadline included, and refused as it refuses
    (Refused, ConcurrentEdit; nothing stored); a step that would wait for a second person is refused
    (`second_person`): the desk's record cannot wait for one. In the caller's transaction (a savepoint)."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        step = definition_of(current.process_version).transition(transition)
        if step is None or current.state not in step.sources:
            return None
        if step.requires.second_person:
            raise Refused("second_person")
        return case_take(
            current, transition, actor=actor, expected_version=current.lock_version, reason=reason, at=at
        )


def _pending_label(case: Case, pending: Mapping[str, Any]) -> str:
    """The waiting step's label, as its alerts name it (the transition's name when the version lacks it);
    a lowering names what it lowers, from what to what, by the definition's labels (e.g. "Screening
    afronden: Urgentie Acuut → Normaal")."""
    definition = definition_of(case.process_version)
    step = definition.transition(pending["transition"])
    label = step.label if step else str(pending["transition"])
    rows = lowered_rows(definition, pending, stored=True)  # stored in the alerts: the file's words
    if not rows:
        return label
    changes = "; ".join(f"{row['field']} {row['from']} → {row['to']}" for row in rows)
    return f"{label}: {changes}"


def _proposer(pending: Mapping[str, Any]) -> User | None:
    by = pending.get("by")
    return User.objects.filter(pk=by).first() if isinstance(by, int) else None


def _may_answer(case: Case, pending: Mapping[str, Any], actor: User) -> None:
    """Who may answer the waiting step: never its proposer; a lowering only a user of the role that confirms
    it (`confirm_role`) in the case's organisation. Refused ("same_person", "confirm_role") otherwise."""
    if pending.get("by") == actor.pk:
        raise Refused("same_person")
    role = str(pending.get("confirm_role") or "")
    if role and not (actor.organisation_id == case.organisation_id and actor.has_role(role)):
        raise Refused("confirm_role", role)


def case_confirm(
    case: Case, *, actor: User, expected_version: int | None, at: datetime | None = None
) -> Case:
    """A second person confirms the proposed transition: then it is taken (both names in the history). A
    lowering (`confirm_role` in the proposal) is confirmed only by a user of that role in the case's
    organisation, who need not hold a role of the step itself."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        pending = _pending(current)
        _may_answer(current, pending, actor)
        lowering = bool(pending.get("confirm_role"))
        outcome = _outcome(
            current,
            pending["transition"],
            actor=actor,
            at=at,
            values=pending["values"],
            reason=pending["reason"],
            roles=_step_roles(current, pending) if lowering else None,
        )
        _apply(
            current,
            outcome,
            actor=actor,
            at=at,
            reason=pending["reason"],
            detail={
                "proposed_by": pending["by_name"],
                "confirmed_by": actor.get_username(),
                **({"lowered": pending["lowered"]} if lowering else {}),
            },
        )
        alert_second_person_answered(
            current,
            step=_pending_label(current, pending),
            actor=actor,
            proposer=_proposer(pending),
            declined_reason=None,
            at=at,
        )
    return current


def _step_roles(case: Case, pending: Mapping[str, Any]) -> tuple[str, ...]:
    """The roles that may take the waiting step (a lowering's confirmer answers for its own role)."""
    step = definition_of(case.process_version).transition(pending["transition"])
    return tuple(step.roles) if step else ()


def case_decline(
    case: Case, *, actor: User, expected_version: int | None, reason: str, at: datetime | None = None
) -> Case:
    """A second person declines the proposed transition, saying why: the case is as it was, the proposer
    is told. Never the proposer, who withdraws it instead (a decline says someone else looked at it); a
    lowering is declined, as it is confirmed, only by a user of its `confirm_role` in the case's
    organisation."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        pending = _pending(current)
        _may_answer(current, pending, actor)
        if not reason.strip():
            raise Refused("reason")
        current.pending = None
        _save(current, ["pending"])
        _event(
            current,
            kind=EventKind.DECLINED,
            actor=actor,
            at=at,
            transition=pending["transition"],
            reason=reason,
            detail={
                "proposed_by": pending["by_name"],
                **({"lowered": pending["lowered"]} if pending.get("lowered") else {}),
            },
        )
        alert_second_person_answered(
            current,
            step=_pending_label(current, pending),
            actor=actor,
            proposer=_proposer(pending),
            declined_reason=reason.strip(),
            at=at,
        )
    return current


# The history line of a lowering that no longer waits because what it lowered from changed (a desk's
# `case_lowering_lapse`, e.g. a newer screening suggests another urgency).
LOWERING_LAPSED = gettext_noop("proposed lowering no longer counts")


def case_lowering_lapse(
    case: Case, *, actor: User | None, at: datetime | None = None, detail: Mapping[str, Any] | None = None
) -> bool:
    """A lowering waiting for a second person (a proposal with `lowered`) no longer counts: a desk changed
    what it lowered from (e.g. a newer screening, which suggests the urgency anew), so confirming it later
    would put a choice made against an older floor over the new one. The proposal is cleared, one history
    line says so (`detail` naming the desk's record), and the team leads' alert is settled. Nothing happens,
    False, when no lowering waits. In the caller's transaction (a savepoint of its own)."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, None)
        pending = current.pending or {}
        if not pending.get("lowered"):
            return False
        label = _pending_label(current, pending)
        current.pending = None
        _save(current, ["pending"])
        _event(
            current,
            kind=EventKind.RECORDED,
            actor=actor,
            at=at,
            transition=pending["transition"],
            detail={
                **(detail or {}),
                "what": LOWERING_LAPSED,
                "lapsed": label,
                "proposed_by": pending.get("by_name", ""),
                "lowered": pending["lowered"],
                "values": {},
            },
        )
        alert_second_person_settled(current, step=label, by=actor, at=at)
    return True


# The history lines whose `detail["values"]` say what they recorded on the case; a reopen's
# `detail["restored"]` says what it put back (None: took away).
_RECORDING = (EventKind.TRANSITION, EventKind.RECORDED, EventKind.REGISTRATION, EventKind.REOPENED)


def _before_closing(case: Case, definition: Definition, closing: CaseEvent) -> dict[str, Any]:
    """The values the closing step recorded by itself (its `sets`, e.g. the outcome it stands for) as they
    were before it, by the history: name -> value, None for one no earlier line recorded."""
    step = definition.transition(closing.transition)
    names = set(step.sets) if step is not None else set()
    if not names:
        return {}
    before: dict[str, Any] = dict.fromkeys(names)
    earlier = case.events.filter(kind__in=_RECORDING, id__lt=closing.pk).order_by("id")
    for kind, detail in earlier.values_list("kind", "detail"):
        found = (detail or {}).get("restored" if kind == EventKind.REOPENED else "values") or {}
        before.update({name: value for name, value in found.items() if name in names})
    return before


def case_reopen(
    case: Case, *, actor: User, reason: str, expected_version: int | None, at: datetime | None = None
) -> Case:
    """A team lead of the case's organisation opens a closed case again, saying why (a process with the team
    lead among its roles: `selectors.reopenable`). The case goes back to the state it was in before the step
    that closed it (the last transition into a final state in its history), with the deadline that state
    sets counted anew from `at` (now) and its escalation reset, as entering the state sets them; values the
    closing step recorded by itself (its `sets`) go back to what they were before it. One "reopened" line in
    the history. A desk may refuse it (`signals.case_reopening`), e.g. when the pair has another open case to
    work on in. Raises Refused (`reopen_process`, `reopen_role`, `not_closed`, `reason`, `reopen_history`, or
    a desk's code) or ConcurrentEdit; nothing is stored then."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        refusal = reopen_refusal(current, actor)
        if refusal is not None:
            raise Refused(refusal)
        if current.closed_at is None:
            raise Refused("not_closed")
        if not reason.strip():
            raise Refused("reason")
        definition = definition_of(current.process_version)
        closing = closing_step(current)
        if closing is None or definition.states.get(closing.from_state) is None:
            raise Refused("reopen_history")
        target = closing.from_state
        case_reopening.send(sender=Case, case=current, to_state=target)
        restored = _before_closing(current, definition, closing)
        data = dict(current.data)
        for name, value in restored.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        withdrawn = {
            name: current.data.get(name) for name in restored if current.data.get(name) != data.get(name)
        }
        due, escalate_to = state_deadline(definition, target, at, _overrides(), data)
        closed_at, final = current.closed_at, current.state
        current.state = target
        current.data = data
        current.deadline_at = due
        current.escalate_to = escalate_to or ""
        current.escalated_at = None
        current.escalate_again_at = None
        current.escalate_again_to = ""
        current.pending = None
        current.closed_at = None
        _save(
            current,
            [
                "state",
                "data",
                "deadline_at",
                "escalate_to",
                "escalated_at",
                "escalate_again_at",
                "escalate_again_to",
                "pending",
                "closed_at",
            ],
        )
        _event(
            current,
            kind=EventKind.REOPENED,
            actor=actor,
            at=at,
            from_state=final,
            to_state=target,
            reason=reason.strip(),
            detail={
                "closed_at": closed_at.isoformat(),
                "closed_by": closing.transition,
                "deadline_at": due.isoformat() if due else None,
                **({"withdrawn": withdrawn, "restored": restored} if withdrawn else {}),
            },
        )
        alert_reopened(
            current,
            by=actor,
            state=definition.states[target].label,
            reason=reason.strip(),
            queue_role=queue_role(definition),
            at=at,
        )
        case_changed.send(sender=Case, case=current)
    return current


def case_withdraw(
    case: Case, *, actor: User, expected_version: int | None, at: datetime | None = None
) -> Case:
    """Whoever proposed a step that waits for a second person takes the proposal back (proposed by mistake,
    or overtaken): the case is as it was, the history says so, and the team leads' alert is settled."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        pending = _pending(current)
        if pending.get("by") != actor.pk:
            raise Refused("not_proposer")
        current.pending = None
        _save(current, ["pending"])
        _event(current, kind=EventKind.WITHDRAWN, actor=actor, at=at, transition=pending["transition"])
        alert_second_person_answered(
            current,
            step=_pending_label(current, pending),
            actor=actor,
            proposer=None,
            declined_reason=None,
            at=at,
        )
    return current


ASSIGNMENTS = {"owner": EventKind.OWNER, "victim_contact": EventKind.CONTACT}


def case_assign(
    case: Case,
    field: str,
    *,
    person: User,
    actor: User | None,
    expected_version: int | None,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    """Make `person` the case's owner or the victim's contact (`field`); a handover needs a reason. Actor
    None: the system assigns (a desk's routing, e.g. a ZSM file to the district office's prosecutor); `at`:
    the moment its history names (default now; a check run for a given moment passes that)."""
    kind = ASSIGNMENTS[field]
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        if current.closed_at is not None:
            raise Refused("closed")
        if person.organisation_id != current.organisation_id or not (
            set(person.role_codes) & definition_of(current.process_version).working_roles()
        ):
            raise Refused("person")
        previous: User | None = getattr(current, field)
        # Someone who left (deactivated) hands nothing over: the case is the unit's to take, as with nobody.
        if previous is not None and previous.pk != person.pk and previous.is_active:
            # A colleague's case is handed over by that colleague, a team lead or the lead of the desk's
            # queue (a ZSM file's coordinator), never taken; the victim's contact person also by the
            # case's owner (`selectors.may_hand_over`, which the case page asks before offering the form).
            if actor is not None and not may_hand_over(current, field, actor):
                raise Refused("handover")
            if not reason.strip():
                raise Refused("reason")  # a handover says why
        # Nobody hands a case to a colleague recorded absent now (a post's absence, as the ZSM table
        # records it): it would wait for them. Taking it oneself, or keeping who holds it, stays possible.
        if actor is not None and person.pk != actor.pk and (previous is None or previous.pk != person.pk):
            absence = absences_on([person], on=timezone.localdate(at)).get(person.pk)
            if absence is not None:
                raise Refused(
                    "absent",
                    person.get_full_name() or person.get_username(),
                    starts=absence.starts.isoformat(),
                    ends=absence.ends.isoformat() if absence.ends else "",
                )
        setattr(current, field, person)
        _save(current, [field])
        if field == "owner":
            alerts_follow_owner(current, person)
        event = _event(
            current,
            kind=kind,
            actor=actor,
            at=at,
            reason=reason,
            detail={
                "from": previous.get_username() if previous else "",
                "to": person.get_username(),
            },
        )
        if actor is not None and actor.pk != person.pk:
            alert_handed_over(
                current, to=person, by=actor, what=event.get_kind_display(), reason=reason.strip(), at=at
            )
        case_changed.send(sender=Case, case=current)  # a desk that names the owner (a ZSM file) follows
    return current


def case_assign_owner(
    case: Case,
    *,
    owner: User,
    actor: User | None,
    expected_version: int | None,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    return case_assign(
        case, "owner", person=owner, actor=actor, expected_version=expected_version, reason=reason, at=at
    )


def case_assign_contact(
    case: Case, *, contact: User, actor: User, expected_version: int | None, reason: str = ""
) -> Case:
    return case_assign(
        case, "victim_contact", person=contact, actor=actor, expected_version=expected_version, reason=reason
    )


# The reason a history line gives when a user left without one given (the system deactivated them).
LEFT_REASON = gettext_noop("%(who)s no longer works here (deactivated).")


def _left_text(user: User) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(LEFT_REASON) % {"who": user.get_full_name() or user.get_username()}


def _let_go(
    case: Case, field: str, kind: str, user: User, *, actor: User | None, at: datetime, why: str
) -> None:
    """`field` (the owner or the victim's contact person) of `case` emptied because `user` left, with its
    history line."""
    setattr(case, field, None)
    _save(case, [field])
    _event(
        case,
        kind=kind,
        actor=actor,
        at=at,
        reason=why,
        detail={"from": user.get_username(), "to": "", "left": True},
    )


@dataclass(frozen=True)
class Released:
    """What a user's deactivation did to the open cases they held: those back in their unit's queue (no
    owner), those a desk's stand-in took over, and those whose victim no longer has a contact person.
    References in order."""

    queued: list[str]
    handed: list[str]
    contactless: list[str]


def cases_release_of(user: User, *, actor: User | None, reason: str, at: datetime | None = None) -> Released:
    """The open cases `user` (who is leaving: deactivated) owns or is the victim's contact person of are given
    back: a case whose desk names a stand-in (`panels.stand_in_for`: a ZSM file's prosecutor on duty) goes to
    them; any other is back in its unit's queue without an owner; the victim's contact person is cleared.
    Each change is a line of the case's history (by `actor`, with `reason`, naming who left), and the
    organisation's team leads (without any: the queue's role) get one alert naming the cases. In the
    caller's transaction (`user_set_active`'s, through `user_deactivated`)."""
    at = at or timezone.now()
    reason = reason.strip()
    why = reason or _left_text(user)
    queued: list[Case] = []
    handed: list[str] = []
    contactless: list[Case] = []
    with transaction.atomic():
        held = (
            Case.objects.filter(closed_at__isnull=True)
            .filter(models.Q(owner=user) | models.Q(victim_contact=user))
            .order_by("reference")
            .values_list("pk", flat=True)
        )
        for pk in list(held):
            current = _locked(Case(pk=pk), None)
            if current.owner_id == user.pk:
                stand_in = stand_in_for(current, user)
                taken = None
                if stand_in is not None and stand_in.pk != user.pk:
                    with contextlib.suppress(Refused):  # the stand-in cannot work it: back to the queue
                        taken = case_assign(
                            current,
                            "owner",
                            person=stand_in,
                            actor=None,
                            expected_version=None,
                            reason=why,
                            at=at,
                        )
                if taken is not None:
                    current = taken
                    handed.append(current.reference)
                    if actor is not None:
                        alert_handed_over(
                            current,
                            to=stand_in,
                            by=actor,
                            what=str(EventKind.OWNER.label),
                            reason=why,
                            at=at,
                        )
                else:
                    _let_go(current, "owner", EventKind.OWNER, user, actor=actor, at=at, why=why)
                    case_changed.send(sender=Case, case=current)
                    queued.append(current)
            if current.victim_contact_id == user.pk:
                _let_go(current, "victim_contact", EventKind.CONTACT, user, actor=actor, at=at, why=why)
                contactless.append(current)
        if queued or contactless:
            alert_owner_left(user, queued=queued, contactless=contactless, reason=reason, by=actor, at=at)
    return Released(
        queued=[c.reference for c in queued], handed=handed, contactless=[c.reference for c in contactless]
    )


def on_user_deactivated(
    sender: Any, user: User, actor: User | None = None, reason: str = "", **kwargs: Any
) -> None:
    """A user deactivated: their open cases are given back (`cases_release_of`), in that transaction."""
    cases_release_of(user, actor=actor, reason=reason)


def case_note(case: Case, *, text: str, actor: User, expected_version: int | None) -> Case:
    """A note adds a line to the history. It is refused (ConcurrentEdit) when the case changed since
    `expected_version` by anything but notes (a step, values, its people: the note may be about a case that
    is no longer as the writer saw it), and when it is the same note its writer just sent (a double click, a
    second tab); colleagues' notes meanwhile conflict with nothing. It raises the lock version: a step
    against the page before it (a second person's confirmation) is asked to read it first."""
    if not text.strip():
        raise Refused("note")
    with transaction.atomic():
        current = _locked(case, None)
        last = current.events.order_by("-id").first()
        if (
            last is not None
            and last.kind == EventKind.NOTE
            and last.actor_id == actor.pk
            and last.reason == text.strip()
        ):
            raise ConcurrentEdit(current.reference)
        if expected_version is not None and current.lock_version != expected_version:
            # Every change since raised the lock version once, with one line of history: its lines.
            since = max(current.lock_version - expected_version, 0)
            kinds = set(current.events.order_by("-id").values_list("kind", flat=True)[:since])
            if expected_version > current.lock_version or kinds - {EventKind.NOTE}:
                raise ConcurrentEdit(current.reference)
        _save(current, [])
        _event(current, kind=EventKind.NOTE, actor=actor, at=timezone.now(), reason=text.strip())
    return current


# The history line of a case that a hand-off joined instead of opening a case of its own (a desk's
# `case_record(..., what=HANDOFF_JOINED)`: Veilig Thuis's notification, the ZSM file).
HANDOFF_JOINED = gettext_noop("hand-off from the police added")


def case_record(
    case: Case,
    *,
    values: Mapping[str, Any],
    actor: User | None,
    expected_version: int | None,
    note: str = "",
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    declined: str = "",
    what: str = "",
    closed_too: bool = False,
) -> Case:
    """A desk records values on the case (e.g. the screening's level): they join `case.data`, where
    transitions that require them (`requires.recorded`) find them. One history line says what and why;
    `what` names what the desk recorded (an English text marked with gettext_noop, shown translated, e.g.
    "screening recorded"), else the line reads only "recorded by a desk".
    Actor None: the system records (e.g. a chain partner's information arrived). `declined`: the desk's
    step a second person declined (e.g. a lowered screening level), which this records the outcome of: the
    line is a decline, naming that step, by the actor, with `note` as its reason. `closed_too`: the line is
    written on a closed case too (what a chain partner told about it afterwards), when it records no values:
    a closed case's data stay as they were closed."""
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(case, expected_version)
        if current.closed_at is not None and not (closed_too and not values and not declined):
            raise Refused("closed")
        current.data = {**current.data, **values}
        fields = ["data"]
        moved = _deadline_after_record(current, values)
        if moved is not None:
            current.deadline_at, escalate_to = moved
            current.escalate_to = escalate_to or ""
            current.escalated_at = None
            current.escalate_again_at = None
            fields += ["deadline_at", "escalate_to", "escalated_at", "escalate_again_at"]
        _save(current, fields)
        settled = _escalations_settle(current, at) if moved is not None else 0
        case_changed.send(sender=Case, case=current)
        _event(
            current,
            kind=EventKind.DECLINED if declined else EventKind.RECORDED,
            actor=actor,
            at=at,
            reason=note,
            detail={
                **(detail or {}),
                **({"step": declined} if declined else {}),
                **({"what": what} if what and not declined else {}),
                "values": dict(values),
                **({"deadline_at": current.deadline_at.isoformat()} if moved and current.deadline_at else {}),
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
        )
    return current


# The history line of a case a desk closed because another case of the organisation took it over.
TAKEN_OVER = gettext_noop("taken over by another case")


def case_close_taken_over(
    case: Case, *, by: Case, actor: User | None, note: str, at: datetime | None = None
) -> Case:
    """A desk closes the case because `by`, a case of the same organisation, takes over what it was about
    (e.g. a Veilig Thuis notification that waited past its term without an assessment, when the police hand
    the same registration over again): the case goes to its process's final state without a step of its
    own, its history names `by` and why (`note`), and its unread escalations are settled. Refused
    (`closed`) when it is closed already, (`organisation`) when `by` is another organisation's."""
    at = at or timezone.now()
    if by.organisation_id != case.organisation_id:
        raise Refused("organisation")
    with transaction.atomic():
        current = _locked(case, None)
        if current.closed_at is not None:
            raise Refused("closed")
        definition = definition_of(current.process_version)
        final = next(name for name, state in definition.states.items() if state.final)
        before = current.state
        current.state = final
        current.closed_at = at
        current.deadline_at = None
        current.escalate_to = ""
        current.escalate_again_at = None
        current.pending = None
        _save(
            current,
            ["state", "closed_at", "deadline_at", "escalate_to", "escalate_again_at", "pending"],
        )
        settled = _escalations_settle(current, at)
        _event(
            current,
            kind=EventKind.RECORDED,
            actor=actor,
            at=at,
            from_state=before,
            to_state=final,
            reason=note,
            detail={
                "what": TAKEN_OVER,
                "taken_over_by": by.reference,
                "values": {},
                **({ALERTS_SETTLED: settled} if settled else {}),
            },
        )
        case_changed.send(sender=Case, case=current)
    return current


# The history lines by which a case enters a state (its deadline counts from the last of them).
ENTERED_BY = (EventKind.OPENED, EventKind.TRANSITION, EventKind.REOPENED)


def _deadline_after_record(
    case: Case, values: Mapping[str, Any]
) -> tuple[datetime | None, str | None] | None:
    """When recorded values change what the current state's deadline depends on (e.g. the urgency), its
    deadline counted again from when the case entered the state (opened, a step, or reopened into it); None
    when nothing changes."""
    definition = definition_of(case.process_version)
    depends = definition.states[case.state].deadline_by
    if depends is None or depends.field not in values:
        return None
    entered = (
        case.events.filter(to_state=case.state, kind__in=ENTERED_BY)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    ) or case.opened_at
    found = state_deadline(definition, case.state, entered, _overrides(), case.data)
    return None if found[0] == case.deadline_at else found


# An escalation alert names the state, when its deadline passed, and the role it goes to (gettext_noop:
# stored untranslated, shown in the reader's language).
ESCALATED_MESSAGE = gettext_noop(
    "Case %(case)s: the deadline of “%(state)s” passed on %(deadline)s; it is escalated to you (%(role)s)."
)
ESCALATED_AGAIN_MESSAGE = gettext_noop(
    "Case %(case)s is still overdue in “%(state)s” (deadline %(deadline)s); it is escalated further to you "
    "(%(role)s)."
)


def _escalate(case: Case, *, now: datetime, role: str, level: int) -> None:
    definition = definition_of(case.process_version)
    assert case.deadline_at is not None
    _event(
        case,
        kind=EventKind.ESCALATED,
        actor=None,
        at=now,
        from_state=case.state,
        detail={"deadline_at": case.deadline_at.isoformat(), "escalate_to": role, "level": level},
    )
    alert_raise(
        kind=ESCALATED_KIND,
        message=ESCALATED_MESSAGE if level == 1 else ESCALATED_AGAIN_MESSAGE,
        organisation=case.organisation,
        case=case,
        role=role,
        params={
            "case": case.reference,
            "state": definition.states[case.state].label,
            "deadline": deadline_text(case.deadline_at),  # as the case page shows it
            "deadline_at": case.deadline_at.isoformat(),  # shown in the reader's language
            "role": role,
        },
        at=now,
    )


def deadlines_check(*, now: datetime | None = None, cases: Iterable[int] | None = None) -> list[Case]:
    """Escalate every open case whose deadline has passed and that was not escalated for it yet (to the
    state's `escalate_to`, with an alert to that role), and once more those still overdue the deadline's
    `then` term after that first escalation. One run takes a case one level at most: a case found far past
    its deadline goes to the first level's role now, the next level a later run, when the term has passed
    since. The cases escalated, in order. `cases`: only these (primary keys; a history written afterwards,
    the demo's, checks one case at a past `now`)."""
    now = now or timezone.now()
    escalated: list[Case] = []
    first = Case.objects.filter(closed_at__isnull=True, deadline_at__lte=now, escalated_at__isnull=True)
    again = Case.objects.filter(closed_at__isnull=True, escalate_again_at__lte=now)
    if cases is not None:
        only = list(cases)
        first, again = first.filter(pk__in=only), again.filter(pk__in=only)
    for level, due in ((1, first), (2, again)):
        for pk in due.values_list("pk", flat=True).order_by("deadline_at", "pk"):
            with transaction.atomic():
                case = (
                    Case.objects.select_for_update(of=("self",))
                    .select_related("process_version", "organisation")
                    .get(pk=pk)
                )
                if case.closed_at is not None or case.deadline_at is None or case.deadline_at > now:
                    continue
                if level == 1:
                    if case.escalated_at is not None:
                        continue
                    case.escalated_at = now
                    further = further_escalation(  # counted from now: one level per run, each its term
                        definition_of(case.process_version), case.state, now, case.data, _overrides(),
                    )  # fmt: skip
                    case.escalate_again_at, case.escalate_again_to = further or (None, "")
                    _save(case, ["escalated_at", "escalate_again_at", "escalate_again_to"])
                    _escalate(case, now=now, role=case.escalate_to, level=1)
                else:
                    if case.escalate_again_at is None or case.escalate_again_at > now:
                        continue
                    if case.escalated_at is None or case.escalated_at >= now:
                        continue  # the first level was reached in this run (or a later one): its turn first
                    case.escalate_again_at = None
                    _save(case, ["escalate_again_at"])
                    _escalate(case, now=now, role=case.escalate_again_to, level=2)
                escalated.append(case)
    return escalated
