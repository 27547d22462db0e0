"""Person search on PostgreSQL: latency (p50/p95/p99) and recall@1 / recall@10 for noised queries.

    python bench/search.py [--registrations N] [--queries Q] [--seed S]

Generates N registrations with the chain-data generator (seed S), stores them in a new PostgreSQL database
with the batch insert (no online linking: the persons are the generator's true persons, so the figures are
about search, not linking), builds the search index, then asks Q queries. Each query is written from one
police mention of a true person (a person some police unit may see), with the generator's noise on top:
a name form people type (initials, `Surname, prefix`, a glued prefix, no given name), a typo in the
surname for one query in four, and a birth year or a whole date for some. The searcher is a case screener
of that mention's unit, so need-to-know filtering is part of every query. The clock runs around
`parse_query` + `person_search_for_user` (what a search costs without the page and the access log).

Figures go to stdout and bench/out/search-<N>.json. Server: BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432); the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate  # noqa: E402
from ketenzicht.demo.generator.noise import glue, strip_diacritics, typo  # noqa: E402


def psql(server: str, sql: str) -> None:
    env = {**os.environ, "PGOPTIONS": "-c statement_timeout=60000"}
    subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True, capture_output=True, env=env)


def manage(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")


def query_text(mention: dict[str, Any], rng: random.Random) -> str:
    """A search box as a screener might type it for this mention, with the generator's noise."""
    given = (mention.get("given_names") or "").split()
    prefix = mention.get("surname_prefix") or ""
    surname = mention["surname"]
    if rng.random() < 0.25:
        surname = typo(surname, rng)
    if rng.random() < 0.1:
        surname = strip_diacritics(surname)
    form = rng.random()
    if form < 0.3:
        name = " ".join([*given[:1], prefix, surname])
    elif form < 0.5:
        initials = "".join(g[0] + "." for g in given if g)
        name = " ".join([initials, prefix, surname])
    elif form < 0.65 and prefix:
        name = f"{surname}, {prefix}"
    elif form < 0.75 and prefix:
        name = " ".join([*given[:1], glue(prefix, surname)])
    elif form < 0.9:
        name = " ".join([prefix, surname])
    else:
        name = " ".join([*given, prefix, surname])
    birth = mention.get("birth_date") or ""
    when = rng.random()
    if birth and when < 0.4:
        name += " " + birth[:4]
    elif birth and when < 0.6:
        y, m, d = birth.split("-")
        name += f" {d}-{m}-{y}" if m != "00" and d != "00" else " " + y
    return " ".join(name.split())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=60_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database (for a second look)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"ketenzicht_bench_search_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"{server}/{name}",
    }
    with tempfile.TemporaryDirectory(prefix="kz-bench-search-") as folder:
        began = time.perf_counter()
        generate(args.registrations, args.seed, folder)
        lines = [json.loads(line) for line in (Path(folder) / REGISTRATIONS_FILE).open(encoding="utf-8")]
        truth = [json.loads(line) for line in (Path(folder) / "truth.jsonl").open(encoding="utf-8")]
        print(f"generated {len(lines):,} registrations in {time.perf_counter() - began:.1f} s", flush=True)
    psql(server, f"CREATE DATABASE {name}")
    try:
        manage("migrate", "-v0", env=env)
        manage("load_reference_data", env=env)
        os.environ.update(env)
        figures = run(args, lines, truth)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            try:
                psql(server, f"DROP DATABASE IF EXISTS {name}")
            except subprocess.CalledProcessError:
                print(f"could not drop {name}: drop it by hand", file=sys.stderr)
    out = OUT / f"search-{args.registrations}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"written to {out}")


