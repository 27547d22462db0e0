"""The partners' requests (victim support, probation) and Veilig Thuis's information: asked, answered,
late."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import PostKind, User
from ketenzicht.organisations.roles import Role
from ketenzicht.organisations.selectors import post_holders_on, prosecutor_on_duty
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.veiligthuis.services import registration_facts
from ketenzicht.workprocesses.alerts import CODE_PARAMS, alert_raise
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.services import (
    case_record,
)

from ..models import PARTNER_CHOICES, Partner, PartnerRequest, ZsmFile
from .names import (
    ANSWER_LINES,
    ANSWERED_MESSAGE,
    ANSWERED_MESSAGE_STAND_IN,
    LATE_MESSAGE,
    LATE_MESSAGE_STAND_IN,
    PARTNERS,
    REQUEST_LINE,
    VT_INFORMATION_LINE,
    FileRefused,
)
from .opening import request_open
from .triage import triage_refresh


def request_add(file: ZsmFile, *, partner: str, question: str, actor: User) -> PartnerRequest:
    """A further request of the table to a partner (e.g. a question the first answer left open)."""
    if partner not in PARTNERS:
        raise FileRefused("partner", gettext_noop("choose victim support or probation"))
    if not question.strip():
        raise FileRefused("question", gettext_noop("write the question"))
    if not file.open:
        raise FileRefused("question", gettext_noop("the file is closed"))
    registrations = list(file.case.registrations.order_by("registered_at", "id"))
    facts = registration_facts([r.pk for r in registrations])
    with transaction.atomic():
        # The same question, still open, is not asked twice (a second tab): the file's row is locked first,
        # so two at once cannot both pass.
        ZsmFile.objects.select_for_update().filter(pk=file.pk).first()
        if PartnerRequest.objects.filter(
            file=file,
            partner=partner,
            question=question.strip(),
            answered_at__isnull=True,
            withdrawn_at__isnull=True,
        ).exists():
            raise FileRefused("question", gettext_noop("this question was put to that partner already"))
        request = request_open(
            file, partner, at=timezone.now(), registrations=registrations, facts=facts, question=question
        )
        if request is None:
            raise FileRefused("partner", gettext_noop("that partner has no organisation here"))
        case_record(
            file.case,
            values={},
            actor=actor,
            expected_version=None,
            note=question.strip(),
            detail={"request": request.pk, "partner": partner},
            what=REQUEST_LINE,
        )
    return request


ANSWER_FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    # field -> allowed values (None: free text)
    Partner.VICTIM_SUPPORT.value: {
        "contacted": ("yes", "no"),
        "wishes": ("prosecution", "no_prosecution", "undecided", "not_asked"),
        "afraid": ("yes", "no", "not_asked"),
        "damage": None,
        "safety": None,
        "note": None,
        "question_answer": None,
    },
    Partner.PROBATION.value: {
        "known": ("yes", "no"),
        "supervised": ("yes", "no", "not_applicable"),
        "conditions": None,
        "advice": ("zsm", "conditions", "regular", "zvh"),
        "note": None,
        "question_answer": None,
    },
}
# The choice that says an answer could not be had (the victim was not reached, probation does not know the
# suspect): chosen, nothing is stored for it, as when it is left empty.
NOT_GIVEN = ("not_asked", "not_applicable")
REQUIRED = gettext_noop("This field is required.")
REQUIRED_ANSWERS: dict[str, tuple[str, ...]] = {
    Partner.VICTIM_SUPPORT.value: ("contacted",),
    Partner.PROBATION.value: ("known", "advice"),
}
# Required with another answer, with what to choose: what the victim says once reached (a victim support
# worker who could not reach her cannot know it, and must not have to make one up; one who did must record
# it), whether probation supervises a suspect it knows.
REACHED = gettext_noop("The victim was reached: choose what they answered, not “not asked”.")
REQUIRED_WHEN: dict[str, dict[str, tuple[str, str, str]]] = {
    Partner.VICTIM_SUPPORT.value: {
        "wishes": ("contacted", "yes", REACHED),
        "afraid": ("contacted", "yes", REACHED),
    },
    Partner.PROBATION.value: {
        "supervised": (
            "known",
            "yes",
            gettext_noop("The suspect is known to probation: choose yes or no, not “not applicable”."),
        ),
    },
}
# Given only with another answer, with what to choose otherwise: what only the victim can say, once reached;
# what probation knows of a suspect it knows. Otherwise the prosecutor would read as fact what nobody could
# have learnt.
NOT_REACHED = gettext_noop("The victim was not reached: choose “not asked: the victim was not reached”.")
NOT_KNOWN = gettext_noop(
    "The suspect is not known to probation: choose “not applicable: not known to probation”."
)
ONLY_WHEN: dict[str, dict[str, tuple[str, str, str]]] = {
    Partner.VICTIM_SUPPORT.value: {
        "wishes": ("contacted", "yes", NOT_REACHED),
        "afraid": ("contacted", "yes", NOT_REACHED),
    },
    Partner.PROBATION.value: {
        "supervised": ("known", "yes", NOT_KNOWN),
        "conditions": (
            "known",
            "yes",
            gettext_noop("The suspect is not known to probation: leave this empty."),
        ),
    },
}


# The answer to a further question of the table (`PartnerRequest.question`), beside the standard answers:
# asked only with such a question, and then required (it is what the table asked).
QUESTION_ANSWER = "question_answer"


def answer_refusals(
    partner: str, answer: Mapping[str, Any], *, question: str = ""
) -> tuple[dict[str, str], list[FileRefused]]:
    """A partner's answer as it is stored, and what is wrong with it: at most one refusal a field, in the
    order they are checked. Also for the form, so that it names every field to fix at once. `question`: the
    table's further question of the request, whose answer is then required (and refused without one)."""
    spec = ANSWER_FIELDS[partner]
    cleaned: dict[str, str] = {}
    refusals: dict[str, FileRefused] = {}
    for name, value in answer.items():
        if name not in spec:
            refusals[name] = FileRefused(name, gettext_noop("not a field of this answer"))
            continue
        text = str(value or "").strip()
        allowed = spec[name]
        if text and allowed is not None and text not in allowed:
            refusals[name] = FileRefused(name, gettext_noop("choose one of the options"))
        elif text and text not in NOT_GIVEN:
            cleaned[name] = text[:2000]
    for name in REQUIRED_ANSWERS[partner]:
        if name not in cleaned:
            refusals.setdefault(name, FileRefused(name, REQUIRED))
    if question.strip() and QUESTION_ANSWER not in cleaned:
        refusals.setdefault(
            QUESTION_ANSWER, FileRefused(QUESTION_ANSWER, gettext_noop("Answer the question of the table."))
        )
    elif not question.strip() and QUESTION_ANSWER in cleaned:
        refusals.setdefault(
            QUESTION_ANSWER,
            FileRefused(QUESTION_ANSWER, gettext_noop("this request asks no further question")),
        )
    for name, (field, value, message) in REQUIRED_WHEN.get(partner, {}).items():
        if cleaned.get(field) == value and name not in cleaned:
            refusals.setdefault(name, FileRefused(name, message))
    for name, (field, value, message) in ONLY_WHEN.get(partner, {}).items():
        if name in cleaned and field in cleaned and cleaned[field] != value:
            refusals.setdefault(name, FileRefused(name, message))
    return cleaned, list(refusals.values())


