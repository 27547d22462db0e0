"""The Veilig Thuis desk's panels on the kernel's case page (registered in apps.py): on a notification's
case, where it came from, its radar class and the history behind it, and forwarding; on a police case, the
feedback of Veilig Thuis on what the case notified."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.labels import data_text, state_label
from ketenzicht.workprocesses.models import Case

from .forms import ForwardForm
from .handover import handover_rows
from .labels import RADAR_BADGES, radar_group, radar_label, reason_label
from .models import Notification
from .rules import chain_rules
from .selectors import (
    feedback_for_police_case,
    forwarded_from_for_user,
    handoffs_named_for_user,
    may_use_vt_desk,
    notification_of,
    police_case_ids_seen,
    radar_history,
)
from .services import HandoffTarget, being_worked, feedback_text, handoff_target, takeover_from


def feedback_note(detail: Mapping[str, Any]) -> str | None:
    """The note of the police case's line of Veilig Thuis's feedback in the reader's language (registered
    with the kernel in apps.py); None for a line that kept no feedback (then it is shown as written)."""
    feedback = detail.get("feedback")
    if not isinstance(feedback, dict):
        return None
    return feedback_text(feedback, str(detail.get("notification") or ""), words=data_text)


def _choice(notification: Notification, name: str, value: str) -> str:
    spec = definition_of(notification.case.process_version).fields.get(name)
    return data_text(spec.choices.get(value, value)) if spec and value else ""


def notification_panel(request: HttpRequest, case: Case) -> SafeString | None:
    user: User = request.user  # type: ignore[assignment]
    notification = notification_of(case)
    if notification is None or not may_use_vt_desk(user):
        return None
    reasons = [reason_label(code) for code in notification.reasons]
    history = radar_history(notification, user=user)
    earlier = [
        {
            "pk": row.notification.case_id,
            "reference": row.notification.case.reference,
            "received": timezone.localtime(row.notification.received_at),
            "radar": radar_label(row.notification.radar_class),
            "state": row.state,
            "unsafety": _choice(row.notification, "unsafety", row.notification.unsafety),
            "outcome": _choice(row.notification, "outcome", row.notification.outcome),
            "common": row.common,
        }
        for row in history.earlier
    ]
    definition = definition_of(case.process_version)
    told_all = list(reversed(notification.handovers or []))
    # A police case is named only where the user may see a registration of it (the one notified to their
    # organisation, while the disclosure stands), as on the feedback list: not after the notification was
    # forwarded elsewhere, nor a hand-off's case whose registrations the organisation was not notified of.
    named = handoffs_named_for_user(user=user, handoff_ids={told.get("handoff") for told in told_all})
    seen = police_case_ids_seen(
        user=user, case_ids=[notification.police_case_id] if notification.police_case_id else []
    )
    handovers = [
        {
            "at": timezone.localtime(datetime.fromisoformat(str(told["at"]))) if told.get("at") else None,
            "police_case": told.get("police_case", "") if told.get("handoff") in named else "",
            "rows": handover_rows(told, definition),
        }
        for told in told_all
    ]
    context: dict[str, Any] = {
        "handovers": handovers,
        "news": notification.news,
        "may_take_up": bool(
            notification.news and case.closed_at is None and set(user.role_codes) & definition.working_roles()
        ),
        "took_over": [
            {"pk": old.case_id, "reference": old.case.reference}
            for old in notification.took_over.select_related("case").order_by("case_id")
        ],
        "notification": notification,
        "police_case_shown": notification.police_case_id in seen,
        # The organisation that forwarded it, by name; its own reference only to whoever may open that case.
        "forwarded_from": forwarded_from_for_user(user=user, notification=notification),
        "origin": notification.get_origin_display(),
        "reasons": reasons,
        "radar": radar_label(notification.radar_class),
        "radar_badge": RADAR_BADGES.get(radar_group(notification.radar_class), ""),
        "known": len((notification.radar or {}).get("known") or []),
        "history": history,
        "earlier": earlier,
        "involved_in": history.involved_in,
        "forward_form": ForwardForm(current=notification.organisation)
        if case.closed_at is None and case.state == "received"
        else None,
        "case": case,
    }
    return SafeString(render_to_string("veiligthuis/_panel.html", context, request=request))


def feedback_panel(request: HttpRequest, case: Case) -> SafeString | None:
    if case.organisation.kind != OrganisationKind.POLITIE:
        return None
    notifications = feedback_for_police_case(case)
    if not notifications:
        return None
    now = timezone.now()
    rows = []
    for n in notifications:
        definition = definition_of(n.case.process_version)
        latest = str(n.case.data.get("outcome") or "")
        rows.append(
            {
                "organisation": n.organisation.name,
                "reference": n.case.reference,
                "received": timezone.localtime(n.received_at),
                "state": state_label(definition, n.case.state),
                "unsafety": _choice(n, "unsafety", n.unsafety),
                "outcome": _choice(n, "outcome", n.outcome),
                # A later step's outcome (fed back too, each in the case's history): the one it has now.
                "latest": _choice(n, "outcome", latest) if latest not in ("", n.outcome, "forwarded") else "",
                "conditions": str(n.case.data.get("safety_conditions") or "").strip().rstrip("."),
                "outcome_at": timezone.localtime(n.outcome_at) if n.outcome_at else None,
                "feedback_given": n.feedback_at is not None,
                "feedback_due": n.feedback_due_at,
                "no_feedback": bool(
                    n.feedback_at is None
                    and n.taken_over_by_id is None
                    and n.feedback_due_at
                    and n.feedback_due_at <= now
                    and n.outcome != "forwarded"
                ),
                "forwarded": n.outcome == "forwarded",
                "taken_over_by": n.taken_over_by.case.reference if n.taken_over_by is not None else "",
            }
        )
    return SafeString(render_to_string("veiligthuis/_feedback.html", {"rows": rows}, request=request))


def vt_step_note(case: Case) -> str | None:
    """On the police case's step "notify Veilig Thuis": said before it is taken whether the hand-off joins
    the open notification of the case's latest registration (still being worked, or past its term within
    the grace after it, until when) or opens a new one that takes over a notification that waited past its
    term and the grace (`services.being_worked`, as `services.notification_from_handoff` decides)."""
    target = handoff_target(case)
    if target is None:
        return None
    where = _where_it_goes(target)
    joins = _what_it_joins(target)
    return f"{where} {joins}" if joins else where


def _where_it_goes(target: HandoffTarget) -> str:
    """Which Veilig Thuis organisation the hand-off goes to, and by whose municipality (`handoff_target`)."""
    params = {
        "organisation": target.organisation.name,
        "municipality": target.municipality.name if target.municipality else "",
        "registration": target.registration.reference if target.registration else "",
    }
    if target.routed_by is not None:
        said = _(
            "This hand-off goes to %(organisation)s, the Veilig Thuis organisation of %(municipality)s: the "
            "victim's most recent address among the case's registrations (registration %(by)s). The case's "
            "latest registration %(registration)s names no address of the victim"
        ) % {**params, "by": target.routed_by.reference}
        if target.instead_of is not None:
            said += _(" (where it happened: %(instead)s)") % {"instead": target.instead_of.name}
        return f"{said}."
    if target.basis == "children":
        return (
            _(
                "This hand-off goes to %(organisation)s, the Veilig Thuis organisation of %(municipality)s: "
                "where the children live according to the case's latest registration %(registration)s."
            )
            % params
        )
    if target.basis == "victim":
        return (
            _(
                "This hand-off goes to %(organisation)s, the Veilig Thuis organisation of %(municipality)s: "
                "where the victim lives according to the case's latest registration %(registration)s."
            )
            % params
        )
    return (
        _(
            "This hand-off goes to %(organisation)s, the Veilig Thuis organisation of %(municipality)s: "
            "where the case's latest registration %(registration)s happened (no registration of the case "
            "names an address of the victim)."
        )
        % params
    )


def _what_it_joins(target: HandoffTarget) -> str | None:
    """Whether the hand-off joins the open notification of the case's latest registration or opens a new
    one that takes it over."""
    if target.open is None:
        return None
    params = {"notification": target.open.case.reference, "organisation": target.organisation.name}
    now = timezone.now()
    rules = chain_rules()
    if being_worked(target.open, at=now, rules=rules):
        waiting = target.open.case
        if waiting.state == "received" and waiting.deadline_at is not None and waiting.deadline_at <= now:
            return _(
                "Notification %(notification)s of %(organisation)s about this case's latest registration "
                "waited past its term (%(due)s) without a safety assessment, within the grace after it "
                "(until %(until)s): this hand-off adds the case's information to it, marked as new for its "
                "assessor, and opens no new notification. After the grace a hand-off opens a new "
                "notification, which takes it over."
            ) % {
                **params,
                "due": deadline_text(waiting.deadline_at),
                "until": deadline_text(takeover_from(waiting.deadline_at, rules)),
            }
        return (
            _(
                "Notification %(notification)s of %(organisation)s about this case's latest registration is "
                "still being worked: this hand-off adds the case's information to it, marked as new for its "
                "assessor, and opens no new notification."
            )
            % params
        )
    return (
        _(
            "Notification %(notification)s of %(organisation)s about this case's latest registration waited "
            "past its term without a safety assessment: this hand-off opens a new notification, which takes "
            "it over."
        )
        % params
    )
