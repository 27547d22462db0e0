"""Train the shipped person model as it was made: the generator's 20,000-registration sample (seed 1,
the shipped generator.yaml), every mention, `batch.training.train` with seed 1.

    python bench/linking/train_shipped.py [OUT] [--registrations N] [--seed S]

OUT defaults to `batch.artefact.DEFAULT_MODEL_PATH` (the file the settings name as KETENZICHT_LINK_MODEL).
Prints the prior (fixed, and the sample's own estimate) and the level weights.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import harness  # noqa: F401  (puts the project on sys.path)

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, save_model
from ketenzicht.linking.batch.frame import features_frame, features_from_file
from ketenzicht.linking.batch.training import train
from ketenzicht.linking.engine.model import LinkModel


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        generate(args.registrations, args.seed, Path(directory))
        features = features_from_file(Path(directory) / "registrations.jsonl")
    frame = features_frame(features)
    model = train(frame, args.seed)
    save_model(model, args.out)
    online = LinkModel(model)
    print(
        f"{len(frame):,} mentions; prior {online.prior:.3g} (weight {online.prior_weight:.2f}; "
        f"this sample's own estimate {model['training']['prior_estimated']:.3g}); "
        f"{time.perf_counter() - began:.0f} s -> {args.out}"
    )
    for name, levels in online.levels.items():
        print(name + ": " + "; ".join(f"{level.label} {level.weight:.2f}" for level in levels))


if __name__ == "__main__":
    main()
