"""Benchmarks of the Veilig Thuis desk, one mode per question:

    python bench/veiligthuis.py --inbox [--cases 10000] [--runs 40] [--backend sqlite|postgres]
    python bench/veiligthuis.py --radar [N] [--seed 1] [--backend sqlite|postgres]

`--inbox`: the inbox page (`/veiligthuis/`) over many open notifications of one Veilig Thuis organisation.
`--cases` open notifications of vt-brabant-noordoost (and a tenth as many of vt-zeeland) are stored in bulk
straight into a new database (a registration, a kernel case with its history line and the desk's row each;
mixed radar classes, urgencies, deadlines, owners, a tenth overdue): what the inbox reads, without running
intake for each. A vt_assessor of that organisation, logged in, loads the page through Django's test client
(middleware, session, selectors, access-log entry, template) `--runs` times per variant after five warm-up
loads: page 1, filtered pages (radar = re-notification; owner = nobody + overdue) and the last page.
Statements are counted at the driver. Target: p95 <= 150 ms, the same number of queries for every page
(tests/veiligthuis/test_inbox_queries.py guards the count).

`--radar`: the radar class as intake gives it (persons as linked) against the class the same engine
(`engine.radar.classify`) gives with the generator's true person ids. N registrations (default 4,000) are
generated (seed 1) and taken in with `manage.py import_registrations` (the whole intake pipeline: linking,
routing to Veilig Thuis, the radar). Then, for every notification, the class is computed twice with one phase
policy for both sides (PHASE_POLICY below: nothing is worked in a bench, so without it every earlier
notification would still be in its safety assessment): once with the persons linked to the notification's
case and Veilig Thuis's own registrations as linked, once with the true persons of the same mentions.
Printed: agreement overall and per true class (a confusion table), and as a check that the recomputation
is the one intake runs, the linked side under intake's own phases (all in assessment) against the stored
class.

Figures go to stdout and bench/out/veiligthuis-MODE-N.json. Server for PostgreSQL: BENCH_POSTGRES.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runner import POSTGRES, manage, psql  # noqa: E402
from screening_queue import _time  # noqa: E402

VT = "vt-brabant-noordoost"
OTHER_VT = "vt-zeeland"
RADAR_MIX = (
    ("first", 0.55),
    ("re_one", 0.15),
    ("re_several", 0.1),
    ("during_assessment", 0.1),
    ("during_investigation", 0.05),
    ("during_monitoring", 0.05),
)

# The phase policy of --radar, the same for both sides: a notification's safety assessment ends
# ASSESSMENT_DAYS after receipt; then, by the first 8 bytes of sha256(case id) % 100, below 20 an
# investigation of 70 days, from 20 to 49 monitoring of 91 days, else it closes.
ASSESSMENT_DAYS = 5
PHASE_POLICY = ((20, "investigation", 70), (50, "monitoring", 91))
PHASE_POLICY_TEXT = (
    "assessment ends 5 days after receipt; by sha256(case id) % 100: < 20 investigation for 70 days, "
    "20-49 monitoring for 91 days, else closed"
)


# --- databases ------------------------------------------------------------------------------------------


def database(backend: str, name: str) -> tuple[str, str]:
    """A fresh, empty database for `name`: its URL and a label for the figures."""
    if backend == "sqlite":
        path = OUT / "veiligthuis" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", str(path.relative_to(ROOT))
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")
    return f"{POSTGRES}/{name}", name


def drop(backend: str, url: str) -> None:
    from django.db import connections

    connections.close_all()
    if backend == "sqlite" and not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 keeps it to look into
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
    if backend == "postgres":
        try:
            psql(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
        except subprocess.CalledProcessError:
            print(f"could not drop {url}: drop it by hand", file=sys.stderr)


def django_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": url,
    }


def log(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S', time.gmtime())}] {text}", file=sys.stderr, flush=True)


# --- --inbox --------------------------------------------------------------------------------------------


def _store(code: str, count: int, rng: random.Random, owners: list[Any], start: int) -> None:
    """`count` open notifications of one Veilig Thuis organisation, in bulk."""
    from django.utils import timezone

    from ketenzicht.organisations.models import Organisation
    from ketenzicht.registrations.models import Registration
    from ketenzicht.veiligthuis.models import Notification, Origin
    from ketenzicht.workprocesses.models import Case, CaseEvent, ProcessVersion

    organisation = Organisation.objects.get(code=code)
    version = ProcessVersion.objects.get(process="vt_safety_assessment", version=1)
    now = timezone.now()
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                source="politie",
                reference=f"BENCH-VT-{start + index:07d}",
                kind="aangifte",
                registered_at=now - timedelta(hours=rng.randint(1, 24 * 30)),
                content_hash="bench",
                channel="import",
            )
            for index in range(count)
        ],
        batch_size=2_000,
    )
    cases = []
    for index, registration in enumerate(registrations):
        state = rng.choice(["received", "received", "received", "acute", "investigation"])
        cases.append(
            Case(
                reference=f"VT{organisation.pk:02d}-{start + index:07d}",
                organisation=organisation,
                process_version=version,
                title=f"Verdachte {index} → Slachtoffer {index}",
                state=state,
                owner=rng.choice(owners) if owners and rng.random() < 0.5 else None,
                deadline_at=now + timedelta(hours=rng.randint(-24 * 3, 24 * 27)),
                escalate_to="team_lead",
                opened_at=registration.registered_at,
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=2_000)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                at=case.opened_at,
                kind="opened",
                actor_name="system",
                to_state="received",
                process_version="vt_safety_assessment v1",
            )
            for case in cases
        ],
        batch_size=2_000,
    )
    rows = []
    for index, (case, registration) in enumerate(zip(cases, registrations, strict=True)):
        pick, radar_class = rng.random(), "first"
        for code_, share in RADAR_MIX:
            if pick < share:
                radar_class = code_
                break
            pick -= share
        urgency = 0 if rng.random() < 0.03 else rng.choice([1, 2, 2, 2, 9])
        rows.append(
            Notification(
                case=case,
                organisation=organisation,
                registration=registration,
                origin=Origin.ROUTING,
                reasons=["domestic_relation"],
                rules_version="bench",
                received_at=registration.registered_at,
                radar_class=radar_class,
                radar={"known": [], "earlier": [], "involved_in": None, "elsewhere": 0},
                suspect_name=f"Verdachte {index}",
                victim_name=f"Slachtoffer {index}",
                urgency_rank=urgency,
                deadline_at=case.deadline_at,
                assessment_due_at=case.deadline_at,
                unsafety="acute" if case.state == "acute" else "",
            )
        )
    Notification.objects.bulk_create(rows, batch_size=2_000)


def _queries_and_sql(client: Any, path: str) -> list[tuple[float, str]]:
    """The statements one page load sends, with their times (counted at the driver)."""
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
    return sent


def inbox_worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from ketenzicht.organisations.models import Organisation
    from ketenzicht.organisations.services import user_create

    rng = random.Random(13)
    organisation = Organisation.objects.get(code=VT)
    assessor = user_create(
        username="bench-assessor", password=None, organisation=organisation, roles=["vt_assessor"]
    )
    owners = [
        user_create(username=f"bench-vt-{n}", password=None, organisation=organisation, roles=["vt_assessor"])
        for n in range(20)
    ]
    began = time.perf_counter()
    _store(VT, args.cases, rng, [assessor, *owners], 0)
    _store(OTHER_VT, args.cases // 10, rng, [], args.cases)
    with connection.cursor() as cursor:
        # As autovacuum would have it: statistics, and on PostgreSQL a visibility map for index-only scans.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    stored = time.perf_counter() - began
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(assessor)
    last_page = (args.cases + 49) // 50
    variants = {
        "page_1": "/veiligthuis/",
        "re_notifications": "/veiligthuis/?radar=re",
        "nobody_overdue": "/veiligthuis/?owner=nobody&overdue=on",
        "last_page": f"/veiligthuis/?page={last_page}",
    }
    figures: dict[str, Any] = {
        "open_notifications": args.cases,
        "open_elsewhere": args.cases // 10,
        "stored_seconds": round(stored, 1),
        "database": connection.vendor,
        "runs": args.runs,
    }
    if os.environ.get("BENCH_PROFILE"):
        from ketenzicht.veiligthuis.selectors import InboxFilter, inbox_for_user

        for chosen in (InboxFilter(), InboxFilter(owner="nobody", overdue=True)):
            found = inbox_for_user(user=assessor, chosen=chosen)
            print(f"{chosen}:\n{found[:50].explain()}\nlast page:\n{found[args.cases - 50 :].explain()}")
    for name, path in variants.items():
        figures[name] = _time(client, path, args.runs)
        if os.environ.get("BENCH_PROFILE"):
            for ms, sql in _queries_and_sql(client, path):
                print(f"{ms:8.1f} ms  {sql[:400]}")
        print(
            f"{name}: p50 {figures[name]['p50_ms']} ms, p95 {figures[name]['p95_ms']} ms, "
            f"{figures[name]['queries']} queries",
            flush=True,
        )
    return figures


def inbox(args: argparse.Namespace) -> dict[str, Any]:
    url, label = database(args.backend, f"ketenzicht_bench_vt_inbox_{os.getpid()}")
    env = django_env(url)
    try:
        log(f"migrating {label}")
        manage("migrate", "-v0", env=env)
        manage("load_reference_data", env=env)
        os.environ.update(env)
        log(f"storing {args.cases:,} open notifications and timing the inbox")
        figures = inbox_worker(args)
    finally:
        drop(args.backend, url)
    return figures


# --- --radar --------------------------------------------------------------------------------------------


def phases(case_id: int, received: datetime) -> tuple[Any, ...]:
    """The periods of PHASE_POLICY for one notification."""
    from ketenzicht.veiligthuis.engine.radar import Period, Phase

    assessed = received + timedelta(days=ASSESSMENT_DAYS)
    periods = [Period(Phase.ASSESSMENT, received, assessed)]
    draw = int.from_bytes(hashlib.sha256(str(case_id).encode()).digest()[:8], "big") % 100
    for below, phase, days in PHASE_POLICY:
        if draw < below:
            periods.append(Period(Phase(phase), assessed, assessed + timedelta(days=days)))
            break
    return tuple(periods)


def intake_phases(received: datetime) -> tuple[Any, ...]:
    """The periods as intake saw them: nothing worked, every notification still in its assessment."""
    from ketenzicht.veiligthuis.engine.radar import Period, Phase

    return (Period(Phase.ASSESSMENT, received, None),)


def _classes(
    notifications: list[tuple[int, int, datetime]],
    persons_of: dict[int, frozenset[Any]],
    own: list[tuple[int, int, datetime, frozenset[Any]]],
    periods: Any,
) -> dict[int, str]:
    """case id -> radar class, each notification against its organisation's earlier ones (and the
    organisation's own registrations), as `services.radar_for` assembles them."""
    from ketenzicht.veiligthuis.engine.radar import Earlier, classify

    by_person: dict[tuple[int, Any], list[Earlier]] = defaultdict(list)
    for case_id, organisation, received in notifications:
        earlier = Earlier(
            str(case_id), received, persons_of.get(case_id, frozenset()), periods(case_id, received)
        )
        for person in earlier.persons:
            by_person[(organisation, person)].append(earlier)
    for registration, organisation, registered, persons in own:
        earlier = Earlier(f"r{registration}", registered, persons)
        for person in persons:
            by_person[(organisation, person)].append(earlier)
    found: dict[int, str] = {}
    for case_id, organisation, received in notifications:
        persons = persons_of.get(case_id, frozenset())
        history = {e.key: e for p in persons for e in by_person[(organisation, p)] if e.key != str(case_id)}
        found[case_id] = classify(received, persons, history.values()).radar_class.value
    return found


