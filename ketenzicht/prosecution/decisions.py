"""The ZSM desk's own rules about the prosecutor's decisions, checked when a step of a file is taken (the
kernel's `case_stepping`, in its transaction, before anything is stored): a decision may not contradict what
the file holds. A dismissal for want of a complaint (art. 285b Sr) is refused while a complaint is on file,
and where the file needs none. A final decision while a chain partner's answer is outstanding is said on its
form before it is taken, and needs a reason (a fast ZSM decision stays possible): its history line names
the answers it was taken without. A decision that waits for what the file must first record (Veilig Thuis's
information, the victim's complaint) is shown waiting, naming what for and since when, not as a form that
would only be refused once sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from ketenzicht.ui import formats
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.workprocesses.definitions import definition_of
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.labels import data_text
from ketenzicht.workprocesses.models import Case

from .models import Partner, PartnerRequest, Side, ZsmFile

PROCESS = "zsm_file"
NO_COMPLAINT = "no_complaint"


def _complaint_refusal(case: Case, values: Mapping[str, Any]) -> Refused | None:
    """A dismissal "no complaint" where the file holds a complaint in time, or needs none."""
    if values.get("dismissal_ground") != NO_COMPLAINT:
        return None
    complaint = case.data.get("complaint")
    if complaint == "on_file":
        on = ZsmFile.objects.filter(pk=case.pk).values_list("complaint_on", flat=True).first()
        said = (
            gettext(
                "A complaint is on file (received on %(on)s): it cannot be dismissed for want of one. Choose "
                "the ground that applies."
            )
            % {"on": f"{on:%d-%m-%Y}"}
            if on
            else gettext(
                "A complaint is on file: it cannot be dismissed for want of one. Choose the ground that "
                "applies."
            )
        )
        return Refused("desk", "dismissal_ground", said=said)
    if complaint == "not_required":
        return Refused(
            "desk",
            "dismissal_ground",
            said=gettext(
                "This file needs no complaint: it cannot be dismissed for want of one. Choose the ground "
                "that applies."
            ),
        )
    return None


def _final(case: Case, transition: str) -> bool:
    definition = definition_of(case.process_version)
    step = definition.transition(transition)
    return step is not None and step.to in definition.states and definition.states[step.to].final


def outstanding(case: Case) -> list[PartnerRequest]:
    """The file's requests not answered (nor withdrawn), the earliest due first."""
    return list(
        PartnerRequest.objects.filter(file_id=case.pk, answered_at__isnull=True, withdrawn_at__isnull=True)
        .select_related("organisation")
        .order_by("due_at", "id")
    )


def _named(requests: list[PartnerRequest]) -> str:
    """The requests as "Slachtofferhulp Nederland (over het slachtoffer)", in the active language."""
    about = {Side.VICTIM: gettext("about the victim"), Side.SUSPECT: gettext("about the suspect")}
    return ", ".join(f"{r.organisation.name} ({about.get(Side(r.side), r.side)})" for r in requests)


def decision_step_note(case: Case, transition: str) -> str | None:
    """On the form of a final decision while answers are outstanding: which, and that it needs a reason."""
    if case.process_version.process != PROCESS or case.closed_at is not None or not _final(case, transition):
        return None
    waiting = outstanding(case)
    if not waiting:
        return None
    due = gettext("%(request)s, due by %(due)s")
    return gettext(
        "Not answered yet: %(requests)s (%(answered)s of %(all)s requests answered). Decide without their "
        "answers only when the file cannot wait, and say why in the reason: the decision withdraws the "
        "open requests."
    ) % {
        "requests": "; ".join(
            due % {"request": _named([r]), "due": formats.deadline(r.due_at)} for r in waiting
        ),
        **PartnerRequest.objects.filter(file_id=case.pk).aggregate(
            answered=Count("pk", filter=Q(answered_at__isnull=False)), all=Count("pk")
        ),
    }


def _missing_reason(waiting: list[PartnerRequest]) -> str:
    return gettext(
        "Not answered yet: %(requests)s. To decide without their answers, say why in the reason."
    ) % {"requests": _named(waiting)}


