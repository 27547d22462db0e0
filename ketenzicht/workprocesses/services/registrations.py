"""Adding registrations to a case: by the system, or by a user who may only add what concerns the
case's persons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenzicht.db import execute_all, insert_statements, quoted_table
from ketenzicht.organisations.models import User
from ketenzicht.persons.selectors import person_label, person_list_names_for_user, persons_merged_to
from ketenzicht.registrations.models import MentionRole, PersonMention, Registration

from ..engine.machine import Refused
from ..models import Case, EventKind
from ..panels import assessing_states
from ..signals import case_changed, case_registrations_joined
from .recording import deadline_after_record
from .steps import ALERTS_SETTLED, escalations_settle
from .store import case_locked, event_new, event_statements, statement_update


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
        current = case_locked(case, None)
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
        moved = deadline_after_record(current, data) if data else None
        if moved is not None:  # the state's deadline follows a value the registrations changed
            current.deadline_at, escalate_to = moved
            current.escalate_to = escalate_to or ""
            current.escalated_at = None
            current.escalate_again_at = None
            fields += ["deadline_at", "escalate_to", "escalated_at", "escalate_again_at"]
        settled = escalations_settle(current, at) if moved is not None else 0
        line = event_new(
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
                statement_update(current, [*fields, "lock_version"]),
                *event_statements(line),
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
        current = case_locked(case, expected_version)
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
