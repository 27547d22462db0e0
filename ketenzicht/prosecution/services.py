"""The ZSM file: opened from the police's hand-off at the district office that serves the municipality where
it happened, routed to that office's prosecutor for domestic violence and stalking (the substitute when
absent), assembled from the chain partners' answers, triaged and decided. Decisions feed back to the police
case and Veilig Thuis in feedback.py.

The file is opened in the caller's transaction: a kernel case of the district office (process `zsm_file`),
the desk's row, a disclosure of the police case's registrations to the office (the sharing rules' `disclosed`
scope), and a request to victim support and one to probation."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from ketenzicht.audit.services import access_log_record
from ketenzicht.measures.engine.periods import add_months
from ketenzicht.measures.models import Condition, ImposedBy, Measure, MeasureKind
from ketenzicht.measures.selectors import areas_text, municipality_names
from ketenzicht.measures.services import MeasureInvalid, measure_impose
from ketenzicht.organisations.models import Municipality, Organisation, Post, PostKind, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import dv_prosecutor_for, post_holders_on, prosecutor_on_duty
from ketenzicht.organisations.services import post_absence_set
from ketenzicht.persons.models import Person
from ketenzicht.registrations.domestic import domestic_violence
from ketenzicht.registrations.models import Disclosure, Kind, PersonMention, Registration
from ketenzicht.screening.engine.urgency import rank_of
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.ui import formats
from ketenzicht.ui.formats import deadline as deadline_text
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.veiligthuis.engine.routing import RegistrationFacts
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.veiligthuis.services import registration_facts
from ketenzicht.workprocesses.alerts import TEXT_PARAMS, alert_raise
from ketenzicht.workprocesses.engine.machine import Refused
from ketenzicht.workprocesses.models import Case, CaseEvent, EventKind, Handoff
from ketenzicht.workprocesses.selectors import case_start
from ketenzicht.workprocesses.services import (
    HANDOFF_JOINED,
    case_assign_owner,
    case_open,
    case_record,
    case_take,
)

from .engine.triage import triage
from .facts import triage_facts
from .models import Partner, PartnerRequest, Side, ZsmFile
from .rules import triage_rules

PROCESS = "zsm_file"
HANDOFF_KIND = "zsm"
DISCLOSURE_PURPOSE = "zsm_file"

# The file's alerts whose reason is its open work (nobody has it, it is yours, new information came in, it
# is complete, a partner is late): settled when the file is finally decided (the kernel's
# `alerts_settled_on_close_register`, apps.py).
OPEN_WORK_ALERT_KINDS = (
    "zsm_unrouted",
    "zsm_routed",
    "zsm_stand_in",
    "zsm_joined",
    "zsm_answered",
    "zsm_request_late",
)

NO_PROSECUTOR_MESSAGE = gettext_noop(
    "ZSM file %(case)s: neither the prosecutor for domestic violence and stalking nor the substitute is "
    "present. Take it on."
)
ROUTED_MESSAGE = gettext_noop("ZSM file %(case)s was routed to you (%(why)s).")
ANSWERED_MESSAGE = gettext_noop(
    "ZSM file %(case)s: every chain partner has answered. The file is ready for triage and decision."
)
LATE_MESSAGE = gettext_noop(
    "ZSM file %(case)s: %(partner)s did not answer the request within its term (%(due)s)."
)
# The same alerts to whoever stands in while the prosecutor they are meant for is recorded absent.
ANSWERED_MESSAGE_STAND_IN = gettext_noop(
    "ZSM file %(case)s: every chain partner has answered. The file is ready for triage and decision. This "
    "reaches you as stand-in for %(absent)s, who is absent."
)
LATE_MESSAGE_STAND_IN = gettext_noop(
    "ZSM file %(case)s: %(partner)s did not answer the request within its term (%(due)s). This reaches you "
    "as stand-in: the ZSM coordinator (%(absent)s) is absent."
)
# An open file whose prosecutor is recorded absent goes to whoever stands in (and stays there): the alert to
# the stand-in, or with nobody present the one to the office's prosecutors.
STAND_IN_MESSAGE = gettext_noop(
    "ZSM file %(case)s was handed to you as stand-in: its prosecutor, %(absent)s, is absent. It stays with "
    "you when they return."
)
OWNER_ABSENT_MESSAGE = gettext_noop(
    "ZSM file %(case)s: its prosecutor, %(absent)s, is absent, and neither the prosecutor for domestic "
    "violence and stalking nor the substitute is present. Take it on."
)
# A hand-off of a police case whose file is open joins that file: the alert to its prosecutor, and the
# note of its history line (a record, in the installation's language).
JOINED_MESSAGE = gettext_noop(
    "New information from the police (police case %(police_case)s) joined ZSM file %(case)s. Look at it "
    "before you decide."
)
JOINED_NOTE = gettext_noop("police case %(police_case)s: %(reason)s")
JOINED_NOTE_BARE = gettext_noop("police case %(police_case)s")
ROUTED_PRIMARY = gettext_noop("prosecutor for domestic violence and stalking")
ROUTED_SUBSTITUTE = gettext_noop("substitute: the prosecutor for domestic violence and stalking is absent")
HANDED_TO_STAND_IN = gettext_noop("to the stand-in: the file's prosecutor, %(absent)s, is absent")

# Lines of a file's history and values of its case: records, written in the installation's language.
COMPLAINT_LATE_NOTE = gettext_noop("complaint after its term (%(due)s)")
ORDER_PERIOD = gettext_noop("%(start)s up to and including %(end)s (%(measure)s)")

# What the ZSM file's history calls these lines (translated when shown).
REQUEST_LINE = gettext_noop("information requested from a partner")
COMPLAINT_LINE = gettext_noop("complaint recorded")
VT_INFORMATION_LINE = gettext_noop("information from Veilig Thuis received")
UNATTENDED_LINE = gettext_noop("prosecutor absent, nobody present to take the file over")
# A partner's answer, one line per answer: that it came, not what it says (the file's panel shows the
# answers to whoever may read them; the history names no more than the partner).
ANSWER_LINES = {
    Partner.VICTIM_SUPPORT.value: gettext_noop("answer from victim support received"),
    Partner.PROBATION.value: gettext_noop("answer from probation received"),
}


PARTNERS: dict[
    str, tuple[str, str]
] = {  # keyed by the partner's code  # partner -> (organisation kind, side)
    Partner.VICTIM_SUPPORT.value: (OrganisationKind.SLACHTOFFERHULP, Side.VICTIM),
    Partner.PROBATION.value: (OrganisationKind.RECLASSERING, Side.SUSPECT),
}


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


# A complaint dated before the file's start (`complaint_record`), by what the start is known from.
COMPLAINT_BEFORE_REGISTRATION = gettext_noop(
    "the complaint cannot be from before %(day)s: the earliest incident of this file's registrations "
    "happened that day"
)
COMPLAINT_BEFORE_OPENED = gettext_noop(
    "the complaint cannot be from before %(day)s: this file was opened on that day"
)


class FileRefused(Exception):
    """A desk action the file does not allow now; `field` names what to fix (for the form), `message` why
    (English, with %(name)s placeholders filled from `params`, a date shown as dd-mm-yyyy)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        self.field = field
        self.message = message
        self.params = params
        super().__init__(f"{field}: {message % params if params else message}")

    def text(self) -> str:
        """The message in the active language."""
        shown = {
            key: formats.date(value) if isinstance(value, date) else value
            for key, value in self.params.items()
        }
        return gettext(self.message) % shown if shown else gettext(self.message)