def decision_reason_required(case: Case, transition: str) -> str | None:
    """A final decision while answers are outstanding needs a reason (`_without_answers`): what to say when
    it is left empty, for the step's form to label and mark the reason as required."""
    if case.process_version.process != PROCESS or case.closed_at is not None or not _final(case, transition):
        return None
    waiting = outstanding(case)
    return _missing_reason(waiting) if waiting else None


def _without_answers(case: Case, transition: str, reason: str) -> dict[str, Any] | None:
    """A final decision while answers are outstanding: refused without a reason; else what its history line
    keeps of the answers it was taken without (the note in the installation's language: a record)."""
    if not _final(case, transition):
        return None
    waiting = outstanding(case)
    if not waiting:
        return None
    if not reason.strip():
        raise Refused("desk", "reason", said=_missing_reason(waiting))
    note = in_installation_language(
        gettext_noop("decided without the answers of %(requests)s"), requests=lazy(_named, str)(waiting)
    )
    return {
        "without_answers": [{"request": r.pk, "partner": Partner(r.partner).value} for r in waiting],
        "desk_note": note,
    }


def on_stepping(
    sender: Any, case: Case, transition: str, values: Mapping[str, Any], reason: str, **kwargs: Any
) -> dict[str, Any] | None:
    if case.process_version.process != PROCESS:
        return None
    refused = _complaint_refusal(case, values)
    if refused is not None:
        raise refused
    return _without_answers(case, transition, reason)


def _vt_waiting(case: Case) -> str:
    """What a file waits for while Veilig Thuis's information is not in: the notifications of its police
    case or registrations not assessed yet, each with the Veilig Thuis that has it and when it came in."""
    file = ZsmFile.objects.filter(pk=case.pk).values("police_case_id").first()
    if file is None:
        return ""
    notified = list(
        notifications_about(file["police_case_id"], case.registrations.values("pk"))
        .select_related("organisation", "case")
        .order_by("received_at", "pk")
    )
    open_ones = [n for n in notified if not (n.unsafety or n.outcome)] or notified
    if not open_ones:
        return gettext(
            "Waits for Veilig Thuis's information: no notification of this case has reached Veilig Thuis yet"
        )
    notification = gettext("%(organisation)s (notification %(reference)s, received %(received)s)")
    return gettext("Waits for %(notifications)s") % {
        "notifications": ", ".join(
            notification
            % {
                "organisation": n.organisation.name,
                "reference": n.case.reference,
                "received": f"{timezone.localtime(n.received_at):%d-%m-%Y}",
            }
            for n in open_ones
        )
    }


def _complaint_waiting(case: Case) -> str:
    """What a file waits for while the complaint its stalking case needs is not on file: the victim's
    complaint, and until when it may come."""
    due = ZsmFile.objects.filter(pk=case.pk).values_list("complaint_due", flat=True).first()
    if due is None:
        return gettext("Waits for the victim's complaint (art. 285b Sr)")
    return gettext("Waits for the victim's complaint (art. 285b Sr), which can be made until %(due)s") % {
        "due": formats.date(due)
    }


WAITING_FOR = {"vt_information": _vt_waiting, "complaint": _complaint_waiting}


def waiting_for(name: str, case: Case) -> str | None:
    """Why the file does not hold `name` yet, in words (for the kernel's refusal too); None: not a value
    this desk waits for, or the case is not a ZSM file."""
    explain = WAITING_FOR.get(name)
    if explain is None or case.process_version.process != PROCESS or case.data.get(name):
        return None
    return explain(case) or None


def decision_waiting(case: Case, transition: str) -> str | None:
    """What a decision of the file waits for before it can be taken (the values it needs recorded that the
    file does not hold yet), in words; None when nothing holds it back. A step that needs none of them (a
    route, a behaviour order) does not wait."""
    if case.process_version.process != PROCESS or case.closed_at is not None:
        return None
    definition = definition_of(case.process_version)
    step = definition.transition(transition)
    if step is None:
        return None
    missing = [name for name in step.requires.recorded if not str(case.data.get(name) or "").strip()]
    said = [
        waiting_for(name, case)
        or gettext("Waits for %(field)s") % {"field": data_text(definition.fields[name].label)}
        for name in missing
    ]
    return "; ".join(said) or None
