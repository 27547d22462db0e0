"""What a ZSM file knows for its triage, read from the register, the police case, Veilig Thuis and the
partners' answers (engine/triage.py decides from it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ketenzicht.measures.models import Breach, Measure
from ketenzicht.patterns.models import Signal
from ketenzicht.registrations.models import MentionRole, Offence, Registration, Source
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.veiligthuis.services import registration_facts

from .engine.triage import TriageFacts
from .models import PartnerRequest, Side, ZsmFile


def pair_registrations(file: ZsmFile, registrations: QuerySet[Registration] | None = None) -> int:
    """The police registrations that name both persons of the file, over all units; `registrations`: only
    those (the ones a reader may see)."""
    found = Registration.objects.all() if registrations is None else registrations
    if file.suspect_id is None or file.victim_id is None:
        return found.filter(pk__in=file.case.registrations.values("pk")).count()
    return (
        found.filter(source=Source.POLITIE, mentions__link__person_id=file.suspect_id)
        .filter(mentions__link__person_id=file.victim_id)
        .distinct()
        .count()
    )


def _answers(file: ZsmFile) -> dict[str, dict[str, str]]:
    """The latest answer of each side (a later request's answer overrides an earlier one's values)."""
    found: dict[str, dict[str, str]] = {}
    for side, answer in (
        PartnerRequest.objects.filter(file=file, answered_at__isnull=False)
        .order_by("answered_at", "id")
        .values_list("side", "answer")
    ):
        found.setdefault(side, {}).update(
            {k: str(v) for k, v in (answer or {}).items() if v not in ("", None)}
        )
    return found


# A registration of one of these offences is a breach of a protective measure (art. 184a Sr: not obeying a
# behaviour order or measure), beside those the offences reference data marks as one (`measure_breach`).
BREACH_ARTICLES = ("184a",)


@dataclass(frozen=True)
class SuspectHistory:
    """The suspect's protective measures and their breaches, beside this file. `incident`: the first day of
    the file's offences; `earlier`: the measures that started before it; `in_force`: those in force today
    (whenever they started: e.g. a restraining order imposed after the incident), this file's own orders
    apart (the panel names those); `breaches`: the registrations that breach a measure, those the measures
    registry found for any measure of the suspect and those of a breach offence that name him as suspect."""

    incident: date | None
    earlier: int
    in_force: int
    breaches: int


def first_incident(file: ZsmFile) -> date | None:
    """The first day of the file's offences (when it happened, else when it was registered)."""
    days = [
        timezone.localdate(occurred or registered)
        for occurred, registered in file.case.registrations.values_list("occurred_at", "registered_at")
    ]
    return min(days, default=None)


def suspect_history(
    file: ZsmFile,
    *,
    measures: QuerySet[Measure] | None = None,
    registrations: QuerySet[Registration] | None = None,
) -> SuspectHistory:
    """What the register holds of the suspect's measures and breaches; `measures` and `registrations`: only
    those (the ones a reader may see, from their access selectors), else the whole register (the triage)."""
    incident = first_incident(file)
    if file.suspect_id is None:
        return SuspectHistory(incident, 0, 0, 0)
    theirs = (Measure.objects.all() if measures is None else measures).filter(suspect_id=file.suspect_id)
    others = theirs.exclude(source_case_id=file.pk)
    today = timezone.localdate()
    earlier = others.filter(starts_on__lt=incident) if incident is not None else others
    in_force = others.filter(starts_on__lte=today, ends_on__gte=today, ended_at__isnull=True)
    breaching = set(
        Breach.objects.filter(measure__in=theirs.values("pk")).values_list("registration_id", flat=True)
    )
    breaching |= set(
        (Registration.objects.all() if registrations is None else registrations)
        .filter(mentions__role=MentionRole.SUSPECT, mentions__link__person_id=file.suspect_id)
        .filter(Q(offences__measure_breach=True) | Q(offences__article__in=BREACH_ARTICLES))
        .values_list("pk", flat=True)
        .distinct()
    )
    return SuspectHistory(incident, earlier.count(), in_force.count(), len(breaching))


def triage_facts(file: ZsmFile) -> TriageFacts:
    police = file.police_case
    registrations = list(file.case.registrations.values_list("pk", flat=True))
    facts = registration_facts(registrations)
    articles = frozenset(a for f in facts.values() for a in f.offences)
    grave = list(Offence.objects.filter(article__in=articles).values_list("severity_rank", "violence"))
    signals = frozenset(
        Signal.objects.filter(suspect_id=file.suspect_id, victim_id=file.victim_id, active=True).values_list(
            "rule", flat=True
        )
        if file.suspect_id and file.victim_id
        else []
    )
    vt: Any = (
        notifications_about(police.pk, registrations)
        .order_by("-received_at")
        .values("unsafety", "outcome")
        .first()
        or {}
    )
    answers = _answers(file)
    victim, suspect = answers.get(Side.VICTIM, {}), answers.get(Side.SUSPECT, {})
    history = suspect_history(file)
    return TriageFacts(
        urgency=case_urgency(police.data)[0],
        screening_level=str(police.data.get("screening_level") or ""),
        signals=signals,
        offences=articles,
        max_severity=max((rank for rank, _violent in grave), default=0),
        violence=any(violent for _rank, violent in grave),
        registrations=pair_registrations(file),
        children=any(kind == "child" for f in facts.values() for _a, _b, kind in f.relations),
        measures=history.earlier,
        breaches=history.breaches,
        vt_unsafety=str(vt.get("unsafety") or ""),
        vt_outcome=str(vt.get("outcome") or ""),
        victim_wishes=victim.get("wishes", ""),
        victim_afraid=victim.get("afraid", "") == "yes",
        probation_known=suspect.get("known", ""),
        probation_supervised=suspect.get("supervised", ""),
        probation_advice=suspect.get("advice", ""),
    )
