"""The desks' pages and steps as their users get them, on the demo register:

    python bench/desk_pages.py [--registrations 300,5000] [--backends sqlite,postgres] [--runs 20]
                               [--posts 10] [--code before=/path/to/a/checkout] [--fresh]

Per backend and register size, a database with the reference data and `manage.py load_demo --registrations
N` (the demo users, the generated register with its storylines, the history worked, the measures and the
ZSM file), built once per day and kept (SQLite: bench/out/desk_pages/demo-N.sqlite3; PostgreSQL: database
ketenzicht_bench_desk_N on BENCH_POSTGRES; `--fresh` builds it again). On it, in a Django process of its
own, each demo user the page is for logs in (Django's test client: middleware, session, selectors,
access-log entries, template; the page as the user gets it, without the network; the second factor off)
and loads, `--runs` times after five warm-up loads:

- `screening_case`: the storyline's police case of Oost-Brabant (the open case with the most registrations
  in the pilot's process), as `screener`;
- `vt_notification`: the open notification of Veilig Thuis Brabant-Noordoost with the longest history, as
  `veiligthuis`;
- `zsm_file`: the open ZSM file of Oost-Brabant, as `officier`;
- `measure`: the register's first measure (the storyline's behaviour order), as `officier`;
- `dossier`: the storyline case's suspect, as `screener`, under a purpose stated once before;
- the queues: `screening_queue` (`screener`), `vt_inbox` (`veiligthuis`), `zsm_desk` (`officier`).

Then the steps, POSTs on the storyline's case in the order a screener takes them (`--posts` rounds after
two warm-up rounds; each round in one transaction, rolled back when it is done, outside the clock, so
every round starts from the case as loaded; a commit is not in the figure): `assign` (the owner to
`casusregisseur`, by `screener`), `step` (start the screening), `risk_screening` (record the risk
screening, every unanswered item "no" / 0), `propose_close` (close without action, proposed by
`screener`) and `confirm_close` (confirmed by `casusregisseur` as the second person).

Printed per page and step: p50 / p95 / max wall time and the number of SQL statements of one load
(counted by Django, on SQLite the access log's transaction statements included). `--code LABEL=PATH` runs
the same measurements with the code of another checkout too (e.g. main, for "before"), on the same
database, interleaved: the figures of one run. Figures to stdout and bench/out/desk-pages.json.
`BENCH_PROFILE=1` prints a cProfile of one load of each page and each step, and the statements that
repeat in it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CACHE = OUT / "desk_pages"
CODE = Path(os.environ.get("BENCH_CODE", str(ROOT)))  # the checkout whose code a worker measures
sys.path.insert(0, str(CODE))
sys.path.insert(0, str(ROOT / "bench"))

from runner import POSTGRES, manage, psql  # noqa: E402
from screening_queue import _time  # noqa: E402
from veiligthuis import django_env, log  # noqa: E402

sys.path.insert(0, str(CODE))  # again: the helpers above put this checkout first, a worker measures CODE's

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PAGES = (
    "screening_case",
    "vt_notification",
    "zsm_file",
    "measure",
    "dossier",
    "screening_queue",
    "vt_inbox",
    "zsm_desk",
)
STEPS = ("assign", "step", "risk_screening", "propose_close", "confirm_close")
WARM_UP_ROUNDS = 2


# --- the databases --------------------------------------------------------------------------------------


def demo_database(backend: str, registrations: int, fresh: bool) -> str:
    """The URL of a database holding the demo register of `registrations`, built today (or now)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    built = CACHE / f"demo-{registrations}-{backend}.built"
    if backend == "sqlite":
        path = CACHE / f"demo-{registrations}.sqlite3"
        url = f"sqlite:///{path}"
    else:
        name = f"ketenzicht_bench_desk_{registrations}"
        url = f"{POSTGRES}/{name}"
    if not fresh and built.exists() and built.read_text(encoding="utf-8") == date.today().isoformat():
        return url
    built.unlink(missing_ok=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
    env = {**django_env(url), "DJANGO_DEBUG": "true"}  # the demo's public key: load_demo wants DEBUG
    log(f"building the demo register of {registrations:,} on {backend}")
    manage("migrate", "-v0", env=env)
    manage("load_reference_data", env=env)
    ran = manage("load_demo", "--registrations", str(registrations), env=env)
    log(f"loaded in {ran.seconds:.0f} s")
    if backend == "postgres":
        psql("VACUUM ANALYZE", name)  # as autovacuum would have it after a load
    built.write_text(date.today().isoformat(), encoding="utf-8")
    return url


# --- the worker: one checkout's code on one database ----------------------------------------------------


def _statements(run: Any) -> tuple[int, Counter[str]]:
    """How many statements `run()` sends, and those that repeat (numbers and lists taken out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    shapes = Counter(
        re.sub(r"\b\d+\b", "N", re.sub(r"IN \([^)]*\)", "IN (...)", query["sql"]))
        for query in captured.captured_queries
    )
    return len(captured), shapes


def _profile(name: str, run: Any) -> None:
    import cProfile
    import pstats

    _count, shapes = _statements(run)
    print(f"\n--- {name}: statements sent more than once")
    for shape, times in shapes.most_common():
        if times > 1:
            print(f"{times:4d}x {shape[:260]}")
    profile = cProfile.Profile()
    profile.runcall(run)
    pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(40)


def _targets() -> dict[str, Any]:
    """What the pages and steps are about, found in the demo register."""
    from django.db.models import Count

    from ketenzicht.measures.models import Measure
    from ketenzicht.screening.models import ScreeningCase
    from ketenzicht.workprocesses.models import Case

    police = (
        ScreeningCase.objects.filter(
            case__closed_at__isnull=True,
            case__organisation__code="oost-brabant",
            case__process_version__process="ex_partner_stalking",
            case__process_version__version=2,
        )
        .annotate(held=Count("case__registrations"))
        .order_by("-held", "case_id")
        .select_related("case")
        .first()
    )
    notification = (
        Case.objects.filter(closed_at__isnull=True, organisation__code="vt-brabant-noordoost")
        .annotate(lines=Count("events"))
        .order_by("-lines", "pk")
        .first()
    )
    zsm = Case.objects.filter(
        closed_at__isnull=True, organisation__code="om-oost-brabant", process_version__process="zsm_file"
    ).first()
    measure = Measure.objects.order_by("pk").first()
    if None in (police, notification, zsm, measure):
        raise SystemExit("the demo register lacks a storyline case, a notification, a ZSM file or a measure")
    assert police and notification and zsm and measure
    return {
        "police_case": police.case_id,
        "suspect": police.suspect_id,
        "notification": notification.pk,
        "zsm_file": zsm.pk,
        "measure": measure.pk,
        "registrations_on_police_case": police.case.registrations.count(),
        "history_lines_on_police_case": police.case.events.count(),
    }


def _post_round(clients: dict[str, Any], users: dict[str, Any], case_id: int) -> list[tuple[str, Any]]:
    """The steps of one round on the police case, each a (name, callable that POSTs and checks it)."""
    from ketenzicht.screening.instruments import instrument_of
    from ketenzicht.screening.selectors import instruments_for
    from ketenzicht.workprocesses.models import Case

    def version() -> int:
        return int(Case.objects.values_list("lock_version", flat=True).get(pk=case_id))

    act = f"/zaken/{case_id}/actie/"

    def screening_data() -> dict[str, Any]:
        case = Case.objects.get(pk=case_id)
        chosen = instruments_for(case)[0]
        data: dict[str, Any] = {"instrument": chosen.code, "action": "record", "lock_version": version()}
        for item in instrument_of(chosen).items:
            answer = {"yes_no": "no", "count": "0"}.get(item.answer.value) or next(iter(item.choices))
            data[f"item_{item.key}"] = answer
        return data

    def post(user: str, path: str, data: Any) -> Any:
        def run() -> None:
            response = clients[user].post(path, data() if callable(data) else data)
            if response.status_code != 302:
                said = re.findall(
                    r'kz-message".*?<p class="utrecht-paragraph">(.*?)</p>', response.content.decode(), re.S
                )
                raise SystemExit(f"{path} as {user}: {response.status_code}: {said}")

        return run

    return [
        (
            "assign",
            lambda: post(
                "screener",
                act,
                {
                    "action": "owner",
                    "owner-lock_version": version(),
                    "owner-person": users["casusregisseur"].pk,
                    "owner-reason": "benchmark",
                },
            ),
        ),
        (
            "step",
            lambda: post(
                "screener",
                act,
                {
                    "action": "take",
                    "transition": "start_screening",
                    "step-start_screening-lock_version": version(),
                },
            ),
        ),
        (
            "risk_screening",
            lambda: post("screener", f"/zaken/{case_id}/screening/", screening_data()),
        ),
        (
            "propose_close",
            lambda: post(
                "screener",
                act,
                {
                    "action": "take",
                    "transition": "close_without_action",
                    "step-close_without_action-lock_version": version(),
                    "step-close_without_action-reason": "Melder trekt de melding in (benchmark).",
                    "step-close_without_action-confirm_final": "on",
                },
            ),
        ),
        (
            "confirm_close",
            lambda: post(
                "casusregisseur",
                act,
                {"action": "confirm", "confirm-lock_version": version(), "confirm-confirm_final": "on"},
            ),
        ),
    ]


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from ketenzicht.organisations.models import User

    targets = _targets()
    names = ("screener", "casusregisseur", "veiligthuis", "officier")
    users = {name: User.objects.get(username=name) for name in names}
    clients = {}
    for name, user in users.items():
        clients[name] = Client(HTTP_HOST="127.0.0.1")
        clients[name].force_login(user)
    dossier = f"/personen/{targets['suspect']}/"
    stated = clients["screener"].post(
        dossier, {"purpose_reason": "screening", "purpose_text": "benchmark of the desk pages"}
    )
    if stated.status_code != 302:
        raise SystemExit(f"stating a purpose for the dossier: {stated.status_code}")
    pages = {
        "screening_case": ("screener", f"/zaken/{targets['police_case']}/"),
        "vt_notification": ("veiligthuis", f"/zaken/{targets['notification']}/"),
        "zsm_file": ("officier", f"/zaken/{targets['zsm_file']}/"),
        "measure": ("officier", f"/maatregelen/{targets['measure']}/"),
        "dossier": ("screener", dossier),
        "screening_queue": ("screener", "/screening/"),
        "vt_inbox": ("veiligthuis", "/veiligthuis/"),
        "zsm_desk": ("officier", "/zsm/"),
    }
    profile = bool(os.environ.get("BENCH_PROFILE"))
    figures: dict[str, Any] = {"targets": targets, "database": connection.vendor, "pages": {}, "steps": {}}
    for name in args.pages.split(","):
        who, path = pages[name]
        if profile:
            _profile(name, lambda c=clients[who], p=path: c.get(p))
        figures["pages"][name] = {"user": who, **_time(clients[who], path, args.runs)}
    timed: dict[str, list[float]] = {name: [] for name in STEPS}
    counted: dict[str, int] = {}
    for round_ in range(WARM_UP_ROUNDS + args.posts):
        with transaction.atomic():
            for name, make in _post_round(clients, users, targets["police_case"]):
                run = make()  # reads what the POST needs (the lock version, the form's items): not timed
                if round_ == 0:
                    counted[name], shapes = _statements(run)
                    if profile:
                        print(f"\n--- {name}: statements sent more than once")
                        for shape, repeats in shapes.most_common():
                            if repeats > 1:
                                print(f"{repeats:4d}x {shape[:260]}")
                    continue
                if round_ == 1 and profile:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.runcall(run)
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
                    continue
                began = time.perf_counter()
                run()
                if round_ >= WARM_UP_ROUNDS:
                    timed[name].append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)
    for name in STEPS:
        times = sorted(timed[name])
        figures["steps"][name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1),
            "queries": counted[name],
        }
    return figures


# --- the parent -----------------------------------------------------------------------------------------


def run_worker(url: str, code: Path, args: argparse.Namespace) -> dict[str, Any]:
    result = CACHE / f"worker-{os.getpid()}.json"
    env = {**django_env(url), "BENCH_CODE": str(code), "KETENZICHT_OTP_REQUIRED": "0"}
    command = [sys.executable, __file__, "--worker", "--result", str(result)]
    command += ["--runs", str(args.runs), "--posts", str(args.posts), "--pages", args.pages]
    done = subprocess.run(command, env=env, cwd=code, check=False)
    if done.returncode:
        raise SystemExit(f"the worker on {code} failed (see above)")
    figures: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    return figures


def commit_of(code: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "?"


def table(rows: list[dict[str, Any]]) -> None:
    print("\n| backend | register | code | what | p50 | p95 | max | statements |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        for kind in ("pages", "steps"):
            for name, found in row["figures"][kind].items():
                print(
                    f"| {row['backend']} | {row['registrations']:,} | {row['code']} | {name} | "
                    f"{found['p50_ms']} ms | {found['p95_ms']} ms | {found['max_ms']} ms | "
                    f"{found['queries']} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--registrations", default="300,5000", help="demo register sizes, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=20, help="loads per page after five warm-up loads")
    parser.add_argument("--posts", type=int, default=10, help="rounds of the steps after two warm-up rounds")
    parser.add_argument("--pages", default=",".join(PAGES), help="which pages, comma-separated")
    parser.add_argument("--code", action="append", default=[], help="LABEL=PATH: also measure that checkout")
    parser.add_argument("--fresh", action="store_true", help="build the demo databases again")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        Path(args.result).write_text(json.dumps(worker(args)), encoding="utf-8")
        return
    codes = [(label, Path(path).resolve()) for label, _, path in (c.partition("=") for c in args.code)]
    codes.append(("this", ROOT))
    rows = []
    for backend in args.backends.split(","):
        for registrations in (int(n) for n in args.registrations.split(",")):
            url = demo_database(backend, registrations, args.fresh)
            for label, code in codes:
                log(f"{backend}, {registrations:,} registrations: measuring {label} ({commit_of(code)})")
                began = os.getloadavg()[0]
                figures = run_worker(url, code, args)
                rows.append(
                    {
                        "backend": backend,
                        "registrations": registrations,
                        "code": f"{label} ({commit_of(code)})",
                        "load_average": [round(began, 1), round(os.getloadavg()[0], 1)],
                        "figures": figures,
                    }
                )
                print(f"{backend} {registrations} {label}: {json.dumps(figures['targets'])}", flush=True)
    table(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "desk-pages.json"
    when = datetime.now(AMSTERDAM).isoformat(timespec="minutes")
    out.write_text(json.dumps({"when": when, "runs": args.runs, "posts": args.posts, "rows": rows}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