# --- opening a file -----------------------------------------------------------------------------------------


def district_office_for(
    facts: RegistrationFacts, police_case: Case
) -> tuple[Organisation | None, Municipality | None]:
    """The district office that serves the municipality where it happened; else the office of the police
    unit whose case it is."""
    municipality = (
        Municipality.objects.select_related("district_office").filter(code=facts.municipality).first()
        if facts.municipality
        else None
    )
    if municipality is not None:
        return municipality.district_office, municipality
    office = Organisation.objects.filter(
        kind=OrganisationKind.OM, police_unit_id=police_case.organisation_id
    ).first()
    return office, None


def complaint_status(
    registrations: list[Registration], facts: Mapping[int, RegistrationFacts]
) -> dict[str, Any]:
    """Whether a prosecution of these registrations needs the victim's complaint (setting STALKING_COMPLAINT),
    whether one is on file and until when it may come. A complaint on file: a registration of kind
    complaint, or a report (aangifte) of the stalking itself, whose form asks for prosecution."""
    rule = settings.STALKING_COMPLAINT
    articles = set(rule.get("articles", ["285b"]))
    stalking = [r for r in registrations if facts[r.pk].offences & articles]
    if not rule.get("required") or not stalking:
        return {"required": False, "on": None, "due": None}
    first = min(timezone.localdate(r.occurred_at or r.registered_at) for r in stalking)
    complaints = [
        timezone.localdate(r.registered_at)
        for r in registrations
        if r.kind == Kind.KLACHT or (r.kind == Kind.AANGIFTE and facts[r.pk].offences & articles)
    ]
    return {
        "required": True,
        "on": min(complaints) if complaints else None,
        "due": add_months(first, int(rule.get("months", 3))),
    }


