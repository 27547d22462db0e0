"""The insight desk over a national register: counting and the national page.

    python bench/insights.py [N] [--persons 400000] [--days 1095] [--rounds 30] [--seed 1]

A fresh PostgreSQL database (server: BENCH_POSTGRES) gets the reference data and N registrations (default
1,000,000) written in bulk by the database itself (INSERT ... SELECT over generate_series, seeded): police
registrations spread over `--days` days up to today across every municipality, each with one offence
(a third art. 285b, the rest other domestic-violence offences, a tenth outside the DV list), a suspect and
a victim linked to persons drawn from `--persons` (skewed, so repeat victims and serial suspects occur), and
a relation of the domestic circle for four in five. Then `insights_refresh --all` counts every year (timed:
the nightly run), and the national page (`/inzicht/`, the analyst, through Django's test client with the
whole middleware) is fetched `--rounds` times for each of six choices: the country per month of the last
year, per week, every year per year; one unit per month; a Veilig Thuis region per week; the CSV export.

Printed: rows written, the counting run (wall, facts, cells), and per choice p50 / p95 / max in ms plus the
statements per page. Target: the national page p95 <= 500 ms over 1,000,000 registrations.
Not generated at volume: screening cases, Veilig Thuis notifications, ZSM files, measures and signals (their
facts are counted the same way; the page reads cells, whose number grows with periods and areas, not with
registrations). Figures to stdout and bench/out/insights-N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runner import manage  # noqa: E402
from veiligthuis import database, django_env, drop, log  # noqa: E402

NAME = "kz_bench_insights"


def generate(n: int, persons: int, days: int, seed: int) -> dict[str, int]:
    """The register, written by PostgreSQL itself; returns the rows per table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [1 / (seed + 1)])
        cursor.execute(
            "INSERT INTO persons_person (created_at, merged_into_id) SELECT now(), NULL "
            "FROM generate_series(1, %s)",
            [persons],
        )
        cursor.execute("SELECT min(id) FROM persons_person")
        first_person = cursor.fetchone()[0]
        # Registrations: a municipality at random, its police unit, a moment in the last `days` days.
        cursor.execute(
            """
            CREATE TEMP TABLE towns AS
            SELECT row_number() OVER (ORDER BY id) AS i, id, police_unit_id FROM organisations_municipality
            """
        )
        cursor.execute("SELECT count(*) FROM towns")
        towns = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO registrations_registration (source, reference, kind, occurred_at, occurred_date_only,
                registered_at, unit_id, municipality_id, summary, extra, content_hash, channel, created_at)
            SELECT 'politie', 'BENCH-' || g, 'aangifte', at, false, at, t.police_unit_id, t.id, '', '{}',
                md5(g::text), 'import', now()
            FROM (
                SELECT g, now() - random() * (%s * interval '1 day') AS at,
                       1 + floor(random() * %s)::int AS town
                FROM generate_series(1, %s) AS g
            ) AS r JOIN towns t ON t.i = r.town
            """,
            [days, towns, n],
        )
        cursor.execute("SELECT id FROM registrations_offence WHERE article = '285b'")
        stalking = cursor.fetchone()[0]
        cursor.execute(
            "SELECT array_agg(id) FROM registrations_offence "
            "WHERE article IN ('300', '285', '350', '302', '266')"
        )
        domestic = cursor.fetchone()[0]
        cursor.execute("SELECT array_agg(id) FROM registrations_offence WHERE article IN ('310', '461')")
        other = cursor.fetchone()[0] or domestic
        cursor.execute(
            """
            INSERT INTO registrations_registration_offences (registration_id, offence_id)
            SELECT id, CASE WHEN x < 0.33 THEN %s
                            WHEN x < 0.9 THEN (%s::int[])[1 + floor(random() * %s)::int]
                            ELSE (%s::int[])[1 + floor(random() * %s)::int] END
            FROM (SELECT id, random() AS x FROM registrations_registration
                  WHERE reference LIKE 'BENCH-%%') AS r
            """,
            [stalking, domestic, len(domestic), other, len(other)],
        )
        # A suspect and a victim per registration; persons skewed (power 2) so some recur.
        for role, ref in (("suspect", "p1"), ("victim", "p2")):
            cursor.execute(
                f"""
                INSERT INTO registrations_personmention (registration_id, ref, role, given_names,
                    surname_prefix, surname, birth_date_raw, sex, bsn, street, house_number,
                    house_number_suffix, postcode, city, address_municipality, phone, extra)
                SELECT id, '{ref}', '{role}', '', '', 'Bench', '', '', '', '', '', '', '', '', '', '', '{{}}'
                FROM registrations_registration WHERE reference LIKE 'BENCH-%%'
                """
            )
        cursor.execute(
            """
            INSERT INTO linking_mentionlink (mention_id, person_id, method, probability, model_version,
                updated_at)
            SELECT m.id, %s + floor(power(random(), 2) * %s)::int, 'rebuild', NULL, '', now()
            FROM registrations_personmention m
            JOIN registrations_registration r ON r.id = m.registration_id AND r.reference LIKE 'BENCH-%%'
            """,
            [first_person, persons],
        )
        cursor.execute(
            """
            INSERT INTO registrations_mentionrelation (registration_id, from_mention_id, to_mention_id, kind)
            SELECT s.registration_id, s.id, v.id, 'ex_partner'
            FROM registrations_personmention s
            JOIN registrations_personmention v ON v.registration_id = s.registration_id AND v.role = 'victim'
            WHERE s.role = 'suspect' AND random() < 0.8
            """
        )
        cursor.execute("ANALYZE")
        counts = {}
        for table in (
            "registrations_registration",
            "registrations_registration_offences",
            "registrations_personmention",
            "linking_mentionlink",
            "registrations_mentionrelation",
            "persons_person",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def pages(rounds: int) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ketenzicht.insights.selectors import years
    from ketenzicht.organisations.models import Organisation
    from ketenzicht.organisations.services import user_create

    analyst = user_create(
        username="bench-analist",
        password=None,
        organisation=Organisation.objects.get(code="landelijke-eenheid"),
        roles=["national_analyst"],
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(analyst)
    latest = years()[0]
    choices = {
        "national, per month, last year": f"/inzicht/?gebied=national:nl&jaar={latest}&per=month",
        "national, per week, last year": f"/inzicht/?gebied=national:nl&jaar={latest}&per=week",
        "national, every year": "/inzicht/?gebied=national:nl&jaar=&per=year",
        "one unit, per month": f"/inzicht/?gebied=police_unit:oost-brabant&jaar={latest}&per=month",
        "a VT region, per week, compared per region": (
            f"/inzicht/?gebied=vt_region:vt-brabant-noordoost&jaar={latest}&per=week&vergelijk=vt_region"
        ),
        "CSV export, national per week": f"/inzicht/export.csv?gebied=national:nl&jaar={latest}&per=week",
    }
    found: dict[str, Any] = {}
    for label, path in choices.items():
        assert client.get(path).status_code == 200  # warm
        times = []
        for _ in range(rounds):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        times.sort()
        found[label] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_ms": round(times[-1], 1),
            "queries": len(queries),
        }
        log(f"{label}: {found[label]}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=400_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url, label = database("postgres", NAME)
    env = django_env(url)
    try:
        manage("migrate", "--noinput", env=env)
        manage("load_reference_data", env=env)
        os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")})
        os.environ["DJANGO_DEBUG"] = "false"
        import django

        django.setup()
        from ketenzicht.insights.services import figures_refresh, register_years

        began = time.perf_counter()
        rows = generate(args.n, args.persons, args.days, args.seed)
        written = time.perf_counter() - began
        log(f"written in {written:.0f} s: {rows}")
        result = figures_refresh(years=register_years())
        log(f"counted {result.years}: {result.facts} facts, {result.cells} cells in {result.seconds:.1f} s")
        # The run every few minutes: intake marked today stale; the current year is counted again.
        from django.utils import timezone

        from ketenzicht.insights.services import stale_mark

        stale_mark([timezone.now()])
        current = figures_refresh()
        log(f"stale run {current.years}: {current.facts} facts in {current.seconds:.1f} s")
        timings = pages(args.rounds)
    finally:
        drop("postgres", url)
    report = {
        "n": args.n,
        "database": label,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rows": rows,
        "write_s": round(written, 1),
        "refresh": {
            "years": list(result.years),
            "facts": result.facts,
            "cells": result.cells,
            "seconds": round(result.seconds, 1),
        },
        "pages": timings,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"insights-{args.n}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
