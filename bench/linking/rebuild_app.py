"""The application's rebuild, end to end: `linking.rebuild.persons_rebuild` on a PostgreSQL register.

    python bench/linking/rebuild_app.py [--persons 100000] [--seed 1] [--runs 2] [--rewrite]

The register is the one `bench/linking/online.py` builds and caches for `--persons` persons (its
registrations and mentions as the intake stores them, every mention's features and keys, each linked to
its true person; relations are not in it, so the relation term's second pass finds no ties). This script
has online.py build it when it is missing (`online.py --persons N --timed 10 --backends postgres
--no-readme`), copies it to a throw-away database (`CREATE DATABASE ... TEMPLATE`, not timed) and runs
the rebuild there in a process of its own, as `manage.py link_persons --rebuild` does (the shipped model,
DuckDB): reading the mentions, normalising them, predicting and clustering, and writing features, keys
and links. Printed: the wall of each stage the rebuild reports (`normalise`, `predict`, `cluster`,
`store`; `before` is Django's start and reading the mentions, up to the first stage), the whole wall,
the process's peak memory, the highest resident memory sampled (every 0.2 s) in each stage, and the
rebuild's summary. With `--runs N` the rebuild runs N times on the same copy, each in a process of its
own: the first finds the register as intake left it, the later ones as the rebuild before left it (a
rebuild rewrites only the features and keys that changed, so the first after intake, whose stored
features and keys are the same, and the later ones write few). `--rewrite` forgets the stored keys'
fingerprints in the copy first (not timed), as a register stored before they
were kept: the first rebuild then writes every mention's features and keys anew. The server:
$BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432).

Compare the Splink part alone at the same size with `python bench/linking/scaling.py --steps rebuild`,
which leaves out the database and normalises column by column.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PAGE = os.sysconf("SC_PAGE_SIZE")

from online import POSTGRES, database_url, psql  # noqa: E402  (the register online.py builds)


def worker(result: Path) -> None:
    import django

    django.setup()
    from ketenzicht.linking.rebuild import persons_rebuild

    began = time.perf_counter()
    first_seen: dict[str, float] = {}
    last_seen: dict[str, float] = {}
    stage_now = ["before"]
    highest: dict[str, int] = {}  # stage -> the highest resident memory sampled in it, in pages
    done_sampling = threading.Event()

    def sample() -> None:  # every 0.2 s: the process's resident pages, by the stage it is in
        with open("/proc/self/statm", "rb") as statm:
            while not done_sampling.wait(0.2):
                statm.seek(0)
                resident = int(statm.read().split()[1])
                highest[stage_now[0]] = max(highest.get(stage_now[0], 0), resident)

    sampler = threading.Thread(target=sample, daemon=True)
    if Path("/proc/self/statm").exists():
        sampler.start()

    def step(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - began
        first_seen.setdefault(stage, now)
        last_seen[stage] = now
        stage_now[0] = stage

    summary = persons_rebuild(progress=step)
    wall = time.perf_counter() - began
    done_sampling.set()
    stages = {"before": min(first_seen.values(), default=wall)}
    stages |= {stage: last_seen[stage] - first_seen[stage] for stage in first_seen}
    out = {
        "wall": wall,
        "stages": stages,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stage_peak_mib": {stage: pages * PAGE / 2**20 for stage, pages in highest.items()},
        "summary": summary.__dict__,
    }
    result.write_text(json.dumps(out), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="rebuilds one after the other on one copy")
    parser.add_argument("--rewrite", action="store_true", help="forget the keys' fingerprints first")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    register = database_url("postgres", args.persons, args.seed).rsplit("/", 1)[1]
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{register}'") != "1":
        print(f"building the register of {args.persons:,} persons with online.py", flush=True)
        command = [sys.executable, str(HERE / "online.py"), "--persons", str(args.persons)]
        command += ["--seed", str(args.seed), "--timed", "10", "--backends", "postgres", "--no-readme"]
        subprocess.run(command, cwd=ROOT, check=True)
    copy = f"ketenzicht_rebuild_app_{os.getpid()}"
    psql(f"DROP DATABASE IF EXISTS {copy}")
    psql(f"CREATE DATABASE {copy} TEMPLATE {register}")
    result = ROOT / "bench" / "out" / "linking" / f"rebuild-app-{os.getpid()}.json"
    result.parent.mkdir(parents=True, exist_ok=True)
    try:
        mentions = psql("SELECT count(*) FROM registrations_personmention", copy)
        print(f"rebuild of the register of {args.persons:,} persons ({int(mentions):,} mentions), PostgreSQL")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "false"}
        env["DATABASE_URL"] = f"{POSTGRES}/{copy}"
        if args.rewrite:
            psql("UPDATE linking_mentionfeatures SET keys_digest = NULL", copy)
            psql("VACUUM ANALYZE linking_mentionfeatures", copy)
        for run in range(1, args.runs + 1):
            command = [sys.executable, __file__, "--worker", str(result)]
            subprocess.run(command, env=env, cwd=ROOT, check=True)
            figures = json.loads(result.read_text(encoding="utf-8"))
            stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in figures["stages"].items())
            print(f"run {run}: wall {figures['wall']:.1f} s ({stages}); peak {figures['peak_mib']:,.0f} MiB")
            if figures["stage_peak_mib"]:
                peaks = ", ".join(f"{stage} {mib:,.0f}" for stage, mib in figures["stage_peak_mib"].items())
                print(f"run {run}: highest resident memory sampled by stage (MiB): {peaks}")
            print(f"run {run}: summary: {figures['summary']}", flush=True)
    finally:
        psql(f"DROP DATABASE IF EXISTS {copy}")
        result.unlink(missing_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")


if __name__ == "__main__":
    main()