def _is_domestic(facts: Mapping[int, RegistrationFacts]) -> bool:
    circle = set(domestic_violence().circle)
    return any(kind in circle for f in facts.values() for _a, _b, kind in f.relations)


def _vt_information(police_case: Case, registration_ids: list[int], *, domestic: bool) -> str:
    """What the file records of Veilig Thuis's information when it opens: "in" once Veilig Thuis has fed
    back a finding (unsafety or an outcome) on the case; "" (waiting) while a notification of the case or
    its registrations is not assessed yet, domestic or not; "not_required" only when the case is not
    domestic and Veilig Thuis was not notified of it."""
    notified = notifications_about(police_case.pk, registration_ids)
    if notified.exclude(unsafety="", outcome="").exclude(outcome="forwarded").exists():
        return "in"
    if domestic or notified.exists():
        return ""
    return "not_required"


def _person_brief(mentions: list[PersonMention], side: str) -> dict[str, str]:
    """The person as the police wrote them, completed over their mentions (latest first): the fullest name,
    a complete date of birth before a partial one, the latest place and (for victim support) telephone."""
    if not mentions:
        return {}
    name = max(
        mentions, key=lambda m: (len(m.given_names.replace(".", "")), len(m.display_name))
    ).display_name
    complete = [m.birth_date_raw for m in mentions if m.birth_date_raw and "-00" not in m.birth_date_raw]
    partial = [m.birth_date_raw for m in mentions if m.birth_date_raw]
    found = {
        "name": name,
        "birth_date": (complete or partial or [""])[0],
        "city": next((m.city for m in mentions if m.city), ""),
    }
    if side == Side.VICTIM:
        found["phone"] = next((m.phone for m in mentions if m.phone), "")
    return found


def _brief(
    file: ZsmFile, side: str, registrations: list[Registration], facts: Mapping[int, RegistrationFacts]
) -> dict[str, Any]:
    """What a partner needs for its request: the person of its side as the police wrote them, what happened
    (offences, when, where), and nothing of the other side."""
    person_id = file.victim_id if side == Side.VICTIM else file.suspect_id
    mentions = list(
        PersonMention.objects.filter(
            registration__in=registrations, role=side, **({"link__person_id": person_id} if person_id else {})
        ).order_by("-registration__registered_at", "-id")
    )
    articles = sorted({a for f in facts.values() for a in f.offences})
    latest = max(registrations, key=lambda r: (r.registered_at, r.pk))
    return {
        "person": _person_brief(mentions, side),
        "offences": articles,
        "occurred_on": timezone.localdate(latest.occurred_at or latest.registered_at).isoformat(),
        "municipality": file.municipality.name if file.municipality else "",
        "police_unit": file.police_case.organisation.name,
    }


def _request_open(
    file: ZsmFile,
    partner: str,
    *,
    at: datetime,
    registrations: list[Registration],
    facts: Mapping[int, RegistrationFacts],
    question: str = "",
) -> PartnerRequest | None:
    kind, side = PARTNERS[partner]
    organisation = Organisation.objects.filter(kind=kind, active=True).order_by("pk").first()
    if organisation is None:
        return None
    hours = int(settings.ZSM_REQUEST_HOURS.get(partner, 4))
    return PartnerRequest.objects.create(
        file=file,
        partner=partner,
        organisation=organisation,
        side=side,
        person_id=file.victim_id if side == Side.VICTIM else file.suspect_id,
        question=question.strip(),
        brief=_brief(file, side, registrations, facts),
        requested_at=at,
        due_at=at + timedelta(hours=hours),
    )


