"""The one definition of domestic violence (data/domestic_violence.yaml): its offences and the relation
kinds of the domestic circle. Pure (no Django), so the pattern engine reads it as well as linking."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

PATH = Path(__file__).resolve().parent / "data" / "domestic_violence.yaml"


@dataclass(frozen=True)
class DomesticViolence:
    version: str
    offences: frozenset[str]  # articles
    circle: tuple[str, ...]  # relation kinds, in the file's order


@functools.cache
def domestic_violence(path: Path = PATH) -> DomesticViolence:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("dataset") != "domestic_violence":
        raise ValueError(f"{path}: not the domestic_violence dataset")
    offences, circle = data.get("offences"), data.get("circle")
    for name, values in (("offences", offences), ("circle", circle)):
        if not values or not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"{path}: {name} must be a non-empty list of codes")
    return DomesticViolence(str(data["version"]), frozenset(offences), tuple(circle))
