"""In step with the safety-assessment case: what the police case is told (once per change; once that the
notification was reopened or forwarded), the protocol's alerts, and the refusal to reopen a notification
another took over."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from ketenzicht.organisations.models import User
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.alerts import alert_for_case_owner, alerts_settle_reason_gone
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import NOTE_WORDS
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.selectors import queue_role
from ketenzicht.workprocesses.services import (
    ALERTS_SETTLED,
    case_record,
)

from ..models import Notification
from ..rules import chain_rules
from ..selectors import feedback_missing
from .handoff import taken_up
from .names import (
    ACUTE_MESSAGE,
    FEEDBACK_KIND,
    FEEDBACK_MESSAGE,
    FEEDBACK_NOTE,
    FEEDBACK_WORDS,
    NO_FEEDBACK_KIND,
    NO_FEEDBACK_MESSAGE,
    POLICE_REOPENED_LINE,
    POLICE_REOPENED_NOTE,
    PROCESS,
    REOPENED_KIND,
    REOPENED_MESSAGE,
    SINCE,
    TOLD,
)


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
            taken_up(notification, actor_id=acted[1], at=acted[0])
    if new_step and changed:
        # Fed back when the step was taken; a step taken before the notification had a police case (one that
        # joined it later: a registration of its pair, a hand-off) is told when it joined (`since`).
        since = before.get(SINCE)
        told_at = max(now, datetime.fromisoformat(since)) if since else now
        _feed_back(
            notification, case, before=before, after=now_told, changed=changed, at=told_at, by=stepped_by
        )
    last = (
        case.events.order_by("-id").values_list("id", "kind", "at", "actor_id").first()
        if notification.police_case is not None and case.closed_at is None
        else None
    )
    if last is not None and last[1] == EventKind.REOPENED:
        # Reopened by a team lead (the reopen's line is the case's last): the police case is told once.
        police_tell(
            notification,
            told=("reopened", last[0]),
            note=in_installation_language(
                POLICE_REOPENED_NOTE,
                organisation=notification.organisation.name,
                notification=case.reference,
            ),
            what=POLICE_REOPENED_LINE,
            kind=REOPENED_KIND,
            message=REOPENED_MESSAGE,
            params={"organisation": notification.organisation.name, "notification": case.reference},
            by=last[3],
            at=last[2],
        )


def police_tell(
    notification: Notification,
    *,
    told: tuple[str, Any],
    note: str,
    what: str,
    kind: str,
    message: str,
    params: Mapping[str, Any],
    by: int | None,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
) -> bool:
    """Tell the notification's police case what happened to the notification itself (reopened, forwarded to
    another region), as its feedback is told: one line in its history, open or closed, with `note` (in the
    installation's language) and `what` (its kind of line), by `by`; while it is open an alert `kind` with
    `message` (and `params`) to its owner, or with none to the role that works its unit's queue, marked for
    the owner (the chain rules' `protocol.feedback`). Once: `told`, (name, value), is kept in the
    notification's `told`, and the same is never told again. False when nothing was told (no police case,
    or told before)."""
    name, value = told
    if notification.police_case_id is None or notification.told.get(name) == value:
        return False
    notification.told = {**notification.told, name: value}
    Notification.objects.filter(pk=notification.pk).update(told=notification.told)
    police_case = Case.objects.select_related("organisation", "owner", "process_version").get(
        pk=notification.police_case_id
    )
    _tell(
        police_case,
        alert=chain_rules().protocol.feedback.alert == "police_case_owner",
        kind=kind,
        message=message,
        params=params,
        note=note,
        what=what,
        detail={"veilig_thuis": notification.organisation.code, "notification": notification.case.reference}
        | dict(detail or {}),
        by=by,
        at=at,
    )
    return True


def _tell(
    police_case: Case,
    *,
    alert: bool,
    kind: str,
    message: str,
    params: Mapping[str, Any],
    note: str,
    what: str,
    detail: dict[str, Any],
    by: int | None,
    at: datetime,
) -> None:
    """What the police case is told of its notification: while it is open and the chain rules `alert`, an
    alert `kind` with `message` (and `params`) to its owner, or with none to the role that works its unit's
    queue, marked for the owner; and one line in its history, open or closed, with `note` and `detail`, by
    `by` (the user who took the step: the police read who told them)."""
    if police_case.closed_at is None and alert:
        alert_for_case_owner(
            police_case,
            kind=kind,
            message=message,
            fallback_role=queue_role(definition_of(police_case.process_version)),
            params=params,
            at=at,
        )
    case_record(
        police_case,
        values={},
        actor=User.objects.filter(pk=by).first() if by else None,
        expected_version=None,
        note=note,
        detail=detail,
        at=at,
        what=what,
        closed_too=True,
    )


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
    note = in_installation_language(lazy(feedback_text, str)(feedback, case.reference, words=str))
    words = in_installation_language(lazy(_feedback_told, str)(feedback, words=str))
    alerted = rules.protocol.acute_unsafety if became_acute else rules.protocol.feedback
    # One line in the police case's history, also when it is closed (the panel on the case shows the
    # notification's state as it is now, the history each change as it was told), by the assessor who took
    # the step, dated when it was taken.
    _tell(
        police_case,
        alert=alerted.alert == "police_case_owner",
        kind="vt_acute" if became_acute else FEEDBACK_KIND,
        message=ACUTE_MESSAGE if became_acute else FEEDBACK_MESSAGE,
        params={
            "organisation": notification.organisation.name,
            "notification": case.reference,
            **({} if became_acute else {"feedback": words}),
        },
        note=note,
        what=FEEDBACK_LINE,
        detail={
            "veilig_thuis": notification.organisation.code,
            "notification": case.reference,
            "feedback": feedback,
            NOTE_WORDS: FEEDBACK_WORDS,
            **({ALERTS_SETTLED: settled} if settled else {}),
        },
        by=by,
        at=at,
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
    # The chain contact's list of feedback calls the same notifications missing (selectors.feedback_missing):
    # none given within the term, a police case to tell, not forwarded, not taken over (the notification
    # that took it over gives the feedback).
    late = Notification.objects.filter(
        feedback_missing(now), no_feedback_alerted_at__isnull=True
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
