"""Context from relations in the batch: what a second pass with the relation term changes.

    python bench/linking/context.py [N] [--seed S] [--params FILE|shipped] [--repeat-pool F] [--model FILE]
        [--context FILE|shipped] [--save-context FILE] [--link-weight W] [--false-pairs FILE]
        [--persons-out FILE]

N mentions (default 100,000) of the generator data of misses.py (the homonym and common-name knobs turned
up, `misses-generator.yaml`, kept in bench/out/linking/misses-gen-R-sS/; `--params shipped`: the shipped
generator.yaml, in bench/out/linking/gen-R-sS/; `--repeat-pool F` as in misses.py, e.g. with
`--params bench/linking/dense-generator.yaml`: about three mentions per person). Steps:

1. first pass: the batch linker as in misses.py (train on the data, or `--model FILE`; predict on the
   capped keys; cluster at the link weight, `batch.clustering.DEFAULT_THRESHOLD_MATCH_WEIGHT` as the
   application's rebuild and intake, with the BSN and dates-of-birth guards), prediction kept down to the link
   weight less the largest context weight (`context.ESTIMATED_MAX_WEIGHT` when the term is estimated), so
   every pair the context could lift is scored;
2. the relation-context model estimated from the first pass's clusters as the register's persons (no
   truth: m among pairs of one cluster, u among pairs of different clusters with the same surname), and,
   for comparison, from the true persons;
3. second pass (`engine.context.second_pass`): each pair gets the context term of its two clusters; pairs
   whose names contradict (`resolve.names_compatible`) keep their weight; cluster again at the link weight.
   The two passes are those of `manage.py link_persons --rebuild --retrain` (`linking.rebuild`: a model
   trained on the register, the relation term estimated again from its first pass); with `--context
   shipped` the term is the one the application ships (`KETENZICHT_LINK_CONTEXT`), as `link_persons
   --rebuild --retrain` did before it estimated the term too.

Prints pairwise and cluster precision / recall / F1 before and after, the levels of the pairs that
crossed the threshold and how many of those are true. `--persons-out FILE` writes each mention's true
person and its person after the first and the second pass (parquet), to study the misses.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import datasets
import false_merges
import harness  # also puts the project on sys.path
import metrics
import misses
import pandas as pd

PARAMS = harness.HERE / "misses-generator.yaml"
SHIPPED_CONTEXT = harness.ROOT / "ketenzicht" / "linking" / "data" / "person-context-v3.json"


Homes = dict[str, tuple[str, str] | None]


def homes_and_relations(directory: Path, limit: int) -> list[tuple[Homes, list[tuple[str, str, str]]]]:
    """Per registration (within the first `limit` mentions): its mentions' homes and its relations."""
    out: list[tuple[Homes, list[tuple[str, str, str]]]] = []
    count = 0
    with (directory / "registrations.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            registration = json.loads(line)
            prefix = f"{registration['source']}/{registration['reference']}/"
            homes: dict[str, tuple[str, str] | None] = {}
            for person in registration["persons"]:
                if count >= limit:
                    break
                count += 1
                address = person.get("address") or {}
                postcode = (address.get("postcode") or "").replace(" ", "").upper()
                number = address.get("house_number") or ""
                homes[prefix + person["ref"]] = (postcode, number) if postcode and number else None
            relations = [
                (prefix + r["from"], prefix + r["to"], r["kind"])
                for r in registration.get("relations", [])
                if prefix + r["from"] in homes and prefix + r["to"] in homes
            ]
            out.append((homes, relations))
            if count >= limit:
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mentions", nargs="?", default="100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--params", default=str(PARAMS), help="generator parameters; 'shipped': generator.yaml"
    )
    parser.add_argument("--model", type=Path, default=None, help="score with this model instead of training")
    parser.add_argument(
        "--repeat-pool",
        type=float,
        default=None,
        help="generate with this population.repeat_pool_fraction (as misses.py)",
    )
    parser.add_argument(
        "--context",
        default=None,
        help="use this context model, do not estimate; 'shipped': the application's file",
    )
    parser.add_argument(
        "--false-pairs",
        type=Path,
        default=None,
        help="write every false pair of the second pass with its cause (bench/linking/false_merges.py)",
    )
    parser.add_argument(
        "--link-weight",
        type=float,
        default=None,
        help="cluster at this match weight (default batch.clustering.DEFAULT_THRESHOLD_MATCH_WEIGHT)",
    )
    parser.add_argument("--save-context", type=Path, default=None, help="write the estimated context model")
    parser.add_argument(
        "--persons-out",
        type=Path,
        default=None,
        help="write each mention's true person and its person after either pass (parquet)",
    )
    parser.add_argument(
        "--no-date-guard",
        action="store_true",
        help="cluster without the dates-of-birth guard (engine.resolve.dates_contradict), as before it",
    )
    args = parser.parse_args()
    n = int(args.mentions.replace("_", "").replace(",", ""))
    if args.params == "shipped" and args.repeat_pool is None:
        directory = harness.generated(n, args.seed)
    else:
        shipped = harness.ROOT / "ketenzicht" / "demo" / "data" / "generator.yaml"
        params = shipped if args.params == "shipped" else Path(args.params).resolve()
        if args.repeat_pool is not None:
            params = misses.with_repeat_pool(params, args.repeat_pool)
        directory = misses.ensure_data(n, args.seed, params)

    from ketenzicht.linking.batch.artefact import load_model
    from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT, cluster, guard_maps
    from ketenzicht.linking.batch.frame import _features_of_row
    from ketenzicht.linking.batch.mentions import mentions_to_features
    from ketenzicht.linking.batch.prediction import predict
    from ketenzicht.linking.batch.training import train
    from ketenzicht.linking.engine import context
    from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS
    from ketenzicht.linking.engine.model import LinkModel
    from ketenzicht.linking.engine.resolve import names_compatible

    truth = datasets.load_generator(directory, with_truth=True, limit=n)
    print(
        f"{len(truth):,} mentions of {truth['true_person'].nunique():,} people from {directory}", flush=True
    )
    t0 = time.perf_counter()
    features = mentions_to_features(truth[datasets.MENTION_COLUMNS])
    model = load_model(args.model) if args.model else train(features, args.seed)
    t1 = time.perf_counter()
    registrations = homes_and_relations(directory, n)
    registration_of = {m: k for k, (homes, _) in enumerate(registrations) for m in homes}
    surname_of = dict(zip(features["unique_id"], features["surname_first"], strict=True))

    def register_of(person_of: dict[str, str]) -> context.Register:
        ties = context.ties_of(registrations, person_of)
        return context.Register(person_of, registration_of, surname_of, ties)

    true_of = dict(zip(truth["mention_id"], truth["true_person"], strict=True))
    same, different = context.level_counts(register_of(true_of))
    truth_model = context.estimate(same, different, source=f"generator truth, {n} mentions")
    print("estimated from the true persons:", _weights(context.ContextModel(truth_model)), flush=True)

    bsn_of, dates_of = guard_maps(features)
    birth_date_of = None if args.no_date_guard else dates_of
    link_weight = DEFAULT_THRESHOLD_MATCH_WEIGHT if args.link_weight is None else args.link_weight
    given: context.ContextModel | None = None
    if args.context:
        given = context.ContextModel.from_file(SHIPPED_CONTEXT if args.context == "shipped" else args.context)
    # Score down to where the largest context weight could still lift a pair.
    floor = link_weight - (max(given.max_weight, 0.0) if given else context.ESTIMATED_MAX_WEIGHT)
    predicted = predict(features, model, threshold_match_weight=floor)
    t2 = time.perf_counter()
    first = cluster(features["unique_id"], predicted, link_weight, bsn_of, birth_date_of)
    t3 = time.perf_counter()
    print(
        f"first pass: train {t1 - t0:.1f} s, predict {t2 - t1:.1f} s ({len(predicted):,} pairs at weight "
        f">= {floor}), cluster {t3 - t2:.1f} s",
        flush=True,
    )

    if given is not None:
        context_model = given
    else:
        same, different = context.level_counts(register_of(first))
        estimated = context.estimate(same, different, source=f"first-pass clusters, {n} generator mentions")
        if args.save_context:
            context.save(estimated, args.save_context)
        context_model = context.ContextModel(estimated)
    print("context model used:", _weights(context_model), flush=True)

    link_model = LinkModel(model)
    row_of = {uid: k for k, uid in enumerate(features["unique_id"])}
    feature_rows = features[list(FEATURE_COLUMNS)].to_dict("records")

    def compatible(left: str, right: str) -> bool:
        a, b = (_features_of_row(feature_rows[row_of[x]]) for x in (left, right))
        score = link_model.score(a, b)
        return names_compatible({c.name: c.level for c in score.comparisons})

    t4 = time.perf_counter()
    ties = context.ties_of(registrations, first)
    results = list(
        context.second_pass(
            zip(predicted["unique_id_l"], predicted["unique_id_r"], predicted["match_weight"], strict=True),
            first,
            ties,
            context_model,
            compatible,
        )
    )
    second = predicted[["unique_id_l", "unique_id_r"]].copy()
    second["match_weight"] = [w for w, _ in results]
    second = second[second["match_weight"] >= link_weight]
    after = cluster(features["unique_id"], second, link_weight, bsn_of, birth_date_of)
    t5 = time.perf_counter()
    print(f"second pass {t5 - t4:.1f} s", flush=True)

    crossed: Counter[tuple[str, bool]] = Counter()
    for (w, name), before_w, left, right in zip(
        results, predicted["match_weight"], predicted["unique_id_l"], predicted["unique_id_r"], strict=True
    ):
        if before_w < link_weight <= w:
            crossed[(name, true_of[left] == true_of[right])] += 1
    print(f"pairs lifted over the link weight {link_weight:.2f} (level, true pair): count")
    for key, count in sorted(crossed.items(), key=str):
        print(f"  {key}: {count:,}")

    if args.false_pairs:
        weighted = predicted.copy()
        weighted["match_weight"] = [w for w, _ in results]
        causes, _, wrong = false_merges.false_pairs(
            features, truth["true_person"], weighted, after, link_weight, model,
            false_merges.confounders(directory), args.false_pairs,
        )  # fmt: skip
        print(f"false pairs after the second pass, in {wrong:,} persons, by cause:")
        for cause in false_merges.CAUSES:
            print(f"  {cause}: {causes.get(cause, 0):,}")

    ids = list(features["unique_id"])
    true = [true_of[i] for i in ids]
    if args.persons_out:
        pd.DataFrame(
            {
                "mention_id": ids,
                "true_person": true,
                "first": [first[i] for i in ids],
                "second": [after[i] for i in ids],
            }
        ).to_parquet(args.persons_out)
    for label, clusters in (("before (first pass)", first), ("after (second pass)", after)):
        predicted_ids = pd.Series([clusters[i] for i in ids])
        p = metrics.pairwise(predicted_ids, pd.Series(true))
        c = metrics.clusters(predicted_ids, pd.Series(true))
        print(
            f"{label}: pairwise P {p.precision:.4f} R {p.recall:.4f} F1 {p.f1:.4f}; "
            f"cluster P {c.precision:.4f} R {c.recall:.4f} F1 {c.f1:.4f}",
            flush=True,
        )


def _weights(model: object) -> str:
    levels = model.levels  # type: ignore[attr-defined]
    return "; ".join(
        f"{name}: m {v.m:.3g} u {v.u:.3g} w {v.weight:+.2f}" for name, v in levels.items() if v.m
    )


if __name__ == "__main__":
    main()
