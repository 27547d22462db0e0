"""Counting facts into cells (pure): one fact is one thing that happened on one day in some areas (a
registration, a screening case opened, a decision), and adds to every period and area it falls in.

- A plain fact adds 1 to its cell.
- A fact with a `key` (a person) counts that key once per cell: repeat victims and serial suspects are
  persons, not registrations.
- A fact with a `value` (hours, days) also puts it in the cell's median (figure + MEDIAN).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .periods import PeriodKind, period_start

MEDIAN = ":median"  # the figure of a median cell: "<figure>:median"
NATIONAL = ("national", "nl")

Area = tuple[str, str]  # (area kind, code): ("national", "nl"), ("police_unit", "oost-brabant")
CellKey = tuple[
    str, date, str, str, str, str
]  # period kind, period start, area kind, area code, figure, part


@dataclass(frozen=True)
class Fact:
    figure: str
    part: str
    day: date
    areas: tuple[Area, ...]  # the national area included
    key: int | None = None
    value: float | None = None


def count(facts: Iterable[Fact], *, kinds: Iterable[PeriodKind] = tuple(PeriodKind)) -> dict[CellKey, float]:
    """Every cell the facts fall in, with its count (distinct keys where facts carry one) and, for facts
    with a value, the median of the values in a cell of its own (figure + MEDIAN)."""
    kinds = tuple(kinds)
    counts: Counter[CellKey] = Counter()
    keys: defaultdict[CellKey, set[int]] = defaultdict(set)
    values: defaultdict[CellKey, list[float]] = defaultdict(list)
    for fact in facts:
        for kind in kinds:
            start = period_start(kind, fact.day)
            for area_kind, code in fact.areas:
                cell = (kind.value, start, area_kind, code, fact.figure, fact.part)
                if fact.key is not None:
                    keys[cell].add(fact.key)
                else:
                    counts[cell] += 1
                if fact.value is not None:
                    values[cell].append(fact.value)
    cells: dict[CellKey, float] = dict(counts)
    cells.update((cell, len(found)) for cell, found in keys.items())
    for (kind_code, start, area_kind, code, figure, part), found in values.items():
        cells[(kind_code, start, area_kind, code, figure + MEDIAN, part)] = round(statistics.median(found), 1)
    return cells
