"""`manage.py link_file` on the generator's mentions, without and with the columns that carry the relations.

    python bench/linking/link_file_relations.py [N] [--seed S] [--params FILE] [--only plain|relations]
        [--reuse]

The first N mentions (default 100,000) of the shipped generator's register (bench/out/linking/gen-R-sS/, as
generator.py makes and uses it; `--params FILE`: another parameter file, as misses.py) written as two CSV
files in bench/out/linking/: `link-file-N-sS.plain.csv` with `mention_id`, the person fields and the address
fields, and `link-file-N-sS.relations.csv` with also `registration_id` (source/reference), `role` and, on the
row of a relation's first person, `related_to` (the other person's mention ids, `|` between them) and
`relation` (its kinds, in the same order): exchange format v1's registrations flattened, a relation whose
other person lies beyond the first N mentions left out. Each file is linked by `manage.py link_file` in its
own process, under `/usr/bin/time -v nice`, one after the other; wall and peak are time's (the whole
process, start-up included). Prints, per file, pairwise and cluster P / R / F1 against truth.jsonl, the
persons, wall and peak, and link_file's notes. `--only`: link one of the two files; `--reuse`: the two files
as written by an earlier run (two runs at once, one for each file).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import datasets
import harness  # also puts the project on sys.path
import metrics
import misses
import pandas as pd

FIELDS = [*datasets.PERSON_FIELDS, *datasets.ADDRESS_FIELDS]
PLAIN = ["mention_id", *FIELDS]
RELATIONS = [*PLAIN, "registration_id", "role", "related_to", "relation"]


def write_files(directory: Path, limit: int, plain: Path, related: Path) -> None:
    """The first `limit` mentions of the register as the two link_file inputs."""
    count = 0
    with (
        (directory / "registrations.jsonl").open(encoding="utf-8") as lines,
        plain.open("w", encoding="utf-8", newline="") as plain_handle,
        related.open("w", encoding="utf-8", newline="") as related_handle,
    ):
        plain_out = csv.writer(plain_handle, lineterminator="\n")
        related_out = csv.writer(related_handle, lineterminator="\n")
        plain_out.writerow(PLAIN)
        related_out.writerow(RELATIONS)
        for line in lines:
            if count >= limit:
                break
            registration = json.loads(line)
            prefix = f"{registration['source']}/{registration['reference']}/"
            persons = registration["persons"][: limit - count]
            count += len(persons)
            kept = {person["ref"] for person in persons}
            relations: dict[str, list[tuple[str, str]]] = {}
            for relation in registration.get("relations", []):
                if relation["from"] in kept and relation["to"] in kept:
                    relations.setdefault(relation["from"], []).append(
                        (prefix + relation["to"], relation["kind"])
                    )
            for person in persons:
                address = person.get("address") or {}
                row = [prefix + person["ref"]]
                row += [person.get(name) or "" for name in datasets.PERSON_FIELDS]
                row += [address.get(name) or "" for name in datasets.ADDRESS_FIELDS]
                plain_out.writerow(row)
                mine = relations.get(person["ref"], [])
                related_out.writerow(
                    [
                        *row,
                        prefix.rstrip("/"),
                        person.get("role") or "",
                        "|".join(other for other, _ in mine),
                        "|".join(kind for _, kind in mine),
                    ]
                )


def run(source: Path, out: Path) -> tuple[float, float, str]:
    """link_file on `source` under /usr/bin/time -v and nice: wall seconds, peak MiB, its notes."""
    command = ["/usr/bin/time", "-v", "nice", sys.executable, "manage.py", "link_file"]
    done = subprocess.run(
        [*command, str(source), "--out", str(out)],
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"link_file on {source} failed (exit status {done.returncode})")
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr
    )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and peak, done.stderr[-2000:]
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    notes = "\n".join(line for line in done.stderr.splitlines() if line.startswith("link_file:"))
    return seconds, int(peak.group(1)) / 1024, notes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mentions", nargs="?", default="100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--params", default=None, help="generator parameters (default: the shipped ones)")
    parser.add_argument("--only", choices=("plain", "relations"), default=None, help="link one file only")
    parser.add_argument("--reuse", action="store_true", help="take the two CSV files as written before")
    args = parser.parse_args()
    n = int(args.mentions.replace("_", "").replace(",", ""))
    if args.params:
        directory = misses.ensure_data(n, args.seed, Path(args.params).resolve())
    else:
        directory = harness.generated(n, args.seed)
    harness.OUT.mkdir(parents=True, exist_ok=True)
    stem = harness.OUT / f"link-file-{n}-s{args.seed}"
    plain, related = Path(f"{stem}.plain.csv"), Path(f"{stem}.relations.csv")
    if not (args.reuse and plain.exists() and related.exists()):
        write_files(directory, n, plain, related)
    truth = datasets.load_generator(directory, with_truth=True, limit=n)[["mention_id", "true_person"]]
    print(
        f"{len(truth):,} mentions of {truth['true_person'].nunique():,} people from {directory}", flush=True
    )
    true_of = truth.set_index("mention_id")["true_person"]
    for label, source in (("plain", plain), ("relations", related)):
        if args.only and args.only != label:
            continue
        out = Path(f"{stem}.{label}.persons.csv")
        seconds, peak, notes = run(source, out)
        found = pd.read_csv(out, dtype=str, keep_default_na=False)
        true = true_of.loc[found["mention_id"]].to_numpy()
        pair = metrics.pairwise(found["person_id"], pd.Series(true))
        exact = metrics.clusters(found["person_id"], pd.Series(true))
        print(notes, flush=True)
        print(
            f"{label}: {found['person_id'].nunique():,} persons; pairwise P {pair.precision:.4f} "
            f"R {pair.recall:.4f} F1 {pair.f1:.4f}; cluster P {exact.precision:.4f} R {exact.recall:.4f} "
            f"F1 {exact.f1:.4f}; wall {seconds:.1f} s, peak {peak:,.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
