"""A register for the pattern benchmarks: generated chain data, stored in a database, persons linked.

    python bench/patterns/store.py N [--seed S] [--links truth|rebuild] [--backend postgres|sqlite]
                                     [--variant full|no-summaries|no-relations|bare] [--rebuild-register]

The data: `ketenzicht.demo.generator.generate(N, seed)`, cached in bench/out/patterns/gen-N-SEED (a `done`
file marks a complete run). The database: PostgreSQL database ketenzicht_bench_patterns_N_SEED_LINKS on
$BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), or the SQLite file
bench/out/patterns/register-N-SEED-LINKS.sqlite3. It is migrated, the reference data loaded, and the
registrations stored with the batch insert (`registrations_create`, 1,000 at a time, as an import would
store them, without the intake pipeline: no online linking, no signals); `--variant` leaves out the
summaries (`no-summaries`: no words for the rules), the recorded relations (`no-relations`) or both
(`bare`), to see how much the rules lean on them (database and file names get the variant). Then the
persons:

- `truth`: one Person per true person of the generator, each mention linked to its true person (what a
  perfect linker would leave). For timing at scale and for scoring the rules apart from linking errors.
- `rebuild`: the real linker, `manage.py link_persons --rebuild` with the shipped model over the whole
  register (timed). For scoring rules and linking together.

A table `bench_patterns_stamp` holds a stamp of what was stored (this builder's version, N, seed, links,
the size of the generated file); when it matches, the database is reused: the patterns app's tables are
dropped (`migrate patterns zero`) and everything migrated again, so signals and tables come from the
current code. `--rebuild-register` builds anew anyway. The worker that stores
runs in its own process (`--worker`), so the caller's memory stays small.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "patterns"
PYTHON = sys.executable
BUILDER_VERSION = "1"  # raise when the builder stores something else
STAMP_TABLE = "bench_patterns_stamp"
LINKS = ("truth", "rebuild")
# What the register leaves out of the generated registrations, to see what the rules lean on: the free
# text (`summary`, so no words), the recorded relations between persons, or both.
VARIANTS = ("full", "no-summaries", "no-relations", "bare")
BACKENDS = ("postgres", "sqlite")
BATCH = 1_000

for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from runner import POSTGRES, manage, psql  # noqa: E402


def log(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S', time.gmtime())}] {text}", file=sys.stderr, flush=True)


# --- the data ------------------------------------------------------------------------------------------


def generated(registrations: int, seed: int) -> Path:
    """The generator's output for (N, seed), generated once and kept under bench/out/patterns/."""
    from ketenzicht.demo.generator import TRUTH_FILE, generate

    out = OUT / f"gen-{registrations}-{seed}"
    if not (out / TRUTH_FILE).exists() or not (out / "done").exists():
        log(f"generating {registrations:,} registrations (seed {seed}) into {out.relative_to(ROOT)}")
        began = time.perf_counter()
        generate(registrations, seed, out)
        (out / "done").write_text("", encoding="utf-8")
        log(f"generated in {time.perf_counter() - began:.1f} s")
    return out


