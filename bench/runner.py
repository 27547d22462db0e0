"""What the benchmarks share for running things: the application's management commands and psql, each in
a process of its own, failing loudly with what it printed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


@dataclass(frozen=True)
class Ran:
    stdout: str
    seconds: float  # wall time, start-up included


def manage(*args: str, env: dict[str, str]) -> Ran:
    """`python manage.py ARGS` with `env`; a failure stops the benchmark with the command's output."""
    began = time.perf_counter()
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return Ran(done.stdout, time.perf_counter() - began)


def psql(
    sql: str, database: str = "postgres", *, server: str = POSTGRES, timeout_ms: int | None = None
) -> str:
    """One statement through psql on `server`/`database`; its output, unaligned and trimmed."""
    env = {**os.environ, "PGOPTIONS": f"-c statement_timeout={timeout_ms}"} if timeout_ms else None
    done = subprocess.run(
        ["psql", f"{server}/{database}", "-qtAc", sql], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout.strip()