def request_answer(
    request: PartnerRequest, *, actor: User, answer: Mapping[str, str], origin: str = ""
) -> PartnerRequest:
    """The partner answers (once; a later correction is a new request of the table). Logged; the file's triage
    is computed again with the answer."""
    cleaned, refusals = answer_refusals(request.partner, answer, question=request.question)
    if refusals:
        raise refusals[0]
    at = timezone.now()
    with transaction.atomic():
        current = (
            PartnerRequest.objects.select_for_update().select_related("file", "file__case").get(pk=request.pk)
        )
        if current.answered_at is not None:
            raise FileRefused("answer", gettext_noop("this request was answered already"))
        if not current.file.open or current.withdrawn_at is not None:
            raise FileRefused(
                "answer", gettext_noop("the prosecutor decided this file already: no answer is needed")
            )
        current.answer = cleaned
        current.answered_at = at
        current.answered_by = actor
        current.answered_by_name = actor.display_name
        current.save(update_fields=["answer", "answered_at", "answered_by", "answered_by_name"])
        access_log_record(
            actor=actor,
            action="answer",
            object_type="zsm_request",
            object_id=current.pk,
            result="stored",
            origin=origin,
            detail={"file": current.file.case.reference, "late": current.late(at)},
            persons=[current.person_id],
        )
        case_record(
            current.file.case,
            values={},
            actor=actor,
            expected_version=None,
            detail={"request": current.pk, "partner": current.partner, "late": current.late(at)},
            at=at,
            what=ANSWER_LINES[current.partner],
        )
        if current.file.open:
            triage_refresh(current.file)
            _all_answered(current.file, at=at)
    return current


