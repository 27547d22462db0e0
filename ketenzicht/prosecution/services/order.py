"""The behaviour order (art. 509hh Sv): imposed from the ZSM file as a protective measure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_noop

from ketenzicht.measures.models import Condition, ImposedBy, Measure, MeasureKind
from ketenzicht.measures.selectors import areas_text, municipality_names
from ketenzicht.measures.services import MeasureInvalid, measure_impose
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.ui.formats import in_installation_language
from ketenzicht.workprocesses.services import (
    case_take,
)

from ..models import ZsmFile
from .names import ORDER_PERIOD


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
