"""Breaches of protective measures as facts of the pattern engine's pairs.

A breach registration often names only the bound person (an arrest for breaching a contact ban, the victim
not named): it is still a registration of the pair the measure protects, and a strong sign of escalation.
The measures registry sits above the patterns app and knows its breaches; it registers a source here in its
AppConfig.ready() (`breach_source_register`). Without one (the patterns app alone) no registration is a
breach of a measure but as its kind or offences say.

The source answers two questions: the breaches of measures binding or protecting some persons (all of
them with None), and which measures a user may see (their references). The second is asked before a
signal's reasons name a measure: a user who may not see it is told of "a protective measure", no
reference, no kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from .engine.events import MeasureBreach

# persons (None: all) -> (registration id, the breach found in it) of every measure binding or protecting one
BreachesOf = Callable[[Sequence[int] | None], list[tuple[int, MeasureBreach]]]
# (user, references) -> the references among them of the measures the user may see
MeasuresVisible = Callable[[Any, Collection[str]], set[str]]


@dataclass(frozen=True)
class BreachSource:
    breaches_of: BreachesOf
    measures_visible: MeasuresVisible


_SOURCE: list[BreachSource] = []


def breach_source_register(source: BreachSource) -> None:
    """Read breaches of protective measures from `source` (the measures registry, once)."""
    _SOURCE[:] = [source]


def breaches_of(persons: Sequence[int] | None) -> dict[int, list[MeasureBreach]]:
    """Registration id -> the breaches found in it of measures binding or protecting one of `persons`
    (every breach with None)."""
    found: dict[int, list[MeasureBreach]] = defaultdict(list)
    if persons is not None and not persons:
        return {}
    for source in _SOURCE:
        for registration_id, breach in source.breaches_of(persons):
            found[registration_id].append(breach)
    return dict(found)


def measures_visible(user: Any, references: Collection[str]) -> set[str]:
    """The references among `references` of the measures `user` may see (none without a source)."""
    wanted = {r for r in references if r}
    if not wanted:
        return set()
    return {r for source in _SOURCE for r in source.measures_visible(user, wanted)}
