"""Benchmark the bulk import: python bench/import.py [N] [--backends sqlite,postgres] [--repeat R]

Generates N registrations (default 100,000) with the chain-data generator, then for each backend creates an
empty database (migrated, reference data loaded; not timed) and times `manage.py import_registrations` on
the file as a separate process: registrations per second and peak memory (maxrss of that process). With
--repeat R each backend is imported R times into a fresh database and the median is reported.
PostgreSQL: the server at $BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432); a throw-away
database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "import"
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate  # noqa: E402


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True, capture_output=True)


def run_once(backend: str, data: Path, n: int) -> tuple[float, float]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "false"}
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"ketenzicht_bench_{os.getpid()}"
    if backend == "sqlite":
        db = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        psql(server, f"DROP DATABASE IF EXISTS {name}")
        psql(server, f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{server}/{name}"
    try:
        for step in (("migrate", "-v0"), ("load_reference_data",)):
            done = manage(*step, env=env)
            if done.returncode:
                raise SystemExit(f"{backend}: {' '.join(step)} failed:\n{done.stderr}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        began = time.perf_counter()
        done = manage("import_registrations", str(data), "--no-progress", env=env)
        wall = time.perf_counter() - began
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode or f"stored {n}" not in done.stdout:
            raise SystemExit(f"{backend}: import failed:\n{done.stdout}\n{done.stderr[-2000:]}")
        # maxrss of children is the largest of any child so far: the import is by far the largest.
        return wall, max(peak_kib, before) / 1024
    finally:
        if backend == "postgres":
            psql(server, f"DROP DATABASE IF EXISTS {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = OUT / f"data-{args.n}-{args.seed}"
    data = data_dir / REGISTRATIONS_FILE
    if not data.exists():
        generate(args.n, args.seed, data_dir)
    mentions = sum(line.count('"ref":') for line in data.open(encoding="utf-8"))
    print(f"import benchmark: {args.n:,} registrations ({mentions:,} person mentions), seed {args.seed}")
    lines = []
    for backend in args.backends.split(","):
        runs = [run_once(backend, data, args.n) for _ in range(args.repeat)]
        wall = statistics.median(w for w, _ in runs)
        peak = max(p for _, p in runs)
        line = (
            f"{backend}: median {wall:.1f} s over {len(runs)} run(s), {args.n / wall:,.0f} registrations/s, "
            f"peak memory {peak:.0f} MiB (runs: {', '.join(f'{w:.1f}' for w, _ in runs)} s)"
        )
        print(line)
        lines.append(line)
    summary = f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(summary)
    (OUT / "last.txt").write_text("\n".join([*lines, summary]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