def radar_worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "bench" / "patterns"))
    import store

    from ketenzicht.organisations.roles import OrganisationKind
    from ketenzicht.registrations.models import PersonMention
    from ketenzicht.veiligthuis.engine.radar import RadarClass
    from ketenzicht.veiligthuis.models import Notification
    from ketenzicht.workprocesses.models import Case

    truth = store.truth_of_mentions(Path(args.data))
    rows = list(
        Notification.objects.order_by("received_at", "case_id").values_list(
            "case_id", "organisation_id", "received_at", "radar_class", "registration_id"
        )
    )
    notifications = [(case_id, org, received) for case_id, org, received, _c, _r in rows]
    stored = {case_id: radar_class for case_id, _o, _r, radar_class, _reg in rows}
    # Linked: the persons on the notification's case (what intake's radar reads).
    linked: dict[int, set[int]] = defaultdict(set)
    for case_id, person in Case.persons.through.objects.filter(
        case_id__in=[n[0] for n in notifications]
    ).values_list("case_id", "person_id"):
        linked[case_id].add(person)
    # True: the same mentions (everyone named but a reporter or a witness), their true person ids.
    registration_of = {case_id: reg for case_id, _o, _r, _c, reg in rows}
    mentions: dict[int, list[tuple[str, str, str, str, int | None]]] = defaultdict(list)
    for registration, source, reference, ref, role, person in PersonMention.objects.filter(
        registration_id__in=set(registration_of.values())
    ).values_list(
        "registration_id", "registration__source", "registration__reference", "ref", "role", "link__person_id"
    ):
        mentions[registration].append((source, reference, ref, role, person))
    true: dict[int, set[str]] = defaultdict(set)
    unlinked = 0
    for case_id, registration in registration_of.items():
        for source, reference, ref, role, linked_to in mentions[registration]:
            if role in ("reporter", "witness"):
                continue
            true[case_id].add(truth[f"{source}\t{reference}\t{ref}"])
            unlinked += linked_to is None
    # Veilig Thuis's own registrations in its region: known persons, no phases (as radar_for reads them).
    own_linked: dict[tuple[int, int, datetime], set[int]] = defaultdict(set)
    own_true: dict[tuple[int, int, datetime], set[str]] = defaultdict(set)
    for (
        registration,
        organisation,
        registered,
        source,
        reference,
        ref,
        person,
    ) in PersonMention.objects.filter(
        registration__source=OrganisationKind.VEILIG_THUIS,
        registration__municipality__vt_region__isnull=False,
    ).values_list(
        "registration_id",
        "registration__municipality__vt_region",
        "registration__registered_at",
        "registration__source",
        "registration__reference",
        "ref",
        "link__person_id",
    ):
        key = (registration, organisation, registered)
        own_true[key].add(truth[f"{source}\t{reference}\t{ref}"])
        if person is not None:
            own_linked[key].add(person)

    def own(found: dict[tuple[int, int, datetime], Any]) -> list[tuple[int, int, datetime, frozenset[Any]]]:
        return [(r, org, registered, frozenset(persons)) for (r, org, registered), persons in found.items()]

    linked_f = {k: frozenset(v) for k, v in linked.items()}
    true_f = {k: frozenset(v) for k, v in true.items()}
    reference_of = dict(
        Notification.objects.values_list("case_id", "registration__reference").order_by("case_id")
    )
    check = _classes(notifications, linked_f, own(own_linked), lambda _c, at: intake_phases(at))
    by_linked = _classes(notifications, linked_f, own(own_linked), phases)
    by_truth = _classes(notifications, true_f, own(own_true), phases)
    by_truth_intake = _classes(notifications, true_f, own(own_true), lambda _c, at: intake_phases(at))
    order = [c.value for c in RadarClass]
    confusion: dict[str, Counter[str]] = {c: Counter() for c in order}
    groups: dict[str, Counter[str]] = {g: Counter() for g in ("first", "re", "during")}
    for case_id, *_rest in notifications:
        confusion[by_truth[case_id]][by_linked[case_id]] += 1
        groups[RadarClass(by_truth[case_id]).group][RadarClass(by_linked[case_id]).group] += 1
    total = len(notifications)
    agree = sum(by_truth[c] == by_linked[c] for c, *_r in notifications)
    agree_group = sum(
        RadarClass(by_truth[c]).group == RadarClass(by_linked[c]).group for c, *_r in notifications
    )
    agree_intake = sum(by_truth_intake[c] == stored[c] for c, *_r in notifications)
    misses = [
        {
            "case": case_id,
            "registration": reference_of[case_id],
            "true": by_truth[case_id],
            "linked": by_linked[case_id],
            "persons_true": len(true_f.get(case_id, ())),
            "persons_linked": len(linked_f.get(case_id, ())),
        }
        for case_id, *_r in notifications
        if by_truth[case_id] != by_linked[case_id]
    ]
    return {
        "registrations": args.registrations,
        "seed": args.seed,
        "notifications": total,
        "organisations": len({org for _c, org, _r in notifications}),
        "mentions_unlinked": unlinked,
        "own_registrations": len(own_true),
        "phase_policy": PHASE_POLICY_TEXT,
        "recomputed_equals_stored": sum(check[c] == stored[c] for c, *_r in notifications),
        "agree": agree,
        "agree_share": round(agree / total, 4) if total else None,
        "agree_group": agree_group,
        "agree_group_share": round(agree_group / total, 4) if total else None,
        "agree_intake_phases": agree_intake,
        "agree_intake_phases_share": round(agree_intake / total, 4) if total else None,
        "misses": misses[:20],
        "true_classes": {c: sum(confusion[c].values()) for c in order},
        "confusion": {c: dict(confusion[c]) for c in order},
        "confusion_groups": {g: dict(found) for g, found in groups.items()},
        "per_true_class": {
            c: round(confusion[c][c] / sum(confusion[c].values()), 4) if sum(confusion[c].values()) else None
            for c in order
        },
    }