def run(args: argparse.Namespace, lines: list[dict[str, Any]], truth: list[dict[str, Any]]) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection, transaction

    from ketenzicht.dossiers.engine.query import parse_query
    from ketenzicht.dossiers.selectors import person_search_for_user
    from ketenzicht.dossiers.services import search_index_rebuild
    from ketenzicht.linking.models import LinkMethod, MentionLink
    from ketenzicht.organisations.models import Organisation
    from ketenzicht.organisations.services import user_create
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention
    from ketenzicht.registrations.services import ReferenceCodes, registrations_create

    began = time.perf_counter()
    codes = ReferenceCodes.load()
    for start in range(0, len(lines), 1_000):
        registrations_create(actor=None, items=lines[start : start + 1_000], channel="import", codes=codes)
    stored = time.perf_counter() - began

    # The true persons, linked to their mentions.
    person_of_mention = {tuple(t["mention"]): t["person"] for t in truth if "person" in t}
    true_ids = sorted(set(person_of_mention.values()))
    began = time.perf_counter()
    with transaction.atomic():
        persons = Person.objects.bulk_create([Person() for _ in true_ids], batch_size=5_000)
        pk_of = {true: p.pk for true, p in zip(true_ids, persons, strict=True)}
        mentions = PersonMention.objects.values_list(
            "pk", "registration__source", "registration__reference", "ref"
        )
        links = [
            MentionLink(
                mention_id=pk, person_id=pk_of[person_of_mention[(s, r, ref)]], method=LinkMethod.REBUILD
            )
            for pk, s, r, ref in mentions.iterator(chunk_size=10_000)
        ]
        MentionLink.objects.bulk_create(links, batch_size=5_000)
    linked = time.perf_counter() - began
    began = time.perf_counter()
    indexed_mentions, rows = search_index_rebuild()
    indexed = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # Queries: from police mentions of true persons, by a screener of that unit.
    rng = random.Random(args.seed)
    police = [
        (line, person)
        for line in lines
        if line["source"] == "politie" and line.get("unit")
        for person in line["persons"]
    ]
    screeners = {
        org.code: user_create(
            username=f"bench-{org.code}", password=None, organisation=org, roles=["case_screener"]
        )
        for org in Organisation.objects.filter(kind="politie")
    }
    samples = rng.sample(police, min(args.queries + 20, len(police)))
    latencies: list[float] = []
    ranks: list[int | None] = []
    by_form: dict[str, list[int | None]] = defaultdict(list)
    for index, (line, mention) in enumerate(samples):
        text = query_text(mention, rng)
        want = pk_of[person_of_mention[(line["source"], line["reference"], mention["ref"])]]
        user = screeners[line["unit"]]
        began = time.perf_counter()
        try:
            hits = person_search_for_user(user=user, query=parse_query(text))
        except ValueError:
            hits = []  # a box the engine cannot read (the noise removed every letter)
        elapsed = time.perf_counter() - began
        if index < 20:
            continue  # warm-up
        latencies.append(elapsed * 1000)
        found = [h.person_id for h in hits]
        rank = found.index(want) + 1 if want in found else None
        ranks.append(rank)
        if rank is None and os.environ.get("BENCH_SHOW_MISSES"):
            print(f"miss: {text!r} <- {mention}", file=sys.stderr)
        by_form["with birth date" if any(ch.isdigit() for ch in text) else "name only"].append(rank)
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    def recall(found: list[int | None], k: int) -> float:
        return round(sum(1 for r in found if r is not None and r <= k) / len(found), 4) if found else 0.0

    return {
        "registrations": len(lines),
        "mentions": indexed_mentions,
        "persons": len(true_ids),
        "index_rows": rows,
        "queries": len(ranks),
        "store_s": round(stored, 1),
        "link_truth_s": round(linked, 1),
        "index_rebuild_s": round(indexed, 1),
        "latency_ms": {
            "p50": pct(0.5),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "mean": round(statistics.mean(latencies), 1),
        },
        "recall_at_1": recall(ranks, 1),
        "recall_at_10": recall(ranks, 10),
        "by_form": {
            form: {"queries": len(found), "recall_at_1": recall(found, 1), "recall_at_10": recall(found, 10)}
            for form, found in sorted(by_form.items())
        },
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    main()
