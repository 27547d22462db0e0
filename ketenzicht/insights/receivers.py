"""What marks days stale besides intake (which marks its registrations' days in its own step): a step of a
case (a screening, a safety assessment, a ZSM decision) marks the day the case opened and today; a measure
marks its first day; relinking marks the days of the registrations of the persons it touched."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.utils import timezone

from ketenzicht.linking.signals import persons_relinked
from ketenzicht.measures.models import Measure
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case
from ketenzicht.workprocesses.signals import case_changed

from .services import stale_mark


def case_stale(sender: Any, case: Case, **kwargs: Any) -> None:
    stale_mark([case.opened_at, timezone.now()])


def measure_stale(sender: Any, instance: Measure, **kwargs: Any) -> None:
    stale_mark([instance.starts_on, instance.created_at])


def relinked_stale(sender: Any, persons: Any = None, **kwargs: Any) -> None:
    """A rebuild (persons None) is followed by `insights_refresh --all` (docs/insights.md)."""
    if persons:
        stale_mark(
            Registration.objects.filter(mentions__link__person_id__in=list(persons))
            .values_list("registered_at", flat=True)
            .distinct()
        )


def connect() -> None:
    case_changed.connect(case_stale, dispatch_uid="insights-case-stale")
    post_save.connect(measure_stale, sender=Measure, dispatch_uid="insights-measure-stale")
    persons_relinked.connect(relinked_stale, dispatch_uid="insights-relinked-stale")
