"""Does the bulk import slow down as the register grows? python bench/import_growth.py [N] [--chunk C]
[--backend postgres|sqlite] [--seed S] [--profile K] [--batch-size B] [--keep] [--template DATABASE]
[--file FILE]

Generates N registrations (default 100,000) with the chain-data generator, creates an empty database
(migrated, reference data loaded; not timed), and imports the file chunk by chunk (C registrations each,
default N / 10) through the same code as `manage.py import_registrations` (`intake.bulk.import_file`, the
configured batch size), in one process. Prints the rate of every chunk, so that a rate falling with the
register's size shows, and the ratio of the last chunk's rate to the first's.

Per chunk it also prints the CPU seconds of this process (the Python of the import, whatever else runs on
the machine: the server's work is not in it), and the seconds spent in storing (`registrations_create`) and
in each step of the pipeline after it (`intake.pipeline.STEPS_AFTER_STORE`), so that the step that slows
down shows by name.

With --profile K, the first and the last chunk run under cProfile and the K functions whose own time grew
most between them are printed (own time per registration, first chunk against last): where the growth
comes from.

PostgreSQL: the server at $BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432); a throw-away
database is created and dropped (with --keep it stays, and its name is printed: to profile a look-up
against a large register afterwards). Its settings that decide how much of the register's indexes stays
in memory are printed first (`SERVER_SETTINGS`). SQLite: a file under bench/out/import_growth/.

A register that stands: with --template DATABASE the throw-away database is a copy of that PostgreSQL
database (e.g. the register of a million persons that `bench/linking/online.py` builds, with --file the
registrations of its generated file that follow the register), migrated to this code: the rate at a
million without importing the million first. With --file FILE that file is imported (N is its number of
lines), not a generated one.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "import_growth"
sys.path.insert(0, str(ROOT))


# The PostgreSQL server's settings printed with the figures (docs/howto/registrations.md, "A large import").
SERVER_SETTINGS = ("shared_buffers", "max_wal_size", "checkpoint_timeout", "work_mem")


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True, capture_output=True)


def chunks_write(data: Path, size: int, into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    lines = data.read_bytes().splitlines(keepends=True)
    for start in range(0, len(lines), size):
        path = into / f"chunk-{start // size:04d}.jsonl"
        path.write_bytes(b"".join(lines[start : start + size]))
        paths.append(path)
    return paths


def times(profile: cProfile.Profile, *, cumulative: bool = False) -> dict[str, float]:
    """Seconds per function: its own time, or with `cumulative` its time with what it called (then only
    the project's functions)."""
    stats = pstats.Stats(profile)
    result: dict[str, float] = {}
    for (filename, line, name), (_, _, own, total, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.replace(str(ROOT) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        if cumulative and not where.startswith("ketenzicht/"):
            continue
        result[f"{where}:{line} {name}"] = total if cumulative else own
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--backend", default="postgres", choices=("postgres", "sqlite"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, metavar="K")
    parser.add_argument("--batch-size", type=int, default=0, help="per batch (default: the setting)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument(
        "--template",
        metavar="DATABASE",
        help="import into a copy of this PostgreSQL database (a register that stands), not an empty one",
    )
    parser.add_argument("--file", type=Path, help="import this file (exchange format) instead of generating")
    args = parser.parse_args()
    if args.template and args.backend != "postgres":
        raise SystemExit("--template copies a PostgreSQL database")
    OUT.mkdir(parents=True, exist_ok=True)

    from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate

    if args.file:
        data = args.file.resolve()
        args.n = sum(1 for line in data.open("rb") if line.strip())
        data_dir = OUT / f"file-{data.stem}-{args.n}"
    else:
        data_dir = OUT / f"data-{args.n}-{args.seed}"
        data = data_dir / REGISTRATIONS_FILE
        if not data.exists():
            generate(args.n, args.seed, data_dir)
    chunk = args.chunk or max(1, args.n // 10)
    paths = chunks_write(data, chunk, data_dir / f"chunks-{chunk}")

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"ketenzicht_growth_{os.getpid()}"
    if args.backend == "postgres":
        psql(server, f"DROP DATABASE IF EXISTS {name}")
        psql(server, f"CREATE DATABASE {name}" + (f" TEMPLATE {args.template}" if args.template else ""))
        os.environ["DATABASE_URL"] = f"{server}/{name}"
    else:
        db = OUT / f"{name}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from ketenzicht.intake import pipeline
        from ketenzicht.intake.bulk import import_file
        from ketenzicht.registrations.models import Registration

        spent: dict[str, float] = defaultdict(float)

        def timed(name: str, step: Callable[..., Any]) -> Callable[..., Any]:
            def run(*args: Any, **kwargs: Any) -> Any:
                began = time.perf_counter()
                try:
                    return step(*args, **kwargs)
                finally:
                    spent[name] += time.perf_counter() - began

            return run

        # Timed in this process only: the steps are looked up by the pipeline at each batch.
        pipeline.STEPS_AFTER_STORE = tuple(timed(s.__name__, s) for s in pipeline.STEPS_AFTER_STORE)
        pipeline.registrations_create = timed("store", pipeline.registrations_create)  # type: ignore[attr-defined]

        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
        source = f"{data}" if args.file else f"seed {args.seed}"
        into = (
            f"a copy of {args.template} ({Registration.objects.count():,} registrations)"
            if args.template
            else "empty"
        )
        print(
            f"import growth: {args.n:,} registrations in chunks of {chunk:,}, {args.backend}, {source}, "
            f"into {into}"
        )
        if args.backend == "postgres":  # what decides how far the register's indexes stay in memory
            from django.db import connection

            with connection.cursor() as cursor:
                shown = []
                for setting in SERVER_SETTINGS:
                    cursor.execute(f"SHOW {setting}")
                    shown.append(f"{setting} {cursor.fetchone()[0]}")
            print("server: " + ", ".join(shown))
        rates: list[float] = []
        profiles: list[cProfile.Profile] = []
        stored = Registration.objects.count()
        for number, path in enumerate(paths):
            profiled = args.profile and number in (0, len(paths) - 1)
            profile = cProfile.Profile() if profiled else None
            began, began_cpu = time.perf_counter(), time.process_time()
            if profile:
                profile.enable()
            spent.clear()
            summary = import_file(path, batch_size=args.batch_size or None)
            if profile:
                profile.disable()
                profiles.append(profile)
            wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
            rate = summary.stored / wall if wall else 0.0
            rates.append(rate)
            print(
                f"chunk {number + 1:>3}: register {stored:>9,} -> {stored + summary.stored:>9,}, "
                f"{wall:7.1f} s, {rate:7.1f} registrations/s, this process's CPU {cpu:6.1f} s"
                f"{' (profiled)' if profile else ''}",
                flush=True,
            )
            print("           " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in spent.items()))
            stored += summary.stored
        if rates and rates[0]:
            print(f"last chunk / first chunk: {rates[-1] / rates[0]:.2f}")
        if len(profiles) == 2:
            for what, cumulative in (("own time", False), ("time with what it calls", True)):
                first, last = (times(p, cumulative=cumulative) for p in profiles)
                grown = sorted(
                    ((last.get(k, 0.0) - first.get(k, 0.0), k) for k in set(first) | set(last)), reverse=True
                )
                print(f"{what} per {chunk:,} registrations, first chunk -> last chunk (most growth first):")
                for growth, key in grown[: args.profile]:
                    before, after = first.get(key, 0.0), last.get(key, 0.0)
                    print(f"  {before:8.2f} s -> {after:8.2f} s  (+{growth:.2f})  {key}")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    finally:
        from django.db import connections

        connections.close_all()
        if args.backend == "postgres" and args.keep:
            print(f"kept: {server}/{name}")
        elif args.backend == "postgres":
            psql(server, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
