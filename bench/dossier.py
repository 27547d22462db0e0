"""The dossier page of a person with a long history, on PostgreSQL: p50/p95 latency and queries per view.

    python bench/dossier.py [--history 200] [--runs 100] [--background N] [--database NAME]

Stores one suspect with `--history` registrations (default 200) in one police unit, spread over eight
years, against four victims (the ex-partner in most), with a mix of offences (art. 285b, threats, violence,
breaches of a measure), a witness in some, and linked as one person (the victims as theirs). The register
around them: `--background` registrations of the chain-data generator (default 20,000, seed 1) in a new
database, dropped at the end, or an existing database named by `--database` (for instance one kept by
bench/search.py), to which the person is added once and kept.

A case screener of that unit, logged in, states a purpose once; then the clock runs around
`GET /personen/<id>/` through Django's test client (middleware, session, selector, access log entry,
timeline chart and template: the page as the user gets it, without the network), `--runs` times after
five warm-up views. The selector alone (`dossier_for_user`) is timed the same way. Target (issue 5):
p95 <= 150 ms at 200 registrations, and a constant number of queries (tests/dossiers/test_pages.py).

Figures go to stdout and bench/out/dossier-<history>.json. Server: BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))

from runner import manage, psql  # noqa: E402

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate  # noqa: E402

UNIT, MUNICIPALITY = "oost-brabant", "GM0796"
REFERENCE = "BENCH-DOSSIER-{history}-{index:04d}"
SUSPECT = {"given_names": "Ruben Adriaan", "surname_prefix": "van", "surname": "Oosterwijk"}
VICTIMS = (  # (person, relation, share of the registrations)
    (
        {"given_names": "Marloes", "surname": "Kuijpers", "birth_date": "1988-07-23", "sex": "F"},
        "ex_partner",
        0.6,
    ),
    ({"given_names": "Iris", "surname": "Bogaers", "birth_date": "1991-01-09", "sex": "F"}, "partner", 0.2),
    ({"given_names": "Henk", "surname": "Kuijpers", "birth_date": "1959-10-30", "sex": "M"}, "family", 0.1),
    (
        {"given_names": "Joyce", "surname": "Verhoeven", "birth_date": "1979-05-14", "sex": "F"},
        "neighbour",
        0.1,
    ),
)
OFFENCES = (["285b"], ["285b", "285"], ["285"], ["300"], ["350"], ["184a"], ["285b", "300"], ["138"], ["461"])


def history(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` registrations of one suspect in exchange format, oldest first."""
    rng = random.Random(seed)
    start = dt.datetime(2018, 1, 1, 9, 0, tzinfo=dt.UTC)
    span = (dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - start).total_seconds()
    items = []
    for index in range(count):
        when = start + dt.timedelta(seconds=span * (index + rng.random()) / count)
        victim, relation, _share = rng.choices(VICTIMS, weights=[v[2] for v in VICTIMS])[0]
        offences = OFFENCES[rng.randrange(len(OFFENCES))]
        suspect = {"ref": "p1", "role": "suspect", **SUSPECT, "birth_date": "1986-02-17", "sex": "M"}
        if index % 7 == 3:
            suspect = {**suspect, "given_names": "R.A."}  # a variant as written
        if index % 11 == 5:
            suspect.pop("birth_date")
        persons = [suspect, {"ref": "p2", "role": "victim", **victim}]
        relations = [{"from": "p1", "to": "p2", "kind": relation}]
        if index % 5 == 0:
            persons.append(
                {"ref": "p3", "role": "witness", "given_names": "Sem", "surname": f"Getuige{index % 13}"}
            )
        items.append(
            {
                "source": "politie",
                "reference": REFERENCE.format(history=count, index=index),
                "kind": "overtreding_maatregel" if "184a" in offences else "aangifte",
                "occurred_at": when.isoformat(),
                "registered_at": (when + dt.timedelta(hours=rng.randrange(1, 48))).isoformat(),
                "unit": UNIT,
                "municipality": MUNICIPALITY,
                "offences": offences,
                "summary": "Verdachte stond opnieuw bij aangeefster voor de deur.",
                "persons": persons,
                "relations": relations,
            }
        )
    return items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=200, help="registrations of the person")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--background", type=int, default=20_000, help="generator registrations around them")
    parser.add_argument("--database", help="an existing database to add the person to (kept)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = args.database or f"ketenzicht_bench_dossier_{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"{server}/{name}",
    }
    if not args.database:
        psql(f"CREATE DATABASE {name}", server=server)
    try:
        manage("migrate", "-v0", env=env)
        if not args.database:
            manage("load_reference_data", env=env)
        os.environ.update(env)
        figures = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.database:
            try:
                psql(f"DROP DATABASE IF EXISTS {name}", server=server)
            except subprocess.CalledProcessError:
                print(f"could not drop {name}: drop it by hand", file=sys.stderr)
    out = OUT / f"dossier-{args.history}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"written to {out}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from ketenzicht.dossiers.dossier import dossier_for_user
    from ketenzicht.linking.models import LinkMethod, MentionLink
    from ketenzicht.organisations.models import Organisation, User
    from ketenzicht.organisations.services import user_create
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention, Registration
    from ketenzicht.registrations.services import ReferenceCodes, registrations_create

    codes = ReferenceCodes.load()
    if not args.database:
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="kz-bench-dossier-", dir=OUT) as folder:
            generate(args.background, 1, folder)
            batch: list[dict[str, Any]] = []
            with (Path(folder) / REGISTRATIONS_FILE).open(encoding="utf-8") as lines:
                for line in lines:
                    batch.append(json.loads(line))
                    if len(batch) == 1_000:
                        registrations_create(actor=None, items=batch, channel="import", codes=codes)
                        batch = []
            registrations_create(actor=None, items=batch, channel="import", codes=codes)
        print(
            f"background: {args.background:,} registrations in {time.perf_counter() - began:.1f} s",
            flush=True,
        )

    first = REFERENCE.format(history=args.history, index=0)
    if not Registration.objects.filter(source="politie", reference=first).exists():
        items = history(args.history, seed=args.history)
        with transaction.atomic():
            registrations_create(actor=None, items=items, channel="import", codes=codes)
            references = [item["reference"] for item in items]
            suspect = Person.objects.create()
            victims = {v[0]["surname"] + v[0]["given_names"]: Person.objects.create() for v in VICTIMS}
            links = []
            mentions = PersonMention.objects.filter(
                registration__source="politie", registration__reference__in=references
            )
            for mention in mentions.exclude(link__isnull=False):
                if mention.role == "suspect":
                    person, probability = suspect, 0.97 if mention.given_names == "R.A." else 0.999
                elif mention.role == "victim":
                    person, probability = victims[mention.surname + mention.given_names], 0.999
                else:
                    person, probability = Person.objects.create(), None
                links.append(
                    MentionLink(
                        mention=mention,
                        person=person,
                        method=LinkMethod.ONLINE if probability else LinkMethod.NEW,
                        probability=probability,
                    )
                )
            MentionLink.objects.bulk_create(links)
    person_id = (
        MentionLink.objects.filter(
            mention__registration__reference=first, mention__registration__source="politie", mention__ref="p1"
        )
        .values_list("person_id", flat=True)
        .get()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    unit = Organisation.objects.get(code=UNIT)
    username = "bench-dossier-screener"
    user = User.objects.filter(username=username).first() or user_create(
        username=username, password=None, organisation=unit, roles=["case_screener"]
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    path = f"/personen/{person_id}/"
    stated = client.post(
        path, {"purpose_reason": "screening", "purpose_text": "benchmark of the dossier page"}
    )
    assert stated.status_code == 302, stated.status_code

    def timed(call: Any) -> list[float]:
        for _ in range(5):
            call()
        times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            call()
            times.append((time.perf_counter() - began) * 1000)
        return sorted(times)

    def page() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    body = response.content.decode()
    dossier = dossier_for_user(user=user, person=Person.objects.get(pk=person_id))
    assert dossier is not None
    page_times = timed(page)
    selector_times = timed(lambda: dossier_for_user(user=user, person=Person.objects.get(pk=person_id)))

    def summary(times: list[float]) -> dict[str, float]:
        def pct(p: float) -> float:
            return round(times[min(len(times) - 1, int(p * len(times)))], 1)

        return {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "mean": round(statistics.mean(times), 1)}

    return {
        "history": args.history,
        "registrations_in_dossier": len(dossier.lines),
        "companions": len(dossier.companions),
        "register_registrations": Registration.objects.count(),
        "register_persons": Person.objects.count(),
        "runs": args.runs,
        "queries_per_view": len(queries),
        "page_bytes": len(body),
        "page_ms": summary(page_times),
        "selector_ms": summary(selector_times),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    main()
