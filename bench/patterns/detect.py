"""The time of `manage.py detect_patterns` over a large register (target: 1,000,000 registrations in 60 s).

    python bench/patterns/detect.py [N] [--seed S] [--backend postgres|sqlite] [--repeat R] [--no-export]
                                    [--drop] [--rebuild-register]

N defaults to 1,000,000. The register (`store.py`, truth links: the persons of a perfect linker) is built
once, which takes 10-15 minutes at 1,000,000, and kept with its stamp (PostgreSQL database
ketenzicht_bench_patterns_N_SEED_truth), so the next timing starts at once; `--drop` drops it afterwards.
Each of the R runs of `detect_patterns --no-progress` is a separate process, timed from start to exit
(Django start-up included), with that process's peak memory; the first run finds no signals yet, later
ones replace what the previous run stored. Then `export_signals` (timed) gives the signal count per rule.
Figures to stdout and bench/out/patterns-detect-N.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import evaluate
import store


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("registrations", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=store.BACKENDS, default="postgres")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-export", action="store_true", help="skip export_signals and the counts")
    parser.add_argument("--drop", action="store_true", help="drop the register afterwards")
    parser.add_argument("--rebuild-register", action="store_true", help="build the register anew")
    args = parser.parse_args()
    register = store.prepare(
        args.registrations, args.seed, "truth", args.backend, rebuild_register=args.rebuild_register
    )
    figures = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "registrations": args.registrations,
        "seed": args.seed,
        "backend": args.backend,
        "register": {"built": register.built, **register.timings},
    }
    try:
        figures["detect"] = evaluate.detect(register.env, args.repeat)
        if not args.no_export:
            path = store.OUT / f"signals-{args.registrations}-{args.seed}-truth.jsonl"
            wall, peak, _ = evaluate.run_measured(["export_signals", str(path)], register.env)
            figures["export"] = {"wall_s": round(wall, 1), "peak_mib": round(peak)}
            figures["signals_by_rule"] = count_rules(path)
    finally:
        if args.drop:
            store.drop(register.backend, register.url)
    out = evaluate.OUT / f"patterns-detect-{args.registrations}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"written to {out}")


def count_rules(path: Path) -> dict[str, int]:
    counts: Counter[str] = Counter()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                counts[json.loads(line)["rule"]] += 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    main()
