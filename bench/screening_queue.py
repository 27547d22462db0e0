"""The screening queue over many open cases in one unit, on PostgreSQL: p50/p95 of the page and its
queries (`python bench/screening.py --queue`, or this file directly).

    python bench/screening_queue.py [--cases 10000] [--other 5000] [--runs 100]

Stores `--cases` open screening cases in Oost-Brabant (and `--other` in other units) straight into a new
database (persons, kernel cases with their history line, screening cases; mixed urgencies, deadlines,
owners and process versions, a tenth overdue): what the queue reads, without running intake for each.
A case screener of that unit, logged in, then loads the queue through Django's test client (middleware,
session, selectors, access log entry and template: the page as the user gets it, without the network),
`--runs` times per variant after five warm-up loads: the plain queue, the overdue filter, owner = nobody,
and the last page. Target (issue 13): p95 <= 150 ms with 10,000 open cases, the same number of queries
for every page (tests/screening/test_desk.py guards the count).

Figures go to stdout and bench/out/screening-queue-<cases>.json. Server: BENCH_POSTGRES.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runner import manage, psql  # noqa: E402

UNIT = "oost-brabant"
OTHER_UNITS = ("zeeland-west-brabant", "limburg", "midden-nederland")
URGENCIES = (("acute", 0, 0.03), ("high", 1, 0.17), ("normal", 2, 0.7), ("low", 3, 0.1))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="open cases in the screener's unit")
    parser.add_argument("--other", type=int, default=5_000, help="open cases in other units")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"ketenzicht_bench_queue_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"{server}/{name}",
    }
    psql(f"CREATE DATABASE {name}", server=server)
    try:
        manage("migrate", "-v0", env=env)
        manage("load_reference_data", env=env)
        os.environ.update(env)
        figures = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        try:
            psql(f"DROP DATABASE IF EXISTS {name}", server=server)
        except subprocess.CalledProcessError:
            print(f"could not drop {name}: drop it by hand", file=sys.stderr)
    out = OUT / f"screening-queue-{args.cases}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"written to {out}")
    return figures


def _store(unit_code: str, count: int, rng: random.Random, owners: list[Any]) -> None:
    """`count` open screening cases of one unit, in bulk."""
    from django.utils import timezone

    from ketenzicht.organisations.models import Organisation
    from ketenzicht.persons.models import Person
    from ketenzicht.screening.models import ScreeningCase
    from ketenzicht.workprocesses.models import Case, CaseEvent, ProcessVersion

    unit = Organisation.objects.get(code=unit_code)
    versions = list(ProcessVersion.objects.filter(process__in=["ex_partner_stalking", "dv_screening"]))
    now = timezone.now()
    persons = Person.objects.bulk_create([Person() for _ in range(2 * count)], batch_size=5_000)
    cases = []
    for index in range(count):
        version = versions[index % len(versions)]
        opened = now - timedelta(hours=rng.randint(1, 24 * 60))
        cases.append(
            Case(
                reference=f"B{unit.pk:02d}-{index:07d}",
                organisation=unit,
                process_version=version,
                title="Bench",
                state=rng.choice(["new", "screening", "screened"]),
                owner=rng.choice(owners) if owners and rng.random() < 0.6 else None,
                deadline_at=now + timedelta(hours=rng.randint(-24 * 3, 24 * 14)),
                escalate_to="team_lead",
                opened_at=opened,
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=5_000)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                at=case.opened_at,
                kind="opened",
                actor_name="system",
                to_state=case.state,
                process_version=f"{case.process_version.process} v{case.process_version.version}",
            )
            for case in cases
        ],
        batch_size=5_000,
    )
    rows = []
    for index, case in enumerate(cases):
        pick = rng.random()
        urgency, rank = "normal", 2
        for code, code_rank, share in URGENCIES:
            if pick < share:
                urgency, rank = code, code_rank
                break
            pick -= share
        rows.append(
            ScreeningCase(
                case=case,
                unit=unit,
                suspect=persons[2 * index],
                victim=persons[2 * index + 1],
                reasons=["ex_partner"],
                rules_version="bench",
                suspect_name=f"Verdachte {index}",
                victim_name=f"Slachtoffer {index}",
                urgency=urgency,
                urgency_rank=rank,
                deadline_at=case.deadline_at,
                level=rng.choice(["", "", "standard", "medium", "high"]),
            )
        )
    ScreeningCase.objects.bulk_create(rows, batch_size=5_000)


def _queries(client: Any, path: str) -> int:
    """The statements one page load sends (counted at the driver, whatever resets Django's query log)."""
    from django.db import connection

    sent: list[tuple[float, str]] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sent.append(((time.perf_counter() - began) * 1000, sql))

    with connection.execute_wrapper(count):
        client.get(path)
    if os.environ.get("BENCH_PROFILE"):
        for ms, sql in sent:
            print(f"{ms:8.1f} ms  {sql[:300]}")
    return len(sent)


def _time(client: Any, path: str, runs: int) -> dict[str, Any]:
    for _ in range(5):
        assert client.get(path).status_code == 200
    queries = _queries(client, path)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(client.get, path)
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(45)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "path": path,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "queries": queries,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from ketenzicht.organisations.models import Organisation
    from ketenzicht.organisations.services import user_create

    rng = random.Random(13)
    unit = Organisation.objects.get(code=UNIT)
    screener = user_create(
        username="bench-screener", password=None, organisation=unit, roles=["case_screener"]
    )
    owners = [
        user_create(username=f"bench-owner-{n}", password=None, organisation=unit, roles=["case_owner"])
        for n in range(20)
    ]
    began = time.perf_counter()
    _store(UNIT, args.cases, rng, owners)
    per_other = args.other // len(OTHER_UNITS)
    for code in OTHER_UNITS:
        _store(code, per_other, rng, [])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    stored = time.perf_counter() - began
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(screener)
    last_page = (args.cases + 49) // 50
    variants = {
        "queue": "/screening/",
        "overdue": "/screening/?overdue=on",
        "nobody": "/screening/?owner=nobody",
        "acute": "/screening/?urgency=acute",
        "last_page": f"/screening/?page={last_page}",
    }
    figures: dict[str, Any] = {
        "open_cases_in_unit": args.cases,
        "open_cases_elsewhere": per_other * len(OTHER_UNITS),
        "stored_seconds": round(stored, 1),
        "database": connection.vendor,
        "runs": args.runs,
    }
    for name, path in variants.items():
        figures[name] = _time(client, path, args.runs)
        print(
            f"{name}: p50 {figures[name]['p50_ms']} ms, p95 {figures[name]['p95_ms']} ms, "
            f"{figures[name]['queries']} queries",
            flush=True,
        )
    return figures


if __name__ == "__main__":
    main()
