"""Scaling curve of batch linking: wall time and peak memory of training and of the rebuild's Splink part,
per register size and backend, fitted and extrapolated to a national register.

    python bench/linking/scaling.py [--sizes 100000,300000,1000000] [--backends duckdb,spark]
        [--steps train,rebuild] [--target 30000000] [--seed 1]

For each size N the chain-data generator's register of N mentions (seed S; made once in
bench/out/linking/, as generator.py does) is turned into features with their blocking keys
(`batch.mentions.mentions_to_features`, cached in bench/out/scaling/; not timed). Then each step runs in a
process of its own, per backend:

- train: `batch.training.train(features, seed, backend=B)` (the register's own model; Splink's estimates on a
  seeded sample of at most `batch.training.TRAIN_SAMPLE` mentions),
- rebuild: `batch.prediction.predict` with the shipped model at the rebuild's lower threshold (match
  probability 0.80, without the relation term's lift) and `batch.clustering.cluster` at the upper one (0.99):
  the Splink part of `manage.py link_persons --rebuild`, without reading the mentions from and writing the
  links to the database.

Wall: the step inside its process (the features loaded, the Spark session started first and not
counted: `session_seconds` shows the JVM's start-up). Peak: the largest sum of the resident memory of the
process and its children (Spark's JVM), sampled every 0.1 s, the loaded features included. Spark runs as
KETENZICHT_SPARK_* configure it (default local[*], driver memory 4g); without pyspark or Java its rows
are skipped with the reason.

The fit: per backend and step, least squares of log(value) on log(N) over the measured sizes (value = a
N^b), extrapolated to --target mentions. The assumption, printed with the figures: the curve keeps the
exponent measured between the sizes here. That holds while the work per mention stays what it is here,
which the design makes likely (pairs per mention are bounded by the key cap, training samples at most
TRAIN_SAMPLE mentions), and fails where a resource runs out first (DuckDB spills past its memory
limit, Spark's driver holds the features and the scored pairs): treat the 30M figures as sizing advice,
not a measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402  (puts the project on sys.path)
from spark import tree_rss_mib  # noqa: E402

OUT = harness.ROOT / "bench" / "out" / "scaling"
STEPS = ("train", "rebuild")
BACKENDS = ("duckdb", "spark")
LOWER, UPPER = 0.80, 0.99  # the rebuild's thresholds (settings KETENZICHT_LINK_LOWER / _UPPER)


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    try:
        from ketenzicht.linking.spark import java_missing
    except ImportError as error:  # pyspark is an optional dependency
        return f"no pyspark ({error})"
    return java_missing()


def features_path(mentions: int, seed: int) -> Path:
    """The features of the generator's first `mentions` mentions (made once; a pickled frame)."""
    path = OUT / f"features-{mentions}-s{seed}.pickle"
    if not path.exists():
        import datasets

        from ketenzicht.linking.batch.mentions import mentions_to_features

        directory = harness.generated(mentions, seed)
        frame = mentions_to_features(datasets.load_generator(directory, with_truth=False, limit=mentions))
        OUT.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            pickle.dump(frame, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def run_step(step: str, backend: str, path: Path, seed: int) -> dict[str, Any]:
    """In the child process: one step on one backend; its figures."""
    from contextlib import nullcontext

    from ketenzicht.linking.batch.artefact import load_model
    from ketenzicht.linking.batch.clustering import cluster
    from ketenzicht.linking.batch.frame import _none
    from ketenzicht.linking.batch.prediction import predict
    from ketenzicht.linking.batch.training import train
    from ketenzicht.linking.engine.model import prob_to_match_weight

    with path.open("rb") as handle:
        frame = pickle.load(handle)
    report: dict[str, Any] = {"mentions": len(frame)}
    began = time.perf_counter()
    session: Any = nullcontext()
    if backend == "spark":
        from ketenzicht.linking.spark import spark_session

        session = spark_session()
    with session:
        if backend == "spark":  # the JVM's start-up apart
            from ketenzicht.linking.spark import _current

            assert _current is not None
            _current[0].range(1).count()
        report["session_seconds"] = time.perf_counter() - began
        began = time.perf_counter()
        if step == "train":
            model = train(frame, seed=seed, backend=backend)
            report["prior"] = model["splink"]["probability_two_random_records_match"]
        else:
            model = load_model()
            pairs = predict(frame, model, threshold_match_weight=prob_to_match_weight(LOWER), backend=backend)
            bsn = dict(zip(frame["unique_id"], (_none(v) for v in frame["bsn"]), strict=True))
            clusters = cluster(frame["unique_id"], pairs, prob_to_match_weight(UPPER), bsn)
            report["pairs"] = len(pairs)
            report["persons"] = len(set(clusters.values()))
        report["seconds"] = time.perf_counter() - began
    return report


def measure(step: str, backend: str, path: Path, seed: int) -> dict[str, Any]:
    """Run one step in a child process; its report with the process tree's peak memory."""
    command = [sys.executable, __file__, "--one", step, backend, str(path), str(seed)]
    began = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=harness.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mib(process.pid))
        time.sleep(0.1)
    stdout, stderr = process.communicate()
    if process.returncode:
        raise SystemExit(f"{step} on {backend} failed:\n{stderr[-4000:]}")
    report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    report["peak_mib"] = peak
    report["process_seconds"] = time.perf_counter() - began
    return report


