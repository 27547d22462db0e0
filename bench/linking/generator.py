"""Person linking on the chain-data generator's mentions: the plain Splink 5 baseline and ours, same run.

    python bench/linking/generator.py [N] [--seed S] [--thresholds 0.99,0.5] [--methods splink,ours]
        [--repeat R] [--no-readme]

N mentions (default 1,000,000). About N / 2 registrations are generated (seed S, kept in
bench/out/linking/gen-R-sS/ for the next run), and the first N mentions are linked. Each method runs in
its own process (`run.py`), R times (default 1): median linking wall time (every run's in brackets) and
median peak memory; quality figures from the last run (same data and seed, same links). Against
truth.jsonl: pairwise and cluster precision / recall / F1 and the share of true pairs reachable after
blocking. Results go to the `generator` block of bench/README.md (one row per method and N; rows of other
N are kept).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import datasets
import harness  # also puts the project on sys.path, for ours
import metrics
import pandas as pd
import splink_baseline

HEADER = ["date", "mentions", *harness.FIGURES]


def ensure_data(mentions: int, seed: int) -> Path:
    return harness.generated(mentions, seed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mentions", nargs="?", default="1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--thresholds", default="0.99,0.5", help="baseline thresholds; the first is operating"
    )
    parser.add_argument("--methods", default="splink,ours", help="which to run (default both)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; wall and memory: medians")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    n = int(args.mentions.replace("_", "").replace(",", ""))
    directory = ensure_data(n, args.seed)

    truth = datasets.load_generator(directory, with_truth=True, limit=n)
    print(f"{len(truth):,} mentions of {truth['true_person'].nunique():,} people from {directory}")
    truth_of = truth.set_index("mention_id")["true_person"]
    prepared = splink_baseline.prepare_generator(truth)
    reach = metrics.reachable_true_pairs(
        truth["true_person"], splink_baseline.blocking_keys(prepared, splink_baseline.GENERATOR_SPEC.blocking)
    )
    del prepared

    rows: list[list[str]] = []
    common = ["--dir", str(directory), "--mentions", str(n), "--seed", str(args.seed)]
    for method in args.methods.split(","):
        prefix = harness.OUT / f"generator-{n}-{method}"
        print(f"running {method} ...", flush=True)
        reports = []
        for _ in range(args.repeat):
            report = harness.run_method(method, "generator", prefix, *common, "--thresholds", args.thresholds)
            if report is None:
                break
            print(f"{method}: {report}", flush=True)
            reports.append(report)
        if not reports:
            print("ours: not available yet")
            continue
        walls = [r["link_seconds"] for r in reports]
        wall = f"{statistics.median(walls):.1f} s"
        if len(walls) > 1:
            wall += " (" + ", ".join(f"{w:.1f}" for w in walls) + ")"
        peak = statistics.median(r["peak_mib"] for r in reports)
        # Ours forks a second process to normalise the names of a large batch (`columns.processes_for`):
        # its own peak, while the first is far below its later one (bench/README.md).
        second = statistics.median(r.get("children_peak_mib", 0.0) for r in reports)
        peak_cell = f"{peak:,.0f} MiB" + (f" (second process {second:,.0f} MiB)" if second else "")
        clusters = pd.read_parquet(f"{prefix}.clusters.parquet").set_index("id")
        true_ids = truth_of.loc[clusters.index]
        for number, column in enumerate(clusters.columns):
            pair = metrics.pairwise(clusters[column], true_ids)
            exact = metrics.clusters(clusters[column], true_ids)
            timed = number == 0
            rows.append(
                [
                    harness.today(),
                    f"{len(truth):,}",
                    "ours" if method == "ours" else f"Splink 5 baseline, p >= {column}",
                    harness.f4(pair.precision),
                    harness.f4(pair.recall),
                    harness.f4(pair.f1),
                    harness.f4(exact.precision),
                    harness.f4(exact.recall),
                    harness.f4(exact.f1),
                    f"{reach.share:.2%}"
                    if method == "splink"
                    else harness.ours_reachability(truth[datasets.MENTION_COLUMNS], truth["true_person"]),
                    wall if timed else "(same run)",
                    peak_cell if timed else "",
                ]
            )
    harness.print_table(HEADER, rows)
    if not args.no_readme:
        _record(rows, f"{len(truth):,}")


def _record(rows: list[list[str]], mentions: str) -> None:
    """Replace this N's rows in the README's generator table, keep the other N's."""
    content = harness.README.read_text(encoding="utf-8")
    start, end = "<!-- linking:generator -->", "<!-- /linking:generator -->"
    old = content[content.index(start) + len(start) : content.index(end)]
    rows_before = [[cell.strip() for cell in line.split("|")[1:-1]] for line in old.splitlines()]
    kept = [row for row in rows_before if row and row[0][:1] == "2" and row[1] != mentions]
    table = harness.markdown_table(HEADER, sorted([*kept, *rows], key=lambda r: int(r[1].replace(",", ""))))
    version = f"ours at {mentions}: {harness.ours_version()}" if any(r[2] == "ours" for r in rows) else ""
    harness.replace_block("generator", f"Machine: {harness.machine()}. {version}".strip() + f"\n\n{table}")


if __name__ == "__main__":
    main()