def _route_to_prosecutor(file: ZsmFile, *, at: datetime) -> None:
    prosecutor, substitute = dv_prosecutor_for(file.district_office, on=timezone.localdate(at))
    if prosecutor is None:
        alert_raise(
            kind="zsm_unrouted",
            message=NO_PROSECUTOR_MESSAGE,
            organisation=file.district_office,
            case=file.case,
            role=Role.PROSECUTOR,
            params={"case": file.case.reference},
            at=at,
        )
        return
    # The history in the installation's language (a record, not a page); the alert says why in its
    # reader's language.
    routed = ROUTED_SUBSTITUTE if substitute else ROUTED_PRIMARY
    why = in_installation_language(routed)
    case_assign_owner(file.case, owner=prosecutor, actor=None, expected_version=None, reason=why)
    file.prosecutor, file.substitute = prosecutor, substitute
    file.save(update_fields=["prosecutor", "substitute"])
    alert_raise(
        kind="zsm_routed",
        message=ROUTED_MESSAGE,
        organisation=file.district_office,
        case=file.case,
        recipient=prosecutor,
        params={"case": file.case.reference, "why": routed, TEXT_PARAMS: ["why"]},
        at=at,
    )


def _join(
    file: ZsmFile, *, police_case: Case, handoff: Handoff | None, actor: User | None, at: datetime
) -> None:
    """A hand-off of a police case whose file is open joins that file: a line in its history naming the
    police case and why it was sent, and an alert to the file's prosecutor (the office's prosecutors while
    nobody has it). The hand-off is settled by the system, not taken by anyone: nobody picked it up."""
    reason = str(handoff.detail.get("reason") or "").strip() if handoff else ""
    note = in_installation_language(
        JOINED_NOTE if reason else JOINED_NOTE_BARE, police_case=police_case.reference, reason=reason
    )
    case_record(
        file.case,
        values={},
        actor=actor,
        expected_version=None,
        note=note,
        detail={"handoff": handoff.pk if handoff else None, "police_case": police_case.reference},
        at=at,
        what=HANDOFF_JOINED,
    )
    owner = file.case.owner
    alert_raise(
        kind="zsm_joined",
        message=JOINED_MESSAGE,
        organisation=file.district_office,
        case=file.case,
        recipient=owner,
        role=Role.PROSECUTOR,
        params={"case": file.case.reference, "police_case": police_case.reference},
        at=at,
    )
    if handoff is not None:  # the police case's page says which file it joined (workprocesses/case_detail)
        Handoff.objects.filter(pk=handoff.pk, taken_at__isnull=True).update(
            taken_at=at, taken_by=None, detail={**handoff.detail, "joined": file.case.reference}
        )


