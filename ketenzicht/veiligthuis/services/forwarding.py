"""Forwarding a notification to the Veilig Thuis organisation of another region."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.registrations.models import Disclosure
from ketenzicht.workprocesses.services import (
    case_take,
)

from ..models import Notification, Origin
from .facts import registration_facts
from .names import DISCLOSURE_PURPOSE
from .opening import notification_open, registration_add


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
            registration_add(forwarded, facts, at=at, actor=actor)
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
