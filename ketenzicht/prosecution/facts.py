"""What a ZSM file knows for its triage, read from the register, the police case, Veilig Thuis and the
partners' answers (engine/triage.py decides from it)."""

from __future__ import annotations

from typing import Any

from ketenzicht.measures.models import Breach, Measure
from ketenzicht.patterns.models import Signal
from ketenzicht.registrations.models import Offence, Registration, Source
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.veiligthuis.services import registration_facts

from .engine.triage import TriageFacts
from .models import PartnerRequest, Side, ZsmFile


def _pair_registrations(file: ZsmFile) -> int:
    """The police registrations that name both persons of the file, over all units."""
    if file.suspect_id is None or file.victim_id is None:
        return file.case.registrations.count()
    return (
        Registration.objects.filter(source=Source.POLITIE, mentions__link__person_id=file.suspect_id)
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


def measure_history(suspect_id: int | None, *, leave_out_case: int | None = None) -> tuple[int, int]:
    """(protective measures the suspect had, breaches of them), whatever their kind and whoever imposed
    them; a measure decided in `leave_out_case` (the file itself) is not its history."""
    if suspect_id is None:
        return 0, 0
    measures = Measure.objects.filter(suspect_id=suspect_id)
    if leave_out_case is not None:
        measures = measures.exclude(source_case_id=leave_out_case)
    return measures.count(), Breach.objects.filter(measure__in=measures).count()


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
    measures, breaches = measure_history(file.suspect_id, leave_out_case=file.pk)
    return TriageFacts(
        urgency=case_urgency(police.data)[0],
        screening_level=str(police.data.get("screening_level") or ""),
        signals=signals,
        offences=articles,
        max_severity=max((rank for rank, _violent in grave), default=0),
        violence=any(violent for _rank, violent in grave),
        registrations=_pair_registrations(file),
        children=any(kind == "child" for f in facts.values() for _a, _b, kind in f.relations),
        measures=measures,
        breaches=breaches,
        vt_unsafety=str(vt.get("unsafety") or ""),
        vt_outcome=str(vt.get("outcome") or ""),
        victim_wishes=victim.get("wishes", ""),
        victim_afraid=victim.get("afraid", "") == "yes",
        probation_known=suspect.get("known", ""),
        probation_supervised=suspect.get("supervised", ""),
        probation_advice=suspect.get("advice", ""),
    )
