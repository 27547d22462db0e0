"""Name tables: surnames and given names per origin with frequencies, and the composed Dutch tail.

The head of each table is a hand-made list of common names with approximate relative frequencies (files in
`ketenzicht/demo/data/names/`); the tail (names outside any top list, which most people carry) is composed
from generic parts and weighted Zipf-like. Tables do not depend on the seed: the same names exist in every
generated data set, only who carries them differs.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .params import DATA_DIR, ORIGINS
from .rng import NAMES, Weighted, stream

NAMES_DIR = DATA_DIR / "names"
COHORTS = ("old", "mid", "young")  # born before 1970, 1970-1994, 1995 and later


def cohort_of(birth_year: int) -> int:
    return 0 if birth_year < 1970 else (1 if birth_year < 1995 else 2)


Surname = tuple[str, str]  # (prefix, surname), prefix "" when none


@dataclass(frozen=True)
class NameTable:
    origin: str
    surnames: Weighted[Surname]
    tail: Weighted[Surname] | None
    tail_share: float
    given: dict[tuple[str, int], Weighted[str]]  # (sex, cohort) -> names

    def surname(self, rng: random.Random) -> Surname:
        if self.tail is not None and rng.random() < self.tail_share:
            return self.tail.draw(rng)
        return self.surnames.draw(rng)

    def given_name(self, rng: random.Random, sex: str, cohort: int) -> str:
        return self.given[(sex, cohort)].draw(rng)


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            row for row in csv.reader(line for line in handle if line.strip() and not line.startswith("#"))
        ]


def _surnames(origin: str) -> Weighted[Surname]:
    weights: dict[Surname, float] = {}
    for prefix, surname, weight in _csv(NAMES_DIR / f"surnames_{origin}.csv"):
        key = (prefix.strip(), surname.strip())
        weights[key] = weights.get(key, 0.0) + float(weight)
    return Weighted.of(weights)


def _given(origin: str) -> dict[tuple[str, int], Weighted[str]]:
    rows = _csv(NAMES_DIR / f"given_{origin}.csv")
    table: dict[tuple[str, int], Weighted[str]] = {}
    for sex in ("M", "F"):
        for cohort in range(3):
            pairs = [(r[0].strip(), float(r[2 + cohort])) for r in rows if r[1].strip() == sex]
            pairs = [(n, w) for n, w in pairs if w > 0]
            table[(sex, cohort)] = Weighted([n for n, _ in pairs], [w for _, w in pairs])
    return table


def _zipf(names: list[Surname], seed: int) -> Weighted[Surname]:
    rng = stream(seed, NAMES)
    rng.shuffle(names)
    return Weighted(names, [1.0 / (rank + 20) for rank in range(len(names))])


def _dutch_tail(head: set[Surname]) -> Weighted[Surname]:
    parts = yaml.safe_load((NAMES_DIR / "tail_dutch.yaml").read_text(encoding="utf-8"))
    names: list[Surname] = []
    seen = set(head)
    for stem in parts["stems"]:
        for ending in parts["endings"]:
            if stem[-1] == ending[0] or (stem.endswith("e") and ending[0] in "ei"):
                continue  # Hoekkamp, Wiebeer: skip awkward joins
            name = ("", stem + ending)
            if name not in seen:
                seen.add(name)
                names.append(name)
    for group, prefixes in (("places", "place_prefixes"), ("things", "thing_prefixes")):
        for place in parts[group]:
            for prefix in parts[prefixes]:
                name = (prefix, place)
                if name not in seen:
                    seen.add(name)
                    names.append(name)
    return _zipf(names, 1)


def _other_tail(origin: str, head: Weighted[Surname]) -> Weighted[Surname]:
    """Outside the Dutch names, the tail is the head list again with flattened weights: rarer names of the
    list get their share, so that frequencies are less steep than the head alone."""
    return Weighted(head.items, [1.0] * len(head.items))


@cache
def name_tables(tail_shares: tuple[tuple[str, float], ...]) -> dict[str, NameTable]:
    shares = dict(tail_shares)
    tables: dict[str, NameTable] = {}
    for origin in ORIGINS:
        head = _surnames(origin)
        tail = _dutch_tail(set(head.items)) if origin == "dutch" else _other_tail(origin, head)
        tables[origin] = NameTable(origin, head, tail, shares.get(origin, 0.0), _given(origin))
    return tables


POLISH_FEMININE = (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"))


def feminine(origin: str, surname: str) -> str:
    if origin == "polish":
        for male, female in POLISH_FEMININE:
            if surname.endswith(male):
                return surname[: -len(male)] + female
    return surname