def file_open(
    *, police_case: Case, actor: User | None, handoff: Handoff | None = None, at: datetime | None = None
) -> ZsmFile | None:
    """Open the ZSM file of a police case (in the caller's transaction); None when no district office serves
    it. A police case with an open file adds nothing: the hand-off joins that file (its history says so)."""
    at = at or timezone.now()
    # Only a file whose case is still open takes a hand-off in (a behaviour order imposed still waits for
    # its follow-up decision); one finally decided is closed, and a new hand-off opens a file of its own.
    existing = (
        ZsmFile.objects.filter(police_case=police_case, open=True, case__closed_at__isnull=True)
        .select_related("case", "case__owner", "district_office")
        .first()
    )
    registrations = list(police_case.registrations.filter(source="politie").order_by("registered_at", "id"))
    if not registrations:
        return None
    if existing is not None:
        _join(existing, police_case=police_case, handoff=handoff, actor=actor, at=at)
        return existing
    facts = registration_facts([r.pk for r in registrations])
    latest = registrations[-1]
    office, municipality = district_office_for(facts[latest.pk], police_case)
    if office is None:
        return None
    pair: Any = (
        ScreeningCase.objects.filter(case_id=police_case.pk)
        .values("suspect_id", "victim_id", "suspect_name", "victim_name")
        .first()
        or {}
    )
    urgency = case_urgency(police_case.data)[0]
    complaint = complaint_status(registrations, facts)
    domestic = _is_domestic(facts)
    data: dict[str, Any] = {}
    if urgency:
        data["urgency_provisional"] = urgency
    vt_information = _vt_information(police_case, [r.pk for r in registrations], domestic=domestic)
    if vt_information:
        data["vt_information"] = vt_information
    if not complaint["required"]:
        data["complaint"] = "not_required"
    elif complaint["on"] is not None and complaint["on"] <= complaint["due"]:
        data["complaint"] = "on_file"
    suspect_name, victim_name = pair.get("suspect_name", ""), pair.get("victim_name", "")
    persons = [pk for pk in (pair.get("suspect_id"), pair.get("victim_id")) if pk]
    case = case_open(
        process=PROCESS,
        organisation=office,
        # The record of the opening, with the police case's names of then; pages head the file with the
        # prosecutor's list names instead (`selectors.file_case_pairs`, `workprocesses.headings`).
        title=f"{suspect_name or '?'} → {victim_name or '?'}",
        actor=actor,
        at=at,
        persons=[Person(pk=pk) for pk in persons],
        registrations=registrations,
        data=data,
    )
    file = ZsmFile.objects.create(
        case=case,
        district_office=office,
        police_case=police_case,
        handoff=handoff,
        registration=latest,
        municipality=municipality,
        suspect_id=pair.get("suspect_id"),
        victim_id=pair.get("victim_id"),
        suspect_name=suspect_name[:300],
        victim_name=victim_name[:300],
        domestic=domestic,
        complaint_required=complaint["required"],
        complaint_on=complaint["on"],
        complaint_due=complaint["due"],
        received_at=at,
        state=case.state,
        deadline_at=case.deadline_at,
        urgency_rank=rank_of(urgency),
        vt_information_at=at if data.get("vt_information") == "in" else None,
    )
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                registration=r,
                organisation=office,
                purpose=DISCLOSURE_PURPOSE,
                reference=case.reference,
                created_at=at,
            )
            for r in registrations
        ]
    )
    for partner in PARTNERS:
        _request_open(file, partner, at=at, registrations=registrations, facts=facts)
    _route_to_prosecutor(file, at=at)
    if handoff is not None:
        # The police case's page says the file it opened and to whom it went ("received ... assigned to"),
        # not that someone took it up: the routing is the system's, no prosecutor has acted yet.
        opened: dict[str, Any] = {"detail": {**handoff.detail, "opened": case.reference}}
        if file.prosecutor_id:
            opened.update(taken_at=at, taken_by_id=file.prosecutor_id)
        Handoff.objects.filter(pk=handoff.pk, taken_at__isnull=True).update(**opened)
    triage_refresh(file)
    return file


def on_handoff(sender: Any, handoff: Handoff, actor: User | None = None, **kwargs: Any) -> None:
    if handoff.kind == HANDOFF_KIND:
        police_case = Case.objects.select_related("organisation", "process_version").get(pk=handoff.case_id)
        file_open(police_case=police_case, actor=actor, handoff=handoff, at=handoff.created_at)


# --- an absent prosecutor's open files ---------------------------------------------------------------------


def _absent_since(office_id: int, user_id: int, on: date) -> date | None:
    """The start of the absence recorded on a post the user holds at the office that covers `on`; None when
    none does (an absence is the person's, on whichever of their posts it was recorded)."""
    starts = [
        post.absent_from
        for post in Post.objects.filter(organisation_id=office_id, user_id=user_id)
        if post.absent_on(on) and post.absent_from is not None
    ]
    return min(starts) if starts else None


