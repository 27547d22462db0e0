"""What the pipeline's pattern step adds to intake: `signals_update` for the persons of one registration.

    python bench/patterns/pipeline_step.py [N] [--seed S] [--backend postgres|sqlite] [--timed 500]

Uses the register of `store.py` (N generated registrations, persons linked to the generator's truth;
built once and cached). Detects every pattern once (`signals_detect_all`, so the register has its
signals), then takes `--timed` registrations with a suspect and a victim, half of them from planted
patterns (persons with long histories, where the step does the most), half at random, and times the
step as the intake pipeline runs it right after linking: `signals_update(persons=...)` for the persons
linked into that registration, inside an open transaction as in the pipeline (whose commit intake pays
with or without this step), in two situations:

- `steady`: the signals are as the registration left them (the step reads and compares, writes nothing);
- `raise`: the persons' signals are deleted first (not timed), so the step creates them all anew, as when
  the registration is the one that makes them fire.

Each `raise` run is rolled back afterwards. Printed: p50 / p95 / p99 / max per situation. Target: the step
adds at most 5 ms (p95) to intake. Figures to stdout and bench/out/patterns/pipeline-step-N.json.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import store  # noqa: E402

WARM_UP = 20


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(cut[94], 2),
        "p99_ms": round(cut[98], 2),
        "max_ms": round(ordered[-1], 2),
    }


def worker(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from ketenzicht.audit.append_only import history_off
    from ketenzicht.linking.models import MentionLink
    from ketenzicht.patterns.detector import detector
    from ketenzicht.patterns.models import Signal, SignalEvent
    from ketenzicht.patterns.services import signals_detect_all, signals_update

    began = time.perf_counter()
    summary = signals_detect_all()
    detect_s = time.perf_counter() - began
    detector()  # rules read and compiled before the clock runs, as in a running server
    patterned = sorted(
        set(Signal.objects.filter(rule="possible_stalking").values_list("last_registration_id", flat=True))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.registration_id FROM registrations_personmention m "
            "WHERE m.role IN ('suspect', 'victim') GROUP BY m.registration_id HAVING COUNT(*) >= 2"
        )
        pairs = [row[0] for row in cursor.fetchall()]
    rng = random.Random(args.seed)
    half = args.timed // 2
    sample = rng.sample(patterned, min(half, len(patterned)))
    sample += rng.sample(pairs, args.timed - len(sample) + WARM_UP)
    persons_of: dict[int, set[int]] = {}
    for registration_id, person_id in MentionLink.objects.filter(
        mention__registration_id__in=sample
    ).values_list("mention__registration_id", "person_id"):
        persons_of.setdefault(registration_id, set()).add(person_id)

    steady: list[float] = []
    raised: list[float] = []
    created = 0
    for index, registration_id in enumerate(sample):
        persons = persons_of[registration_id]
        with transaction.atomic():  # the pipeline's transaction: its commit is paid by intake anyway
            began = time.perf_counter()
            signals_update(persons=persons)
            took = (time.perf_counter() - began) * 1000
        if index >= WARM_UP:
            steady.append(took)
        with transaction.atomic():
            # Forget the signals to measure raising them (rolled back below, the history's triggers too).
            history_off(connection)
            for side in ("suspect_id__in", "victim_id__in"):
                SignalEvent.objects.filter(**{f"signal__{side}": persons}).delete()
                Signal.objects.filter(**{side: persons}).delete()
            began = time.perf_counter()
            result = signals_update(persons=persons)
            took = (time.perf_counter() - began) * 1000
            created += result.created
            transaction.set_rollback(True)
        if index >= WARM_UP:
            raised.append(took)
    figures = {
        "backend": connection.vendor,
        "registrations": summary.registrations,
        "signals": summary.signals,
        "detect_all_s": round(detect_s, 1),
        "timed": len(steady),
        "steady": quantiles(steady),
        "raise": quantiles(raised),
        "signals_created_in_raise_runs": created,
    }
    Path(args.result).write_text(json.dumps(figures), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("registrations", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=store.BACKENDS, default="postgres")
    parser.add_argument("--timed", type=int, default=500)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    register = store.prepare(args.registrations, args.seed, "truth", args.backend)
    result = store.OUT / f"pipeline-step-worker-{os.getpid()}.json"
    done = subprocess.run(
        [sys.executable, __file__, "--worker", "--seed", str(args.seed), "--timed", str(args.timed),
         "--result", str(result)],
        env=register.env, cwd=store.ROOT, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit("the timing worker failed (see above)")
    figures: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    figures["machine_load"] = os.getloadavg()[0]
    out = store.OUT / f"pipeline-step-{args.registrations}.json"
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    print(f"written to {out.relative_to(store.ROOT)}")


if __name__ == "__main__":
    main()
