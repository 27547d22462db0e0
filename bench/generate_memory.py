"""Benchmark the chain-data generator's memory as N grows: python bench/generate_memory.py [N ...]

Runs `ketenzicht.demo.generator.generate(N, 1, folder)` for each N (default 40,000 and 160,000) in a fresh
process of its own and prints that process's peak memory (maximum resident set size, Python start-up
included) and the growth from the smallest N. Goal: the generator streams, so 4x the registrations add
less than 30 MiB. The behaviour at small N is tested in tests/demo/test_command_and_memory.py.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MIB = 30

PEAK = """
import resource, sys, tempfile
from ketenzicht.demo.generator import generate
with tempfile.TemporaryDirectory() as out:
    generate(int(sys.argv[1]), 1, out)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_kib(n: int) -> int:
    """The peak resident set size, in KiB, of a process that generates n registrations."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(n)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def main() -> None:
    sizes = [int(a.replace("_", "").replace(",", "")) for a in sys.argv[1:]] or [40_000, 160_000]
    sizes.sort()
    peaks: dict[int, float] = {}
    for n in sizes:
        began = time.perf_counter()
        peaks[n] = peak_kib(n) / 1024
        print(f"{n:>10,} registrations: peak {peaks[n]:.0f} MiB ({time.perf_counter() - began:.1f} s)")
    smallest, largest = sizes[0], sizes[-1]
    growth = peaks[largest] - peaks[smallest]
    verdict = "met" if largest >= 4 * smallest and growth < GOAL_MIB else "not met (or sizes under 4x apart)"
    print(f"growth {smallest:,} -> {largest:,}: {growth:+.1f} MiB; goal < {GOAL_MIB} MiB for 4x: {verdict}")
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")


if __name__ == "__main__":
    main()