def _hand_over_from_absent(file_id: int, *, on: date, at: datetime) -> bool:
    """Hand one open file whose prosecutor is absent on `on` to whoever the office's posts say stands in (it
    stays there when the prosecutor returns), and alert them. With nobody present the file stays, and the
    office's prosecutors are alerted once per absence (its history says so once). True when handed."""
    with transaction.atomic():
        # The file's row locked first: two checks at once hand it over once.
        file = (
            ZsmFile.objects.select_for_update(of=("self",))
            .select_related("case", "case__owner", "district_office")
            .filter(pk=file_id, open=True)
            .first()
        )
        if file is None or file.case.closed_at is not None or file.case.owner is None:
            return False
        owner, office = file.case.owner, file.district_office
        since = _absent_since(office.pk, owner.pk, on)
        if since is None:
            return False
        duty = prosecutor_on_duty(office, on=on, prosecutor=owner)
        params = {"case": file.case.reference, "absent": _person(owner)}
        if duty.user is not None and duty.user.pk != owner.pk:
            try:
                case_assign_owner(
                    file.case,
                    owner=duty.user,
                    actor=None,
                    expected_version=None,
                    reason=in_installation_language(HANDED_TO_STAND_IN, absent=_person(owner)),
                    at=at,
                )
            except Refused:
                pass  # the stand-in cannot work the file (no prosecutor there): as if nobody were present
            else:  # the file's prosecutor follows the owner (feedback.sync_file, on case_changed)
                alert_raise(
                    kind="zsm_stand_in",
                    message=STAND_IN_MESSAGE,
                    organisation=office,
                    case=file.case,
                    recipient=duty.user,
                    params=params,
                    at=at,
                )
                return True
        # Nobody present to take it over: said once per absence, not at every check.
        told = {"absent": owner.get_username(), "absent_from": since.isoformat()}
        if CaseEvent.objects.filter(
            case_id=file.pk,
            kind=EventKind.RECORDED,
            detail__what=UNATTENDED_LINE,
            detail__absent=told["absent"],
            detail__absent_from=told["absent_from"],
        ).exists():
            return False
        case_record(
            file.case,
            values={},
            actor=None,
            expected_version=None,
            note=_person(owner),
            detail=told,
            at=at,
            what=UNATTENDED_LINE,
        )
        alert_raise(
            kind="zsm_unrouted",
            message=OWNER_ABSENT_MESSAGE,
            organisation=office,
            case=file.case,
            role=Role.PROSECUTOR,
            params=params,
            at=at,
        )
    return False


def absent_owners_check(
    *,
    now: datetime | None = None,
    on: date | None = None,
    office: Organisation | int | None = None,
    user: User | int | None = None,
) -> list[ZsmFile]:
    """Hand every open ZSM file whose prosecutor an absence covers on `on` (default: the day of `now`) to
    whoever stands in (see `_hand_over_from_absent`); the files handed. `office`/`user`: only theirs (an
    absence just recorded). Safe to repeat: a file handed is no longer the absent one's, and the alert to
    the office's prosecutors is raised once per absence. Run by `manage.py zsm_requests_check`."""
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    posts = Post.objects.filter(
        Q(absent_until__isnull=True) | Q(absent_until__gte=on), absent_from__lte=on, user__is_active=True
    )
    if office is not None:
        posts = posts.filter(organisation_id=office if isinstance(office, int) else office.pk)
    if user is not None:
        posts = posts.filter(user_id=user if isinstance(user, int) else user.pk)
    pairs = set(posts.values_list("organisation_id", "user_id"))
    if not pairs:
        return []
    theirs = Q()
    for office_id, user_id in pairs:
        theirs |= Q(district_office_id=office_id, case__owner_id=user_id)
    found = list(
        ZsmFile.objects.filter(theirs, open=True, case__closed_at__isnull=True)
        .order_by("case_id")
        .values_list("pk", flat=True)
    )
    handed = [pk for pk in found if _hand_over_from_absent(pk, on=on, at=now)]
    return list(ZsmFile.objects.filter(pk__in=handed).select_related("case").order_by("case_id"))


@dataclasses.dataclass(frozen=True)
class AbsenceOutcome:
    """What recording an absence did to the post holder's open files at the office: those handed, per
    stand-in (whether they stand in as the substitute), and those left with them because nobody was
    present to take them over (the office's prosecutors were alerted). References in order."""

    handed: list[tuple[User, bool, list[str]]] = dataclasses.field(default_factory=list)
    unattended: list[str] = dataclasses.field(default_factory=list)