def _all_answered(file: ZsmFile, *, at: datetime) -> None:
    """Alert the file's prosecutor (the office's prosecutors while nobody owns it) once every request is
    answered: the file is complete."""
    if file.requests.filter(answered_at__isnull=True, withdrawn_at__isnull=True).exists():
        return
    case = Case.objects.select_related("owner", "organisation").get(pk=file.pk)
    message, params, recipient = ANSWERED_MESSAGE, {"case": case.reference}, case.owner
    if case.owner is not None:
        # The file's prosecutor, unless recorded absent today: then whoever the office's posts say stands
        # in, else the office's prosecutors.
        duty = prosecutor_on_duty(case.organisation, on=timezone.localdate(at), prosecutor=case.owner)
        recipient = duty.user
        if duty.stands_in_for is not None:
            message = ANSWERED_MESSAGE_STAND_IN
            params["absent"] = duty.stands_in_for.display_name
    alert_raise(
        kind="zsm_answered",
        message=message,
        organisation=case.organisation,
        case=case,
        recipient=recipient,
        role=Role.PROSECUTOR,
        params=params,
        at=at,
    )


def requests_check(*, now: datetime | None = None) -> list[PartnerRequest]:
    """Mark every request not answered within its term and alert the district office's ZSM coordinator(s)
    (the prosecutors there when it has none), once per request. Run it beside deadlines_check."""
    now = now or timezone.now()
    late = (
        PartnerRequest.objects.filter(
            answered_at__isnull=True,
            withdrawn_at__isnull=True,
            late_alerted_at__isnull=True,
            due_at__lte=now,
            file__open=True,
        )
        .select_related("file", "file__case", "file__district_office", "organisation")
        .order_by("due_at", "id")
    )
    alerted: list[PartnerRequest] = []
    for request in late:
        with transaction.atomic():
            office = request.file.district_office
            params = {
                "case": request.file.case.reference,
                "partner": request.partner,  # worded when read (`CODE_PARAMS`)
                CODE_PARAMS: {"partner": PARTNER_CHOICES},
                "due": deadline_text(request.due_at),  # as the case page shows it
                "due_at": request.due_at.isoformat(),  # shown in the reader's language
            }
            # The coordinators present today; with none present, the office's prosecutors (told whom
            # they stand in for when the coordinators are recorded absent).
            coordinators, away = post_holders_on(office, PostKind.ZSM_COORDINATOR, on=timezone.localdate(now))
            for coordinator in coordinators:
                alert_raise(
                    kind="zsm_request_late",
                    message=LATE_MESSAGE,
                    organisation=office,
                    case=request.file.case,
                    recipient=coordinator,
                    params=params,
                    at=now,
                )
            if not coordinators:
                alert_raise(
                    kind="zsm_request_late",
                    message=LATE_MESSAGE_STAND_IN if away else LATE_MESSAGE,
                    organisation=office,
                    case=request.file.case,
                    role=Role.PROSECUTOR,
                    params={**params, "absent": ", ".join(u.display_name for u in away)} if away else params,
                    at=now,
                )
            PartnerRequest.objects.filter(pk=request.pk).update(late_alerted_at=now)
            alerted.append(request)
    return alerted


def vt_information_record(file: ZsmFile, *, at: datetime, note: str) -> None:
    """Veilig Thuis's information is in: the decision may be taken (in the caller's transaction)."""
    if file.case.closed_at is not None or file.case.data.get("vt_information"):
        return
    case_record(
        file.case,
        values={"vt_information": "in"},
        actor=None,
        expected_version=None,
        note=note,
        at=at,
        what=VT_INFORMATION_LINE,
    )
