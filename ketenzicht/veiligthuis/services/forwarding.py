"""Forwarding a notification to the Veilig Thuis organisation of another region."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import Organisation, User
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.registrations.models import Disclosure
from ketenzicht.workprocesses.alerts import alerts_settle_reason_gone
from ketenzicht.workprocesses.labels import note_words
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import (
    ALERTS_SETTLED,
    case_take,
)

from ..models import Notification, Origin
from .facts import registration_facts
from .feedback import police_tell
from .names import (
    DISCLOSURE_PURPOSE,
    FORWARDED_KIND,
    FORWARDED_MESSAGE,
    NO_FEEDBACK_KIND,
    POLICE_FORWARDED_LINE,
    POLICE_FORWARDED_NOTE,
)
from .opening import notification_open, registration_add


class ForwardRefused(Exception):
    """A notification that cannot be forwarded there (not another Veilig Thuis organisation, no reason)."""


def notification_forward(
    notification: Notification, *, to: Organisation, actor: User, reason: str, origin: str = ""
) -> Notification:
    """Forward a notification received by the wrong organisation: its case closes as forwarded (with the
    reason), the disclosure to this organisation ends, and `to` receives a notification of the same
    registration. The police case it came from is told where it went, once (`feedback.police_tell`).
    Logged."""
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
        # The police case that handed it over is told where it went (its feedback comes from there now); its
        # alert that no feedback came on this one asks nothing any more.
        if notification.police_case_id is not None:
            police_case = Case.objects.get(pk=notification.police_case_id)
            settled = alerts_settle_reason_gone(
                police_case,
                kinds=[NO_FEEDBACK_KIND],
                params={"notification": notification.case.reference},
                at=at,
            )
            words = {
                "organisation": notification.organisation.name,
                "notification": notification.case.reference,
                "to": to.name,
                "new": forwarded.case.reference,
            }
            note, kept = note_words(POLICE_FORWARDED_NOTE, **words)  # shown in the reader's language
            police_tell(
                notification,
                told=("forwarded", forwarded.case.reference),
                note=note,
                what=POLICE_FORWARDED_LINE,
                kind=FORWARDED_KIND,
                message=FORWARDED_MESSAGE,
                params=words,
                by=actor.pk,
                at=at,
                detail={"forwarded_to": to.code, "new": forwarded.case.reference, **kept}
                | ({ALERTS_SETTLED: settled} if settled else {}),
            )
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
