"""Why recall falls with scale: every missed true pair of the batch linker, split by cause.

    python bench/linking/misses.py [N] [--seed S] [--params FILE] [--model FILE] [--save-model FILE]
        [--markdown] [--link-weight W] [--key-cap N] [--repeat-pool F]

N mentions (default 100,000). About N / 2 registrations are generated with the parameter file FILE
(default `bench/linking/misses-generator.yaml`: the shipped generator.yaml with the homonym and
common-name knobs turned up) and seed S into `bench/out/linking/misses-gen-R-sS/`, kept for the next run;
the first N mentions are linked.

Linking is the batch linker of the other generator benchmarks (`bench/linking/generator.py`, which
calls `ketenzicht.linking.batch.link.link_dataframe`), step by step so that the scores stay visible: train on
the mentions themselves (seed S; or `--model FILE`, e.g. the shipped model, to hold the model fixed),
predict on the online matcher's blocking keys under the key cap (`batch.blocking.MAX_KEY_MENTIONS`, the same
cap as `KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY`), cluster at match weight
`batch.clustering.DEFAULT_THRESHOLD_MATCH_WEIGHT` (6.63, the upper threshold's probability of 0.99;
`--link-weight W` for another) with the BSN guard. The only difference from `link_dataframe` is that
prediction keeps the pairs down to match weight 0 (probability 0.5) instead of the link weight; clustering
reads only those at or above it, so the persons are the same. `--key-cap N` sets the key cap (default 100).

A missed true pair is two mentions of one true person (truth.jsonl) that end in two persons. Its cause:

- key cap: the two share blocking keys (engine.keys, uncapped), but every shared key is held by more than
  the cap's mentions, so prediction never compared them;
- blocking: they share no blocking key at all;
- one key: they share keys under the cap, but not enough for a candidate pair (`engine.keys.PairRule`:
  two, a BSN key, or a key held by at most 5 mentions; `--min-shared-keys`, `--rare-key-mentions`), so
  prediction never compared them;
- threshold, new person: compared, scored below the lower threshold (probability 0.80 by default, match
  weight 2.0, `KETENZICHT_LINK_LOWER`), so online it would be a new person without a review item;
- threshold, review item: compared, scored between the lower threshold and the link threshold (match
  weight 6.63);
- scored above, kept apart: scored at or above the link weight but not joined (the BSN guard, different
  valid BSNs, or the date guard, contradicting dates of birth across the two persons);
- joined by neither: none of the above (cannot happen; counted to show it does not).

Each missed pair also gets data reasons from the normalised features (several can hold; "first reason"
takes them in the order listed): birth date missing on a side; birth date partial on a side (day or month
unknown); initials on one side against a written-out given name on the other; given name missing on a
side; surname: one part in common (a double name, a partner's name added); surname different (no part in
common, not a spelling variant: a married name); moved (both sides have an address; postcode or city
differ); typo (a surname or first given name that is a spelling variant, or a complete birth date that
differs); address missing on a side; none of these.

Also printed: pairwise precision / recall / F1 and reach (the share of true pairs that share a key under
the cap, `metrics.reachable_true_pairs_from_key_lists` on `batch.link.candidate_keys`' keys, as in
generator.py), reach without the cap, and review items per 10,000 registrations for three (upper, lower)
settings, counted as online intake would make them: mentions in file order (the order of arrival), each
against the mentions before it; the best score at or above the upper threshold links (or, against a
different valid BSN, makes a review item), between the thresholds makes a review item, below the lower a
new person without one.
"""

from __future__ import annotations

import argparse
import math
import re
import resource
import time
from collections import Counter
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path
from typing import Any

import datasets
import false_merges
import harness  # also puts the project on sys.path
import metrics
import numpy as np
import pandas as pd

PARAMS = harness.HERE / "misses-generator.yaml"
SETTINGS = [  # (label, upper probability, lower probability); the first is config/settings/base.py's
    ("current", 0.99, 0.80),
    ("upper up", 0.999, 0.80),
    ("lower down", 0.99, 0.50),
]
CAUSES = [
    "key cap",
    "blocking",
    "one key",
    "threshold: below lower (new person)",
    "threshold: between lower and link (review item)",
    "scored above, kept apart (BSN or date guard)",
    "joined by neither",
]
REASONS = [
    "birth date missing",
    "birth date partial",
    "initials against written-out name",
    "given name missing",
    "surname: one part in common",
    "surname different (married name)",
    "moved (postcode or city differ)",
    "typo",
    "address missing",
    "none of these",
]


def weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))


def with_repeat_pool(params: Path, fraction: float) -> Path:
    """A copy of the parameter file (in OUT) with `population.repeat_pool_fraction` set: the share of the
    households from which the repeat shares draw, so that N mentions hold more (or fewer) per person."""
    text = params.read_text(encoding="utf-8")
    changed, found = re.subn(r"(?m)^(\s*repeat_pool_fraction:\s*)[0-9.eE-]+", rf"\g<1>{fraction!r}", text)
    if found != 1:
        raise SystemExit(f"{params}: no repeat_pool_fraction to set")
    copy = harness.OUT / f"{params.stem}-pool{fraction!r}.yaml"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(changed, encoding="utf-8")
    return copy


def ensure_data(mentions: int, seed: int, params: Path) -> Path:
    """The generated data, in a folder of its own per parameter file."""
    prefix = "misses-gen" if params.resolve() == PARAMS.resolve() else f"misses-{params.stem}"
    return harness.generated(mentions, seed, params=params, prefix=prefix)


def _similar(a: str, b: str) -> bool:
    """A spelling variant: one or two letters apart on a name of ordinary length."""
    return SequenceMatcher(None, a, b).ratio() >= 0.75


class Reasons:
    """The data reasons of a pair of mentions, from their normalised features (row positions)."""

    def __init__(self, features: pd.DataFrame):
        def col(name: str) -> list[Any]:
            return [None if _missing(v) else v for v in features[name]]

        self.year = col("birth_year")
        self.date = col("birth_date")
        self.given = col("given_first")
        self.initials = col("initials")
        self.surname = col("surname")
        keys = features["surname_keys"]
        self.surname_keys = [set(v) if isinstance(v, list | tuple) else set() for v in keys]
        self.pc6 = col("pc6")
        self.city = col("city")

    def of(self, i: int, j: int) -> list[str]:
        found = []
        if self.year[i] is None or self.year[j] is None:
            found.append("birth date missing")
        elif self.date[i] is None or self.date[j] is None:
            found.append("birth date partial")
        gi, gj = self.given[i], self.given[j]
        if (gi is None) != (gj is None) and (self.initials[i] if gi is None else self.initials[j]):
            found.append("initials against written-out name")
        elif not self.initials[i] or not self.initials[j]:
            found.append("given name missing")
        si, sj = self.surname[i] or "", self.surname[j] or ""
        typo = False
        if si != sj:
            if self.surname_keys[i] & self.surname_keys[j]:
                found.append("surname: one part in common")
            elif si and sj and _similar(si, sj):
                typo = True
            else:
                found.append("surname different (married name)")
        has_i = self.pc6[i] is not None or self.city[i] is not None
        has_j = self.pc6[j] is not None or self.city[j] is not None
        if has_i and has_j:
            pc_differ = self.pc6[i] is not None and self.pc6[j] is not None and self.pc6[i] != self.pc6[j]
            city_differ = (
                self.city[i] is not None and self.city[j] is not None and self.city[i] != self.city[j]
            )
            if pc_differ or city_differ:
                found.append("moved (postcode or city differ)")
        if gi and gj and gi != gj and _similar(gi, gj):
            typo = True
        if self.date[i] and self.date[j] and self.date[i] != self.date[j]:
            typo = True
        if typo:
            found.append("typo")
        if not (has_i and has_j):
            found.append("address missing")
        return found or ["none of these"]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def true_pairs(true: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j, row positions) of rows with the same true person."""
    codes = pd.factorize(true.reset_index(drop=True))[0]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    bounds = np.flatnonzero(np.diff(sorted_codes)) + 1
    left: list[int] = []
    right: list[int] = []
    for group in np.split(order, bounds):
        if len(group) > 1:
            for a, b in combinations(sorted(group.tolist()), 2):
                left.append(a)
                right.append(b)
    return np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)


def review_items(
    pairs: pd.DataFrame, upper: float, lower: float, true: np.ndarray
) -> tuple[int, int, int, int]:
    """Online-style outcomes in file order (see the docstring): review items (mentions), and of the pairs
    between the thresholds how many are true and false; and the mentions linked."""
    w_upper, w_lower = weight(upper), weight(lower)
    scored = pairs[pairs["w"] >= w_lower]
    later = np.maximum(scored["i"].to_numpy(), scored["j"].to_numpy())
    frame = pd.DataFrame({"later": later, "w": scored["w"].to_numpy(), "bsn": scored["bsn"].to_numpy()})
    frame["linkable"] = (frame["w"] >= w_upper) & ~frame["bsn"]
    frame["review"] = (frame["w"] < w_upper) | frame["bsn"]
    per = frame.groupby("later").agg(linkable=("linkable", "any"), review=("review", "any"))
    linked = int(per["linkable"].sum())
    reviews = int((~per["linkable"] & per["review"]).sum())
    band = scored[scored["w"] < w_upper]
    band_true = int((true[band["i"].to_numpy()] == true[band["j"].to_numpy()]).sum())
    return reviews, band_true, len(band) - band_true, linked


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mentions", nargs="?", default="100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--params", type=Path, default=PARAMS)
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="score with this model file instead of training (e.g. shipped)",
    )
    parser.add_argument("--save-model", type=Path, default=None, help="write the model used to this file")
    parser.add_argument(
        "--no-date-guard",
        action="store_true",
        help="cluster without the dates-of-birth guard (engine.resolve.dates_contradict), as before it",
    )
    parser.add_argument(
        "--false-pairs",
        type=Path,
        default=None,
        help="write every false pair (two true persons in one person) with its cause and levels to this "
        "JSON-lines file (bench/linking/false_merges.py)",
    )
    parser.add_argument(
        "--prior",
        type=float,
        default=None,
        help="train with this prior instead of the register's own estimate",
    )
    parser.add_argument(
        "--min-shared-keys",
        type=int,
        default=None,
        help="keys under the cap a candidate pair shares at least (default 2; 1: every pair sharing one)",
    )
    parser.add_argument(
        "--rare-key-mentions",
        type=int,
        default=None,
        help="a key held by at most this many mentions is enough on its own (default 5)",
    )
    parser.add_argument(
        "--link-weight",
        type=float,
        default=None,
        help="cluster at this match weight (default batch.clustering.DEFAULT_THRESHOLD_MATCH_WEIGHT)",
    )
    parser.add_argument(
        "--key-cap",
        type=int,
        default=None,
        help="the key cap in mentions (default batch.blocking.MAX_KEY_MENTIONS, the shipped "
        "KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY)",
    )
    parser.add_argument(
        "--repeat-pool",
        type=float,
        default=None,
        help="generate with this population.repeat_pool_fraction (e.g. with dense-generator.yaml: about "
        "three mentions per person at every size when it grows with N)",
    )
    args = parser.parse_args()
    n = int(args.mentions.replace("_", "").replace(",", ""))
    began = time.perf_counter()
    params = args.params.resolve()
    if args.repeat_pool is not None:
        params = with_repeat_pool(params, args.repeat_pool)
    directory = ensure_data(n, args.seed, params)

    from ketenzicht.linking.batch.artefact import load_model, save_model
    from ketenzicht.linking.batch.blocking import MAX_KEY_MENTIONS
    from ketenzicht.linking.batch.clustering import DEFAULT_THRESHOLD_MATCH_WEIGHT, cluster, guard_maps
    from ketenzicht.linking.batch.mentions import mentions_to_features
    from ketenzicht.linking.batch.prediction import predict
    from ketenzicht.linking.batch.training import train
    from ketenzicht.linking.splink_table import BLOCK_KEYS

    link_weight = DEFAULT_THRESHOLD_MATCH_WEIGHT if args.link_weight is None else args.link_weight
    cap = args.key_cap or MAX_KEY_MENTIONS
    from ketenzicht.linking.engine.keys import DEFAULT_PAIR_RULE, PairRule, key_cap

    rule = PairRule(
        args.min_shared_keys or DEFAULT_PAIR_RULE.minimum,
        DEFAULT_PAIR_RULE.rare if args.rare_key_mentions is None else args.rare_key_mentions,
    )

    truth = datasets.load_generator(directory, with_truth=True, limit=n)
    registrations = truth["mention_id"].str.rsplit("/", n=1).str[0].nunique()
    print(
        f"{len(truth):,} mentions ({registrations:,} registrations) of "
        f"{truth['true_person'].nunique():,} people from {directory}",
        flush=True,
    )
    t0 = time.perf_counter()
    features = mentions_to_features(truth[datasets.MENTION_COLUMNS])
    assert not features["unique_id"].duplicated().any()
    t1 = time.perf_counter()
    model = load_model(args.model) if args.model else train(features, args.seed, prior=args.prior)
    if args.save_model:
        save_model(model, args.save_model)
    t2 = time.perf_counter()
    prior = float(model["splink"]["probability_two_random_records_match"])
    print(f"model prior (two random mentions match) {prior:.3g}, weight {weight(prior):.2f}", flush=True)
    if (estimated := model.get("training", {}).get("prior_estimated")) is not None:
        print(f"this register's own estimate (recorded) {estimated:.3g}", flush=True)
    predicted = predict(features, model, threshold_match_weight=0.0, max_key_mentions=cap, pair_rule=rule)
    t3 = time.perf_counter()
    bsn_of, dates_of = guard_maps(features)
    birth_date_of = None if args.no_date_guard else dates_of
    cluster_of = cluster(features["unique_id"], predicted, link_weight, bsn_of, birth_date_of)
    t4 = time.perf_counter()
    print(
        f"normalise + keys {t1 - t0:.1f} s, train {t2 - t1:.1f} s, predict {t3 - t2:.1f} s "
        f"({len(predicted):,} pairs at weight >= 0), cluster {t4 - t3:.1f} s; link wall {t4 - t0:.1f} s",
        flush=True,
    )

    position = {uid: k for k, uid in enumerate(features["unique_id"])}
    pairs = pd.DataFrame(
        {
            "i": predicted["unique_id_l"].map(position).to_numpy(),
            "j": predicted["unique_id_r"].map(position).to_numpy(),
            "w": predicted["match_weight"].to_numpy(),
            "bsn": predicted["different_valid_bsns"].to_numpy(dtype=bool),
        }
    )
    false_causes, false_levels, wrong_persons = false_merges.false_pairs(
        features,
        truth["true_person"],
        predicted,
        cluster_of,
        link_weight,
        model,
        false_merges.confounders(directory),
        args.false_pairs,
    )
    del predicted
    true_codes = pd.factorize(truth["true_person"])[0]
    clusters = pd.Series([cluster_of[uid] for uid in features["unique_id"]])
    pair_figures = metrics.pairwise(clusters, truth["true_person"])

    raw_keys: list[list[str]] = list(features[BLOCK_KEYS])
    counts = Counter(k for keys in raw_keys for k in keys)
    capped_keys = [[k for k in keys if 2 <= counts[k] <= key_cap(k, cap)] for keys in raw_keys]
    reach = metrics.reachable_true_pairs_from_key_lists(
        truth["true_person"], capped_keys, lambda shared: rule.enough({k: counts[k] for k in shared})
    )
    reach_uncapped = metrics.reachable_true_pairs_from_key_lists(truth["true_person"], raw_keys)

    left, right = true_pairs(truth["true_person"])
    cluster_codes = pd.factorize(clusters)[0]
    missed = cluster_codes[left] != cluster_codes[right]
    true_scored = pairs[true_codes[pairs["i"].to_numpy()] == true_codes[pairs["j"].to_numpy()]]
    score = {
        (min(a, b), max(a, b)): w
        for a, b, w in zip(true_scored["i"], true_scored["j"], true_scored["w"], strict=True)
    }
    reasons = Reasons(features)
    w_lower = weight(SETTINGS[0][2])
    by_cause: Counter[str] = Counter()
    first_reason: dict[str, Counter[str]] = {c: Counter() for c in CAUSES}
    any_reason: dict[str, Counter[str]] = {c: Counter() for c in CAUSES}
    for a, b in zip(left[missed].tolist(), right[missed].tolist(), strict=True):
        shared = set(raw_keys[a]) & set(raw_keys[b])
        w = score.get((a, b))
        if not shared:
            cause = "blocking"
        elif all(counts[k] > key_cap(k, cap) for k in shared):
            cause = "key cap"
        elif not rule.enough({k: counts[k] for k in shared if counts[k] <= key_cap(k, cap)}):
            cause = "one key"
        elif w is None or w < w_lower:
            cause = "threshold: below lower (new person)"
        elif w < link_weight:
            cause = "threshold: between lower and link (review item)"
        elif w >= link_weight:
            cause = "scored above, kept apart (BSN or date guard)"
        else:
            cause = "joined by neither"
        by_cause[cause] += 1
        found = reasons.of(a, b)
        first_reason[cause][found[0]] += 1
        for reason in found:
            any_reason[cause][reason] += 1
    n_missed = int(missed.sum())
    t5 = time.perf_counter()

    false_total = sum(false_causes.values())
    false_rows = [
        [cause, f"{false_causes[cause]:,}", _share(false_causes[cause], false_total)]
        for cause in false_merges.CAUSES
    ]
    false_rows.append(["all false pairs", f"{false_total:,}", f"in {wrong_persons:,} persons"])
    direct = false_total - false_causes["chain"]
    level_rows = [
        [level, f"{k:,}", _share(k, direct)] for level, k in false_levels.most_common() if k * 10 >= direct
    ]

    settings_rows = []
    for label, upper, lower in SETTINGS:
        reviews, band_true, band_false, linked = review_items(pairs, upper, lower, true_codes)
        settings_rows.append(
            [
                label,
                f"{upper:g} ({weight(upper):.2f})",
                f"{lower:g} ({weight(lower):.2f})",
                f"{reviews:,}",
                f"{reviews / registrations * 10_000:,.0f}",
                f"{band_true:,} / {band_false:,}",
                f"{linked:,}",
            ]
        )
    t6 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    show = harness.markdown_table if args.markdown else _plain
    print()
    print(
        f"N = {len(truth):,} mentions, {registrations:,} registrations, seed {args.seed}, "
        f"params {params.name}, cap {cap}, link weight {link_weight:g}, "
        f"model {args.model or 'trained on these mentions'}, prior {prior:.3g} ({weight(prior):.2f}), "
        f"date guard {'off' if args.no_date_guard else 'on'}"
    )
    print(
        show(
            [
                "true pairs",
                "missed",
                "pairwise P",
                "pairwise R",
                "pairwise F1",
                "reach (cap)",
                "reach (no cap)",
            ],
            [
                [
                    f"{pair_figures.true:,}",
                    f"{n_missed:,}",
                    harness.f4(pair_figures.precision),
                    harness.f4(pair_figures.recall),
                    harness.f4(pair_figures.f1),
                    f"{reach.share:.2%}",
                    f"{reach_uncapped.share:.2%}",
                ]
            ],
        )
    )
    print()
    rows = []
    for cause in CAUSES:
        count = by_cause[cause]
        top = ", ".join(
            f"{reason} {k:,}" for reason, k in sorted(first_reason[cause].items(), key=lambda x: -x[1])
        )
        rows.append([cause, f"{count:,}", _share(count, n_missed), f"{count / pair_figures.true:.2%}", top])
    rows.append(["all missed", f"{n_missed:,}", "100.0%", f"{n_missed / pair_figures.true:.2%}", ""])
    print(show(["cause", "missed pairs", "share of missed", "share of true pairs", "first reason"], rows))
    print()
    header = ["reason (any; several per pair)", *(c.split(" (")[0] for c in CAUSES[:4]), "all", "share"]
    reason_rows = []
    for reason in REASONS:
        per = [any_reason[c][reason] for c in CAUSES]
        total = sum(per)
        reason_rows.append([reason, *(f"{k:,}" for k in per[:4]), f"{total:,}", _share(total, n_missed)])
    print(show(header, reason_rows))
    print()
    print(show(["false pair cause", "false pairs", "share"], false_rows))
    print()
    print(show(["level among direct false pairs (>= 10%)", "pairs", "share"], level_rows))
    print()
    print(
        show(
            [
                "setting",
                "upper p (weight)",
                "lower p (weight)",
                "review items",
                "per 10,000 registrations",
                "pairs between: true / false",
                "mentions linked",
            ],
            settings_rows,
        )
    )
    print()
    print(
        f"wall: data load {t0 - began:.1f} s, link {t4 - t0:.1f} s, misses {t5 - t4:.1f} s, "
        f"settings {t6 - t5:.1f} s, total {t6 - began:.1f} s; peak memory {peak:,.0f} MiB"
    )


def _share(count: int, total: int) -> str:
    return f"{count / total:.1%}" if total else "-"


def _plain(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    )


if __name__ == "__main__":
    main()
