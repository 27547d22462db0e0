"""Benchmarks of the screening desk (issue 13), one mode per question:

    python bench/screening.py --intake [N] [--backends postgres,sqlite] [--timed 300] [--seed S]
    python bench/screening.py --prefill [N] [--backend postgres] [--seed S] [--show K]

Both use the register of bench/patterns/store.py (N generated registrations stored with the batch insert,
every mention linked to its true person; built once per backend and cached) and run the measurement in a
Django process of its own (`--worker MODE`), which leaves the register as it found it (everything it writes
is rolled back).

`--intake`: what the intake pipeline's `screening` step (`screening_cases_for`) adds per registration, as
the pipeline runs it (inside an open transaction, right after linking and the pattern step; the pattern
signals of the whole register detected first). Timed per registration, in two situations:

- `new`: the case tables are empty; registrations of a suspect and a victim, taken at random; one the case
  rules name opens its pair's case (`nothing`: the rules name none of its pairs, the step only reads);
- `join`: the cases of every other registration opened first (in the order registered, as intake would);
  then a registration of a pair with an earlier registration joins the pair's open case.

Each timed call is rolled back (a savepoint, outside the clock). Printed: p50 / p95 / p99 / max per
situation and backend. Target: at most 5 ms (p95) added to intake.

`--prefill`: how often the screening pre-fill (`screening/engine/prefill.py` on the events of
`patterns/loading.py::events_involving`, as the desk builds them) agrees with the generator's truth about its
planted stalking campaigns. Per campaign and per registration of it (as if screened right after it): earlier
violence (an offence of violence among the campaign's registrations so far), a threat to kill and a weapon
(what the summaries' templates state: truth `summary_facts`), other threats (art. 285 in a registration
whose summary does not threaten to kill), damage to property (art. 350), a breach of a measure (art. 184a or a
registration of a breach), the incidents in the last 12 months (the campaign's registrations in the 365
days up to then). At the campaign's last registration also the signals: a possible-stalking signal (every
campaign is stalking) and an escalation signal (truth: the generator made the campaign escalate). Target:
>= 95% agreement per fact. Misses are listed with their registrations, to find their causes.

`--queue [--cases 10000] [--other 5000] [--runs 100]`: the screening queue page over many open cases, on
PostgreSQL (bench/screening_queue.py, which builds its own database; its options are passed on).

Figures go to stdout and bench/out/screening-MODE-N.json. A new mode is a pair of functions (the parent,
and the worker it runs in a Django process, or None) in MODES.
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
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "patterns"))

import store  # noqa: E402

OUT = store.ROOT / "bench" / "out"
WARM_UP = 20


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(cut[94], 2),
        "p99_ms": round(cut[98], 2),
        "max_ms": round(ordered[-1], 2),
    }


def run_worker(mode: str, register: store.Register, args: argparse.Namespace) -> dict[str, Any]:
    """Run `mode`'s worker in a Django process on the register; its figures."""
    result = OUT / f"screening-worker-{os.getpid()}.json"
    command = [sys.executable, __file__, f"--{mode}", "--worker", "--result", str(result)]
    command += ["--seed", str(args.seed), "--timed", str(args.timed), "--show", str(args.show)]
    command += ["--data", str(register.data)]
    done = subprocess.run(command, env=register.env, cwd=store.ROOT, check=False)
    if done.returncode:
        raise SystemExit(f"the {mode} worker failed (see above)")
    figures: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    return figures


def setup_django() -> None:
    import django

    django.setup()


# --- --intake -------------------------------------------------------------------------------------------


def intake(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"registrations": args.registrations, "backends": {}}
    for backend in args.backends.split(","):
        register = store.prepare(args.registrations, args.seed, "truth", backend, fresh_patterns=False)
        store.log(f"timing the screening step on {backend}")
        found = run_worker("intake", register, args)
        found["load_average"] = round(os.getloadavg()[0], 1)
        figures["backends"][backend] = found
        print(f"{backend}: " + json.dumps({k: found[k] for k in ("new", "join", "nothing")}))
    return figures


