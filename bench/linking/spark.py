"""Rebuild on DuckDB and on Spark: python bench/linking/spark.py [N] [--backends duckdb,spark] [--no-retrain]

Generates N registrations of the demo generator (default 10,000: about 20,000 person mentions; seed 1),
imports them into a fresh SQLite database (migrated, reference data loaded, linked on intake; not timed),
then per backend times `manage.py link_persons --rebuild --backend B` as a separate process, from start to
exit (Django and, for Spark, the JVM start-up included): first with the shipped model (prediction only),
then with `--retrain` (training on the register first; the model goes to a temporary file, not over the
shipped one). One run each. Peak memory is the largest sum of the resident memory of the command and all
its child processes (Spark's JVM is one), sampled every 0.1 s. Spark runs as configured by
KETENZICHT_SPARK_* (default local[*], driver memory 4g).

    python bench/linking/spark.py [N] --training [--backends duckdb,spark] [--steps grouped,splink]

Training alone (`batch.training.train` on the register's features, read from the generated file), per backend
and way of training (`steps`: "grouped", batch.training.train's own: u for all comparisons in few queries, EM
on the counts of level patterns; "splink": Splink's own u estimate, a query per comparison and chunk of pairs,
and EM over every pair, as before), each in its own process, timed and measured as above; then how far
each model's match weights lie from the first one's (largest difference of log2(m/u) over all levels,
and the prior).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "spark"
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runner import manage  # noqa: E402

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate  # noqa: E402


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants."""
    tree = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo.extend(tree.get(pid, []))
    return total / 1024


def timed_rebuild(backend: str, retrain: bool, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak MiB of the process tree, the command's summary line)."""
    args = ["link_persons", "--rebuild", "--backend", backend, "--no-progress"]
    if retrain:
        args.append("--retrain")
    began = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mib(process.pid))
        time.sleep(0.1)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - began
    if process.returncode:
        raise SystemExit(f"{backend}: rebuild failed:\n{stdout}\n{stderr[-3000:]}")
    return wall, peak, stdout.strip().splitlines()[-1]


def train_one(data: Path, backend: str, steps: str, model_path: Path) -> None:
    """In a child process: train on the register's features and save the model; prints the seconds."""
    from ketenzicht.linking.batch.artefact import save_model
    from ketenzicht.linking.batch.frame import features_frame, features_from_file
    from ketenzicht.linking.batch.training import train

    frame = features_frame(features_from_file(data / REGISTRATIONS_FILE))
    began = time.perf_counter()
    model = train(frame, seed=1, backend=backend, steps=steps)
    print(f"{len(frame)} mentions, train {time.perf_counter() - began:.1f} s")
    save_model(model, model_path)


def level_weights(model: dict[str, object]) -> dict[tuple[str, str], float]:
    """log2(m/u) of every level with both m and u, by (comparison, level label)."""
    import math

    splink: Any = model["splink"]
    weights = {}
    for comparison in splink["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if isinstance(m, float | int) and isinstance(u, float | int) and m > 0 and u > 0:
                weights[comparison["output_column_name"], level["label_for_charts"]] = math.log2(m / u)
    return weights


def training(options: argparse.Namespace, data: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="train-", dir=OUT))
    rows = []
    models = {}
    for steps in options.steps.split(","):
        for backend in options.backends.split(","):
            model_path = work / f"model-{backend}-{steps}.json"
            command = [PYTHON, __file__, "--train-one", backend, steps, str(data), str(model_path)]
            began = time.perf_counter()
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            peak = 0.0
            while process.poll() is None:
                peak = max(peak, tree_rss_mib(process.pid))
                time.sleep(0.1)
            stdout, stderr = process.communicate()
            wall = time.perf_counter() - began
            if process.returncode:
                raise SystemExit(f"{backend}/{steps}: training failed:\n{stderr[-3000:]}")
            summary = stdout.strip().splitlines()[-1]
            models[backend, steps] = json.loads(model_path.read_text(encoding="utf-8"))
            rows.append((backend, steps, wall, peak, summary))
            line = f"{backend:<7} {steps:<8} {wall:7.1f} s  peak {peak:6.0f} MiB (tree)  {summary}"
            print(line, flush=True)

    first_key = next(iter(models))
    first = level_weights(models[first_key])
    print()
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, CPython {platform.python_version()}")
    print(
        "| backend | training steps | process wall | of which training | peak memory (process tree) | "
        f"largest level weight difference to {first_key[0]}/{first_key[1]} | prior |"
    )
    print("|---|---|---|---|---|---|---|")
    for backend, steps, wall, peak, summary in rows:
        model = models[backend, steps]
        weights = level_weights(model)
        diff = max(abs(weights[k] - first[k]) for k in first.keys() & weights.keys())
        prior = model["splink"]["probability_two_random_records_match"]
        trained = summary.split("train ")[1]
        cells = [backend, steps, f"{wall:.1f} s", trained, f"{peak:,.0f} MiB"]
        cells += [f"{diff:.3f}", f"{prior:.3g}"]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--train-one":
        train_one(Path(sys.argv[4]), sys.argv[2], sys.argv[3], Path(sys.argv[5]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "n", nargs="?", type=int, default=10_000, help="registrations (about 2 mentions each)"
    )
    parser.add_argument("--backends", default="duckdb,spark")
    parser.add_argument("--no-retrain", action="store_true", help="only the rebuild with the shipped model")
    parser.add_argument("--training", action="store_true", help="training alone, see above")
    parser.add_argument("--steps", default="grouped,splink", help="with --training")
    options = parser.parse_args()

    data = OUT / f"gen-{options.n}-1"
    if not (data / REGISTRATIONS_FILE).exists():
        generate(options.n, 1, data)
    if options.training:
        training(options, data)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=OUT))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "KETENZICHT_LINK_MODEL": str(work / "person-model-bench.json"),
    }
    shipped = ROOT / "ketenzicht" / "linking" / "data" / "person-model-v2.json"
    (work / "person-model-bench.json").write_bytes(shipped.read_bytes())
    print(f"register: {options.n} registrations, importing into {work} (not timed) ...", flush=True)
    manage("migrate", "-v0", env=env)
    manage("load_reference_data", env=env)
    manage("import_registrations", str(data / REGISTRATIONS_FILE), "--no-progress", env=env)

    rows = []
    modes = [False] if options.no_retrain else [False, True]
    for retrain in modes:
        for backend in options.backends.split(","):
            wall, peak, summary = timed_rebuild(backend, retrain, env)
            mode = "--retrain" if retrain else "shipped model"
            rows.append((backend, mode, wall, peak, summary))
            print(
                f"{backend:<7} {mode:<14} {wall:7.1f} s  peak {peak:6.0f} MiB (tree)  {summary}", flush=True
            )

    print()
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, CPython {platform.python_version()}")
    print("| backend | model | wall | peak memory (process tree) | result |")
    print("|---|---|---|---|---|")
    for backend, mode, wall, peak, summary in rows:
        print(f"| {backend} | {mode} | {wall:.1f} s | {peak:,.0f} MiB | {summary} |")


if __name__ == "__main__":
    main()
