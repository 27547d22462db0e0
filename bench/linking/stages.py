"""Where the batch linker's time goes: `batch.link.link_dataframe`'s four stages, one after the other, on the
chain-data generator's first N mentions, with the peak memory after each.

    python bench/linking/stages.py [N] [--seed S] [--model shipped]

N mentions (default 1,000,000; the register made once in bench/out/linking/, as generator.py does),
loaded without truth (not timed). The stages, as `link_dataframe` runs them:

- normalise: `mentions_to_features` (the features, column by column; the keys are built in predict),
- train: `train` on the features themselves (`--model shipped`: the shipped model instead, not timed),
- predict: `predict` at the link weight (keys built, counted and capped; candidate pairs; Splink scoring),
- cluster: `guard_columns` and `cluster_rows`.

Wall seconds per stage (`time.perf_counter`) and the process's peak resident memory after it
(`ru_maxrss`, DuckDB's included), and that of the largest child process: the second process that
normalises the names of a large batch (`columns.processes_for`), or, when this run first generates the
register, the generator. The first and the second together are at most the sum of the normalise stage's
peak and the second's (it lives only in that stage; pages they share count in both). Compare with plain
Splink's own stages, which `generator.py` prints (`splink: {... 'seconds': {...}}`) for the same
mentions. Nothing is written to bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_mib() -> float:
    """The peak of the largest child process so far (the normaliser's second process, or the generator of
    a register made by this run; 0 without one)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mentions", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", choices=["trained", "shipped"], default="trained")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    import datasets
    import harness

    from ketenzicht.linking.batch.artefact import load_model
    from ketenzicht.linking.batch.clustering import (
        DEFAULT_THRESHOLD_MATCH_WEIGHT,
        cluster_rows,
        guard_columns,
    )
    from ketenzicht.linking.batch.mentions import mentions_to_features
    from ketenzicht.linking.batch.prediction import predict
    from ketenzicht.linking.batch.training import train

    frame = datasets.load_generator(
        harness.generated(args.mentions, args.seed), with_truth=False, limit=args.mentions
    )
    print(f"{len(frame):,} mentions loaded; peak {_peak_mib():,.0f} MiB", flush=True)
    walls: dict[str, float] = {}

    def stage(name: str, run: Any, *arguments: Any, **options: Any) -> Any:
        started = time.perf_counter()
        result = run(*arguments, **options)
        walls[name] = time.perf_counter() - started
        second = _children_peak_mib()
        children = f", largest child process {second:,.0f} MiB" if second else ""
        print(f"{name:<10} {walls[name]:7.1f} s   peak {_peak_mib():,.0f} MiB{children}", flush=True)
        return result

    weight = DEFAULT_THRESHOLD_MATCH_WEIGHT
    features = stage("normalise", mentions_to_features, frame, with_keys=False)
    model = load_model() if args.model == "shipped" else stage("train", train, features, args.seed)
    pairs = stage("predict", predict, features, model, threshold_match_weight=weight)

    def clustered() -> Any:
        return cluster_rows(features["unique_id"], pairs, weight, *guard_columns(features))

    persons = stage("cluster", clustered)
    print(
        f"total      {sum(walls.values()):7.1f} s   {len(pairs):,} pairs at match weight {weight:.2f}, "
        f"{len(set(persons.tolist())):,} persons"
    )


if __name__ == "__main__":
    main()
