"""Which kinds of blocking key bring the online candidates, and which of them could decide anything.

    python bench/linking/candidate_kinds.py N T [CAP]

In memory, no database: the first registrations of bench/out/online/gen-661510-1 (made by
`bench/linking/online.py`) holding N mentions are the register (features and keys of engine.keys), the next
T registrations the new ones. For each new mention, every register mention sharing one of its keys held by
at most CAP mentions (default 100, the cap) is a candidate, as online retrieval finds it; it is scored with
the shipped model. Printed per key kind (the key's label before ':'): the candidates it brings, those it
alone brings (the candidate shares no other kind), and of each the candidates at or above the lower
threshold (0.80), the only ones that can link or make a review item.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from ketenzicht.linking.engine.keys import blocking_keys
    from ketenzicht.linking.engine.mention_features import MentionFeatures
    from ketenzicht.linking.engine.model import prob_to_match_weight
    from ketenzicht.linking.engine.normalise import features_from_exchange
    from ketenzicht.linking.online import link_model

    size, timed = int(sys.argv[1]), int(sys.argv[2])
    cap = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    path = ROOT / "bench" / "out" / "online" / "gen-661510-1" / "registrations.jsonl"
    model = link_model()
    lower = prob_to_match_weight(settings.KETENZICHT_LINK_LOWER)
    index: dict[str, list[int]] = defaultdict(list)
    register: list[MentionFeatures] = []
    new: list[MentionFeatures] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            mentions = [features_from_exchange(p, "x") for p in data["persons"]]
            if len(register) < size:
                for features in mentions:
                    for key in blocking_keys(features):
                        index[key].append(len(register))
                    register.append(features)
            elif timed > 0:
                new += mentions
                timed -= 1
            else:
                break
    brings: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    relevant: Counter[str] = Counter()
    relevant_alone: Counter[str] = Counter()
    per_mention = []
    decisive = 0
    for features in new:
        prepared = model.prepare(features)
        kinds: dict[int, set[str]] = defaultdict(set)
        for key in blocking_keys(features):
            found = index.get(key, ())
            if len(found) <= cap:
                for i in found:
                    kinds[i].add(key.split(":", 1)[0])
        per_mention.append(len(kinds))
        for i, labels in kinds.items():
            decides = model.match_weight(prepared, register[i]) >= lower
            decisive += decides
            for label in labels:
                brings[label] += 1
                relevant[label] += decides
            if len(labels) == 1:
                (label,) = labels
                alone[label] += 1
                relevant_alone[label] += decides
    total = sum(per_mention)
    deciding = sum(relevant_alone.values())
    print(
        f"register {len(register):,} mentions; {len(new)} new mentions; cap {cap}; candidates per mention "
        f"{statistics.mean(per_mention):.1f}; {total:,} candidates, {sum(alone.values()):,} sharing one key "
        f"kind only; {decisive} at or above lower, {deciding} of them sharing one key kind only"
    )
    print(f"{'kind':10} {'brings':>8} {'alone':>8} {'>= lower':>9} {'alone >= lower':>15}")
    for label, n in brings.most_common():
        print(f"{label:10} {n:8} {alone[label]:8} {relevant[label]:9} {relevant_alone[label]:15}")


if __name__ == "__main__":
    main()