def read_registrations(directory: Path) -> Iterator[dict[str, Any]]:
    with open(directory / "registrations.jsonl", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def truth_of_mentions(directory: Path) -> dict[str, str]:
    """ "source\\treference\\tref" -> true person id, for every mention of the generated data."""
    truth: dict[str, str] = {}
    with open(directory / "truth.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith('{"mention"'):
                fact = json.loads(line)
                truth["\t".join(fact["mention"])] = fact["person"]
    return truth


# --- the database --------------------------------------------------------------------------------------


@dataclass
class Register:
    backend: str
    url: str
    registrations: int
    seed: int
    links: str
    data: Path
    variant: str = "full"
    built: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return django_env(self.url)


def django_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": url,
    }


def database_url(backend: str, registrations: int, seed: int, links: str, variant: str = "full") -> str:
    tail = "" if variant == "full" else "_" + variant.replace("-", "_")
    if backend == "sqlite":
        return f"sqlite:///{OUT / f'register-{registrations}-{seed}-{links}{tail}.sqlite3'}"
    return f"{POSTGRES}/ketenzicht_bench_patterns_{registrations}_{seed}_{links}{tail}"


def stamp(registrations: int, seed: int, links: str, data: Path, variant: str = "full") -> str:
    size = (data / "registrations.jsonl").stat().st_size
    text = f"{BUILDER_VERSION}|{registrations}|{seed}|{links}|{size}|{variant}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def stored_stamp(backend: str, url: str) -> str | None:
    if backend == "sqlite":
        import sqlite3

        path = _sqlite_path(url)
        if not path.exists():
            return None
        with sqlite3.connect(path) as con:
            try:
                row = con.execute(f"SELECT stamp FROM {STAMP_TABLE}").fetchone()
            except sqlite3.OperationalError:
                return None
        return row[0] if row else None
    name = url.rsplit("/", 1)[1]
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        return None
    if psql(f"SELECT to_regclass('{STAMP_TABLE}') IS NOT NULL", name) != "t":
        return None
    return psql(f"SELECT stamp FROM {STAMP_TABLE}", name) or None


def write_stamp(backend: str, url: str, mark: str) -> None:
    sql = [f"DROP TABLE IF EXISTS {STAMP_TABLE}", f"CREATE TABLE {STAMP_TABLE} (stamp varchar(32))"]
    sql.append(f"INSERT INTO {STAMP_TABLE} VALUES ('{mark}')")
    if backend == "sqlite":
        import sqlite3

        with sqlite3.connect(_sqlite_path(url)) as con:
            for statement in sql:
                con.execute(statement)
        return
    name = url.rsplit("/", 1)[1]
    for statement in sql:
        psql(statement, name)


def drop(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = str(_sqlite_path(url))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def create_empty(backend: str, url: str) -> None:
    drop(backend, url)
    if backend == "postgres":
        psql(f"CREATE DATABASE {url.rsplit('/', 1)[1]}")
    else:
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)


def prepare(
    registrations: int,
    seed: int,
    links: str,
    backend: str,
    *,
    rebuild_register: bool = False,
    variant: str = "full",
    fresh_patterns: bool = True,
) -> Register:
    """The register for (N, seed, links, variant) on `backend`: reused when its stamp matches, else built.
    `fresh_patterns=False` keeps a reused register's patterns tables (and signals) as they are, only
    migrated forward (the screening benchmarks detect the signals again themselves)."""
    if variant not in VARIANTS:
        raise SystemExit(f"--variant: one of {', '.join(VARIANTS)}, not {variant!r}")
    if links not in LINKS:
        raise SystemExit(f"--links: one of {', '.join(LINKS)}, not {links!r}")
    if backend not in BACKENDS:
        raise SystemExit(f"--backend: one of {', '.join(BACKENDS)}, not {backend!r}")
    OUT.mkdir(parents=True, exist_ok=True)
    data = generated(registrations, seed)
    url = database_url(backend, registrations, seed, links, variant)
    register = Register(backend, url, registrations, seed, links, data, variant)
    mark = stamp(registrations, seed, links, data, variant)
    if not rebuild_register and stored_stamp(backend, url) == mark:
        log(f"reusing the stored register ({backend}, {links} links)")
        if fresh_patterns and (ROOT / "ketenzicht" / "patterns" / "migrations" / "0001_initial.py").exists():
            # The patterns app's tables anew, from its migrations as they are now (they may have changed
            # since the register was stored; the registrations and links do not depend on them).
            manage("migrate", "patterns", "zero", "-v0", env=register.env)
        register.timings["migrate_s"] = manage("migrate", "-v0", env=register.env).seconds
        return register
    log(f"building the register ({backend}, {registrations:,} registrations, {links} links, {variant})")
    create_empty(backend, url)
    env = register.env
    register.timings["migrate_s"] = manage("migrate", "-v0", env=env).seconds
    manage("load_reference_data", env=env)
    result = OUT / f"store-{os.getpid()}.json"
    began = time.perf_counter()
    command = [PYTHON, __file__, "--worker", "--data", str(data), "--links", links, "--variant", variant]
    done = subprocess.run(
        [*command, "--result", str(result)],
        env=env,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        raise SystemExit("storing the register failed (see above)")
    register.timings.update(json.loads(result.read_text(encoding="utf-8")))
    result.unlink()
    register.timings["store_process_s"] = round(time.perf_counter() - began, 1)
    if links == "rebuild":
        log("linking: manage.py link_persons --rebuild")
        register.timings["link_rebuild_s"] = round(
            manage("link_persons", "--rebuild", "--no-progress", env=env).seconds, 1
        )
        log(f"linked in {register.timings['link_rebuild_s']} s")
    if backend == "postgres":
        psql("ANALYZE", url.rsplit("/", 1)[1])
    write_stamp(backend, url, mark)
    register.built = True
    return register


# --- the worker (a Django process) ---------------------------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    import django

    django.setup()
    directory = Path(args.data)
    timings: dict[str, Any] = {}
    began = time.perf_counter()
    count = store_registrations(directory, args.variant)
    timings["registrations"] = count
    timings["store_s"] = round(time.perf_counter() - began, 1)
    log(f"stored {count:,} registrations in {timings['store_s']} s")
    if args.links == "truth":
        began = time.perf_counter()
        persons, mentions = link_to_truth(directory)
        timings["link_truth_s"] = round(time.perf_counter() - began, 1)
        timings["persons"], timings["mentions"] = persons, mentions
        log(f"linked {mentions:,} mentions to {persons:,} true persons in {timings['link_truth_s']} s")
    timings["store_peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    Path(args.result).write_text(json.dumps(timings), encoding="utf-8")


def strip(data: dict[str, Any], variant: str) -> dict[str, Any]:
    """A registration without what the variant leaves out."""
    if variant in ("no-summaries", "bare"):
        data["summary"] = ""
    if variant in ("no-relations", "bare"):
        data.pop("relations", None)
    return data


def store_registrations(directory: Path, variant: str = "full") -> int:
    from ketenzicht.registrations.services import ReferenceCodes, RegistrationInvalid, registrations_create

    codes = ReferenceCodes.load()
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal count
        outcomes = registrations_create(actor=None, items=batch, channel="import", codes=codes)
        bad = [
            (item["reference"], o)
            for item, o in zip(batch, outcomes, strict=True)
            if isinstance(o, RegistrationInvalid)
        ]
        if bad:
            raise SystemExit(f"the generator wrote registrations the intake refuses: {bad[:3]}")
        count += len(batch)
        if count % 100_000 == 0:
            log(f"stored {count:,}")
        batch.clear()

    for data in read_registrations(directory):
        batch.append(strip(data, variant))
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    return count


def link_to_truth(directory: Path) -> tuple[int, int]:
    """One Person per true person, every mention linked to it; (persons, mentions)."""
    from django.db import transaction

    from ketenzicht.linking.models import LinkMethod, MentionLink
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention

    truth = truth_of_mentions(directory)
    true_ids = sorted(set(truth.values()))
    with transaction.atomic():
        pk_of: dict[str, int] = {}
        for start in range(0, len(true_ids), 50_000):
            chunk = true_ids[start : start + 50_000]
            persons = Person.objects.bulk_create([Person() for _ in chunk], batch_size=5_000)
            pk_of.update((tid, p.pk) for tid, p in zip(chunk, persons, strict=True))
        mentions = PersonMention.objects.values_list(
            "pk", "registration__source", "registration__reference", "ref"
        ).order_by()
        links: list[MentionLink] = []
        linked = 0
        for pk, source, reference, ref in mentions.iterator(chunk_size=20_000):
            person = pk_of[truth[f"{source}\t{reference}\t{ref}"]]
            links.append(MentionLink(mention_id=pk, person_id=person, method=LinkMethod.REBUILD))
            if len(links) == 20_000:
                MentionLink.objects.bulk_create(links, batch_size=5_000)
                linked += len(links)
                links.clear()
        MentionLink.objects.bulk_create(links, batch_size=5_000)
        linked += len(links)
    return len(true_ids), linked


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("registrations", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--links", choices=LINKS, default="truth")
    parser.add_argument("--backend", choices=BACKENDS, default="postgres")
    parser.add_argument("--variant", choices=VARIANTS, default="full", help="what to leave out")
    parser.add_argument(
        "--rebuild-register", action="store_true", help="build anew even if the stamp matches"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    register = prepare(
        args.registrations,
        args.seed,
        args.links,
        args.backend,
        rebuild_register=args.rebuild_register,
        variant=args.variant,
    )
    print(json.dumps({"url": register.url, "built": register.built, **register.timings}, indent=2))


if __name__ == "__main__":
    main()
