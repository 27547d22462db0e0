"""Seeded randomness without global state.

Every stream is a `random.Random` seeded with an integer mixed from (seed, purpose, id), never from `hash()`
of a string (randomised per process) and never the module-level `random`.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

MASK = (1 << 64) - 1

# Purposes: one number per kind of stream, so that streams of different kinds never coincide.
HOUSEHOLD = 1
DAY = 2
PLANT = 3
NOISE = 4
PLAN = 5
STREETS = 6
NAMES = 7
STORY = 8
PREVIOUS = 9


def splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def mix(seed: int, purpose: int, ident: int = 0) -> int:
    return splitmix(splitmix(splitmix(seed & MASK) ^ purpose) ^ (ident & MASK))


def stream(seed: int, purpose: int, ident: int = 0) -> random.Random:
    return random.Random(mix(seed, purpose, ident))


class Weighted(Generic[T]):
    """Draw from fixed outcomes with fixed weights: one `random()` and a bisect per draw."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]):
        if len(items) != len(weights) or not items:
            raise ValueError("items and weights must be non-empty and of equal length")
        self.items = list(items)
        self.cum = list(itertools.accumulate(float(w) for w in weights))
        self.total = self.cum[-1]
        if self.total <= 0:
            raise ValueError("weights must sum to more than 0")

    @classmethod
    def of(cls, mix_: Mapping[T, float]) -> Weighted[T]:
        return cls(list(mix_.keys()), list(mix_.values()))

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]

    def probability(self, item: T) -> float:
        i = self.items.index(item)
        return (self.cum[i] - (self.cum[i - 1] if i else 0.0)) / self.total


def triangular_int(rng: random.Random, low: int, high: int, mode: int | None) -> int:
    if high <= low:
        return low
    value = rng.triangular(low, high + 1, mode + 0.5 if mode is not None else None)
    return min(high, max(low, int(value)))
