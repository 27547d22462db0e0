"""Online linking latency: one new registration (all its mentions) against a register of a million persons.

    python bench/linking/online.py [--persons 1000000] [--timed 500] [--backends sqlite,postgres]
                                   [--seed 1] [--rebuild-register] [--no-readme]

Generates registrations with the chain-data generator (seed 1) into bench/out/online/gen-N-SEED, enough
that the first K of them mention `--persons` distinct true persons; those K form the register. Per
backend, a worker process builds the register once and caches it (SQLite: bench/out/online/
register-PERSONS-SEED.sqlite3; PostgreSQL: database ketenzicht_bench_online_PERSONS_SEED on
$BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432), stamped with a hash of what decides
what is stored (this builder's version, and the features and keys of a sample of mentions); a stale or
missing stamp builds it anew. Building: the registrations and their mentions are validated and mapped as
the intake does and written in bulk (explicit ids; offences, relations and the access log left out), then
every mention's features, blocking keys and key counts are written in bulk (COPY on PostgreSQL,
multi-row inserts in key order on SQLite) and each mention is linked to one person per true person of
the generator (as a perfect rebuild would leave it).

Then the next `--timed` registrations of the same generator run (people already in the register, with
the generator's noise, and new people) are taken one at a time: each is stored (not timed), then the
pipeline's link step is timed: `mentions_link` for that one registration inside its own transaction,
commit included. Printed: p50 / p95 / p99 / max latency, how many statements a registration sent and
how long it waited for them, how many candidates were scored, and how the outcomes compare with the
truth. Afterwards everything the timed registrations added is deleted again (the access log keeps its
entries: it is append-only; a merge of stored persons that a timed mention made is undone), so the next
run times against the same register.
Target: p95 <= 25 ms at 1,000,000 persons.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "online"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BUILDER_VERSION = "2"  # raise when the builder stores something else
WARM_UP = 10
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


# --- the data (main process) ---------------------------------------------------------------------------


def generated(registrations: int, seed: int) -> Path:
    from ketenzicht.demo.generator import TRUTH_FILE, generate

    out = OUT / f"gen-{registrations}-{seed}"
    if not (out / TRUTH_FILE).exists() or not (out / "done").exists():
        print(f"generating {registrations:,} registrations (seed {seed}) into {out.relative_to(ROOT)}")
        generate(registrations, seed, out)
        (out / "done").write_text("", encoding="utf-8")
    return out


def truth_of_mentions(directory: Path) -> dict[tuple[str, str, str], str]:
    truth: dict[tuple[str, str, str], str] = {}
    with open(directory / "truth.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith('{"mention"'):
                fact = json.loads(line)
                source, reference, ref = fact["mention"]
                truth[(source, reference, ref)] = fact["person"]
    return truth


def registrations(directory: Path) -> Iterator[dict[str, Any]]:
    with open(directory / "registrations.jsonl", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def register_size(directory: Path, persons: int) -> tuple[int, int]:
    """How many registrations (from the start) mention `persons` distinct persons; and their mentions."""
    cached = directory / f"register-{persons}.json"
    if cached.exists():
        found = json.loads(cached.read_text(encoding="utf-8"))
        return found["registrations"], found["mentions"]
    truth = truth_of_mentions(directory)
    seen: set[str] = set()
    count = mentions = 0
    for data in registrations(directory):
        if len(seen) >= persons:
            break
        count += 1
        for person in data["persons"]:
            mentions += 1
            seen.add(truth[(data["source"], data["reference"], person["ref"])])
    if len(seen) < persons:
        raise SystemExit(f"the generated data mentions only {len(seen):,} persons: generate more")
    cached.write_text(json.dumps({"registrations": count, "mentions": mentions}), encoding="utf-8")
    return count, mentions


def stamp(directory: Path, persons: int, seed: int, register: int) -> str:
    """What decides the stored register: this builder, the data, and what normalisation and the blocking
    keys make of a sample of its mentions (a change there that touches the sample builds anew)."""
    from ketenzicht.linking.engine.keys import blocking_keys
    from ketenzicht.linking.engine.normalise import features_from_exchange

    digest = hashlib.sha256(f"{BUILDER_VERSION}|{persons}|{seed}|{register}".encode())
    source = (ROOT / "ketenzicht" / "linking" / "features.py").read_text(encoding="utf-8")
    digest.update(source[source.index("def features_of(") :].split("\n\n", 1)[0].encode())
    for index, data in enumerate(registrations(directory)):
        if index >= 2000:
            break
        for person in data["persons"]:
            features = features_from_exchange(person, "x")
            digest.update(json.dumps([features.as_row(), blocking_keys(features)]).encode())
    return digest.hexdigest()[:16]


# --- a worker per backend ------------------------------------------------------------------------------


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", f"{POSTGRES}/{database}", "-qtAc", sql], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


# The cached registers' format: raised when what `fill` stores changes, so that an older cache is not used
# (2: features with the phone and the model's name-frequency buckets, and the keys' fingerprint, as intake
# stores them; 3: the keys as their numbers, `engine.keys.key_number`).
REGISTER_FORMAT = 3


def database_url(backend: str, persons: int, seed: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{OUT / f'register-{persons}-{seed}-v{REGISTER_FORMAT}.sqlite3'}"
    return f"{POSTGRES}/ketenzicht_bench_online_{persons}_{seed}_v{REGISTER_FORMAT}"


def drop_database(backend: str, url: str) -> None:
    if backend == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        psql(f"DROP DATABASE IF EXISTS {name}")
        psql(f"CREATE DATABASE {name}")


def stored_stamp(backend: str, url: str) -> str | None:
    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return None
        import sqlite3

        with sqlite3.connect(path) as con:
            try:
                row = con.execute("SELECT stamp FROM bench_online_stamp").fetchone()
            except sqlite3.OperationalError:
                return None
        return row[0] if row else None
    name = url.rsplit("/", 1)[1]
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        return None
    found = psql("SELECT to_regclass('bench_online_stamp') IS NOT NULL", name)
    return psql("SELECT stamp FROM bench_online_stamp", name) if found == "t" else None


def worker(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    result: dict[str, Any] = {"backend": connection.vendor}
    if args.build:
        began = time.perf_counter()
        call_command("load_reference_data", verbosity=0)
        build(Path(args.data), args.register)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_online_stamp (stamp varchar(32))")
            cursor.execute("INSERT INTO bench_online_stamp VALUES (%s)", [args.stamp])
        result["build_seconds"] = time.perf_counter() - began
    result |= timed(Path(args.data), args.register, args.timed, args.profile)
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")


def log(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", flush=True)


def build(directory: Path, register: int) -> None:
    from django.db import connection

    store(directory, register)
    fill(directory)
    log("analysing")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if connection.vendor == "postgresql":
        connection.close()
        with connection.cursor() as cursor:  # outside a transaction: VACUUM sets the visibility map
            cursor.execute("VACUUM ANALYZE")


def store(directory: Path, register: int) -> None:
    """The register's registrations and person mentions, as the intake stores them (its validation and
    its field mapping, `registrations.services._mention_row`), written in bulk with explicit ids. Offences,
    relations and access-log entries are left out: linking reads them only for a review's priority."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ketenzicht.db import quoted_table, rows_insert
    from ketenzicht.registrations.exchange import parse_registration
    from ketenzicht.registrations.models import PersonMention, Registration
    from ketenzicht.registrations.services import (
        MENTION_COLUMNS,
        ReferenceCodes,
        _mention_row,
        canonical_hash,
        registration_of,
    )

    codes = ReferenceCodes.load()
    known = codes.known()
    now = timezone.now()
    reg_fields = list(Registration._meta.concrete_fields)

    def values(obj: Any, fields: list[Any]) -> tuple[Any, ...]:
        return tuple(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)

    registration_rows: list[tuple[Any, ...]] = []
    mention_rows: list[tuple[Any, ...]] = []
    mention_id = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while loading

        def flush() -> None:
            rows_insert(quoted_table(Registration), [str(f.column) for f in reg_fields], registration_rows)
            rows_insert(quoted_table(PersonMention), MENTION_COLUMNS, mention_rows)
            registration_rows.clear()
            mention_rows.clear()

        for index, data in enumerate(registrations(directory)):
            if index >= register:
                break
            reg, errors = parse_registration(data, known)
            if reg is None or errors:
                raise SystemExit(f"registration {index} refused: {errors[:3]}")
            registration = registration_of(reg, codes, content_hash=canonical_hash(data), channel="import")
            registration.id = index + 1
            registration.created_at = now
            registration_rows.append(values(registration, reg_fields))
            for person in reg.persons:
                mention_id += 1
                mention_rows.append(_mention_row(mention_id, registration.id, person))
            if len(registration_rows) == 20_000:
                flush()
                if (index + 1) % 100_000 == 0:
                    log(f"stored {index + 1:,} registrations")
        flush()
        for sql in connection.ops.sequence_reset_sql(_no_style(), [Registration, PersonMention]):
            cursor.execute(sql)
    log(f"stored {register:,} registrations, {mention_id:,} mentions")