def power_fit(sizes: list[float], values: list[float]) -> tuple[float, float]:
    """(a, b) of value = a * size^b, least squares on the logarithms (two sizes or more)."""
    if len(sizes) < 2 or len(set(sizes)) < 2:
        raise ValueError("sizes: a fit needs at least two different sizes")
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return math.exp(mean_y - b * mean_x), b


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise SystemExit(f"--sizes: whole numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 100:
        raise SystemExit("--sizes: at least one size, each at least 100 mentions")
    return sorted(set(sizes))


def _choices(text: str, allowed: tuple[str, ...], name: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    wrong = [s for s in chosen if s not in allowed]
    if wrong or not chosen:
        raise SystemExit(f"--{name}: one or more of {', '.join(allowed)}, not {text!r}")
    return chosen


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--one":
        report = run_step(sys.argv[2], sys.argv[3], Path(sys.argv[4]), int(sys.argv[5]))
        print(json.dumps(report))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000,1000000", help="mentions, comma separated")
    parser.add_argument("--backends", default="duckdb,spark")
    parser.add_argument("--steps", default="train,rebuild")
    parser.add_argument("--target", type=int, default=30_000_000, help="mentions to extrapolate to")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = _sizes(args.sizes)
    backends = _choices(args.backends, BACKENDS, "backends")
    steps = _choices(args.steps, STEPS, "steps")

    if "spark" in backends:
        reason = spark_missing()
        if reason:
            print(f"spark: skipped: {reason}", flush=True)
            backends = [b for b in backends if b != "spark"]
    print(f"machine: {harness.machine()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    results: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    print("| mentions | backend | step | wall | peak memory (process tree) | result |")
    print("|---|---|---|---|---|---|")
    for size in sizes:
        path = features_path(size, args.seed)
        for backend in backends:
            for step in steps:
                report = measure(step, backend, path, args.seed)
                results.setdefault((backend, step), []).append((report["mentions"], report))
                if step == "train":
                    result = f"prior {report['prior']:.3g}"
                else:
                    result = f"{report['pairs']:,} pairs scored, {report['persons']:,} persons"
                if backend == "spark":
                    result += f" (Spark session start {report['session_seconds']:.1f} s, not counted)"
                row = [f"{report['mentions']:,}", backend, step, f"{report['seconds']:.1f} s"]
                row += [f"{report['peak_mib']:,.0f} MiB", result]
                print("| " + " | ".join(row) + " |", flush=True)

    print()
    print(
        f"Extrapolated to {args.target:,} mentions (value = a N^b, least squares on the logarithms over the "
        "sizes above; assumes the exponent measured here holds up to the target: see the module's text)"
    )
    print("| backend | step | wall exponent b | wall at target | memory exponent b | peak memory at target |")
    print("|---|---|---|---|---|---|")
    for (backend, step), measured in results.items():
        if len({n for n, _ in measured}) < 2:
            print(f"| {backend} | {step} | (one size: no fit) | | | |")
            continue
        ns = [float(n) for n, _ in measured]
        a_wall, b_wall = power_fit(ns, [r["seconds"] for _, r in measured])
        a_mem, b_mem = power_fit(ns, [r["peak_mib"] for _, r in measured])
        # A falling curve is noise (a loaded machine; training's fixed-size u sample): no growth, taken
        # as the largest size's figure.
        wall = a_wall * args.target**b_wall if b_wall >= 0 else measured[-1][1]["seconds"]
        memory = a_mem * args.target**b_mem if b_mem >= 0 else measured[-1][1]["peak_mib"]
        exponent = f"{b_wall:.2f}" if b_wall >= 0 else f"{b_wall:.2f} (< 0: taken as 0)"
        row = [backend, step, exponent, f"{wall:,.0f} s ({wall / 3600:.1f} h)", f"{b_mem:.2f}"]
        row.append(f"{memory / 1024:,.1f} GiB")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
