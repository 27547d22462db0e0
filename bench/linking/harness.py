"""Shared parts of the linking benchmarks: run a method in its own process, format figures, update README.

Importing it puts the project (for "ours") and this folder (the benchmark's modules) on `sys.path`, so a
benchmark script run as `python bench/linking/NAME.py` can import both.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import metrics
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

OUT = ROOT / "bench" / "out" / "linking"
README = ROOT / "bench" / "README.md"
RUN = HERE / "run.py"
NOT_AVAILABLE = 3
MACHINE = "2-core x86_64 (shared)"
# The figures of one method on one data set: the columns after those that name the run.
FIGURES = [
    "method",
    "pairwise P",
    "pairwise R",
    "pairwise F1",
    "cluster P",
    "cluster R",
    "cluster F1",
    "reachable",
    "link wall",
    "peak memory",
]


def run_method(method: str, dataset: str, prefix: Path, *extra: str) -> dict[str, Any] | None:
    """Run `run.py` in a fresh process; its report, or None when "ours" is not available yet."""
    command = [sys.executable, str(RUN), method, dataset, "--out", str(prefix), *extra]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode == NOT_AVAILABLE:
        return None
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{method} on {dataset} failed (exit status {done.returncode})")
    report: dict[str, Any] = json.loads(Path(f"{prefix}.json").read_text(encoding="utf-8"))
    report["process_seconds"] = time.perf_counter() - began
    return report


def generated(mentions: int, seed: int, *, params: Path | None = None, prefix: str = "gen") -> Path:
    """A generator register of about `mentions` mentions (two a registration) in OUT, made once: its folder
    (registrations.jsonl, truth.jsonl). `params`: a generator parameter file instead of the shipped one."""
    registrations = -(-mentions // 2)
    directory = OUT / f"{prefix}-{registrations}-s{seed}"
    if not (directory / "truth.jsonl").exists():
        with_params = f", {params.name}" if params else ""
        print(f"generating {registrations:,} registrations (seed {seed}{with_params}) into {directory}")
        command = [sys.executable, "manage.py", "generate_chain_data", "--registrations", str(registrations)]
        command += ["--seed", str(seed), *(["--params", str(params)] if params else [])]
        command += ["--out", str(directory), "--no-progress"]
        subprocess.run(command, cwd=ROOT, check=True)
    return directory


def machine() -> str:
    return f"{MACHINE}, {platform.python_implementation()} {platform.python_version()}"


def ours_version() -> str:
    """The last commit of ketenzicht/linking/, and whether the working tree differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("log", "-1", "--format=%h", "--", "ketenzicht/linking") or "unknown"
    changed = git("status", "--porcelain", "--", "ketenzicht/linking")
    return f"ketenzicht/linking at {commit}" + (" with uncommitted changes" if changed else "")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def f4(value: float) -> str:
    return f"{value:.4f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def replace_block(name: str, text: str, readme: Path = README) -> None:
    """Put `text` between `<!-- linking:NAME -->` and `<!-- /linking:NAME -->` in bench/README.md.

    The markers must already be in the README (inside "Person linking: baselines"); nothing else changes.
    """
    content = readme.read_text(encoding="utf-8")
    start, end = f"<!-- linking:{name} -->", f"<!-- /linking:{name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(content):
        raise SystemExit(f"bench/README.md has no {start} ... {end} block")
    readme.write_text(pattern.sub(lambda _: f"{start}\n{text.strip()}\n{end}", content), encoding="utf-8")


def ours_reachability(mentions: pd.DataFrame, true: pd.Series) -> str:
    """Reachability of ours when `ketenzicht.linking.batch.link.candidate_keys(df)` exists, else "n/a".

    It returns either a DataFrame (one key column per blocking rule, None = no key) or a Series with a
    list of keys per row (two rows are candidates when the keys they share are enough by
    `engine.keys.DEFAULT_PAIR_RULE`).
    """
    from run import find_ours

    if find_ours() is None:
        return "n/a"
    import ketenzicht.linking.batch.link as batch_link
    import ketenzicht.linking.engine.keys as engine_keys

    candidate_keys = getattr(batch_link, "candidate_keys", None)
    if candidate_keys is None:
        return "n/a"
    keys = candidate_keys(mentions)
    if isinstance(keys, pd.DataFrame):  # one key column per rule
        return f"{metrics.reachable_true_pairs(true, keys).share:.2%}"
    rule = getattr(engine_keys, "DEFAULT_PAIR_RULE", None)
    if rule is None:
        return f"{metrics.reachable_true_pairs_from_key_lists(true, keys).share:.2%}"
    counts = Counter(key for row in keys for key in row)
    reach = metrics.reachable_true_pairs_from_key_lists(
        true, keys, lambda shared: rule.enough({k: counts[k] for k in shared})
    )
    return f"{reach.share:.2%}"
