"""Writing a bulk batch's features and blocking keys on PostgreSQL: COPY against INSERT statements.

    python bench/keys_write.py [--registrations N] [--mentions M] [--repeat R]

Creates a throw-away PostgreSQL database (migrated, reference data loaded), imports N generated
registrations (default 2,000, seed 1) with `intake.bulk.import_file`, and takes the first M stored mentions
(default 420: one import batch of 200 registrations) with their features and keys. Then, R times (default
7) and alternately, it deletes their features and keys and writes them again with
`linking.features.features_write`, each in a transaction that is rolled back:

- statements: the keys as multi-row INSERTs in the one round trip of `ketenzicht.db.execute_all`, as a
  single intake writes them (`features.COPY_KEYS_FROM` raised above the batch's key count);
- COPY: as a bulk batch writes them (the shipped `COPY_KEYS_FROM`).

Prints the median seconds of each and their ratio. The server: $BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from import_growth import psql  # noqa: E402


class _RolledBack(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--registrations", type=int, default=2_000)
    parser.add_argument("--mentions", type=int, default=420)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"ketenzicht_keys_write_{os.getpid()}"
    psql(server, f"DROP DATABASE IF EXISTS {name}")
    psql(server, f"CREATE DATABASE {name}")
    os.environ.update(
        DATABASE_URL=f"{server}/{name}", DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_DEBUG="false"
    )
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction

        from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate
        from ketenzicht.intake.bulk import import_file
        from ketenzicht.linking import features
        from ketenzicht.linking.engine.keys import blocking_keys
        from ketenzicht.linking.models import MentionFeatures, MentionKey
        from ketenzicht.registrations.models import PersonMention

        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
        with tempfile.TemporaryDirectory() as folder:
            generate(args.registrations, 1, Path(folder))
            import_file(Path(folder) / REGISTRATIONS_FILE)
        mentions = list(PersonMention.objects.order_by("id")[: args.mentions])
        pairs = [(m, features.features_of(m)) for m in mentions]
        keys_of = {m.pk: blocking_keys(f) for m, f in pairs}
        ids = [m.pk for m in mentions]
        total = sum(len(keys) for keys in keys_of.values())
        print(f"{len(pairs):,} mentions, {total:,} keys; PostgreSQL; {args.repeat} times each, alternately")
        shipped = features.COPY_KEYS_FROM
        seconds: dict[str, list[float]] = {"statements": [], "COPY": []}
        for _ in range(args.repeat):
            for label, copy_from in (("statements", total + 1), ("COPY", shipped)):
                features.COPY_KEYS_FROM = copy_from
                try:
                    with transaction.atomic():
                        MentionKey.objects.filter(mention_id__in=ids).delete()
                        MentionFeatures.objects.filter(mention_id__in=ids).delete()
                        began = time.perf_counter()
                        features.features_write(pairs, keys_of)
                        seconds[label].append(time.perf_counter() - began)
                        if MentionKey.objects.filter(mention_id__in=ids).count() != total:
                            raise SystemExit(f"{label}: not every key was written")
                        raise _RolledBack
                except _RolledBack:
                    pass
        features.COPY_KEYS_FROM = shipped
        for label, values in seconds.items():
            each = ", ".join(f"{v:.3f}" for v in values)
            print(f"{label:>10}: median {statistics.median(values):.3f} s ({each})")
        ratio = statistics.median(seconds["COPY"]) / statistics.median(seconds["statements"])
        print(f"COPY / statements: {ratio:.2f}")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    finally:
        from django.db import connections

        connections.close_all()
        psql(server, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
