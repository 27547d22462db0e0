"""Alerts: raising them (a desk, a passed deadline), reading the ones meant for a user, marking them read.

An alert names why in its message; it goes to one user (the case owner) or, when the case has none, to
every user of a role within the organisation. A user sees the alerts meant for them and nothing else.

An alert is read later, by others than the one it was raised for: its text is rendered when it is read
(`alert_text`), and it names its case by reference, never by its persons' names (a name stored in its
params would be the spelling of then, from registrations its reader may not see). The case page it
links to names the persons for its reader (`headings`). Decision 0009."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from ketenzicht.audit.access import refuse
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import absences_on
from ketenzicht.ui import formats
from ketenzicht.ui.formats import deadline

from .definitions import definition_of
from .labels import data_text, stored_step_text
from .models import Alert, Case, EventKind
from .selectors import queue_role


def alert_raise(
    *,
    kind: str,
    message: str,
    organisation: Organisation,
    case: Case | None = None,
    recipient: User | None = None,
    role: str = "",
    params: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    not_for: User | None = None,
) -> Alert:
    """Store an alert (inside the caller's transaction). `message` is an English text marked with
    gettext_noop where it is written, with %(name)s placeholders filled from `params`. A role's alert is
    not shown to `not_for` (whose own act it reports)."""
    if recipient is None and not role:
        raise ValueError("an alert needs a recipient or a role")
    alert = Alert.objects.create(
        organisation=organisation,
        case=case,
        recipient=recipient,
        role="" if recipient is not None else role,
        not_for=None if recipient is not None else not_for,
        kind=kind,
        message=message,
        params=dict(params or {}),
        created_at=at or timezone.now(),
    )
    if case is not None and recipient is not None and case.owner_id == recipient.pk:
        _tell_team_leads_owner_absent(alert, owner=recipient)
    return alert


# An alert to a case's owner while an absence covers its day (a post's, or a member's recorded by the team
# lead or themselves: `absences_on`) reaches the team leads of the alert's organisation too, as a copy of its
# own (the same kind and words, for the role) that names the absent owner and until when: the owner does not
# read it meanwhile, and the team lead hands the case over. Without an active team lead there (the district
# office) nothing more is raised: its desk routes to whoever stands in itself. Decision 0019.
ABSENT_OWNER = "absent_owner"
ABSENT_UNTIL = "absent_until"
ABSENT_OWNER_TEXT = gettext_noop(
    "This reaches you as team lead: %(owner)s, who owns the case, is absent until and including %(until)s."
)
ABSENT_OWNER_OPEN_TEXT = gettext_noop(
    "This reaches you as team lead: %(owner)s, who owns the case, is absent until further notice."
)


def _tell_team_leads_owner_absent(alert: Alert, *, owner: User) -> Alert | None:
    """The copy of `alert` (to the case's owner) for the team leads when an absence of the owner covers
    the alert's day; None when none does or the organisation has no other active team lead."""
    absence = absences_on([owner], on=timezone.localdate(alert.created_at)).get(owner.pk)
    if absence is None:
        return None
    leads = User.objects.filter(
        organisation_id=alert.organisation_id, is_active=True, roles__role=Role.TEAM_LEAD
    )
    if not leads.exclude(pk=owner.pk).exists():
        return None
    return Alert.objects.create(
        organisation_id=alert.organisation_id,
        case=alert.case,
        role=Role.TEAM_LEAD,
        not_for=owner,  # a team lead who owns the case reads their own alert when back
        kind=alert.kind,
        message=alert.message,
        params={
            **alert.params,
            ABSENT_OWNER: owner.display_name,
            ABSENT_UNTIL: absence.ends.isoformat() if absence.ends else "",
        },
        created_at=alert.created_at,
    )


def alert_for_case_owner(
    case: Case,
    *,
    kind: str,
    message: str,
    fallback_role: str,
    params: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Alert:
    """An alert to the case's owner, or to `fallback_role` of its organisation when nobody owns it (then
    marked `for_owner`: whoever takes the case on gets it, `alerts_follow_owner`)."""
    return alert_raise(
        kind=kind,
        message=message,
        organisation=case.organisation,
        case=case,
        recipient=case.owner,
        role=fallback_role,
        params={"case": case.reference, **(params or {}), **({} if case.owner else {FOR_OWNER: True})},
        at=at,
    )


# An alert meant for a case's owner that went to a role while nobody owned the case.
FOR_OWNER = "for_owner"

# The params that are texts of their own (English, marked with gettext_noop where they are written), named
# in the alert's params under this key: translated when the alert is shown, like its message.
TEXT_PARAMS = "texts"

# The params that are a code of a set of choices (param -> the choices' name, `alert_choices_register`),
# named in the alert's params under this key: worded when the alert is shown, by the choices' label of that
# day in the reader's language, so a label changed since reads anew. An alert stored with the words
# themselves (before, or a code no choice has) is shown as stored.
CODE_PARAMS = "codes"
_CHOICES: dict[str, type[models.TextChoices] | Callable[[str], str]] = {}


def alert_choices_register(name: str, choices: type[models.TextChoices] | Callable[[str], str]) -> None:
    """A desk's set of choices whose codes its alerts store (`CODE_PARAMS`), by name: its TextChoices, or
    what words a code in the active language (e.g. a pattern rule's label from the rules file)."""
    _CHOICES[name] = choices


alert_choices_register("event_kind", EventKind)


def _worded(name: str, code: Any) -> str | None:
    choices = _CHOICES.get(name)
    if choices is None or not isinstance(code, str):
        return None
    if isinstance(choices, type):
        coded = cast(type[models.TextChoices], choices)
        return str(coded(code).label) if code in coded.values else None
    return str(choices(code))


def alerts_follow_owner(case: Case, owner: User) -> int:
    """The case's unread alerts that were meant for its owner and went to a role while it had none now go
    to `owner`, who took it on (else the role keeps them and the owner never sees them); how many."""
    return Alert.objects.filter(
        case=case, recipient__isnull=True, read_at__isnull=True, **{f"params__{FOR_OWNER}": True}
    ).update(recipient=owner, role="", not_for=None)


# A step that waits for a second person (a proposed transition, a lowered screening level) is announced to the
# team leads of the case's organisation, who can always be that person; once someone has confirmed or declined
# it the announcement is settled (read by them), and a decline is told to whoever proposed the step.
SECOND_PERSON_KIND = "second_person"
SECOND_PERSON_DECLINED_KIND = "second_person_declined"
SECOND_PERSON_MESSAGE = gettext_noop(
    "Case %(case)s: %(who)s proposed “%(step)s”; it waits for a second person to confirm or decline it."
)
SECOND_PERSON_DECLINED_MESSAGE = gettext_noop(
    "Case %(case)s: %(who)s declined your proposal “%(step)s”. Reason: %(reason)s"
)
SECOND_PERSON_CONFIRMED_KIND = "second_person_confirmed"
SECOND_PERSON_CONFIRMED_MESSAGE = gettext_noop(
    "Case %(case)s: %(who)s confirmed your proposal “%(step)s”; it is taken. See the case for its new state "
    "and deadline."
)


def alert_second_person_wanted(
    case: Case, *, step: str, proposer: User, role: str = Role.TEAM_LEAD, at: datetime | None = None
) -> Alert:
    """Tell the team leads (or the users of `role`: who confirms a lowering) of the case's organisation that
    `step` (its label) waits for a second person."""
    return alert_raise(
        kind=SECOND_PERSON_KIND,
        message=SECOND_PERSON_MESSAGE,
        organisation=case.organisation,
        case=case,
        role=role,
        params={"case": case.reference, "who": proposer.display_name, "step": step},
        at=at,
        not_for=proposer,  # a team lead who proposed it is not asked to answer themselves
    )


def alert_second_person_answered(
    case: Case,
    *,
    step: str,
    actor: User,
    proposer: User | None,
    declined_reason: str | None,
    at: datetime | None = None,
) -> None:
    """A second person confirmed (`declined_reason` None) or declined the step: the announcement is settled
    in their name, and the proposer (when given) is told: a decline with its reason, a confirmation that the
    step is taken (its new state and deadline are on the case)."""
    at = at or timezone.now()
    alert_second_person_settled(case, step=step, by=actor, at=at)
    if declined_reason is None and proposer is not None and proposer.pk != actor.pk:
        alert_raise(
            kind=SECOND_PERSON_CONFIRMED_KIND,
            message=SECOND_PERSON_CONFIRMED_MESSAGE,
            organisation=case.organisation,
            case=case,
            recipient=proposer,
            params={"case": case.reference, "who": actor.display_name, "step": step},
            at=at,
        )
    if declined_reason is not None and proposer is not None:
        alert_raise(
            kind=SECOND_PERSON_DECLINED_KIND,
            message=SECOND_PERSON_DECLINED_MESSAGE,
            organisation=case.organisation,
            case=case,
            recipient=proposer,
            params={
                "case": case.reference,
                "who": actor.display_name,
                "step": step,
                "reason": declined_reason,
            },
            at=at,
        )


def alert_second_person_settled(
    case: Case, *, step: str, by: User | None, at: datetime | None = None
) -> None:
    """The step no longer waits for a second person (answered, or overtaken: a newer screening, the case
    closed): its announcement is settled, in `by`'s name (None: the system's)."""
    Alert.objects.filter(case=case, kind=SECOND_PERSON_KIND, params__step=step, read_at__isnull=True).update(
        read_at=at or timezone.now(), read_by=by
    )


def alert_settle(case: Case, *, recipient_id: int, kinds: Iterable[str], at: datetime | None = None) -> int:
    """The alerts of these kinds to one user about the case that ask nothing of them any more (the case went
    to someone else): settled in the system's name (read, read_by None), in the caller's transaction. How
    many were settled."""
    return Alert.objects.filter(
        case=case, recipient_id=recipient_id, kind__in=list(kinds), read_at__isnull=True
    ).update(read_at=at or timezone.now(), read_by=None)


# The alert of a passed deadline (services._escalate).
ESCALATED_KIND = "escalated"


def alerts_settle_reason_gone(
    case: Case, *, kinds: Iterable[str], at: datetime | None = None, params: Mapping[str, Any] | None = None
) -> int:
    """The unread alerts of these kinds about the case whose reason no longer holds (a passed deadline after
    the case took a step and has a new one, feedback that came after all): settled in the system's name
    (read, read_by None), for everyone they were meant for, in the caller's transaction. `params`: only
    alerts whose params hold these values (e.g. the notification the feedback was about). How many."""
    found = Alert.objects.filter(case=case, kind__in=list(kinds), read_at__isnull=True)
    for name, value in (params or {}).items():
        found = found.filter(**{f"params__{name}": value})
    return found.update(read_at=at or timezone.now(), read_by=None)


# A case given to a colleague (a team lead's handover, an owner who passes it on, the victim's contact
# person named) is told to that colleague: otherwise nobody knew a case had become theirs.
HANDED_OVER_KIND = "handed_over"
HANDED_OVER_MESSAGE = gettext_noop("Case %(case)s was given to you by %(who)s (%(what)s). Reason: %(reason)s")
HANDED_OVER_NO_REASON_MESSAGE = gettext_noop("Case %(case)s was given to you by %(who)s (%(what)s).")
# The words of alerts stored before the reason was named as one (their `message` is this msgid).
HANDED_OVER_MESSAGE_BEFORE = gettext_noop("Case %(case)s was given to you by %(who)s (%(what)s). %(reason)s")


def alert_handed_over(
    case: Case, *, to: User, by: User, what: str, reason: str, at: datetime | None = None
) -> Alert:
    """Tell `to` that `by` gave them the case; `what`: what they became, the history line's kind
    (`EventKind`, stored as its code and worded when read)."""
    return alert_raise(
        kind=HANDED_OVER_KIND,
        message=HANDED_OVER_MESSAGE if reason.strip() else HANDED_OVER_NO_REASON_MESSAGE,
        organisation=case.organisation,
        case=case,
        recipient=to,
        params={
            "case": case.reference,
            "who": by.display_name,
            "what": str(what),
            "reason": reason,
            CODE_PARAMS: {"what": "event_kind"},
        },
        at=at,
    )


# A reopened case is told to whoever works on it: its owner and the victim's contact person (not the team lead
# who reopened it). A case without an active owner (none, or one who left) is in its unit's queue: the alert
# then goes to the role that works that queue (`queue_role`: the police's screeners, Veilig Thuis's
# assessors), as a role alert, so it is not lost in a long list.
REOPENED_KIND = "reopened"
REOPENED_MESSAGE = gettext_noop(
    "Case %(case)s was reopened by %(who)s and is back in “%(state)s”; deadline %(deadline)s. "
    "Reason: %(reason)s"
)
REOPENED_NO_DEADLINE_MESSAGE = gettext_noop(
    "Case %(case)s was reopened by %(who)s and is back in “%(state)s”. Reason: %(reason)s"
)
REOPENED_QUEUE_MESSAGE = gettext_noop(
    "Case %(case)s was reopened by %(who)s and has no owner: it is back in “%(state)s” in your unit's "
    "queue; deadline %(deadline)s. Reason: %(reason)s"
)
REOPENED_QUEUE_NO_DEADLINE_MESSAGE = gettext_noop(
    "Case %(case)s was reopened by %(who)s and has no owner: it is back in “%(state)s” in your unit's "
    "queue. Reason: %(reason)s"
)


def alert_reopened(
    case: Case, *, by: User, state: str, reason: str, queue_role: str, at: datetime | None = None
) -> list[Alert]:
    """Tell the case's owner and the victim's contact person (each once, never `by`) that `by` reopened
    the case, why, and its new deadline (`state`: the label of the state it is back in). Without an active
    owner the alert goes to `queue_role` of the case's organisation. The alerts raised."""
    params = {
        "case": case.reference,
        "who": by.display_name,
        "state": state,
        "reason": reason,
        # Stored as a moment, shown in the reader's language as the case page shows it (`alert_text`).
        "deadline_at": case.deadline_at.isoformat() if case.deadline_at else "",
    }
    dated = case.deadline_at is not None
    owner = case.owner if case.owner is not None and case.owner.is_active else None
    told: list[Alert] = []
    if owner is None:
        told.append(
            alert_raise(
                kind=REOPENED_KIND,
                message=REOPENED_QUEUE_MESSAGE if dated else REOPENED_QUEUE_NO_DEADLINE_MESSAGE,
                organisation=case.organisation,
                case=case,
                role=queue_role,
                params=params,
                at=at,
                not_for=by,
            )
        )
    people = [owner, case.victim_contact]
    skip = {by.pk}
    for person in people:
        if person is None or not person.is_active or person.pk in skip:
            continue
        skip.add(person.pk)
        told.append(
            alert_raise(
                kind=REOPENED_KIND,
                message=REOPENED_MESSAGE if dated else REOPENED_NO_DEADLINE_MESSAGE,
                organisation=case.organisation,
                case=case,
                recipient=person,
                params=params,
                at=at,
            )
        )
    return told


# A user who left (was deactivated) while holding open cases: the cases are back in the unit's queue, the
# victims of others have no contact person. One alert to the organisation's team leads (without any: the
# role that works the queue) naming the cases, so that someone takes them on.
OWNER_LEFT_KIND = "owner_left"
OWNER_LEFT_MESSAGE = gettext_noop(
    "%(who)s was deactivated by %(by)s. Back in the queue without an owner: %(cases)s. Reason: %(reason)s"
)
CONTACT_LEFT_MESSAGE = gettext_noop(
    "%(who)s was deactivated by %(by)s. The victim has no contact person any more in: %(contact_cases)s. "
    "Reason: %(reason)s"
)
BOTH_LEFT_MESSAGE = gettext_noop(
    "%(who)s was deactivated by %(by)s. Back in the queue without an owner: %(cases)s. The victim has no "
    "contact person any more in: %(contact_cases)s. Reason: %(reason)s"
)
# The same when the user moved to another unit (still active: they work elsewhere now).
OWNER_MOVED_MESSAGE = gettext_noop(
    "%(who)s was moved to another unit by %(by)s. Back in the queue without an owner: %(cases)s. "
    "Reason: %(reason)s"
)
CONTACT_MOVED_MESSAGE = gettext_noop(
    "%(who)s was moved to another unit by %(by)s. The victim has no contact person any more in: "
    "%(contact_cases)s. Reason: %(reason)s"
)
BOTH_MOVED_MESSAGE = gettext_noop(
    "%(who)s was moved to another unit by %(by)s. Back in the queue without an owner: %(cases)s. The "
    "victim has no contact person any more in: %(contact_cases)s. Reason: %(reason)s"
)


def alert_owner_left(
    user: User,
    *,
    queued: list[Case],
    contactless: list[Case],
    reason: str,
    by: User | None,
    at: datetime | None = None,
) -> list[Alert]:
    """Tell each organisation of the cases (the user's own, as a rule) that `user` left and which of its
    open cases lost their owner (`queued`) or their victim's contact person (`contactless`): one alert to
    its team leads, or, with no active team lead there, to the role that works the queue of its first case.
    A user still active moved to another unit: the alert says so. The alerts raised."""
    told: list[Alert] = []
    both, owner, contact = (
        (BOTH_MOVED_MESSAGE, OWNER_MOVED_MESSAGE, CONTACT_MOVED_MESSAGE)
        if user.is_active
        else (BOTH_LEFT_MESSAGE, OWNER_LEFT_MESSAGE, CONTACT_LEFT_MESSAGE)
    )
    organisations: dict[int, list[Case]] = {}
    for case in [*queued, *contactless]:
        organisations.setdefault(case.organisation_id, []).append(case)
    for cases in organisations.values():
        organisation = cases[0].organisation
        lost = [c.reference for c in queued if c.organisation_id == organisation.pk]
        alone = [c.reference for c in contactless if c.organisation_id == organisation.pk]
        leads = User.objects.filter(
            organisation=organisation, is_active=True, roles__role=Role.TEAM_LEAD
        ).exists()
        role = Role.TEAM_LEAD if leads else queue_role(definition_of(cases[0].process_version))
        message = both if lost and alone else owner if lost else contact
        told.append(
            alert_raise(
                kind=OWNER_LEFT_KIND,
                message=message,
                organisation=organisation,
                case=cases[0] if len({*lost, *alone}) == 1 else None,
                role=role,
                params={
                    "who": user.display_name,
                    "by": by.display_name if by is not None else "Ketenzicht",
                    "cases": ", ".join(lost),
                    "contact_cases": ", ".join(alone),
                    "reason": reason or "—",
                },
                at=at,
                not_for=by,
            )
        )
    return told


# The kinds of alert whose reason is the case's open work (it became yours, it waits for your answer or your
# decision, it came back, something came in to look at before you act): once the case closes they ask
# nothing of anyone, and are settled in the system's name (`alerts_settle_case_closed`). A desk adds its
# own such kinds when it starts (`alerts_settled_on_close_register`). What others told about the case (a
# partner's feedback or decision, a breach, a declined proposal and why) is not among them: news to be read.
_SETTLED_ON_CLOSE: set[str] = {
    ESCALATED_KIND,
    SECOND_PERSON_KIND,
    SECOND_PERSON_CONFIRMED_KIND,
    HANDED_OVER_KIND,
    REOPENED_KIND,
    OWNER_LEFT_KIND,
}


def alerts_settled_on_close_register(*kinds: str) -> None:
    """A desk's kinds of alert whose reason is the case's open work: settled when the case closes."""
    _SETTLED_ON_CLOSE.update(kinds)


def alerts_settle_case_closed(case: Case, *, at: datetime | None = None) -> int:
    """The case closed: its unread alerts whose reason was its open work (`_SETTLED_ON_CLOSE`) are settled
    for everyone they were meant for, in the caller's transaction. How many."""
    return alerts_settle_reason_gone(case, kinds=sorted(_SETTLED_ON_CLOSE), at=at)


def alert_text(alert: Alert) -> str:
    """The alert's message in the user's language, its placeholders filled (a code by its choice's label
    of today, `CODE_PARAMS`; a role by its name; a state or step stored as the process file names it, in
    the user's language where the catalogue has it whole; a deadline stored with its moment in the user's
    words)."""
    params = dict(alert.params)
    for name in params.pop(TEXT_PARAMS, None) or ():
        if isinstance(params.get(name), str):
            params[name] = gettext(params[name])
    coded = params.pop(CODE_PARAMS, None)
    for name, choices in coded.items() if isinstance(coded, dict) else ():
        worded = _worded(str(choices), params.get(name))
        if worded is not None:
            params[name] = worded
    if isinstance(params.get("state"), str):
        params["state"] = data_text(params["state"])
    if isinstance(params.get("step"), str):
        params["step"] = stored_step_text(params["step"])
    if params.get("role") in Role.values:
        params["role"] = str(Role(params["role"]).label)
    # A deadline stored beside its words ("08-12-2026, einde van de dag", as written) is shown in the
    # user's words: "deadline_at" gives "deadline", "due_at" gives "due".
    for name in ("deadline", "due"):
        if params.get(f"{name}_at"):
            with contextlib.suppress(TypeError, ValueError):
                params[name] = deadline(datetime.fromisoformat(params[f"{name}_at"]))
    try:
        text = gettext(alert.message) % params
    except (KeyError, TypeError, ValueError):
        text = gettext(alert.message)
    if isinstance(params.get(ABSENT_OWNER), str):
        return f"{text} {_absent_owner_text(params[ABSENT_OWNER], params.get(ABSENT_UNTIL))}"
    return text


def _absent_owner_text(owner: str, until: Any) -> str:
    """That the alert reaches a team lead because its case's owner is absent, until when."""
    if isinstance(until, str) and until:
        with contextlib.suppress(ValueError):
            day = formats.date(date.fromisoformat(until))
            return gettext(ABSENT_OWNER_TEXT) % {"owner": owner, "until": day}
    return gettext(ABSENT_OWNER_OPEN_TEXT) % {"owner": owner}


def _meant_for(user: User) -> Q | None:
    if not user.is_authenticated or user.organisation_id is None:
        return None
    return Q(recipient=user) | (
        Q(recipient__isnull=True, organisation_id=user.organisation_id, role__in=list(user.role_codes))
        & ~Q(not_for=user)
    )


def alert_list_for_user(*, user: User, unread_only: bool = True) -> QuerySet[Alert]:
    condition = _meant_for(user)
    if condition is None:
        return Alert.objects.none()
    alerts = Alert.objects.filter(condition).select_related("case", "read_by")
    return alerts.filter(read_at__isnull=True) if unread_only else alerts


def alert_get_for_user(*, user: User, pk: int, origin: str = "") -> Alert:
    try:
        return alert_list_for_user(user=user, unread_only=False).get(pk=pk)
    except Alert.DoesNotExist:
        raise refuse(actor=user, object_type="alert", object_id=pk, origin=origin) from None


def alert_read(alert: Alert, *, actor: User, at: datetime | None = None) -> Alert:
    """Mark an alert read (for everyone it was meant for: one of the role has seen to it)."""
    if alert.read_at is None:
        alert.read_at = at or timezone.now()
        alert.read_by = actor
        alert.save(update_fields=["read_at", "read_by"])
    return alert
