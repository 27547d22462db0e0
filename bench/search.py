"""Person search on PostgreSQL: latency (p50/p95/p99) and recall@1 / recall@10 for noised queries.

    python bench/search.py [--registrations N] [--queries Q] [--seed S] [--database NAME] [--skip-rebuild]

Generates N registrations with the chain-data generator (seed S), stores them in a new PostgreSQL database
with the batch insert (no online linking: the persons are the generator's true persons, so the figures are
about search, not linking), builds the search index, then asks Q queries. Each query is written from one
police mention of a true person (a person some police unit may see), with the generator's noise on top:
a name form people type (initials, `Surname, prefix`, a glued prefix, no given name), a typo in the
surname for one query in four, and a birth year or a whole date for some. The searcher is a case screener
of that mention's unit, so need-to-know filtering is part of every query. The clock runs around
`parse_query` + `person_search_for_user` (what a search costs without the page and the access log).

Figures go to stdout and bench/out/search-<N>.json. Server: BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432); the database is dropped at the end, unless `--database NAME` names it:
then it is kept, and a later run with the same name (and the same N and seed) skips generating, storing
and linking (migrations still run; `--skip-rebuild` also keeps the search index as it is). The generated
file is streamed, and the true links are written in SQL, so memory does not grow with N.
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

from runner import manage, psql  # noqa: E402

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate  # noqa: E402
from ketenzicht.demo.generator.noise import glue, strip_diacritics, typo  # noqa: E402

# The true persons (numbered in the order of their generator ids) and a link from each mention to its own.
TRUTH_SQL = (
    "CREATE TEMP TABLE bench_person AS SELECT person, row_number() OVER (ORDER BY person) AS id"
    " FROM (SELECT DISTINCT person FROM bench_truth) AS t",
    "INSERT INTO persons_person (id, created_at) SELECT id, now() FROM bench_person",
    "SELECT setval(pg_get_serial_sequence('persons_person', 'id'), (SELECT max(id) FROM bench_person))",
    "INSERT INTO linking_mentionlink (mention_id, person_id, method, model_version, updated_at)"
    " SELECT m.id, p.id, 'rebuild', '', now() FROM registrations_personmention m"
    " JOIN registrations_registration r ON r.id = m.registration_id"
    " JOIN bench_truth t ON t.source = r.source AND t.reference = r.reference AND t.ref = m.ref"
    " JOIN bench_person p ON p.person = t.person",
    "DROP TABLE bench_truth, bench_person",
)


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


def true_person_score(query: Any, person_id: int, user: Any) -> float:
    """The score of the true person for this query: their best index row the user may see."""
    from ketenzicht.dossiers.engine.query import Entry, Scorer
    from ketenzicht.dossiers.models import SearchEntry
    from ketenzicht.registrations.sharing import visibility_filter

    condition = visibility_filter(user)
    rows = SearchEntry.objects.filter(condition, mention__link__person_id=person_id).values_list(
        "surname_key",
        "phonetic",
        "given_first",
        "initials",
        "birth_year",
        "birth_month",
        "birth_day",
        "pc6",
        "bsn",
    )
    scorer = Scorer(query)
    return max((scorer.score(Entry(*row)) for row in rows), default=0.0)


def form_of(text: str) -> str:
    """The kind of query: surname only or with a given name or initials; no date, a year, a whole date."""
    from ketenzicht.dossiers.engine.query import QueryError, parse_query

    try:
        query = parse_query(text)
    except QueryError:
        return "unreadable"
    given = any(r.given_first or r.initials for r in query.readings)
    date = "whole date" if query.birth_day else "birth year" if query.birth_year else "no date"
    return f"{'given name or initials' if given else 'surname only'}, {date}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=60_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="keep the database under this name, and reuse it when it exists")
    parser.add_argument("--skip-rebuild", action="store_true", help="reuse the kept database's search index")
    parser.add_argument("--load-only", action="store_true", help="with --database: store and link, no index")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = args.database or f"ketenzicht_bench_search_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"{server}/{name}",
    }
    exists = subprocess.run(
        ["psql", f"{server}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        psql(f"CREATE DATABASE {name}", server=server, timeout_ms=60_000)
    try:
        manage("migrate", "-v0", env=env)
        if not exists:
            manage("load_reference_data", env=env)
        os.environ.update(env)
        figures = run(args, fresh=not exists)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.database:
            try:
                psql(f"DROP DATABASE IF EXISTS {name}", server=server, timeout_ms=60_000)
            except subprocess.CalledProcessError:
                print(f"could not drop {name}: drop it by hand", file=sys.stderr)
    if args.load_only:
        print(json.dumps(figures))
        return
    out = OUT / f"search-{args.registrations}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"written to {out}")


def load(args: argparse.Namespace) -> dict[str, float]:
    """Generate, store and link to the true persons; streamed, so memory does not grow with N."""
    from django.db import connection, transaction

    from ketenzicht.registrations.services import ReferenceCodes, registrations_create

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kz-bench-search-", dir=OUT) as folder:
        began = time.perf_counter()
        generate(args.registrations, args.seed, folder)
        times["generate_s"] = round(time.perf_counter() - began, 1)
        print(f"generated {args.registrations:,} registrations in {times['generate_s']} s", flush=True)
        began = time.perf_counter()
        codes = ReferenceCodes.load()
        batch: list[dict[str, Any]] = []
        done = 0
        with (Path(folder) / REGISTRATIONS_FILE).open(encoding="utf-8") as lines:
            for line in lines:
                batch.append(json.loads(line))
                if len(batch) == 1_000:
                    registrations_create(actor=None, items=batch, channel="import", codes=codes)
                    done += len(batch)
                    batch = []
                    if done % 50_000 == 0:
                        print(f"stored {done:,} in {time.perf_counter() - began:.0f} s", flush=True)
        if batch:
            registrations_create(actor=None, items=batch, channel="import", codes=codes)
        times["store_s"] = round(time.perf_counter() - began, 1)
        print(f"stored in {times['store_s']} s", flush=True)

        # The true persons, linked to their mentions: the truth file copied into a table, then SQL.
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_truth (source text, reference text, ref text, person text)"
            )
            with (
                cursor.cursor.copy("COPY bench_truth FROM STDIN") as copy,
                (Path(folder) / "truth.jsonl").open(encoding="utf-8") as truth,
            ):
                for line in truth:
                    row = json.loads(line)
                    if "person" in row:
                        copy.write_row((*row["mention"], row["person"]))
            for sql in TRUTH_SQL:
                cursor.execute(sql)
        times["link_truth_s"] = round(time.perf_counter() - began, 1)
        print(f"linked in {times['link_truth_s']} s", flush=True)
    return times


def run(args: argparse.Namespace, *, fresh: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from ketenzicht.dossiers.engine.query import parse_query
    from ketenzicht.dossiers.models import SearchEntry
    from ketenzicht.dossiers.search import person_search_for_user
    from ketenzicht.dossiers.services import search_index_rebuild
    from ketenzicht.organisations.models import Organisation, User
    from ketenzicht.organisations.services import user_create
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention

    times = load(args) if fresh else {}
    if args.load_only:
        return times
    if fresh or not args.skip_rebuild:
        began = time.perf_counter()
        indexed_mentions, rows = search_index_rebuild()
        times["index_rebuild_s"] = round(time.perf_counter() - began, 1)
        print(f"index rebuilt in {times['index_rebuild_s']} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        indexed_mentions = PersonMention.objects.filter(link__isnull=False).count()
        rows = SearchEntry.objects.count()

    # Queries: from police mentions of true persons, by a screener of that unit.
    rng = random.Random(args.seed)
    police = list(
        PersonMention.objects.filter(registration__source="politie", registration__unit__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(police, min(args.queries + 20, len(police)))
    del police
    found_rows = {
        row["pk"]: row
        for row in PersonMention.objects.filter(pk__in=chosen).values(
            "pk",
            "given_names",
            "surname_prefix",
            "surname",
            "birth_date_raw",
            "registration__unit__code",
            "link__person_id",
        )
    }
    samples = [found_rows[pk] for pk in chosen]
    screeners: dict[str, User] = {}
    for org in Organisation.objects.filter(kind="politie"):
        username = f"bench-{org.code}"
        screeners[org.code] = User.objects.filter(username=username).first() or user_create(
            username=username, password=None, organisation=org, roles=["case_screener"]
        )
    latencies: list[float] = []
    ranks: list[int | None] = []
    rivals: dict[int, int] = {}  # query index -> other persons listed scoring at least the true person's
    above: dict[int, int] = {}  # query index -> other persons listed scoring more than the true person
    by_form: dict[str, list[int | None]] = defaultdict(list)
    for index, sample in enumerate(samples):
        mention = {**sample, "birth_date": sample["birth_date_raw"]}
        text = query_text(mention, rng)
        want = sample["link__person_id"]
        user = screeners[sample["registration__unit__code"]]
        began = time.perf_counter()
        text_query = None
        true_score = 0.0
        try:
            text_query = parse_query(text)
            hits = person_search_for_user(user=user, query=text_query)
        except ValueError:
            hits = []  # a box the engine cannot read (the noise removed every letter)
        elapsed = time.perf_counter() - began
        if index < 20:
            continue  # warm-up
        latencies.append(elapsed * 1000)
        found = [h.person_id for h in hits]
        rank = found.index(want) + 1 if want in found else None
        ranks.append(rank)
        # How many other persons score at least as high as the true person (tied or above) among those
        # listed: when ten or more do, the query alone cannot put them in the top ten.
        if text_query is not None:
            true_score = true_person_score(text_query, want, user)
            rivals[index] = sum(1 for h in hits if h.person_id != want and h.score >= true_score)
            above[index] = sum(1 for h in hits if h.person_id != want and h.score > true_score)
        if rank != 1 and os.environ.get("BENCH_SHOW_MISSES"):
            top = f"{hits[0].names[:2]} {hits[0].birth_dates[:1]} {hits[0].score}" if hits else "-"
            true = next((f"{h.score} ({h.registrations})" for h in hits if h.person_id == want), "-")
            true += f" scored {true_score if text_query is not None else '-'}, {above.get(index, 0)} above"
            print(f"rank {rank}: {text!r} <- {mention} | first {top} | true {true}", file=sys.stderr)
        by_form[form_of(text)].append(rank)
    latencies.sort()
    timed = list(range(20, len(samples)))
    resolvable = {
        k: [ranks[i - 20] for i in timed if rivals.get(i, 0) < k] for k in (1, 10)
    }  # queries where fewer than k other persons score at least as high as the true person

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    def recall(found: list[int | None], k: int) -> float:
        return round(sum(1 for r in found if r is not None and r <= k) / len(found), 4) if found else 0.0

    return {
        "registrations": args.registrations,
        "mentions": indexed_mentions,
        "persons": Person.objects.count(),
        "index_rows": rows,
        "queries": len(ranks),
        **times,
        "latency_ms": {
            "p50": pct(0.5),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "mean": round(statistics.mean(latencies), 1),
        },
        "recall_at_1": recall(ranks, 1),
        "recall_at_10": recall(ranks, 10),
        "resolvable": {
            "note": "queries where fewer than k other listed persons score at least as high as the true one",
            "at_1": {"queries": len(resolvable[1]), "recall_at_1": recall(resolvable[1], 1)},
            "at_10": {"queries": len(resolvable[10]), "recall_at_10": recall(resolvable[10], 10)},
            "others_strictly_above_true": {
                "at_least_1": sum(1 for i in timed if above.get(i, 0) >= 1),
                "at_least_10": sum(1 for i in timed if above.get(i, 0) >= 10),
            },
        },
        "by_form": {
            form: {"queries": len(found), "recall_at_1": recall(found, 1), "recall_at_10": recall(found, 10)}
            for form, found in sorted(by_form.items())
        },
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    main()
