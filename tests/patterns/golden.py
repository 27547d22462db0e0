"""Golden cases of the pattern rules (ketenzicht/patterns/data/golden/<rule>.yaml) as engine events."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ketenzicht.patterns.engine.detect import Detector
from ketenzicht.patterns.engine.events import Event, Offence, Party

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "ketenzicht" / "patterns" / "data" / "golden"
OFFENCES = ROOT / "ketenzicht" / "registrations" / "data" / "offences.yaml"
START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
ROLES = ("suspect", "victim", "involved", "reporter", "witness")


@cache
def offences() -> dict[str, Offence]:
    data = yaml.safe_load(OFFENCES.read_text(encoding="utf-8"))
    return {
        o["article"]: Offence(
            o["article"], o["severity_rank"], o.get("violence", False), o.get("measure_breach", False)
        )
        for o in data["offences"]
    }


def golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.yaml"))


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in golden_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            found.append((data["rule"], case["name"], case))
    return found


def events_of(case: dict[str, Any], detector: Detector) -> tuple[list[Event], dict[str, int]]:
    """The case's registrations as events, and the person id of each letter."""
    ids: dict[str, int] = {}
    events: list[Event] = []
    for index, item in enumerate(case["registrations"], 1):
        parties: list[Party] = []
        for role in ROLES:
            names = item.get(role, [])
            for name in [names] if isinstance(names, str) else names:
                person = ids.setdefault(name, len(ids) + 1)
                home = case.get("homes", {}).get(name, "")
                parties.append(Party(person, role, f"p{len(parties) + 1}", home))
        relations: tuple[tuple[int, int, str], ...] = ()
        if "relation" in item:
            suspect = next(p for p in parties if p.role in ("suspect", "involved"))
            victim = next(p for p in parties if p.role in ("victim", "reporter"))
            relations = ((suspect.person, victim.person, item["relation"]),)
        articles = item.get("offences", [])
        summary = item.get("summary", "")
        events.append(
            Event(
                id=index,
                source=item.get("source", "politie"),
                reference=f"G-{index:03d}",
                kind=item.get("kind", "aangifte" if articles else "melding"),
                at=START + dt.timedelta(days=item["day"], minutes=index),
                unit=item.get("unit", "oost-brabant" if item.get("source", "politie") == "politie" else ""),
                offences=tuple(offences()[a] for a in articles),
                parties=tuple(parties),
                relations=relations,
                summary=summary,
                words=detector.words(summary),
            )
        )
    return events, ids