def fill(directory: Path) -> None:
    """Features, blocking keys, key counts, persons and links for every stored mention, in bulk."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ketenzicht.db import quoted_table, rows_insert
    from ketenzicht.linking.engine.keys import blocking_keys, key_number, keys_digest
    from ketenzicht.linking.features import FEATURES_COLUMNS, features_of, key_counts_recount
    from ketenzicht.linking.models import KeyCount, MentionFeatures, MentionKey, MentionLink
    from ketenzicht.linking.online import link_model, model_version
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention

    truth = truth_of_mentions(directory)
    person_of: dict[str, int] = {}
    version, now, model = model_version(), timezone.now(), link_model()
    fields = (
        "given_names", "surname_prefix", "surname", "birth_date_raw", "sex", "bsn", "postcode", "street",
        "city", "phone",
    )  # fmt: skip
    rows = PersonMention.objects.order_by("id").values_list(
        "id", "registration__source", "registration__reference", "ref", *fields, "house_number"
    )
    features_rows: list[tuple[Any, ...]] = []
    link_rows: list[tuple[Any, ...]] = []
    sqlite = connection.vendor == "sqlite"
    keys_table = quoted_table(MentionKey)
    staging = "bench_keys_staging"
    with transaction.atomic(), connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA cache_size = -1000000")
            cursor.execute(f"CREATE TEMP TABLE {staging} (mention_id integer, key bigint)")
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while loading
        dropped = _drop_indexes(cursor, MentionKey._meta.db_table)
        done = 0

        def flush(keys: list[tuple[int, int]]) -> None:
            rows_insert(quoted_table(MentionFeatures), FEATURES_COLUMNS, features_rows)
            rows_insert(
                quoted_table(MentionLink),
                ("mention_id", "person_id", "method", "probability", "model_version", "updated_at"),
                link_rows,
            )
            rows_insert(staging if sqlite else keys_table, ("mention_id", "key"), keys)
            features_rows.clear()
            link_rows.clear()

        keys: list[tuple[int, int]] = []
        for mention_id, source, reference, ref, *values in rows.iterator(chunk_size=20_000):
            mention = PersonMention(
                id=mention_id, **dict(zip((*fields, "house_number"), values, strict=True))
            )
            features = model.prepare(features_of(mention))  # as intake stores them
            truth_person = truth[(source, reference, ref)]
            person = person_of.setdefault(truth_person, len(person_of) + 1)
            its_keys = blocking_keys(features)
            data = json.dumps(features.as_row())
            features_rows.append((mention_id, data, features.bsn, keys_digest(its_keys)))
            link_rows.append((mention_id, person, "rebuild", None, version, now))
            keys.extend((mention_id, key_number(key)) for key in its_keys)  # as the register stores them
            done += 1
            if len(features_rows) == 20_000:
                flush(keys)
                keys = []
                if done % 200_000 == 0:
                    log(f"features and keys of {done:,} mentions")
        flush(keys)
        log(f"features and keys of {done:,} mentions; {len(person_of):,} persons")
        rows_insert(
            quoted_table(Person),
            ("id", "created_at", "merged_into_id"),
            ((i, now, None) for i in range(1, len(person_of) + 1)),
        )
        for sql in connection.ops.sequence_reset_sql(_no_style(), [Person]):
            cursor.execute(sql)
        if sqlite:
            log("keys into the index, in key order")
            cursor.execute(
                f"INSERT INTO {keys_table} (mention_id, key) "
                f"SELECT mention_id, key FROM {staging} ORDER BY key, mention_id"
            )
            cursor.execute(f"DROP TABLE {staging}")
        log("indexes")
        for sql in dropped:
            cursor.execute(sql)
        log("key counts")
        key_counts_recount()
    log(f"{KeyCount.objects.count():,} distinct keys, {MentionKey.objects.count():,} keys")


def _no_style() -> Any:
    from django.core.management.color import no_style

    return no_style()


def _drop_indexes(cursor: Any, table: str) -> list[str]:
    """Drop the indexes of a table that can be dropped (to build them after a bulk load); the statements
    that build them again. SQLite keeps the primary key (rows go into it in key order instead)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        found = [(name, sql) for name, sql in cursor.fetchall() if sql]
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('p', 'u')",
        [table],
    )
    constraints = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{n}" {d}' for n, d in constraints] + [
        d for _, d in indexes
    ]