def absence_record(post: Post, *, absent_from: date | None, absent_until: date | None) -> AbsenceOutcome:
    """Record (or clear) an absence on a post of the office (organisations' `post_absence_set`, whose
    `absence_changed` hands the files over here, in its transaction: on_absence_changed) and say what became
    of the holder's open files. The files are handed once, by the receiver; this only compares the owners
    before and after, in the same transaction. Raises ValueError as post_absence_set does."""
    with transaction.atomic():
        theirs = list(
            ZsmFile.objects.filter(
                district_office_id=post.organisation_id,
                case__owner_id=post.user_id,
                open=True,
                case__closed_at__isnull=True,
            )
            .order_by("case_id")
            .values_list("pk", flat=True)
        )
        post_absence_set(post, absent_from=absent_from, absent_until=absent_until)
        outcome = AbsenceOutcome()
        if not theirs or not post.absent_on(timezone.localdate()):
            return outcome
        handed: dict[int, tuple[User, bool, list[str]]] = {}
        for file in (
            ZsmFile.objects.filter(pk__in=theirs).select_related("case", "case__owner").order_by("case_id")
        ):
            owner = file.case.owner
            if owner is None or owner.pk == post.user_id:
                outcome.unattended.append(file.case.reference)
            else:
                handed.setdefault(owner.pk, (owner, file.substitute, []))[2].append(file.case.reference)
        outcome.handed.extend(handed.values())
    return outcome


def on_absence_changed(sender: Any, post: Post, **kwargs: Any) -> None:
    """An absence recorded that covers today: the prosecutor's open files go to whoever stands in, in the
    transaction that records it. One that starts later waits for the check on its first day."""
    if post.absent_on(timezone.localdate()):
        absent_owners_check(office=post.organisation_id, user=post.user_id)


def stand_in_for_leaving(case: Case, leaving: User) -> User | None:
    """Who takes over the open ZSM file `case` when its prosecutor `leaving` is deactivated or moved to
    another office: whoever the office's posts say stands in today, as for an absent prosecutor (None:
    nobody present; the file goes back to the office's queue without a prosecutor). The one leaving is
    not asked for (a moved prosecutor is still active, but no longer there)."""
    file = ZsmFile.objects.filter(pk=case.pk, open=True).first()
    if file is None:
        return None
    duty = prosecutor_on_duty(file.district_office_id, on=timezone.localdate())
    return duty.user if duty.user is not None and duty.user.pk != leaving.pk else None


# --- triage -------------------------------------------------------------------------------------------------


def triage_refresh(file: ZsmFile) -> dict[str, Any]:
    """Compute the file's triage from what it knows now and keep it on the file (shown with its reasons)."""
    found = triage(triage_facts(file), triage_rules())
    file.triage = {
        "route": found.route,
        "danger": found.danger,
        "reasons": [reason.code for reason in found.reasons],
        "version": found.rules_version,
        "facts": found.facts,
    }
    ZsmFile.objects.filter(pk=file.pk).update(triage=file.triage)
    return dict(file.triage)


def triage_choose(
    file: ZsmFile, *, route: str, actor: User, reason: str, expected_version: int | None
) -> Case:
    """The prosecutor chooses the route; another route than the rules suggest needs a reason."""
    if route not in ("zsm", "regular", "zvh"):
        raise FileRefused("route", gettext_noop("choose a route"))
    suggested = (file.triage or triage_refresh(file)).get("route")
    if route != suggested and not reason.strip():
        raise FileRefused("reason", gettext_noop("say why you choose another route than the triage suggests"))
    return case_take(
        file.case, f"triage_{route}", actor=actor, expected_version=expected_version, reason=reason.strip()
    )


# --- the partners' requests ---------------------------------------------------------------------------------


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
        request = _request_open(
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
        current.answered_by_name = actor.get_full_name() or actor.get_username()
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
            params["absent"] = _person(duty.stands_in_for)
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
        .select_related("file", "file__case", "file__district_office")
        .order_by("due_at", "id")
    )
    alerted: list[PartnerRequest] = []
    for request in late:
        with transaction.atomic():
            office = request.file.district_office
            params = {
                "case": request.file.case.reference,
                "partner": str(Partner(request.partner).label),
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
                    params={**params, "absent": ", ".join(_person(u) for u in away)} if away else params,
                    at=now,
                )
            PartnerRequest.objects.filter(pk=request.pk).update(late_alerted_at=now)
            alerted.append(request)
    return alerted


# --- the complaint (art. 285b Sr) ---------------------------------------------------------------------------


