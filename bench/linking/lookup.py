"""The intake look-up's statement against a register that stands: how long it takes, and under which setting.

    python bench/linking/lookup.py DATABASE_URL [--batches 3] [--mentions 1060] [--repeat 3]
        [--work-mem 4MB,64MB] [--explain]

DATABASE_URL names a PostgreSQL register, e.g. one kept by `bench/import_growth.py --keep`. The keys of
`--batches` slices of `--mentions` stored mentions (the latest but a few thousand, slices a few thousand
apart: about a bulk batch of 500 registrations each) are looked up as `online._stored_lookup` looks them up
on intake (`_lookup_statement_postgresql`, the configured cap and pair rule), in a transaction per run with
`SET LOCAL work_mem` at each value of `--work-mem` in turn, `--repeat` times per slice. The stored mentions
find themselves among their candidates, which a new registration's would not: a few rows more than an
intake's look-up reads. Prints the median wall of the statement with reading its rows per setting (and
every run's), the rows by kind, how many of the keys are refined keys (`engine.keys.REFINEMENTS`) whose
base key is under the cap (a refined key finds only what its base finds then), and with `--explain` the
plan of the last slice (`EXPLAIN (ANALYZE, BUFFERS)`). Nothing is written to bench/README.md; the only
write to the register is intake's own: the look-up records the keys it finds over their cap (`FullKey`),
so the first run of a slice can take longer than the next ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--mentions", type=int, default=1060)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work-mem", default="4MB,64MB")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from ketenzicht.linking.engine.keys import blocking_keys, key_cap, key_number
    from ketenzicht.linking.features import features_of
    from ketenzicht.linking.online import _lookup_statement_postgresql, pair_rule
    from ketenzicht.registrations.models import PersonMention

    if connection.vendor != "postgresql":
        raise SystemExit("the look-up statement measured here is PostgreSQL's")
    values = [v.strip() for v in args.work_mem.split(",") if v.strip()]
    cap, rule = settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY, pair_rule()
    latest = PersonMention.objects.order_by("-pk").values_list("pk", flat=True)
    walls: dict[str, list[float]] = {value: [] for value in values}
    statement: tuple[str, list[Any]] | None = None
    for number in range(args.batches):
        start = 3000 + number * 6000
        ids = list(latest[start : start + args.mentions])
        mentions = PersonMention.objects.filter(pk__in=ids).select_related("registration")
        holders = [blocking_keys(features_of(mention)) for mention in mentions]
        number_of = {key: key_number(key) for held in holders for key in held}
        key_of = {value: key for key, value in number_of.items()}
        statement = _lookup_statement_postgresql(
            [[number_of[k] for k in held] for held in holders], cap, rule
        )
        kinds: Counter[int] = Counter()
        for _ in range(args.repeat):
            for value in values:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL work_mem = '{value}'")
                    began = time.perf_counter()
                    cursor.execute(*statement)
                    rows = cursor.fetchall()
                    walls[value].append(time.perf_counter() - began)
                kinds = Counter(row[0] for row in rows)
        count_of = {key_of[row[3]]: row[2] for row in rows if row[0] == 0}
        refined = [key for key in number_of if "+" in key.split(":", 1)[0]]
        stand_in = sum(1 for key in refined if count_of.get(_base(key), 0) <= key_cap(_base(key), cap))
        print(
            f"slice {number + 1}: {len(holders):,} mentions, {len(number_of):,} keys; rows: "
            f"{kinds[0]:,} key counts, {kinds[3]:,} candidate pairs, {kinds[2]:,} features; refined keys "
            f"{len(refined):,}, of them {stand_in:,} with their base key under the cap"
        )
    for value, seconds in walls.items():
        every = ", ".join(f"{s * 1000:.0f}" for s in seconds)
        print(f"work_mem {value}: median {statistics.median(seconds) * 1000:.0f} ms ({every})")
    if args.explain and statement is not None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{values[-1]}'")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement[0], statement[1])
            print("\n".join(row[0] for row in cursor.fetchall()))


def _base(key: str) -> str:
    """The key a refined key refines (`engine.keys.REFINEMENTS`): `i1.n+q:jansen|j|1234` gives
    `i1.n:jansen|j`."""
    label, values = key.split(":", 1)
    return f"{label.split('+', 1)[0]}:{values.rsplit('|', 1)[0]}"


if __name__ == "__main__":
    main()
