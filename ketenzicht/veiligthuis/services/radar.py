"""The radar: each notification's class from the earlier registrations of its persons (engine.radar),
computed when a notification opens and rebuilt in batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ketenzicht.organisations.models import Organisation
from ketenzicht.organisations.roles import OrganisationKind
from ketenzicht.registrations.models import PersonMention
from ketenzicht.workprocesses.models import Case

from ..engine.radar import Earlier, Period, Phase, classify
from ..models import Notification


def _periods(n: Notification) -> tuple[Period, ...]:
    end = n.closed_at
    # The assessment lasts until its outcome: acute unsafety found is part of it, not its end.
    periods = [Period(Phase.ASSESSMENT, n.received_at, n.outcome_at or end)]
    if n.investigation_at:
        periods.append(Period(Phase.INVESTIGATION, n.investigation_at, n.monitoring_at or end))
    if n.monitoring_at:
        periods.append(Period(Phase.MONITORING, n.monitoring_at, end))
    return tuple(periods)


@dataclass(frozen=True)
class RadarAsked:
    """One notification whose radar is wanted: to `organisation`, naming `persons`, received at `at`.
    `leave_out`: its own case, when it is stored already. `pending`: the notification itself when it is
    about to be stored with those asked after it (a batch of intake), which then count it as earlier."""

    organisation: Organisation
    persons: Sequence[int]
    at: datetime
    leave_out: int | None = None
    pending: Notification | None = None


def radar_for(
    organisation: Organisation, persons: Sequence[int], at: datetime, *, leave_out: int | None = None
) -> tuple[str, dict[str, Any]]:
    """The radar of one notification (see `radars_for`)."""
    return radars_for([RadarAsked(organisation, persons, at, leave_out)])[0]


def radars_for(asked: Sequence[RadarAsked]) -> list[tuple[str, dict[str, Any]]]:
    """The radar class of each notification asked, from its organisation's history as it stood at its
    receipt: its earlier notifications (stored, or pending before it in `asked`) and the registrations it
    made in its own system (which count as known). How many earlier notifications at other Veilig Thuis
    organisations name any of the persons is counted beside it (hit / no-hit), never shown. Three queries
    whatever the number asked."""
    everyone = sorted({person for ask in asked for person in ask.persons})
    latest = max((ask.at for ask in asked), default=None)
    persons_of: dict[int, set[int]] = defaultdict(set)  # a stored notification's case: its persons asked
    cases_of: dict[int, set[int]] = defaultdict(set)  # a person: the stored notifications' cases naming them
    stored: list[Notification] = []
    own: dict[int, set[int]] = defaultdict(set)  # a Veilig Thuis registration: its persons asked
    own_at: dict[int, tuple[datetime, int | None]] = {}  # ... its registration time and region
    owns_of: dict[int, set[int]] = defaultdict(set)  # a person: the Veilig Thuis registrations naming them
    if everyone:
        for case_id, person in Case.persons.through.objects.filter(
            person_id__in=everyone, case__vt_notification__isnull=False
        ).values_list("case_id", "person_id"):
            persons_of[case_id].add(person)
            cases_of[person].add(case_id)
        stored = list(Notification.objects.filter(case_id__in=list(persons_of), received_at__lt=latest))
        for registration, person, registered_at, region in PersonMention.objects.filter(
            link__person_id__in=everyone,
            registration__source=OrganisationKind.VEILIG_THUIS,
            registration__registered_at__lt=latest,
        ).values_list(
            "registration_id", "link__person_id", "registration__registered_at",
            "registration__municipality__vt_region_id",
        ):  # fmt: skip
            own[registration].add(person)
            own_at[registration] = (registered_at, region)
            owns_of[person].add(registration)
    by_case = {n.case_id: n for n in stored}
    results: list[tuple[str, dict[str, Any]]] = []
    pending: list[tuple[Notification, frozenset[int]]] = []
    for ask in asked:
        named = frozenset(ask.persons)
        if not named:
            results.append(
                (
                    classify(ask.at, [], []).radar_class.value,
                    {"known": [], "earlier": [], "involved_in": None, "elsewhere": 0},
                )
            )
        else:
            history: list[Earlier] = []
            elsewhere = 0
            earlier = [
                (by_case[case], frozenset(persons_of[case] & named))
                for case in sorted({case for person in named for case in cases_of[person]})
                if case in by_case and case != ask.leave_out
            ]
            for n, persons in [*earlier, *((n, p & named) for n, p in pending if p & named)]:
                if n.received_at >= ask.at or n.outcome == "forwarded":
                    continue  # forwarded on receipt: the organisation it went to has it
                if n.organisation_id != ask.organisation.pk:
                    elsewhere += 1
                    continue
                history.append(Earlier(str(n.case_id), n.received_at, persons, _periods(n)))
            for own_pk in sorted({pk for person in named for pk in owns_of[person]}):
                own_registered, own_region = own_at[own_pk]
                if own_region == ask.organisation.pk and own_registered < ask.at:
                    history.append(Earlier(f"r{own_pk}", own_registered, frozenset(own[own_pk] & named)))
            radar = classify(ask.at, named, history)
            results.append(
                (
                    radar.radar_class.value,
                    {
                        "known": sorted(radar.known),
                        "earlier": [int(key) for key in radar.earlier if not key.startswith("r")],
                        "registrations": [int(key[1:]) for key in radar.earlier if key.startswith("r")],
                        "involved_in": int(radar.involved_in) if radar.involved_in else None,
                        "elsewhere": elsewhere,
                    },
                )
            )
        if ask.pending is not None:
            pending.append((ask.pending, named))
    return results


def radar_rebuild(*, chunk: int = 2_000) -> int:
    """Recompute every notification's radar class from the persons as linked now (after a relink), each as
    of its receipt (`radars_for`, `chunk` notifications at a time). How many changed."""
    changed = 0
    persons_of: dict[int, list[int]] = defaultdict(list)
    for case_id, person in Case.persons.through.objects.filter(
        case__vt_notification__isnull=False
    ).values_list("case_id", "person_id"):
        persons_of[case_id].append(person)
    notifications = list(
        Notification.objects.select_related("organisation").order_by("received_at", "case_id")
    )
    for start in range(0, len(notifications), chunk):
        part = notifications[start : start + chunk]
        asked = [
            RadarAsked(n.organisation, persons_of[n.case_id], n.received_at, leave_out=n.case_id)
            for n in part
        ]
        for notification, (radar_class, radar) in zip(part, radars_for(asked), strict=True):
            if radar_class != notification.radar_class or radar != notification.radar:
                Notification.objects.filter(pk=notification.pk).update(radar_class=radar_class, radar=radar)
                changed += 1
    return changed
