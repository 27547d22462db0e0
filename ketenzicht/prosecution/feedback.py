"""In step with the cases: the ZSM file follows its case; a decision is fed back to the police case and to
Veilig Thuis; Veilig Thuis's information, once in, is recorded on the open files that wait for it, and a
file that did not wait for it waits once Veilig Thuis is notified of its case after all.

Every case change sends `case_changed` (a police case's on every intake that joins it): a case of another
process costs no query here."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import PostKind, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import holds_post
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.veiligthuis.models import Notification
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.veiligthuis.services import PROCESS as VT_PROCESS
from ketenzicht.workprocesses.alerts import HANDED_OVER_KIND, alert_for_case_owner, alert_settle
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case, EventKind
from ketenzicht.workprocesses.services import case_record

from .models import PartnerRequest, ZsmFile
from .services import PROCESS, vt_information_record

# Named with the prosecutor who decided, whom the police and Veilig Thuis call about it (a measure's
# conditions, a hearing). The texts without a prosecutor stay for the alerts and lines stored before.
DECISION_MESSAGE = gettext_noop(
    "Case %(case)s: %(office)s (%(prosecutor)s) decided on ZSM file %(file)s: %(decision)s."
)
DECISION_NOTE = gettext_noop("Decision of %(office)s (%(prosecutor)s) on ZSM file %(file)s: %(decision)s.")
DECISION_MESSAGE_UNNAMED = gettext_noop(
    "Case %(case)s: %(office)s decided on ZSM file %(file)s: %(decision)s."
)
DECISION_NOTE_UNNAMED = gettext_noop("Decision of %(office)s on ZSM file %(file)s: %(decision)s.")
VT_IN_NOTE = gettext_noop("Information of %(organisation)s is in (notification %(notification)s).")
# A file that recorded Veilig Thuis's information as not needed (not domestic, and Veilig Thuis had not been
# notified when it opened), when a notification of its case comes in later.
VT_NOW_NEEDED_NOTE = gettext_noop(
    "%(organisation)s received notification %(notification)s of this case after the file recorded its "
    "information as not needed: a criminal decision waits until its information is in."
)
# What the file's history calls that line (translated when shown).
VT_NOW_NEEDED_LINE = gettext_noop("waiting for Veilig Thuis")

# What a decision's feedback names beside the decision itself.
DECISION_DETAIL = ("dismissal_ground", "penalty", "hearing_on", "conditions_text", "order_conditions")

# The alerts that tell a prosecutor a file is theirs or asks their act as its holder (routed, handed over,
# stood in for, complete, joined by new information): settled when the file goes to someone else.
HOLDER_ALERT_KINDS = ("zsm_routed", "zsm_stand_in", "zsm_answered", "zsm_joined", HANDED_OVER_KIND)

# What the police case's history calls the ZSM decision's line (translated when shown).
DECISION_LINE = gettext_noop("ZSM decision received")


def decision_text(case: Case) -> str:
    """The decision with what goes with it, in the installation's language (a record, not a page)."""
    definition = definition_of(case.process_version)
    data = case.data
    parts: list[str] = []
    for name in ("decision", *DECISION_DETAIL):
        value = str(data.get(name) or "")
        if not value:
            continue
        spec = definition.fields[name]
        shown = spec.choices.get(value, value) if spec.choices else value
        if spec.kind == "date":
            with contextlib.suppress(ValueError):
                shown = f"{date.fromisoformat(value):%d-%m-%Y}"
        parts.append(shown if name == "decision" else f"{spec.label.lower()} {shown}")
    return "; ".join(parts)


def _feed_back(file: ZsmFile, case: Case, *, actor: User | None, at: Any) -> None:
    """The decision in the history of the police case and of each Veilig Thuis notification of it (while
    open; a closed case keeps its panel), and an alert to each one's owner."""
    decided_by = actor or file.prosecutor
    prosecutor = decided_by.display_name if decided_by else ""
    named = {"prosecutor": prosecutor} if prosecutor else {}
    decision = in_installation_language(lazy(decision_text, str)(case))
    note = in_installation_language(
        DECISION_NOTE if prosecutor else DECISION_NOTE_UNNAMED,
        office=file.district_office.name,
        file=case.reference,
        decision=decision,
        **named,
    )
    police_case = file.police_case
    told: list[tuple[Case, str]] = [(police_case, Role.CASE_OWNER)]
    notifications = notifications_about(
        police_case.pk, list(case.registrations.values_list("pk", flat=True))
    ).select_related("case", "case__organisation", "case__owner")
    told += [(notification.case, Role.VT_ASSESSOR) for notification in notifications]
    for other, fallback_role in told:
        if other.closed_at is None:
            with contextlib.suppress(Refused):
                case_record(
                    other,
                    values={},
                    actor=actor,
                    expected_version=None,
                    note=note,
                    detail={"zsm_file": case.reference, "decision": case.data.get("decision")},
                    what=DECISION_LINE,
                    at=at,
                )
        alert_for_case_owner(
            other,
            kind="zsm_decision",
            message=DECISION_MESSAGE if prosecutor else DECISION_MESSAGE_UNNAMED,
            fallback_role=fallback_role,
            params={
                "office": file.district_office.name,
                "file": case.reference,
                "decision": decision,
                **named,
            },
            at=at,
        )


