"""Pattern signals on generator data: recall of planted campaigns, precision of signals, lead time, and the
time of `manage.py detect_patterns`.

    python bench/patterns/evaluate.py [N] [--seed S] [--links truth|rebuild] [--backend postgres|sqlite]
                                      [--variant full|no-summaries|no-relations|bare]
                                      [--repeat R] [--keep] [--rebuild-register] [--show K]
    python bench/patterns/evaluate.py [N] [--seed S] --signals OUT.jsonl   # score an export, no database

Loads N generated registrations into a database with truth or rebuilt links (`store.py`), runs
`manage.py detect_patterns --no-progress` R times as a separate process (wall time from start to exit,
Django start-up included, and that process's peak memory), then `manage.py export_signals`, and scores the
export against the generator's truth (`scoring.py` explains the matching rule, the lead time and the causes
of false positives). Prints the figures, the campaigns possible_stalking missed and the false positives of
each rule (K of each; all of them go into the JSON), and writes bench/out/patterns-N[-seedS]-LINKS.json
(LINKS `given` for --signals).
The database is dropped at the end unless --keep (a kept one is reused by the next run with the same
N, seed and links).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scoring  # noqa: E402
import store  # noqa: E402

OUT = store.ROOT / "bench" / "out"
GENERIC = ("episodes", "score", "reverse_share", "offence_kinds", "units", "suspects")  # not a trigger
TARGETS = {"recall": 0.95, "precision": 0.90, "median_lead": 2}


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `manage.py args` as a child process: (wall seconds, its peak resident memory in MiB, stdout).
    The child is reaped with os.wait4, which reports that child's own peak memory."""
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as out,
        tempfile.TemporaryFile("w+", encoding="utf-8") as err,
    ):
        began = time.perf_counter()
        child = subprocess.Popen(
            [store.PYTHON, str(store.ROOT / "manage.py"), *args],
            env=env,
            cwd=store.ROOT,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed ({child.returncode}):\n{err.read()[-3000:]}")
        return wall, usage.ru_maxrss / 1024, out.read()


def load_facts(data: Path) -> dict[scoring.Key, scoring.RegFacts]:
    facts = {}
    for reg in store.read_registrations(data):
        key, fact = scoring.parse_registration_facts(reg)
        facts[key] = fact
    return facts


def summaries_of(data: Path, keys: set[scoring.Key]) -> dict[scoring.Key, str]:
    found = {}
    for reg in store.read_registrations(data):
        key = (reg["source"], reg["reference"])
        if key in keys:
            found[key] = reg.get("summary", "")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("registrations", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--links", choices=store.LINKS, default="truth")
    parser.add_argument("--backend", choices=store.BACKENDS, default="postgres")
    parser.add_argument(
        "--variant", choices=store.VARIANTS, default="full", help="leave summaries or relations out"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of detect_patterns (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    parser.add_argument("--rebuild-register", action="store_true", help="build the register anew")
    parser.add_argument("--show", type=int, default=8, help="misses and false positives to print per rule")
    parser.add_argument("--signals", type=Path, help="score this export; no database, no detect_patterns")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "registrations": args.registrations,
        "seed": args.seed,
        "links": args.links,
        "backend": args.backend,
        "variant": args.variant,
    }
    register = None
    if args.signals:
        data = store.generated(args.registrations, args.seed)
        signals_path = args.signals
        figures["links"] = figures["backend"] = "given export"
    else:
        register = store.prepare(
            args.registrations,
            args.seed,
            args.links,
            args.backend,
            rebuild_register=args.rebuild_register,
            variant=args.variant,
        )
        data = register.data
        figures["register"] = {"built": register.built, **register.timings}
        try:
            figures["detect"] = detect(register.env, args.repeat)
            tail = "" if args.variant == "full" else f"-{args.variant}"
            signals_path = (
                OUT / "patterns" / f"signals-{args.registrations}-{args.seed}-{args.links}{tail}.jsonl"
            )
            wall, _, _ = run_measured(["export_signals", str(signals_path)], register.env)
            figures["export_s"] = round(wall, 1)
            report(args, figures, data, signals_path, register)
        finally:
            if not args.keep:
                store.drop(register.backend, register.url)
        return
    report(args, figures, data, signals_path, None)


def detect(env: dict[str, str], repeat: int) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for index in range(repeat):
        wall, peak, output = run_measured(["detect_patterns", "--no-progress"], env)
        runs.append({"wall_s": round(wall, 1), "peak_mib": round(peak), "output": output.strip()[-500:]})
        store.log(f"detect_patterns run {index + 1}: {wall:.1f} s, {peak:.0f} MiB")
    return {
        "median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 1),
        "peak_mib": max(r["peak_mib"] for r in runs),
        "runs": runs,
    }


def report(
    args: argparse.Namespace,
    figures: dict[str, Any],
    data: Path,
    signals_path: Path,
    register: store.Register | None,
) -> None:
    truth = scoring.parse_truth(scoring.read_lines(data / "truth.jsonl"))
    facts = load_facts(data)
    signals = scoring.parse_signals(scoring.read_lines(signals_path))
    scored = scoring.score(signals, truth, facts)
    matches = scored.pop("_matches")
    figures.update(scored)
    by_rule: dict[str, list[scoring.Signal]] = {}
    for s in signals:
        by_rule.setdefault(s.rule, []).append(s)

    found = {m.plant for m in matches["possible_stalking"] if m.plant}
    misses = [scoring.miss_report(c, signals, facts) for c in truth.campaigns if c.plant not in found]
    if register is not None and register.links == "rebuild" and misses:
        split = link_split(register.url, [c for c in truth.campaigns if c.plant not in found], truth)
        for miss in misses:
            miss["linked_persons"] = split.get(miss["plant"])
    false_positives: dict[str, list[dict[str, Any]]] = {}
    for rule in ("possible_stalking", "escalation", "serial_perpetrator"):
        false_positives[rule] = [
            scoring.false_positive_report(s, m, truth, facts)
            for s, m in zip(by_rule.get(rule, []), matches[rule], strict=True)
            if not m.plant
        ]
    if register is not None:
        reasons = signal_reasons(register.url)
        figures["false_positive_reasons"] = {}
        for rule, fps in false_positives.items():
            met: Counter[str] = Counter()
            for fp in fps:
                fp["reasons"] = reasons.get((rule, frozenset(map(tuple, fp["keys"]))), [])
                met[" + ".join(r for r in fp["reasons"] if not r.startswith(GENERIC)) or "-"] += 1
            figures["false_positive_reasons"][rule] = dict(met.most_common())
    shown = {
        tuple(item["registration"])
        for fps in false_positives.values()
        for fp in fps[: args.show]
        for item in fp["items"]
    }
    texts = summaries_of(data, shown)
    for fps in false_positives.values():
        for fp in fps[: args.show]:
            for item in fp["items"]:
                item["summary"] = texts.get(tuple(item["registration"]), "")
    flagged = flagged_confounders(signals, truth)
    figures["misses"] = misses
    figures["false_positives"] = false_positives
    figures["confounders_flagged_list"] = flagged
    figures["targets"] = {
        "possible_stalking_recall": _target(figures["possible_stalking"]["recall"], TARGETS["recall"]),
        "possible_stalking_precision": _target(
            figures["possible_stalking"]["precision"], TARGETS["precision"]
        ),
        "median_lead_time": _target(figures["lead_time"]["median"], TARGETS["median_lead"]),
    }
    seed = f"-seed{args.seed}" if args.seed != 1 else ""
    variant = "" if args.variant == "full" or args.signals else f"-{args.variant}"
    name = f"patterns-{args.registrations}{seed}-{'given' if args.signals else args.links}{variant}.json"
    out = OUT / name
    out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    print_summary(figures, args.show)
    print(f"written to {out}")


def _target(value: float | None, goal: float) -> str:
    if value is None:
        return f"n/a (goal {goal})"
    return f"{value} ({'met' if value >= goal else 'MISSED'}, goal {goal})"


def link_split(
    url: str, campaigns: list[scoring.Campaign], truth: scoring.Truth
) -> dict[str, dict[str, int]]:
    """Per campaign: how many linked persons its suspect's and its victim's mentions fall into."""
    os.environ.update(store.django_env(url))
    import django

    django.setup()
    from ketenzicht.registrations.models import PersonMention

    wanted = {k: c.plant for c in campaigns for k in c.registrations}
    rows = PersonMention.objects.filter(
        registration__reference__in=sorted({r for _, r in wanted})
    ).values_list("registration__source", "registration__reference", "ref", "link__person_id")
    persons: dict[str, dict[str, set[int | None]]] = {
        c.plant: {"suspect": set(), "victim": set()} for c in campaigns
    }
    by_plant = {c.plant: c for c in campaigns}
    for source, reference, ref, person in rows.iterator():
        plant = wanted.get((source, reference))
        if plant is None:
            continue
        true = truth.person_of.get((source, reference, ref))
        c = by_plant[plant]
        if true == c.suspect:
            persons[plant]["suspect"].add(person)
        elif true == c.victim:
            persons[plant]["victim"].add(person)
    return {plant: {side: len(ids) for side, ids in sides.items()} for plant, sides in persons.items()}


def signal_reasons(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], list[str]]:
    """The reasons each stored signal gives that are met ("code" or "code=value" for words), keyed by rule
    and its set of registrations (what the export shows of a signal)."""
    os.environ.update(store.django_env(url))
    import django

    django.setup()
    from ketenzicht.patterns.models import Signal, SignalRegistration

    keys: dict[int, set[tuple[str, str]]] = {}
    rows = SignalRegistration.objects.values_list(
        "signal_id", "registration__source", "registration__reference"
    )
    for signal_id, source, reference in rows.iterator(chunk_size=10_000):
        keys.setdefault(signal_id, set()).add((source, reference))
    out: dict[tuple[str, frozenset[tuple[str, str]]], list[str]] = {}
    for signal_id, rule, reasons in Signal.objects.values_list("id", "rule", "reasons").iterator():
        met = []
        for reason in reasons or []:
            if not reason.get("met"):
                continue
            value = reason.get("value")
            met.append(f"{reason['code']}={value}" if isinstance(value, str) else str(reason["code"]))
        out[(rule, frozenset(keys.get(signal_id, set())))] = met
    return out


def flagged_confounders(signals: list[scoring.Signal], truth: scoring.Truth) -> list[dict[str, Any]]:
    rules_of: dict[scoring.Key, list[tuple[str, int]]] = {}
    for s in signals:
        for k in s.keys:
            rules_of.setdefault(k, []).append((s.rule, len(s.keys)))
    out = []
    for c in truth.confounders:
        hits = sorted({hit for k in c.registrations for hit in rules_of.get(k, [])})
        hits = [h for h in hits if not (c.kind == "neighbour_quarrel" and h[0] == "mutual_conflict")]
        if hits:
            out.append(
                {
                    "plant": c.plant,
                    "kind": c.kind,
                    "registrations": len(c.registrations),
                    "signals": [{"rule": r, "registrations": n} for r, n in hits],
                }
            )
    return out


def print_summary(f: dict[str, Any], show: int) -> None:
    print()
    print(
        f"== patterns: {f['registrations']:,} registrations, seed {f['seed']}, "
        f"{f['links']} links, {f['backend']}, {f['variant']}"
    )
    if "detect" in f:
        d = f["detect"]
        print(
            f"detect_patterns: {d['median_wall_s']} s (runs {[r['wall_s'] for r in d['runs']]}), "
            f"peak {d['peak_mib']} MiB; export {f.get('export_s')} s"
        )
    print(f"signals by rule: {f['signals_by_rule']}")
    print(f"truth: {f['campaigns']} campaigns, {f['serials']} serials, confounders {f['confounders']}")
    for rule in ("possible_stalking", "escalation"):
        r = f[rule]
        print(
            f"{rule}: precision {r['precision']} ({r['correct']}/{r['signals']}, "
            f"{r['on_other_campaigns']} on other campaigns), recall {r['recall']} "
            f"({r['found']}/{r['campaigns']}), several signals for {r['campaigns_with_several_signals']}, "
            f"fully covered {r['found_fully_covered']}, mean coverage {r['mean_coverage']}; "
            f"FP causes {r['false_positive_causes']}"
        )
    for name in ("relation", "shape", "length", "victim_moved", "serial"):
        rec = f["possible_stalking"][f"recall_by_{name}"]
        print(
            f"  recall by {name}: " + ", ".join(f"{k} {v['found']}/{v['campaigns']}" for k, v in rec.items())
        )
    lt = f["lead_time"]
    print(
        f"lead time (285b campaigns {lt['campaigns_with_285b']}, fired {lt['fired']}): "
        f"median {lt['median']}, mean {lt['mean']}, distribution {lt['distribution']}, "
        f">=2 of all {lt['share_at_least_2_of_all_285b']}; fired at registration (1-based, all found) "
        f"{lt['fired_at_registration']}; "
        f"without 285b fired {lt['without_285b_fired']}/{lt['campaigns_without_285b']}"
    )
    print(f"found by any rule: {f['campaigns_found_by_any_rule']}")
    s = f["serial_perpetrator"]
    print(
        f"serial_perpetrator: precision {s['precision']} ({s['correct']}/{s['signals']}), "
        f"recall {s['recall']} ({s['found']}/{s['serials']}); FP causes {s['false_positive_causes']}"
    )
    m = f["marac_repeat"]
    print(
        f"marac_repeat: {m['signals']} signals, consistent {m['share_consistent']}, contexts "
        f"{m['signals_by_context']}; reference recall {m['reference_recall']} ({m['reference_found']}/"
        f"{m['reference_victims']}), flagged outside reference {m['flagged_victims_outside_reference']}"
    )
    print(f"mutual_conflict: {f['mutual_conflict']}")
    for kind, c in f["confounders_flagged"].items():
        print(f"confounder {kind}: {c}")
    print(f"targets: {f['targets']}")
    if f["misses"]:
        print(f"-- possible_stalking missed {len(f['misses'])} campaigns (first {show}):")
        for miss in f["misses"][:show]:
            print("  " + json.dumps(miss, ensure_ascii=False))
    for rule, fps in f["false_positives"].items():
        if fps:
            print(f"-- {rule}: {len(fps)} false positives (first {show}):")
            if rule in f.get("false_positive_reasons", {}):
                print(f"   reasons met (all of them): {f['false_positive_reasons'][rule]}")
            for fp in fps[:show]:
                items = "; ".join(
                    f"{i['registration'][1]} {i['registered_at'][:10] if i['registered_at'] else '?'} "
                    f"{'+'.join(i['offences'] or []) or '-'} [{i['plant']}] {str(i.get('summary', ''))[:60]}"
                    for i in fp["items"][:6]
                )
                print(
                    f"  {fp['cause']} {fp['context']} sev={fp['severity']} n={fp['registrations']} "
                    f"pair-regs={fp['registrations_naming_the_pair']} "
                    f"suspects={fp['distinct_true_suspects']} victims={fp['distinct_true_victims']} "
                    f"reasons={fp.get('reasons', '?')}: {items}"
                )
    if f["confounders_flagged_list"]:
        print(f"-- confounders flagged: {len(f['confounders_flagged_list'])} (first {show}):")
        for c in f["confounders_flagged_list"][:show]:
            print("  " + json.dumps(c))


if __name__ == "__main__":
    main()
