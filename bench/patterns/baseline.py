"""A naive baseline, to set the rules' figures against: signals computed straight from the generated data
with the true persons (perfect linking), in export_signals' format.

    python bench/patterns/baseline.py [N] [--seed S] [--min 3] > OUT.jsonl
    python bench/patterns/evaluate.py [N] --signals OUT.jsonl

- possible_stalking: one true person named as suspect (or, in a registration without offences, as
  involved) and another as victim in `--min` or more registrations within 365 days; it fires at the
  registration that makes the count.
- marac_repeat: one true victim in 3 or more police registrations within 365 days in which a partner,
  ex-partner or family relation to them is recorded.

No offence types, relations, words or trends: "the same two people keep coming back" and nothing more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scoring
import store

WINDOW = dt.timedelta(days=365)


def pair_roles(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    persons = data.get("persons", [])
    suspects = [p["ref"] for p in persons if p.get("role") == "suspect"]
    if not suspects and not data.get("offences"):
        suspects = [p["ref"] for p in persons if p.get("role") == "involved"]
    victims = [p["ref"] for p in persons if p.get("role") == "victim"]
    return suspects, victims


def signal(rule: str, items: list[tuple[dt.datetime, dict[str, Any]]], fired: int) -> dict[str, Any]:
    at, first = items[fired]
    return {
        "rule": rule,
        "severity": "medium",
        "first_fired_at": at.isoformat(),
        "first_fired_registration": {"source": first["source"], "reference": first["reference"]},
        "registrations": [entry for _, entry in items],
    }


def fires_at(times: list[dt.datetime], count: int) -> int | None:
    for i in range(count - 1, len(times)):
        if times[i] - times[i - count + 1] <= WINDOW:
            return i
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("registrations", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min", type=int, default=3, help="registrations of a pair that make a pattern")
    args = parser.parse_args()
    data_dir = store.generated(args.registrations, args.seed)
    person = store.truth_of_mentions(data_dir)
    pairs: dict[tuple[str, str], list[tuple[dt.datetime, dict[str, Any]]]] = defaultdict(list)
    dv: dict[str, list[tuple[dt.datetime, dict[str, Any]]]] = defaultdict(list)
    for data in store.read_registrations(data_dir):
        key, facts = scoring.parse_registration_facts(data)
        suspects, victims = pair_roles(data)

        def who(ref: str, key: scoring.Key = key) -> str:
            return person[f"{key[0]}\t{key[1]}\t{ref}"]

        for s in suspects:
            for v in victims:
                if who(s) != who(v):
                    entry = {"source": key[0], "reference": key[1], "suspect_refs": [s], "victim_refs": [v]}
                    pairs[(who(s), who(v))].append((facts.registered_at, entry))
        if facts.source == "politie":
            for v in facts.dv_victims:
                entry = {"source": key[0], "reference": key[1], "suspect_refs": suspects, "victim_refs": [v]}
                dv[who(v)].append((facts.registered_at, entry))
    out = sys.stdout
    for rule, groups, count in (("possible_stalking", pairs, args.min), ("marac_repeat", dv, 3)):
        for items in groups.values():
            if len(items) < count:
                continue
            items.sort(key=lambda item: item[0])
            fired = fires_at([t for t, _ in items], count)
            if fired is not None:
                out.write(json.dumps(signal(rule, items, fired)) + "\n")


if __name__ == "__main__":
    main()