def _pairs_of_registrations() -> dict[int, list[tuple[int, int]]]:
    """registration -> its (suspect person, victim person) pairs, for police registrations."""
    from ketenzicht.db import query_rows
    from ketenzicht.db import quoted_table as t
    from ketenzicht.linking.models import MentionLink
    from ketenzicht.registrations.models import PersonMention, Registration

    sides: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"suspect": [], "victim": []})
    for registration_id, role, person in query_rows(
        f"SELECT m.registration_id, m.role, l.person_id FROM {t(PersonMention)} m "
        f"JOIN {t(MentionLink)} l ON l.mention_id = m.id "
        f"JOIN {t(Registration)} r ON r.id = m.registration_id "
        "WHERE m.role IN ('suspect', 'victim') AND r.source = 'politie' AND r.unit_id IS NOT NULL"
    ):
        sides[registration_id][role].append(person)
    return {
        pk: [(s, v) for s in found["suspect"] for v in found["victim"] if s != v]
        for pk, found in sides.items()
        if found["suspect"] and found["victim"]
    }


def intake_worker(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from django.db import connection, transaction

    from ketenzicht.patterns.detector import detector
    from ketenzicht.patterns.models import SignalRegistration
    from ketenzicht.patterns.services import signals_detect_all
    from ketenzicht.registrations.models import Registration
    from ketenzicht.screening.models import ScreeningCase
    from ketenzicht.screening.services import case_rules, screening_cases_for
    from ketenzicht.workprocesses.models import Case

    if Case.objects.exists():
        raise SystemExit("the register holds cases already: this benchmark needs it without")
    if connection.vendor == "postgresql":
        # Earlier runs rolled back what they wrote: the dead rows out, the statistics as the tables are.
        with connection.cursor() as cursor:
            for model in (Case, Case.registrations.through, Case.persons.through, ScreeningCase):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    began = time.perf_counter()
    summary = signals_detect_all()
    detect_s = time.perf_counter() - began
    detector(), case_rules()  # rules read before the clock runs, as in a running server
    rng = random.Random(args.seed)
    pairs_of = _pairs_of_registrations()
    order = list(
        Registration.objects.filter(pk__in=list(pairs_of))
        .order_by("registered_at", "pk")
        .values_list("pk", flat=True)
    )

    def timed(registration_id: int) -> tuple[float, Any]:
        with transaction.atomic():  # a savepoint inside the outer transaction; rolled back, outside the clock
            began = time.perf_counter()
            result = screening_cases_for([registration_id])
            took = (time.perf_counter() - began) * 1000
            transaction.set_rollback(True)
        return took, result

    # new: no case yet anywhere; registrations at random until enough opened a case.
    new: list[float] = []
    nothing: list[float] = []
    candidates = order[:]
    rng.shuffle(candidates)
    with transaction.atomic():
        for registration_id in candidates:
            took, result = timed(registration_id)
            (new if result.opened else nothing).append(took)
            if len(new) >= args.timed + WARM_UP:
                break
    # join: a pair's later registrations; every other registration's case opened first.
    seen: set[tuple[int, int]] = set()
    later: list[int] = []
    for registration_id in order:
        pairs = pairs_of[registration_id]
        if any(pair in seen for pair in pairs):
            later.append(registration_id)
        seen.update(pairs)
    sample = set(rng.sample(later, min(len(later), 3 * (args.timed + WARM_UP))))
    join: list[float] = []
    opened_cases = 0
    with transaction.atomic():
        # The signals were detected over the whole register, so their evidence holds later registrations
        # too, which would go onto a pair's case when it opens: out of the evidence for this run.
        SignalRegistration.objects.filter(registration_id__in=sorted(sample)).delete()
        began = time.perf_counter()
        rest = [pk for pk in order if pk not in sample]
        for start in range(0, len(rest), 2_000):
            opened_cases += screening_cases_for(rest[start : start + 2_000]).opened
        build_s = time.perf_counter() - began
        if connection.vendor == "postgresql":
            # Statistics with the cases in (as autovacuum would have them), so the plans fit a register with
            # open cases, not the empty tables of the first run.
            with connection.cursor() as cursor:
                for model in (Case, Case.registrations.through, Case.persons.through, ScreeningCase):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
        for registration_id in sorted(sample, key=lambda _: rng.random()):
            took, result = timed(registration_id)
            if result.added and not result.opened:
                join.append(took)
            if len(join) >= args.timed + WARM_UP:
                break
        transaction.set_rollback(True)
    return {
        "backend": connection.vendor,
        "registrations": summary.registrations,
        "signals": summary.signals,
        "detect_all_s": round(detect_s, 1),
        "cases_opened_before_join": opened_cases,
        "build_s": round(build_s, 1),
        "new": quantiles(new[WARM_UP:]),
        "join": quantiles(join[WARM_UP:]),
        "nothing": quantiles(nothing[WARM_UP:]),
    }


# --- --prefill ------------------------------------------------------------------------------------------

HISTORY_FACTS = (
    "earlier_violence",
    "threat_to_kill",
    "other_threats",
    "property_damage",
    "weapon",
    "breach_of_ban",
    "incidents_12_months",
)
SIGNAL_FACTS = ("stalking_signal", "escalation_signal")
YEAR = timedelta(days=365)


def prefill(args: argparse.Namespace) -> dict[str, Any]:
    register = store.prepare(args.registrations, args.seed, "truth", args.backend, fresh_patterns=False)
    truth = register.data / "truth.jsonl"
    with truth.open(encoding="utf-8") as handle:
        has_facts = any('"summary_facts"' in line for line in handle if line.startswith('{"pattern"'))
    if not has_facts:  # generated before the truth said what the summaries state: the same data, again
        from ketenzicht.demo.generator import generate

        store.log("generating again: the cached truth has no summary_facts")
        generate(args.registrations, args.seed, register.data)
    figures = run_worker("prefill", register, args)
    print_prefill(figures)
    return figures


def _campaigns(data: Path) -> tuple[list[dict[str, Any]], dict[tuple[str, str], dict[str, Any]]]:
    """The planted campaigns (not storylines) and the generated registrations they hold."""
    campaigns = []
    with open(data / "truth.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith('{"pattern"'):
                campaign = json.loads(line)["pattern"]
                if "storyline" not in campaign:
                    campaigns.append(campaign)
    wanted = {tuple(r) for c in campaigns for r in c["registrations"]}
    registrations: dict[tuple[str, str], dict[str, Any]] = {}
    for data_line in store.read_registrations(data):
        key = (data_line["source"], data_line["reference"])
        if key in wanted:
            registrations[key] = data_line
    return campaigns, registrations


def _truth_at(
    campaign: dict[str, Any],
    rows: list[tuple[datetime, dict[str, Any], list[str]]],
    upto: int,
    violent: set[str],
) -> dict[str, bool | int]:
    """What the generator knows of a campaign right after its registration `upto` (index, by time)."""
    at = rows[upto][0]
    so_far = rows[: upto + 1]
    return {
        "earlier_violence": any(violent & set(data.get("offences", [])) for _at, data, _f in so_far),
        "threat_to_kill": any("threat_to_kill" in facts for _at, _data, facts in so_far),
        # A threat (285) whose summary does not threaten to kill; damage to property (350).
        "other_threats": any(
            "285" in data.get("offences", []) and "threat_to_kill" not in facts for _at, data, facts in so_far
        ),
        "property_damage": any("350" in data.get("offences", []) for _at, data, _f in so_far),
        "weapon": any("weapon" in facts for _at, _data, facts in so_far),
        "breach_of_ban": any(
            "184a" in data.get("offences", []) or data.get("kind") == "overtreding_maatregel"
            for _at, data, _f in so_far
        ),
        "incidents_12_months": sum(1 for when, _data, _f in so_far if when > at - YEAR),
        "stalking_signal": True,
        "escalation_signal": bool(campaign.get("escalates")),
    }


def prefill_worker(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from ketenzicht.db import query_rows
    from ketenzicht.db import quoted_table as t
    from ketenzicht.linking.models import MentionLink
    from ketenzicht.patterns.detector import detector
    from ketenzicht.patterns.loading import events_involving
    from ketenzicht.patterns.models import Signal
    from ketenzicht.patterns.services import signals_detect_all
    from ketenzicht.registrations.models import Offence, PersonMention, Registration
    from ketenzicht.screening.engine.prefill import prefill as prefill_of

    signals_detect_all()
    data = Path(args.data)
    campaigns, generated = _campaigns(data)
    violent = set(Offence.objects.filter(violence=True).values_list("article", flat=True))
    # true person -> Person, through the campaigns' mentions (the register is linked to the truth)
    keys = {(s, r) for c in campaigns for s, r in c["registrations"]}
    tid_of = {
        key: person
        for key, person in store.truth_of_mentions(data).items()
        if tuple(key.split("\t")[:2]) in keys
    }
    person_of: dict[str, int] = {}
    pk_of: dict[tuple[str, str], int] = {}
    for source, reference, ref, person, pk in query_rows(
        f"SELECT r.source, r.reference, m.ref, l.person_id, r.id FROM {t(Registration)} r "
        f"JOIN {t(PersonMention)} m ON m.registration_id = r.id "
        f"JOIN {t(MentionLink)} l ON l.mention_id = m.id "
        "WHERE r.reference IN (" + ", ".join(["%s"] * len(keys)) + ")",
        [reference for _source, reference in keys],
    ):
        if (source, reference) in keys:
            pk_of[(source, reference)] = pk
            tid = tid_of.get(f"{source}\t{reference}\t{ref}")
            if tid is not None:
                person_of[tid] = person
    signals: dict[tuple[int, int], set[str]] = defaultdict(set)
    for suspect, victim, rule in Signal.objects.filter(active=True, victim__isnull=False).values_list(
        "suspect_id", "victim_id", "rule"
    ):
        signals[(suspect, victim)].add(rule)
    rules = detector()
    agree: Counter[str] = Counter()
    cases: Counter[str] = Counter()
    misses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for campaign in campaigns:
        suspect, victim = person_of[campaign["suspect"]], person_of[campaign["victim"]]
        events = events_involving([suspect, victim], rules)
        rows: list[tuple[datetime, dict[str, Any], list[str]]] = sorted(
            (
                (datetime.fromisoformat(generated[(s, r)]["registered_at"]), generated[(s, r)], facts)
                for (s, r), facts in zip(campaign["registrations"], campaign["summary_facts"], strict=True)
            ),
            key=lambda row: row[0],
        )
        for upto, (at, registration, _facts) in enumerate(rows):
            truth = _truth_at(campaign, rows, upto, violent)
            answers = prefill_of(
                events, suspect=suspect, victim=victim, at=at, signal_rules=signals.get((suspect, victim), ())
            )
            last = upto == len(rows) - 1
            for fact in (*HISTORY_FACTS, *(SIGNAL_FACTS if last else ())):
                cases[fact] += 1
                if answers[fact].answer == truth[fact]:
                    agree[fact] += 1
                    continue
                misses[fact].append(
                    {
                        "campaign": campaign["plant"],
                        "subkind": campaign.get("subkind"),
                        "shape": campaign.get("shape"),
                        "at": registration["reference"],
                        "truth": truth[fact],
                        "prefill": answers[fact].answer,
                        "evidence": [pk for pk in answers[fact].evidence][:10],
                        "registrations": [
                            {
                                "reference": data_["reference"],
                                "id": pk_of.get((data_["source"], data_["reference"])),
                                "source": data_["source"],
                                "kind": data_.get("kind"),
                                "offences": data_.get("offences", []),
                                "roles": [p.get("role") for p in data_.get("persons", [])],
                                "summary": data_.get("summary", ""),
                                "facts": facts_,
                            }
                            for _at, data_, facts_ in rows[: upto + 1]
                        ],
                    }
                )
    return {
        "campaigns": len(campaigns),
        "facts": {
            fact: {"cases": cases[fact], "agree": agree[fact], "share": round(agree[fact] / cases[fact], 4)}
            for fact in (*HISTORY_FACTS, *SIGNAL_FACTS)
            if cases[fact]
        },
        "misses": {fact: found[: args.show] for fact, found in misses.items()},
        "miss_counts": {fact: len(found) for fact, found in misses.items()},
    }


def print_prefill(figures: dict[str, Any]) -> None:
    print(f"\n{figures['campaigns']} planted campaigns\n")
    print("| fact | cases | agree | share |")
    print("|---|---|---|---|")
    for fact, row in figures["facts"].items():
        print(f"| {fact} | {row['cases']:,} | {row['agree']:,} | {100 * row['share']:.1f}% |")
    for fact, found in figures["misses"].items():
        print(f"\n{fact}: {figures['miss_counts'][fact]} misses; the first {len(found)}:")
        for miss in found:
            print(f"  {miss['campaign']} ({miss['subkind']}, {miss['shape']}) at {miss['at']}: "
                  f"truth {miss['truth']}, pre-fill {miss['prefill']}")  # fmt: skip
            for registration in miss["registrations"][-4:]:
                print(f"      {registration['reference']} {registration['source']}/{registration['kind']} "
                      f"{registration['offences']} {registration['roles']} {registration['facts']}: "
                      f"{registration['summary'][:110]}")  # fmt: skip


# --- --queue --------------------------------------------------------------------------------------------


def queue(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import screening_queue

    figures: dict[str, Any] = screening_queue.main(args.passed_on)
    return figures


# --- the modes ------------------------------------------------------------------------------------------

Step = Callable[[argparse.Namespace], dict[str, Any]]
MODES: dict[str, tuple[Step, Step | None]] = {
    "intake": (intake, intake_worker),
    "prefill": (prefill, prefill_worker),
    "queue": (queue, None),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    chosen = parser.add_mutually_exclusive_group(required=True)
    for mode in MODES:
        chosen.add_argument(f"--{mode}", dest="mode", action="store_const", const=mode)
    parser.add_argument("registrations", type=int, nargs="?", default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="postgres,sqlite", help="--intake: which backends")
    parser.add_argument("--backend", choices=store.BACKENDS, default="postgres", help="--prefill: which")
    parser.add_argument("--timed", type=int, default=300, help="--intake: registrations timed per situation")
    parser.add_argument("--show", type=int, default=5, help="--prefill: misses shown per fact")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    if "--queue" in sys.argv[1:]:  # its own options, passed on as they are
        args = argparse.Namespace(
            mode="queue", registrations=0, worker=False, passed_on=[a for a in sys.argv[1:] if a != "--queue"]
        )
    else:
        args = parser.parse_args()
    parent, worker = MODES[args.mode]
    if args.worker and worker is not None:
        Path(args.result).write_text(json.dumps(worker(args)), encoding="utf-8")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    figures = parent(args)
    figures["machine_load"] = round(os.getloadavg()[0], 1)
    out = OUT / f"screening-{args.mode}-{args.registrations}.json"
    if args.mode == "queue":  # it writes its own figures
        return
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"written to {out.relative_to(store.ROOT)}")


if __name__ == "__main__":
    main()
