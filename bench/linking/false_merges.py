"""The false merges of a clustering, pair by pair, with their cause (for `misses.py --false-pairs FILE`).

A false pair is two mentions of two different true persons (truth.jsonl) that end in one person. It is
*direct* when the linker scored the two at or above the link weight, else *chained*: the clustering joined
them through other mentions. Causes (the first that holds, in this order):

- chain: not scored at or above the link weight themselves; joined through other mentions;
- BSN guard gap: scored at or above, both mentions have a written BSN and they differ (at least one fails
  the 11-check, so the hard rule does not see it);
- homonym (same name): the generator's same_name confounder (same names, same year and day of birth);
- family at one address: the generator's family_same_address confounder (father and son, one first name);
- same household: two members of one generated household (siblings; twins when both mentions carry the
  same complete date of birth);
- other homonym: names and date of birth agree (exact surname, given name level not "else", birth date
  exact or unknown on a side) between two unrelated people;
- other: none of these (look at the levels in the file).

The file (JSON lines) has one line per false pair: both mentions' ids, true persons and key fields, the
pair's match weight (null when not scored), its comparison levels and weights when scored, the cause, the
person's size and number of true persons, and the lowest weight among the person's scored pairs.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd

CAUSES = [
    "chain",
    "BSN guard gap",
    "homonym (same_name confounder)",
    "family at one address (father/son confounder)",
    "same household (siblings)",
    "same household (twins)",
    "other homonym",
    "other",
]
FIELDS = [
    "bsn_written",
    "given_full",
    "initials",
    "surname",
    "birth_date",
    "birth_year",
    "sex",
    "pc6",
    "house_number",
    "bsn",
]


def confounders(directory: Path) -> dict[frozenset[str], str]:
    """The generator's confounder plants: the pair of true persons -> the kind."""
    found: dict[frozenset[str], str] = {}
    with (directory / "truth.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith('{"confounder"'):
                continue
            plant = json.loads(line)["confounder"]
            persons = plant["persons"]
            for a, b in combinations(persons, 2):
                found[frozenset((a, b))] = plant["kind"]
    return found


def _household(true_person: str) -> int:
    return int(true_person[1:]) // 8  # ketenzicht.demo.generator.population: pid = household * SLOTS + slot


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def classify(
    row_a: Mapping[str, Any],
    row_b: Mapping[str, Any],
    true_a: str,
    true_b: str,
    levels: Mapping[str, str] | None,
    plants: Mapping[frozenset[str], str],
) -> str:
    if levels is None:
        return "chain"
    written_a, written_b = row_a.get("bsn_written"), row_b.get("bsn_written")
    if written_a and written_b and written_a != written_b:
        return "BSN guard gap"
    kind = plants.get(frozenset((true_a, true_b)))
    if kind == "same_name":
        return "homonym (same_name confounder)"
    if kind == "family_same_address":
        return "family at one address (father/son confounder)"
    if _household(true_a) == _household(true_b):
        twins = row_a.get("birth_date") and row_a.get("birth_date") == row_b.get("birth_date")
        return "same household (twins)" if twins else "same household (siblings)"
    if (
        levels.get("surname", "").startswith("exact")
        and levels.get("given_names") not in ("else", None)
        and levels.get("birth_date") in ("exact", "null")
    ):
        return "other homonym"
    return "other"


def false_pairs(
    features: pd.DataFrame,
    true_person: pd.Series,
    predicted: pd.DataFrame,
    cluster_of: Mapping[str, str],
    link_weight: float,
    model: Mapping[str, Any],
    plants: Mapping[frozenset[str], str],
    path: Path | None,
) -> tuple[Counter[str], Counter[str], int]:
    """Classify every false pair; write them to `path` (JSON lines) when given. Returns the count per
    cause, the count per (comparison, level) among direct false pairs, and the persons holding any."""
    ids = [str(v) for v in features["unique_id"]]
    truth = dict(zip(ids, (str(v) for v in true_person), strict=True))
    members: dict[str, list[str]] = defaultdict(list)
    for uid in ids:
        members[cluster_of[uid]].append(uid)
    wrong = {c: m for c, m in members.items() if len({truth[u] for u in m}) > 1}
    in_wrong = {u for m in wrong.values() for u in m}
    keep = predicted["unique_id_l"].isin(in_wrong) & predicted["unique_id_r"].isin(in_wrong)
    inside = predicted[keep]
    scored: dict[tuple[str, str], float] = {}
    lowest: dict[str, float] = {}
    for left, right, w in zip(
        inside["unique_id_l"], inside["unique_id_r"], inside["match_weight"], strict=True
    ):
        left, right = str(left), str(right)
        if cluster_of[left] != cluster_of[right]:
            continue
        scored[(left, right) if left < right else (right, left)] = float(w)
        lowest[cluster_of[left]] = min(lowest.get(cluster_of[left], float("inf")), float(w))
    rows = {uid: row for uid, row in zip(ids, features.to_dict("records"), strict=True) if uid in in_wrong}
    from ketenzicht.linking.batch.frame import _features_of_row
    from ketenzicht.linking.engine.model import LinkModel

    scorer = LinkModel(model)
    prepared = {uid: scorer.prepare(_features_of_row(row)) for uid, row in rows.items()}
    causes: Counter[str] = Counter()
    level_counts: Counter[str] = Counter()
    out = path.open("w", encoding="utf-8") if path else None
    try:
        for cluster_id, mention_ids in sorted(wrong.items()):
            n_true = len({truth[u] for u in mention_ids})
            for a, b in combinations(sorted(mention_ids), 2):
                if truth[a] == truth[b]:
                    continue
                found = scored.get((a, b))
                direct = found is not None and found >= link_weight
                score = scorer.score(prepared[a], prepared[b])
                all_levels = {c.name: c.level for c in score.comparisons}
                levels = all_levels if direct else None
                cause = classify(rows[a], rows[b], truth[a], truth[b], levels, plants)
                causes[cause] += 1
                if levels:
                    for name, level in levels.items():
                        level_counts[f"{name}: {level}"] += 1
                if out:
                    line = {
                        "cause": cause,
                        "person": cluster_id,
                        "person_size": len(mention_ids),
                        "true_persons": n_true,
                        "lowest_scored_weight": lowest.get(cluster_id),
                        "weight": found,
                        "model_weight": round(score.match_weight, 2),
                        "levels": all_levels,
                        "level_weights": {c.name: round(c.weight, 2) for c in score.comparisons},
                        "a": {"id": a, "true": truth[a], **{f: _value(rows[a].get(f)) for f in FIELDS}},
                        "b": {"id": b, "true": truth[b], **{f: _value(rows[b].get(f)) for f in FIELDS}},
                    }
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        if out:
            out.close()
    return causes, level_counts, len(wrong)
