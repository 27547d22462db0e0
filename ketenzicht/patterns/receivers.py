"""Signals follow the links: when linking moves mentions between persons, the persons' signals are
recomputed in the same transaction (`ketenzicht.linking.signals.persons_relinked`), after the signals of a
person merged into another have moved to that person (as its mentions' links have)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ketenzicht.linking.signals import persons_relinked

from .services import signals_detect_all, signals_follow_merges, signals_update


@receiver(persons_relinked, dispatch_uid="patterns-recompute")
def recompute(sender: Any, persons: Any = None, **kwargs: Any) -> None:
    if persons is None:
        signals_detect_all()  # follows every merge itself
    else:
        signals_follow_merges(persons=persons)
        signals_update(persons=persons)
