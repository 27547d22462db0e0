"""Opening a ZSM file from the police's hand-off: the district office, the brief, the partners'
requests, the route to the prosecutor for domestic violence and stalking, and a hand-off joining an
open file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from ketenzicht.measures.engine.periods import add_months
from ketenzicht.organisations.models import Municipality, Organisation, User
from ketenzicht.organisations.roles import OrganisationKind, Role
from ketenzicht.organisations.selectors import dv_prosecutor_for
from ketenzicht.persons.models import Person
from ketenzicht.registrations.domestic import domestic_violence
from ketenzicht.registrations.models import Disclosure, Kind, PersonMention, Registration
from ketenzicht.screening.engine.urgency import rank_of
from ketenzicht.screening.models import ScreeningCase
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.veiligthuis.engine.routing import RegistrationFacts
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.veiligthuis.services import registration_facts
from ketenzicht.workprocesses.alerts import TEXT_PARAMS, alert_raise
from ketenzicht.workprocesses.labels import note_words
from ketenzicht.workprocesses.models import Case, Handoff
from ketenzicht.workprocesses.services import (
    HANDOFF_JOINED,
    case_assign_owner,
    case_open,
    case_record,
)

from ..models import PartnerRequest, Side, ZsmFile
from .names import (
    DISCLOSURE_PURPOSE,
    HANDOFF_KIND,
    JOINED_MESSAGE,
    JOINED_NOTE,
    JOINED_NOTE_BARE,
    NO_PROSECUTOR_MESSAGE,
    PARTNERS,
    PROCESS,
    ROUTED_MESSAGE,
    ROUTED_PRIMARY,
    ROUTED_SUBSTITUTE,
)
from .triage import triage_refresh


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
        "incidents": _incidents(file, registrations, {m.registration_id for m in mentions}),
    }


def _incidents(file: ZsmFile, registrations: list[Registration], named: set[int]) -> list[dict[str, str]]:
    """When and where each incident of the file happened that names the partner's person on their side (the
    partner is told of those, of no other), newest first: the day, the municipality, the police unit to ask
    (the file's police unit for a registration of another organisation)."""
    units = {
        o.pk: o for o in Organisation.objects.filter(pk__in={r.unit_id for r in registrations if r.unit_id})
    }
    places = dict(
        Municipality.objects.filter(
            pk__in={r.municipality_id for r in registrations if r.municipality_id}
        ).values_list("pk", "name")
    )
    found = []
    for r in registrations:
        if r.pk not in named:
            continue
        unit = units.get(r.unit_id) if r.unit_id else None
        police = (
            unit
            if unit is not None and unit.kind == OrganisationKind.POLITIE
            else file.police_case.organisation
        )
        day = timezone.localdate(r.occurred_at or r.registered_at)
        found.append((day, r.registered_at, r.pk, places.get(r.municipality_id or 0, ""), police.name))
    found.sort(reverse=True)
    return [
        {"occurred_on": day.isoformat(), "municipality": place, "police_unit": unit}
        for day, _at, _pk, place, unit in found
    ]


def request_open(
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
    # Written in the installation's language, shown in the reader's; the reason as it was typed.
    note, words = (
        note_words(JOINED_NOTE, police_case=police_case.reference, reason=reason)
        if reason
        else note_words(JOINED_NOTE_BARE, police_case=police_case.reference)
    )
    case_record(
        file.case,
        values={},
        actor=actor,
        expected_version=None,
        note=note,
        detail={"handoff": handoff.pk if handoff else None, "police_case": police_case.reference, **words},
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
        request_open(file, partner, at=at, registrations=registrations, facts=facts)
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