def sync_file(sender: Any, case: Case, **kwargs: Any) -> None:
    process = case.process_version.process  # loaded with the locked case
    if process == VT_PROCESS:
        vt_information_arrived(case)
        return
    if process != PROCESS:
        return
    file = ZsmFile.objects.filter(pk=case.pk).select_related("police_case", "district_office").first()
    if file is None:
        return
    stepped = (
        case.events.filter(kind=EventKind.TRANSITION)
        .order_by("-at", "-id")
        .values_list("at", "actor_id")
        .first()
    )
    now, stepped_by = stepped if stepped else (timezone.now(), None)
    data = case.data
    decision = str(data.get("decision") or "")
    decided_now = bool(decision) and decision != file.decision
    route = str(data.get("route") or "")
    file.open = case.closed_at is None
    file.state = case.state
    if case.owner_id != file.prosecutor_id:  # handed over (to a colleague, a stand-in) or given back
        if file.prosecutor_id is not None:
            # What told the previous prosecutor the file was theirs asks nothing of them now: settled in
            # the hand-over's transaction, at its moment, so no stale alert waits on their alerts page.
            handed_at = (
                case.events.filter(kind=EventKind.OWNER).order_by("-at", "-id").values_list("at", flat=True)
            ).first()
            alert_settle(case, recipient_id=file.prosecutor_id, kinds=HOLDER_ALERT_KINDS, at=handed_at)
        owner = case.owner if case.owner_id else None
        file.prosecutor = owner
        file.substitute = owner is not None and holds_post(owner, PostKind.DV_SUBSTITUTE)
    file.deadline_at = case.deadline_at
    file.closed_at = case.closed_at
    if route and route != file.route:
        file.route, file.routed_at = route, now
    if data.get("vt_information") and file.vt_information_at is None:
        file.vt_information_at = timezone.now()
    if decided_now:
        file.decision, file.decided_at = decision, now
    file.save()
    if case.closed_at is not None:
        # Decided: what the partners were asked and did not answer is withdrawn, visibly on both sides.
        PartnerRequest.objects.filter(file=file, answered_at__isnull=True, withdrawn_at__isnull=True).update(
            withdrawn_at=case.closed_at
        )
    if decided_now:
        actor = User.objects.filter(pk=stepped_by).first() if stepped_by else None
        _feed_back(file, case, actor=actor, at=now)


def vt_notifications_opened(sender: Any, notifications: Sequence[Notification], **kwargs: Any) -> None:
    """Veilig Thuis received notifications (`veiligthuis.signals.notifications_opened`): every open ZSM file
    of their police cases or registrations that recorded Veilig Thuis's information as not needed waits
    for it now (its history says why), as a file does that opens after a notification
    (services.file_open). A decided file is left alone. One query for the batch, and a line per file."""
    if not notifications:
        return
    police_cases = {n.police_case_id for n in notifications if n.police_case_id is not None}
    registrations = {n.registration_id for n in notifications}
    files = (
        ZsmFile.objects.filter(
            open=True, case__closed_at__isnull=True, case__data__vt_information="not_required"
        )
        .filter(Q(police_case_id__in=police_cases) | Q(case__registrations__id__in=registrations))
        .select_related("case", "case__process_version")
        .distinct()
        .order_by("pk")
    )
    for file in files:
        on_file = set(file.case.registrations.values_list("pk", flat=True))
        notification = next(
            n
            for n in notifications
            if n.police_case_id == file.police_case_id or n.registration_id in on_file
        )
        note = in_installation_language(
            VT_NOW_NEEDED_NOTE,
            organisation=notification.organisation.name,
            notification=notification.case.reference,
        )
        # What sync_file keeps of the information's arrival goes with the value.
        ZsmFile.objects.filter(pk=file.pk).update(vt_information_at=None)
        case_record(
            file.case,
            values={"vt_information": ""},
            actor=None,
            expected_version=None,
            note=note,
            detail={
                "veilig_thuis": notification.organisation.code,
                "notification": notification.case.reference,
            },
            at=timezone.now(),  # a routed notification is received when the police registered
            what=VT_NOW_NEEDED_LINE,
        )


def vt_information_arrived(vt_case: Case) -> None:
    """A safety-assessment case changed: once it holds a finding (unsafety or an outcome), every open ZSM
    file of its police case or registration that waits for Veilig Thuis's information has it (a file waits
    for the notification, domestic or not: services.file_open)."""
    data = vt_case.data
    if not (data.get("unsafety") or data.get("outcome")) or data.get("outcome") == "forwarded":
        return
    notification = (
        Notification.objects.filter(case_id=vt_case.pk).values("police_case_id", "registration_id").first()
    )
    if notification is None:
        return
    waiting = ZsmFile.objects.filter(open=True, vt_information_at__isnull=True).filter(
        Q(police_case_id=notification["police_case_id"])
        | Q(case__registrations__id=notification["registration_id"])
        # registrations that joined the notification of their pair
        | Q(case__registrations__in=vt_case.registrations.values("pk"))
    )
    note = in_installation_language(
        VT_IN_NOTE, organisation=vt_case.organisation.name, notification=vt_case.reference
    )
    for file in waiting.select_related("case", "case__process_version").distinct():
        vt_information_record(file, at=timezone.now(), note=note)