def timed(directory: Path, register: int, count: int, profile: str | None = None) -> dict[str, Any]:
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Max

    from ketenzicht.linking.features import _key_counts_subtract
    from ketenzicht.linking.models import KeyCount, MentionKey, MentionLink, PersonMerge, ReviewItem
    from ketenzicht.linking.online import _stored_lookup, mentions_link, pair_rule
    from ketenzicht.linking.services import merge_undo
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention, Registration
    from ketenzicht.registrations.services import ReferenceCodes, registrations_create

    before = {
        model: model.objects.aggregate(top=Max("pk"))["top"] or 0
        for model in (Registration, PersonMention, Person, ReviewItem, PersonMerge)
    }
    persons = Person.objects.count()
    mentions = PersonMention.objects.count()
    codes = ReferenceCodes.load()
    items = []
    for index, data in enumerate(registrations(directory)):
        if index >= register + WARM_UP + count:
            break
        if index >= register:
            items.append(data)
    log(f"register: {persons:,} persons, {mentions:,} mentions; timing {count} registrations")
    latencies: list[float] = []
    outcomes: list[tuple[dict[str, Any], list[Any]]] = []
    statements: list[int] = []  # statements sent per timed registration (the commit not counted)
    in_database: list[float] = []  # ms of each timed registration spent waiting for the database
    import cProfile

    from django.db import connection

    sent: list[float] = []  # ms of each statement the registration being timed sent
    by_shape: dict[str, list[float]] = defaultdict(list)  # the start of a statement -> its times (ms)

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = (time.perf_counter() - began) * 1000
            sent.append(took)
            by_shape[" ".join(sql.split())[:90]].append(took)

    profiler = cProfile.Profile() if profile else None
    try:
        for index, data in enumerate(items):
            with transaction.atomic():
                (result,) = registrations_create(actor=None, items=[data], channel="import", codes=codes)
            if profiler is not None and index >= WARM_UP:
                profiler.enable()
            sent.clear()
            if index == WARM_UP:
                by_shape.clear()
            began = time.perf_counter()
            with connection.execute_wrapper(counting), transaction.atomic():
                linked = mentions_link(registrations=[result.registration])  # type: ignore[union-attr]
            elapsed = time.perf_counter() - began
            if profiler is not None:
                profiler.disable()
            if index >= WARM_UP:
                latencies.append(elapsed * 1000)
                outcomes.append((data, linked))
                statements.append(len(sent))
                in_database.append(sum(sent))
        if profiler is not None:
            profiler.dump_stats(f"{profile}.{connection_vendor()}")
        figures = _figures(latencies)
        figures["statements_mean"] = statistics.mean(statements)
        figures["statements_p95"] = _percentile(sorted(statements), 95)
        figures["statements_max"] = max(statements)
        figures["in_database_p50_ms"] = statistics.median(in_database)
        figures["in_database_mean_ms"] = statistics.mean(in_database)
        shapes = sorted(by_shape.items(), key=lambda item: -sum(item[1]))
        figures["statement_shapes"] = [
            [shape, len(times), sum(times) / len(latencies), _percentile(sorted(times), 95)]
            for shape, times in shapes[:12]
        ]
        figures |= _quality(directory, outcomes, register)
        # How much work the look-ups found (measured after the timing, not during it).
        cap = settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY
        scored, skipped, keys_total = [], 0, 0
        from ketenzicht.linking.engine.keys import blocking_keys, key_cap
        from ketenzicht.linking.features import features_of

        rule = pair_rule()
        for _, linked in outcomes:
            ids = [o.mention_id for o in linked]
            keys_of = [blocking_keys(features_of(m)) for m in PersonMention.objects.filter(pk__in=ids)]
            keys = {k for mention_keys in keys_of for k in mention_keys}
            lookup = _stored_lookup(keys_of, cap, rule)
            counts = lookup.counts
            keys_total += len(keys)
            skipped += sum(1 for k in keys if counts.get(k, 0) > key_cap(k, cap))
            found = {i for ids in lookup.candidates for i in ids}
            scored.append(len({i for i in found if i <= before[PersonMention]}))
        figures["candidates_mean"] = statistics.mean(scored)
        figures["candidates_p95"] = _percentile(sorted(scored), 95)
        figures["keys_per_registration"] = keys_total / len(outcomes)
        figures["keys_skipped_share"] = skipped / keys_total
        figures["register_persons"] = persons
        figures["register_mentions"] = mentions
    finally:
        log("removing what the timed registrations added")
        new_mentions = PersonMention.objects.filter(pk__gt=before[PersonMention])
        with transaction.atomic():
            # A timed mention that bridged two persons merged them (PersonMerge protects both): a merge of
            # a stored person is undone, newest first, so that the register is as built; then the merges go.
            made = PersonMerge.objects.filter(pk__gt=before[PersonMerge]).order_by("-pk")
            for merge in made:
                if merge.source_id <= before[Person]:
                    merge_undo(merge=merge, actor=None)
            made.delete()
            removed = Counter(
                MentionKey.objects.filter(mention__in=new_mentions).values_list("key", flat=True)
            )
            MentionKey.objects.filter(mention__in=new_mentions).delete()
            _key_counts_subtract(removed)
            ReviewItem.objects.filter(pk__gt=before[ReviewItem]).delete()
            MentionLink.objects.filter(mention__in=new_mentions).delete()
            Person.objects.filter(pk__gt=before[Person]).delete()
            Registration.objects.filter(pk__gt=before[Registration]).delete()
        assert KeyCount.objects.filter(n__lte=0).count() == 0
    return figures


