"""What the intake pipeline's `measures` step (breach detection) adds per registration.

    python bench/measures.py [N] [--seed 1] [--measures 300] [--timed 250] [--breach-share 0.5]
                             [--backend sqlite|postgres]

N registrations (default 3,000) are generated (seed 1) and taken in with `manage.py import_registrations`
(the whole pipeline) into a fresh database. Then `--measures` measures in force are registered with
`measure_impose` on suspect-victim pairs of the register (a third each: restraining orders with a contact
ban, half of them with an area ban on the victim's postcode; Aware alarms; court measures with a contact and
area ban on the municipality). Then `--timed` single-registration intakes (`intake_registration`, one
transaction each, as a web form or the API sends them), after 20 warm-up ones. A `--breach-share` of them
(default half) are new registrations of a pair under a measure (copies of the pair's registration under a
new reference, so linking links the same persons: every one is a breach, with its alerts and history
lines); the others copy random registrations of the register (mostly persons without a measure: the step
reads once and finds nothing). The step is timed where the pipeline runs it: the `breaches` step that judges
the batch (once, for the screening step as well) and the `measures` step that stores what it judged, each
wrapped in STEPS_AFTER_STORE and counted together; the whole intake beside it.

Printed: p50 / p95 / p99 / max of the step for the bound pairs, the others and all; then split by what the
step did (no breach: one read when no measure binds a person of the registration, two when one does; or a
breach stored with its alerts: nine statements when the measure has no police case); the whole intake's;
the statements per step. BENCH_PROFILE=1 prints the statements of one breach step, BENCH_PROFILE=cprofile a
profile of all the steps.
Target: the step adds at most 5 ms (p95). Figures to stdout and bench/out/measures-BACKEND-N-SHARE.json.
Server for PostgreSQL: BENCH_POSTGRES.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runner import manage  # noqa: E402
from veiligthuis import database, django_env, drop, log  # noqa: E402

WARM_UP = 20


def quantiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": round(max(values, default=0.0), 2)}
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(cut[94], 2),
        "p99_ms": round(cut[98], 2),
        "max_ms": round(ordered[-1], 2),
    }


def _pairs() -> list[tuple[int, int, int]]:
    """(registration, suspect person, victim person) of the register's police registrations, one per
    suspect."""
    from ketenzicht.registrations.models import PersonMention

    roles: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for registration_id, role, person_id in PersonMention.objects.filter(
        link__isnull=False, registration__source="politie", role__in=["suspect", "victim"]
    ).values_list("registration_id", "role", "link__person_id"):
        roles[registration_id][role].append(person_id)
    seen: set[int] = set()
    pairs = []
    for registration_id, found in sorted(roles.items()):
        if found["suspect"] and found["victim"]:
            suspect, victim = found["suspect"][0], found["victim"][0]
            if suspect != victim and suspect not in seen:
                seen.add(suspect)
                pairs.append((registration_id, suspect, victim))
    return pairs


def _impose(pairs: list[tuple[int, int, int]], count: int, rng: random.Random) -> list[tuple[int, int]]:
    """`count` measures in force today; (measure, registration) of each."""
    from django.utils import timezone

    from ketenzicht.measures.services import measure_impose
    from ketenzicht.persons.models import Person
    from ketenzicht.registrations.models import PersonMention, Registration

    today = timezone.localdate()
    chosen = rng.sample(pairs, min(count, len(pairs)))
    registrations = Registration.objects.select_related("unit", "municipality__police_unit").in_bulk(
        [r for r, _, _ in chosen]
    )
    persons = Person.objects.in_bulk({p for _, s, v in chosen for p in (s, v)})
    made = []
    for index, (registration_id, suspect, victim) in enumerate(chosen):
        registration = registrations[registration_id]
        unit = registration.unit or registration.municipality.police_unit  # type: ignore[union-attr]
        postcode = (
            PersonMention.objects.filter(registration_id=registration_id, link__person_id=victim)
            .values_list("postcode", flat=True)
            .first()
            or ""
        )[:4]
        common: dict[str, Any] = {
            "suspect": persons[suspect],
            "protected": [persons[victim]],
            "organisation": unit,
            "actor": None,
        }
        if index % 3 == 0:
            area = index % 2 == 0 and postcode.isdigit()
            low, high = (
                (f"{max(int(postcode) - 1, 1000):04d}", f"{min(int(postcode) + 1, 9999):04d}")
                if area
                else ("", "")
            )
            measure = measure_impose(
                kind="restraining_order",
                conditions=["contact_ban", "area_ban"] if area else ["contact_ban"],
                areas={"postcodes": [[low, high]]} if area else None,
                starts_on=today - timedelta(days=3),
                imposed_by="mayor",
                **common,
            )
        elif index % 3 == 1:
            measure = measure_impose(
                kind="aware_alarm",
                conditions=[],
                starts_on=today - timedelta(days=30),
                imposed_by="committee",
                **common,
            )
        else:
            municipality = registration.municipality.code if registration.municipality else "GM0796"
            measure = measure_impose(
                kind="court_measure",
                conditions=["contact_ban", "area_ban"],
                areas={"municipalities": [municipality]},
                starts_on=today - timedelta(days=200),
                ends_on=today + timedelta(days=800),
                imposed_by="court",
                **common,
            )
        made.append((measure.pk, registration_id))
    return made


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from ketenzicht.intake import pipeline
    from ketenzicht.measures.models import Breach, Measure
    from ketenzicht.registrations.export import registration_to_exchange
    from ketenzicht.registrations.models import Registration

    rng = random.Random(args.seed)
    registrations = Registration.objects.count()
    log("registering measures")
    measures = _impose(_pairs(), args.measures, rng)
    in_force = Measure.objects.filter(ends_on__gte=timezone.localdate()).count()
    every = list(Registration.objects.values_list("pk", flat=True))
    plan: list[tuple[str, int]] = []
    for _ in range(args.timed + WARM_UP):
        if rng.random() < args.breach_share:
            plan.append(("breach", rng.choice(measures)[1]))
        else:
            plan.append(("other", rng.choice(every)))
    stored = (
        Registration.objects.prefetch_related("mentions", "offences", "relations")
        .select_related("unit", "municipality")
        .in_bulk([pk for _, pk in plan])
    )

    step: list[float] = []
    step_queries: list[int] = []
    profile = None
    if os.environ.get("BENCH_PROFILE") == "cprofile":
        import cProfile

        profile = cProfile.Profile()

    judging: list[tuple[float, int]] = []  # the batch's `breaches` step, counted with its `measures` step

    def timed_breaches(batch: list[Any]) -> None:
        if profile is not None:
            profile.enable()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            breaches_step(batch)
            judging.append(((time.perf_counter() - began) * 1000, len(queries)))
        if profile is not None:
            profile.disable()

    def timed_measures(batch: list[Any]) -> None:
        if profile is not None:
            profile.enable()
        judged_ms, judged_queries = judging.pop() if judging else (0.0, 0)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            measures_step(batch)
            step.append((time.perf_counter() - began) * 1000 + judged_ms)
        if profile is not None:
            profile.disable()
        step_queries.append(len(queries) + judged_queries)
        if (
            os.environ.get("BENCH_PROFILE")
            and len(queries) > 2
            and not getattr(timed_measures, "shown", False)
        ):
            timed_measures.shown = True  # type: ignore[attr-defined]
            for query in queries.captured_queries:
                print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:150]}", file=sys.stderr)
            print(f"  step {step[-1]:.2f} ms", file=sys.stderr)

    breaches_step, measures_step = pipeline.breaches, pipeline.measures
    timed: dict[Callable[[list[Any]], None], Callable[[list[Any]], None]] = {
        breaches_step: timed_breaches,
        measures_step: timed_measures,
    }
    pipeline.STEPS_AFTER_STORE = tuple(timed.get(s, s) for s in pipeline.STEPS_AFTER_STORE)
    now = timezone.now()
    by_group: dict[str, list[float]] = defaultdict(list)
    queries_by_group: dict[str, list[int]] = defaultdict(list)
    whole: list[float] = []
    breaches_before = Breach.objects.count()
    log(f"timing {args.timed} intakes after {WARM_UP} warm-up ones")
    for index, (group, pk) in enumerate(plan):
        data = registration_to_exchange(stored[pk])
        data["reference"] = f"{data['reference'].split('-')[0]}-BENCH-{index:06d}"
        moment = (now - timedelta(minutes=len(plan) - index)).isoformat()
        data["registered_at"] = data["occurred_at"] = moment
        data = {key: value for key, value in data.items() if value is not None}
        began = time.perf_counter()
        pipeline.intake_registration(actor=None, data=data, channel="import")
        took = (time.perf_counter() - began) * 1000
        if index >= WARM_UP:
            by_group[group].append(step[-1])
            queries_by_group[group].append(step_queries[-1])
            # What the step did: no breach (one read when no measure binds a person of the registration,
            # two when one does), or a breach stored with its alerts (nine statements and more).
            by_group["found" if step_queries[-1] > 2 else "none"].append(step[-1])
            whole.append(took)
    breaches = Breach.objects.count() - breaches_before
    if profile is not None:
        import pstats

        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    all_steps = by_group["breach"] + by_group["other"]
    return {
        "backend": connection.vendor,
        "registrations": registrations,
        "measures": len(measures),
        "measures_in_force": in_force,
        "timed": len(all_steps),
        "breaches_found": breaches,
        "step_breach": quantiles(by_group["breach"]),
        "step_other": quantiles(by_group["other"]),
        "step_all": quantiles(all_steps),
        "step_no_breach": quantiles(by_group["none"]),
        "step_breach_stored": quantiles(by_group["found"]),
        "no_breach": len(by_group["none"]),
        "intake_all": quantiles(whole),
        "step_queries_breach": sorted(set(queries_by_group["breach"])),
        "step_queries_other": sorted(set(queries_by_group["other"])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("registrations", type=int, nargs="?", default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measures", type=int, default=300)
    parser.add_argument("--timed", type=int, default=250)
    parser.add_argument("--breach-share", type=float, default=0.5, help="share of intakes of a bound pair")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate

    data = OUT / "measures" / f"gen-{args.registrations}-{args.seed}"
    if not (data / "done").exists():
        log(f"generating {args.registrations:,} registrations (seed {args.seed})")
        generate(args.registrations, args.seed, data)
        (data / "done").write_text("", encoding="utf-8")
    url, label = database(args.backend, f"ketenzicht_bench_measures_{os.getpid()}")
    env = django_env(url)
    try:
        log(f"migrating {label}")
        manage("migrate", "-v0", env=env)
        manage("load_reference_data", env=env)
        log("importing through the intake pipeline")
        ran = manage("import_registrations", str(data / REGISTRATIONS_FILE), "--no-progress", env=env)
        log(f"imported in {ran.seconds:.0f} s")
        os.environ.update(env)
        figures = worker(args)
    finally:
        drop(args.backend, url)
    figures["load_average"] = round(os.getloadavg()[0], 1)
    figures["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}"
    figures["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for name in (
        "step_breach",
        "step_other",
        "step_all",
        "step_no_breach",
        "step_breach_stored",
        "intake_all",
    ):
        q = figures[name]
        print(
            f"{name:17} p50 {q['p50_ms']:7.2f}  p95 {q['p95_ms']:7.2f}  "
            f"p99 {q['p99_ms']:7.2f}  max {q['max_ms']:7.2f} ms"
        )
    print(
        f"{figures['backend']}: {figures['registrations']:,} registrations, "
        f"{figures['measures_in_force']} measures in force, {figures['timed']} intakes timed, "
        f"{figures['breaches_found']} breaches found"
    )
    print(
        f"statements per step: breach half {figures['step_queries_breach']}, "
        f"other half {figures['step_queries_other']}; load {figures['load_average']}; {figures['machine']}"
    )
    figures["breach_share"] = args.breach_share
    out = OUT / f"measures-{args.backend}-{args.registrations}-{args.breach_share}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
