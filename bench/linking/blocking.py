"""Share of the true pairs that the blocking rules reach, and the number of candidate pairs.

    python bench/linking/blocking.py [N] [SEED]

Generates N registrations (default 20,000) with the chain-data generator into bench/out/linking-N-SEED
(reused when present), normalises every mention, runs each prediction blocking rule as a DuckDB self-join
and compares the union with the true pairs from truth.jsonl (evaluation code may read it).

Then the keys that online retrieval and `batch.prediction.predict` block on: the blocking keys of
engine/keys.py against one key per rule side (the scheme before keys were named by value kind): keys per
mention, and the candidate pairs and true pairs that share a key held by at most
KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY (100) of these mentions.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ketenzicht.linking.batch.connection import _connection  # noqa: E402
from ketenzicht.linking.batch.frame import features_frame, features_from_file  # noqa: E402
from ketenzicht.linking.engine.keys import _parse, blocking_keys  # noqa: E402
from ketenzicht.linking.engine.mention_features import MentionFeatures  # noqa: E402
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES  # noqa: E402

CAP = 100  # settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY


def rule_side_keys(features: MentionFeatures) -> set[str]:
    """One key per rule and side (the earlier scheme), for the comparison."""
    keys = set()
    for index, rule in enumerate(BLOCKING_RULES):
        for side in ("l", "r"):
            values = []
            for term in _parse(rule):
                value = getattr(features, term.left if side == "l" else term.right)
                if value is None or value == "":
                    break
                values.append(str(value)[:1] if term.first_letter else str(value))
            else:
                keys.add(f"{index}:" + "|".join(values))
    return keys


def generated(n: int, seed: int) -> Path:
    out = ROOT / "bench" / "out" / f"linking-{n}-{seed}"
    if not (out / "truth.jsonl").exists():
        from ketenzicht.demo.generator import generate

        generate(n, seed, out)
    return out


def load(directory: Path) -> tuple[list[MentionFeatures], dict[str, str]]:
    features = features_from_file(directory / "registrations.jsonl")
    truth: dict[str, str] = {}
    with open(directory / "truth.jsonl", encoding="utf-8") as handle:
        for line in handle:
            fact = json.loads(line)
            if "mention" in fact:
                truth["|".join(fact["mention"])] = fact["person"]
    return features, truth


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    features, truth = load(generated(n, seed))
    frame = features_frame(features)
    frame["person"] = frame["unique_id"].map(truth)
    con = _connection(frame)
    con.register("truth_frame", frame[["unique_id", "person"]])
    con.execute("CREATE TABLE truth AS SELECT * FROM truth_frame")
    started = time.perf_counter()
    selects = [
        f"SELECT l.unique_id AS a, r.unique_id AS b FROM mentions l JOIN mentions r "
        f"ON l.unique_id < r.unique_id AND ({rule})"
        for rule in BLOCKING_RULES
    ]
    con.execute("CREATE TABLE candidates AS " + " UNION ".join(selects))
    elapsed = time.perf_counter() - started
    candidates = con.execute("SELECT count(*) FROM candidates").fetchone()[0]  # type: ignore[index]
    true_pairs = con.execute(
        "SELECT count(*) FROM truth l JOIN truth r ON l.person = r.person AND l.unique_id < r.unique_id"
    ).fetchone()[0]  # type: ignore[index]
    reached = con.execute(
        "SELECT count(*) FROM candidates c JOIN truth l ON l.unique_id = c.a "
        "JOIN truth r ON r.unique_id = c.b WHERE l.person = r.person"
    ).fetchone()[0]  # type: ignore[index]
    print(f"registrations {n:,} (seed {seed}), mentions {len(features):,}")
    print(f"true pairs {true_pairs:,}, reachable {reached:,} ({reached / true_pairs:.4%})")
    print(f"candidate pairs {candidates:,} ({elapsed:.2f} s)")
    edges = con.execute(
        "SELECT c.a, c.b FROM candidates c JOIN truth l ON l.unique_id = c.a "
        "JOIN truth r ON r.unique_id = c.b WHERE l.person = r.person"
    ).fetchall()
    parent = {uid: uid for uid in frame["unique_id"]}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[tuple[str, str], int] = {}
    for uid, person in zip(frame["unique_id"], frame["person"], strict=True):
        groups[(person, find(uid))] = groups.get((person, find(uid)), 0) + 1
    connected = sum(k * (k - 1) // 2 for k in groups.values())
    print(
        f"reachable through true candidate pairs (transitively): {connected:,} ({connected / true_pairs:.4%})"
    )
    for rule, select in zip(BLOCKING_RULES, selects, strict=True):
        only = con.execute(
            f"SELECT count(*) FROM ({select}) p JOIN truth l ON l.unique_id = p.a "
            "JOIN truth r ON r.unique_id = p.b WHERE l.person = r.person"
        ).fetchone()[0]  # type: ignore[index]
        print(f"  {only:>9,} true pairs  {rule}")
    exclusive = con.execute(
        "SELECT c.rule, count(*) FROM (SELECT a, b, min(rule) AS rule FROM ("
        + " UNION ALL ".join(f"SELECT a, b, {i} AS rule FROM ({q})" for i, q in enumerate(selects))
        + ") GROUP BY a, b HAVING count(DISTINCT rule) = 1) c JOIN truth l ON l.unique_id = c.a "
        "JOIN truth r ON r.unique_id = c.b WHERE l.person = r.person GROUP BY c.rule"
    ).fetchall()
    only = dict(exclusive)
    print("true pairs reached by one rule only:")
    for index, rule in enumerate(BLOCKING_RULES):
        print(f"  {only.get(index, 0):>9,}  {rule}")
    online_keys(con, features)
    missed = con.execute(
        "SELECT l.unique_id, r.unique_id FROM truth l JOIN truth r ON l.person = r.person "
        "AND l.unique_id < r.unique_id ANTI JOIN candidates c ON c.a = l.unique_id AND c.b = r.unique_id "
        "LIMIT 12"
    ).fetchall()
    by_id = {f.unique_id: f for f in features}
    for a, b in missed:
        print("missed:", by_id[a], "\n       ", by_id[b])


def online_keys(con: Any, features: list[MentionFeatures]) -> None:
    """Keys per mention, candidate pairs and true pairs sharing a key: all keys and keys of at most CAP
    mentions (as online retrieval and `batch.prediction.predict` use them), for the keys of engine/keys.py and
    for one key per rule side (the scheme before)."""
    app = features
    true_pairs = con.execute(
        "SELECT count(*) FROM truth l JOIN truth r ON l.person = r.person AND l.unique_id < r.unique_id"
    ).fetchall()[0][0]
    for scheme, keys_of in (("engine/keys.py", blocking_keys), ("one key per rule side", rule_side_keys)):
        keys = [sorted(keys_of(f)) for f in app]
        print(
            f"{scheme}: keys per mention {statistics.mean(len(k) for k in keys):.2f} "
            f"(max {max(map(len, keys))})"
        )
        frame = pd.DataFrame(
            [(f.unique_id, key) for f, ks in zip(app, keys, strict=True) for key in ks],
            columns=["uid", "key"],
        )
        con.register("keys_frame", frame)
        con.execute(
            "CREATE OR REPLACE TABLE keys AS SELECT k.uid, k.key, count(*) OVER (PARTITION BY k.key) AS n "
            "FROM keys_frame k"
        )
        con.unregister("keys_frame")
        bound = con.execute("SELECT sum(n - 1) / 2 FROM keys").fetchall()[0][0]
        common = con.execute(f"SELECT count(DISTINCT key) FROM keys WHERE n > {CAP}").fetchall()[0][0]
        print(
            f"  pairs sharing a key, counted once per key: {int(bound):,}; "
            f"keys of more than {CAP}: {common:,}"
        )
        con.execute(
            f"CREATE OR REPLACE TABLE kp AS SELECT DISTINCT a.uid AS a, b.uid AS b FROM "
            f"(SELECT * FROM keys WHERE n <= {CAP}) a JOIN (SELECT * FROM keys WHERE n <= {CAP}) b "
            f"ON a.key = b.key AND a.uid < b.uid"
        )
        pairs, reached = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE l.person = r.person) FROM kp "
            "JOIN truth l ON l.unique_id = kp.a JOIN truth r ON r.unique_id = kp.b"
        ).fetchall()[0]
        print(
            f"  keys of at most {CAP} mentions: candidate pairs {pairs:,}, true pairs sharing one "
            f"{reached:,} ({reached / true_pairs:.4%})"
        )


if __name__ == "__main__":
    main()