def print_radar(figures: dict[str, Any]) -> None:
    order = list(figures["confusion"])
    total = figures["notifications"]
    print(
        f"\n{figures['registrations']:,} registrations (seed {figures['seed']}): {total:,} notifications at "
        f"{figures['organisations']} Veilig Thuis organisations; {figures['own_registrations']} "
        f"registrations of Veilig Thuis itself; {figures['mentions_unlinked']} notified mentions not linked"
    )
    print(f"phase policy: {figures['phase_policy']}")
    print(
        f"check: recomputed (linked, intake's phases) = stored class for "
        f"{figures['recomputed_equals_stored']:,} of {total:,}"
    )
    print(
        f"agreement, linked vs true persons: {figures['agree']:,} of {total:,} "
        f"({100 * figures['agree_share']:.1f}%); main category {100 * figures['agree_group_share']:.1f}%; "
        f"stored class vs truth under intake's phases {100 * figures['agree_intake_phases_share']:.1f}%\n"
    )
    for miss in figures["misses"]:
        print(
            f"miss: case {miss['case']} ({miss['registration']}): true {miss['true']}, "
            f"linked {miss['linked']} (persons named: {miss['persons_true']} true, "
            f"{miss['persons_linked']} linked)"
        )
    print("| true \\ linked | " + " | ".join(order) + " | n | agree |")
    print("|---" * (len(order) + 3) + "|")
    for truth in order:
        row = figures["confusion"][truth]
        n = figures["true_classes"][truth]
        share = figures["per_true_class"][truth]
        print(
            f"| {truth} | "
            + " | ".join(f"{row.get(c, 0):,}" for c in order)
            + f" | {n:,} | {'-' if share is None else f'{100 * share:.1f}%'} |"
        )