def complaint_record(file: ZsmFile, *, on: date, actor: User, expected_version: int | None) -> Case:
    """The victim's complaint came in on `on`. One that comes after the term cannot open a prosecution: it is
    kept in the history, the file stays without a complaint."""
    if not file.complaint_required:
        raise FileRefused("complaint_on", gettext_noop("this file needs no complaint"))
    if on > timezone.localdate():
        raise FileRefused("complaint_on", gettext_noop("the date lies in the future"))
    # A complaint is about what the file's registrations report: it is not made before the first of them.
    start = case_start(file.case)
    if on < start.day:
        raise FileRefused(
            "complaint_on",
            COMPLAINT_BEFORE_REGISTRATION if start.by == "registration" else COMPLAINT_BEFORE_OPENED,
            day=start.day,
        )
    in_time = file.complaint_due is None or on <= file.complaint_due
    with transaction.atomic():
        case = case_record(
            file.case,
            values={"complaint": "on_file"} if in_time else {},
            actor=actor,
            expected_version=expected_version,
            note="" if in_time else in_installation_language(COMPLAINT_LATE_NOTE, due=file.complaint_due),
            detail={"complaint_on": on.isoformat(), "in_time": in_time},
            what=COMPLAINT_LINE,
        )
        ZsmFile.objects.filter(pk=file.pk).update(complaint_on=on)
    if not in_time:
        raise FileRefused(
            "complaint_on",
            gettext_noop("the complaint came after its term: it is kept, but cannot open a prosecution"),
        )
    return case


# --- the behaviour order (art. 509hh Sv) ------------------------------------------------------------------


def _conditions_words(conditions: Sequence[str], banned: str) -> str:
    """A measure's conditions by their labels in the active language, the area ban with where (`banned`)."""
    labels = dict(Condition.choices)
    return ", ".join(
        f"{labels.get(code, code)} ({banned})"
        if code == Condition.AREA_BAN and banned
        else str(labels.get(code, code))
        for code in conditions
    )


def behaviour_order_impose(
    file: ZsmFile,
    *,
    actor: User,
    conditions: Sequence[str],
    conditions_text: str,
    areas: Mapping[str, Any] | None,
    starts_on: date,
    ends_on: date | None,
    expected_version: int | None,
) -> Measure:
    """The prosecutor imposes a behaviour order on the suspect to protect the victim: the file's step and a
    protective measure in the registry (whose breaches alert this prosecutor), in one transaction. Raises
    MeasureInvalid naming the field, or Refused / ConcurrentEdit from the step; stores nothing then."""
    if file.suspect_id is None or file.victim_id is None:
        raise MeasureInvalid("suspect", gettext_noop("a measure binds one known person"))
    with transaction.atomic():
        measure = measure_impose(
            kind=MeasureKind.BEHAVIOUR_ORDER,
            suspect=Person.objects.get(pk=file.suspect_id),
            protected=[Person.objects.get(pk=file.victim_id)],
            conditions=list(conditions),
            conditions_text=conditions_text,
            areas=areas,
            starts_on=starts_on,
            ends_on=ends_on,
            imposed_by=ImposedBy.PROSECUTOR,
            organisation=file.district_office,
            actor=actor,
            district_office=file.district_office,
            prosecutor=actor,
            police_case=file.police_case,
            source_case=file.case,
        )
        # Where the suspect may not come, by name, beside the area ban: the police act on it at the door.
        banned = areas_text(measure.areas or {}, municipality_names([measure]))
        summary = in_installation_language(lazy(_conditions_words, str)(measure.conditions, banned))
        period = in_installation_language(
            ORDER_PERIOD, start=measure.starts_on, end=measure.ends_on, measure=measure.reference
        )
        text = "; ".join(
            part
            for part in (
                summary,
                conditions_text.strip().rstrip("."),  # the parts are joined with "; "
                period,
            )
            if part
        )
        case_take(
            file.case,
            "decide_behaviour_order",
            actor=actor,
            expected_version=expected_version,
            # Decided on its start, or today for an order that starts later: a decision is not dated ahead.
            values={
                "order_conditions": text[:2000],
                "decided_on": min(starts_on, timezone.localdate()).isoformat(),
            },
        )
    return measure


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
