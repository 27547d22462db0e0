"""What a ZSM file knows for its triage, read from the register, the police case, Veilig Thuis and the
partners' answers (engine/triage.py decides from it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ketenzicht.measures.models import Breach, Measure
from ketenzicht.measures.selectors import measure_list_for_readers, measure_list_for_user
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.patterns.models import SignalRegistration
from ketenzicht.patterns.selectors import pair_signals_rest_on
from ketenzicht.registrations.models import MentionRole, Offence, Registration, Source
from ketenzicht.registrations.selectors import (
    Sight,
    registration_sight_for_readers,
    registration_sight_for_user,
)
from ketenzicht.screening.receivers import case_urgency
from ketenzicht.veiligthuis.selectors import notifications_about
from ketenzicht.veiligthuis.services import registration_facts

from .engine.triage import TriageFacts
from .models import PartnerRequest, Side, ZsmFile

# Who reads a ZSM file: the prosecutors of its district office (`selectors.may_use_zsm_desk`). The file's
# triage is computed once for all of them, over what they may see or count.
READERS = (Role.PROSECUTOR,)


def pair_registrations(file: ZsmFile, registrations: QuerySet[Registration] | None = None) -> int:
    """The police registrations that name both persons of the file, over all units; `registrations`: only
    those (the ones a reader may see or count)."""
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
        _breach_offences(
            Registration.objects.all() if registrations is None else registrations, file.suspect_id
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    return SuspectHistory(incident, earlier.count(), in_force.count(), len(breaching))


def _breach_offences(found: QuerySet[Registration], suspect_id: int) -> QuerySet[Registration]:
    return found.filter(mentions__role=MentionRole.SUSPECT, mentions__link__person_id=suspect_id).filter(
        Q(offences__measure_breach=True) | Q(offences__article__in=BREACH_ARTICLES)
    )


def counted_candidates(file: ZsmFile) -> QuerySet[Registration, Any]:
    """The registrations the counted facts read, over the whole register, as `pk` values: the file's own,
    the pair's police registrations and the suspect's registrations of a breach offence. A reader's
    sight (`registrations.selectors`) narrows them to what that reader may see or count."""
    wanted = Q(pk__in=file.case.registrations.values("pk"))
    if file.suspect_id is not None:
        wanted |= Q(pk__in=_breach_offences(Registration.objects.all(), file.suspect_id).values("pk"))
        if file.victim_id is not None:
            pair = Registration.objects.filter(
                source=Source.POLITIE, mentions__link__person_id=file.suspect_id
            ).filter(mentions__link__person_id=file.victim_id)
            wanted |= Q(pk__in=pair.values("pk"))
            # What the pair's signals rest on: a signal counts for the triage only when its readers may see
            # all of it (`Counts.signals`).
            wanted |= Q(
                pk__in=SignalRegistration.objects.filter(
                    signal__suspect_id=file.suspect_id, signal__victim_id=file.victim_id, signal__active=True
                ).values("registration_id")
            )
    return Registration.objects.filter(wanted).values("pk")


@dataclass(frozen=True)
class Counts:
    """The triage's counted facts of a file (the pair's registrations, the suspect's earlier measures and
    breaches) as a reader holds them: `*_seen` over what they may see; `*_counted` over that and what the
    sharing rules let them count of what they may not see (the rules' `counted`: for the prosecution,
    nothing). What they may neither see nor count is in neither: the triage never rests on it."""

    pair_seen: int
    history_seen: SuspectHistory
    pair_counted: int
    history_counted: SuspectHistory
    # The rules of the pair's signals that hold now and rest only on registrations the reader may see: one
    # resting on anything else would tell of it (that the police know more, or Veilig Thuis has a file).
    signals: frozenset[str] = frozenset()

    def seen(self) -> TriageFacts:
        """The counted facts over what the reader may see: for the words of a reason (`Rule.label_seen`)."""
        return TriageFacts(
            registrations=self.pair_seen,
            measures=self.history_seen.earlier,
            breaches=self.history_seen.breaches,
        )

    def counted(self) -> dict[str, int]:
        """The counted facts the triage decides on, by their names in `TriageFacts`."""
        return {
            "registrations": self.pair_counted,
            "measures": self.history_counted.earlier,
            "breaches": self.history_counted.breaches,
        }


def _counts(file: ZsmFile, sight: Sight, measures: QuerySet[Measure]) -> Counts:
    seen = Registration.objects.filter(pk__in=sight.visible)
    countable = Registration.objects.filter(pk__in=sight.visible | set(sight.hidden))
    signals = (
        pair_signals_rest_on(suspect=file.suspect_id, victim=file.victim_id)
        if file.suspect_id is not None and file.victim_id is not None
        else {}
    )
    return Counts(
        pair_seen=pair_registrations(file, seen),
        history_seen=suspect_history(file, measures=measures, registrations=seen),
        pair_counted=pair_registrations(file, countable),
        history_counted=suspect_history(file, measures=measures, registrations=countable),
        signals=frozenset(rule for rule, found in signals.items() if found <= sight.visible),
    )


def counts_for_user(file: ZsmFile, user: User) -> Counts:
    """The counted facts as `user` may see or count them (their access selectors)."""
    sight = registration_sight_for_user(user=user, ids=counted_candidates(file))
    measures = Measure.objects.filter(pk__in=measure_list_for_user(user=user).values("pk"))
    return _counts(file, sight, measures)


def counts_for_readers(file: ZsmFile) -> Counts:
    """The counted facts as every reader of the file (the prosecutors of its district office) may see or
    count them: what the file's triage is computed over and keeps."""
    office = file.district_office
    sight = registration_sight_for_readers(organisation=office, roles=READERS, ids=counted_candidates(file))
    measures = measure_list_for_readers(organisation=office, roles=READERS)
    return _counts(file, sight, measures)


def triage_facts(file: ZsmFile, counts: Counts | None = None) -> TriageFacts:
    """What the file knows for its triage; its counted facts (`counts`) as its readers may see or count
    them (`counts_for_readers`), never over what they may not."""
    police = file.police_case
    registrations = list(file.case.registrations.values_list("pk", flat=True))
    facts = registration_facts(registrations)
    articles = frozenset(a for f in facts.values() for a in f.offences)
    grave = list(Offence.objects.filter(article__in=articles).values_list("severity_rank", "violence"))
    vt: Any = (
        notifications_about(police.pk, registrations)
        .order_by("-received_at")
        .values("unsafety", "outcome")
        .first()
        or {}
    )
    answers = _answers(file)
    victim, suspect = answers.get(Side.VICTIM, {}), answers.get(Side.SUSPECT, {})
    counts = counts or counts_for_readers(file)
    counted = counts.counted()
    return TriageFacts(
        urgency=case_urgency(police.data)[0],
        screening_level=str(police.data.get("screening_level") or ""),
        signals=counts.signals,
        offences=articles,
        max_severity=max((rank for rank, _violent in grave), default=0),
        violence=any(violent for _rank, violent in grave),
        registrations=counted["registrations"],
        children=any(kind == "child" for f in facts.values() for _a, _b, kind in f.relations),
        measures=counted["measures"],
        breaches=counted["breaches"],
        vt_unsafety=str(vt.get("unsafety") or ""),
        vt_outcome=str(vt.get("outcome") or ""),
        victim_wishes=victim.get("wishes", ""),
        victim_afraid=victim.get("afraid", "") == "yes",
        probation_known=suspect.get("known", ""),
        probation_supervised=suspect.get("supervised", ""),
        probation_advice=suspect.get("advice", ""),
    )
