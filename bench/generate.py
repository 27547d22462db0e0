"""Benchmark the chain-data generator: python bench/generate.py [N] [SEED]  (N defaults to 1,000,000).

Writes to bench/out/generate/ (ignored by git) and prints registrations per second, wall time and peak
memory (maximum resident set size of this process).
"""

from __future__ import annotations

import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketenzicht.demo.generator import generate  # noqa: E402


def main() -> None:
    n = int(sys.argv[1].replace("_", "").replace(",", "")) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    out = ROOT / "bench" / "out" / "generate"
    began = time.perf_counter()
    result = generate(n, seed, out)
    wall = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mib = sum(f.stat().st_size for f in out.iterdir()) / 2**20
    print(f"generator: {result.registrations:,} registrations, {result.mentions:,} mentions, seed {seed}")
    print(f"wall time: {wall:.1f} s")
    print(f"rate: {result.registrations / wall:,.0f} registrations/s")
    print(f"peak memory (maxrss): {peak_mib:.0f} MiB")
    print(f"output: {size_mib:,.0f} MiB in {out}")
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")


if __name__ == "__main__":
    main()
