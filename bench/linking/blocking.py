"""Share of the true pairs that the blocking rules reach, and the number of candidate pairs.

    python bench/linking/blocking.py [N] [SEED]

Generates N registrations (default 20,000) with the chain-data generator into bench/out/linking-N-SEED
(reused when present), normalises every mention, runs each prediction blocking rule as a DuckDB self-join
and compares the union with the true pairs from truth.jsonl (evaluation code may read it).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ketenzicht.linking.batch import _connection, features_frame, features_from_file  # noqa: E402
from ketenzicht.linking.engine.normalise import MentionFeatures  # noqa: E402
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES  # noqa: E402


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
    missed = con.execute(
        "SELECT l.unique_id, r.unique_id FROM truth l JOIN truth r ON l.person = r.person "
        "AND l.unique_id < r.unique_id ANTI JOIN candidates c ON c.a = l.unique_id AND c.b = r.unique_id "
        "LIMIT 12"
    ).fetchall()
    by_id = {f.unique_id: f for f in features}
    for a, b in missed:
        print("missed:", by_id[a], "\n       ", by_id[b])


if __name__ == "__main__":
    main()