def radar(args: argparse.Namespace) -> dict[str, Any]:
    from ketenzicht.demo.generator import REGISTRATIONS_FILE, TRUTH_FILE, generate

    data = OUT / "veiligthuis" / f"gen-{args.registrations}-{args.seed}"
    if not (data / TRUTH_FILE).exists() or not (data / "done").exists():
        log(f"generating {args.registrations:,} registrations (seed {args.seed})")
        generate(args.registrations, args.seed, data)
        (data / "done").write_text("", encoding="utf-8")
    url, label = database(args.backend, f"ketenzicht_bench_vt_radar_{os.getpid()}")
    env = django_env(url)
    try:
        log(f"migrating {label}")
        manage("migrate", "-v0", env=env)
        manage("load_reference_data", env=env)
        log("importing through the intake pipeline")
        ran = manage("import_registrations", str(data / REGISTRATIONS_FILE), "--no-progress", env=env)
        log(f"imported in {ran.seconds:.0f} s: {ran.stdout.strip().splitlines()[-1:]}")
        os.environ.update(env)
        args.data = str(data)
        figures = radar_worker(args)
        figures["import_seconds"] = round(ran.seconds, 1)
    finally:
        drop(args.backend, url)
    print_radar(figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--inbox", dest="mode", action="store_const", const="inbox")
    chosen.add_argument("--radar", dest="mode", action="store_const", const="radar")
    parser.add_argument("registrations", type=int, nargs="?", default=4_000, help="--radar: N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=10_000, help="--inbox: open notifications")
    parser.add_argument("--runs", type=int, default=40, help="--inbox: loads per variant")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    figures = inbox(args) if args.mode == "inbox" else radar(args)
    figures["backend"] = args.backend
    figures["load_average"] = round(os.getloadavg()[0], 1)
    size = args.cases if args.mode == "inbox" else args.registrations
    out = OUT / f"veiligthuis-{args.mode}-{args.backend}-{size}.json"
    out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