def connection_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    rank = max(1, -(-len(values) * p // 100))
    return values[int(rank) - 1]


def _figures(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "timed": len(ordered),
        "p50_ms": _percentile(ordered, 50),
        "p95_ms": _percentile(ordered, 95),
        "p99_ms": _percentile(ordered, 99),
        "max_ms": ordered[-1],
        "mean_ms": statistics.mean(ordered),
    }


def _quality(
    directory: Path, outcomes: list[tuple[dict[str, Any], list[Any]]], register: int
) -> dict[str, Any]:
    """Each timed mention against the truth: its person in the register (built one person per true
    person) and linked there, or missed (a new person), or linked to someone else; or a new person."""
    from ketenzicht.linking.models import MentionLink
    from ketenzicht.registrations.models import PersonMention

    truth = truth_of_mentions(directory)
    wanted = {truth[(d["source"], d["reference"], p["ref"])] for d, _ in outcomes for p in d["persons"]}
    first: dict[str, tuple[str, str, str]] = {}
    for index, data in enumerate(registrations(directory)):
        if index >= register:
            break
        for person in data["persons"]:
            key = (data["source"], data["reference"], person["ref"])
            if truth[key] in wanted and truth[key] not in first:
                first[truth[key]] = key
    counts: Counter[str] = Counter()
    in_run: dict[str, int] = {}  # true person -> the person an earlier timed mention of them went to
    for data, linked in outcomes:
        refs = dict(
            PersonMention.objects.filter(pk__in=[o.mention_id for o in linked]).values_list("pk", "ref")
        )
        for outcome in linked:
            true_person = truth[(data["source"], data["reference"], refs[outcome.mention_id])]
            known = first.get(true_person)
            if known is not None:
                expected: int | None = MentionLink.objects.filter(
                    mention__registration__source=known[0],
                    mention__registration__reference=known[1],
                    mention__ref=known[2],
                ).values_list("person_id", flat=True)[0]
                where = "in the register"
            else:
                expected = in_run.get(true_person)
                where = "earlier in the run" if expected is not None else "new"
            if expected is None:
                if outcome.method == "new":
                    counts["new: new person"] += 1
                    in_run[true_person] = outcome.person_id
                else:
                    counts["new: linked (false link)"] += 1
            elif outcome.person_id == expected:
                counts[f"{where}: linked to them"] += 1
            elif outcome.method == "new":
                counts[f"{where}: missed (new person)"] += 1
            else:
                counts[f"{where}: linked to another (false link)"] += 1
            if outcome.reviews:
                counts["with a review item"] += 1
    return {"quality": dict(counts)}


# --- the main process ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--timed", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--registrations", type=int, default=0, help="generate this many (default: enough)")
    parser.add_argument("--rebuild-register", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--profile", help="write cProfile stats of the timed calls to PROFILE.<backend>")
    parser.add_argument("--statements", action="store_true", help="print where the database time went")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--register", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stamp", help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    # About 0.67 registrations per person at a million persons (the generator's people come back; 661,510
    # registrations of seed 1 mention 988,419 persons).
    total = args.registrations or int(args.persons * 0.68) + WARM_UP + args.timed + 1000
    directory = generated(total, args.seed)
    register, mentions = register_size(directory, args.persons)
    if register + WARM_UP + args.timed > total:
        raise SystemExit("not enough registrations after the register: raise --registrations")
    print(
        f"online linking: register of {args.persons:,} persons = the first {register:,} registrations "
        f"({mentions:,} mentions) of seed {args.seed}; timing {args.timed} more, one at a time"
    )
    mark = stamp(directory, args.persons, args.seed, register)
    results = []
    for backend in args.backends.split(","):
        url = database_url(backend, args.persons, args.seed)
        build = args.rebuild_register or stored_stamp(backend, url) != mark
        if build:
            print(f"{backend}: building the register (cached afterwards)")
            drop_database(backend, url)
        else:
            print(f"{backend}: the cached register")
        result_file = OUT / f"result-{backend}.json"
        command = [
            sys.executable, __file__, "--worker", backend, "--data", str(directory), "--register",
            str(register), "--timed", str(args.timed), "--stamp", mark, "--result", str(result_file),
            *(["--build"] if build else []),
            *(["--profile", args.profile] if args.profile else []),
        ]  # fmt: skip
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "false"}
        env["DATABASE_URL"] = url
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        result = json.loads(result_file.read_text(encoding="utf-8"))
        results.append(result)
        r = result
        print(
            f"{backend}: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"max {r['max_ms']:.1f} ms, mean {r['mean_ms']:.1f} ms over {r['timed']} registrations; "
            f"candidates per registration {r['candidates_mean']:.0f} (p95 {r['candidates_p95']:.0f}); "
            f"keys per registration {r['keys_per_registration']:.1f}, {r['keys_skipped_share']:.1%} skipped "
            f"as too common; peak memory {r['peak_mib']:.0f} MiB"
            + (f"; register built in {r['build_seconds']:.0f} s" if "build_seconds" in r else "")
        )
        print(
            f"{backend}: statements per registration {r['statements_mean']:.1f} (p95 "
            f"{r['statements_p95']:.0f}, max {r['statements_max']}; the commit not counted); waiting for the "
            f"database {r['in_database_p50_ms']:.1f} ms median, {r['in_database_mean_ms']:.1f} ms mean"
        )
        for shape, n, per_registration, p95 in r["statement_shapes"] if args.statements else []:
            print(
                f"    {per_registration:5.2f} ms per registration, {n:4d} times, p95 {p95:5.1f} ms: {shape}"
            )
        print(f"{backend}: outcomes against the truth: {result['quality']}")
    (OUT / "last.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if not args.no_readme:
        readme(results, args, register, mentions)


def readme(results: list[dict[str, Any]], args: argparse.Namespace, register: int, mentions: int) -> None:
    import harness

    rows = []
    for r in results:
        rows.append(
            [
                harness.today(),
                "SQLite" if r["backend"] == "sqlite" else "PostgreSQL",
                f"{r['register_persons']:,} ({r['register_mentions']:,} mentions)",
                str(r["timed"]),
                f"{r['p50_ms']:.1f} ms",
                f"{r['p95_ms']:.1f} ms",
                f"{r['p99_ms']:.1f} ms",
                f"{r['candidates_mean']:.0f} (p95 {r['candidates_p95']:.0f})",
                f"{r['keys_skipped_share']:.1%}",
                f"{r['peak_mib']:,.0f} MiB",
            ]
        )
    table = harness.markdown_table(
        ["date", "backend", "register: persons", "timed", "p50", "p95", "p99", "candidates scored",
         "keys skipped", "peak memory"],
        rows,
    )  # fmt: skip
    outcome_lines = [
        f"- {('SQLite' if r['backend'] == 'sqlite' else 'PostgreSQL')}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(r["quality"].items()))
        for r in results
    ]
    text = (
        f"Measured with `python bench/linking/online.py --persons {args.persons} --timed {args.timed}` on "
        f"{harness.machine()}; {harness.ours_version()}. Register: the first {register:,} registrations "
        f"({mentions:,} mentions) of seed {args.seed}.\n\n{table}\n\nOutcomes of the timed mentions against "
        "the truth:\n\n" + "\n".join(outcome_lines)
    )
    harness.replace_block("online", text)


if __name__ == "__main__":
    main()
