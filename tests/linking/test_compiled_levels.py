"""The compiled comparisons (engine/model.py) choose the same level as the conditions as written."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch.artefact import DEFAULT_MODEL_PATH, load_model
from ketenzicht.linking.batch.frame import features_from_file
from ketenzicht.linking.engine.keys import blocking_keys
from ketenzicht.linking.engine.model import LinkModel, compile_levels
from ketenzicht.linking.engine.normalise import normalise_mention


def test_compiled_levels_and_weights_equal_the_interpreted_ones(tmp_path: Path) -> None:
    generate(800, 3, tmp_path)
    model = LinkModel(load_model(DEFAULT_MODEL_PATH))
    features = [model.prepare(f) for f in features_from_file(tmp_path / "registrations.jsonl")]
    features += [
        model.prepare(normalise_mention("a", surname="Berg")),
        model.prepare(normalise_mention("b", given_names="Berg", surname="Jan", birth_date="1985-00-00")),
        model.prepare(normalise_mention("c", given_names="J.", surname="Berg", bsn="123456789")),
        normalise_mention("d"),
    ]
    by_key: dict[str, list[int]] = {}
    for index, f in enumerate(features):
        for key in blocking_keys(f):
            by_key.setdefault(key, []).append(index)
    pairs = {(a, b) for ids in by_key.values() for a in ids[:20] for b in ids[:20] if a != b}
    rng = random.Random(3)
    pairs |= {(rng.randrange(len(features)), rng.randrange(len(features))) for _ in range(5000)}
    pairs |= {(len(features) - 1 - i, j) for i in range(4) for j in range(0, len(features), 50)}
    compiled = compile_levels(model.comparisons)
    assert len(pairs) > 5000
    for a, b in pairs:
        left, right = features[a], features[b]
        for comparison, level_of in zip(model.comparisons, compiled, strict=True):
            assert level_of(left, right) == comparison.level_index(left, right), (comparison.name, a, b)
        assert model.match_weight(left, right) == model.score(left, right).match_weight
        # A stored candidate scored as the right side needs no frequency buckets (no level reads them).
        bare = replace(right, surname_freq=None, given_freq=None)
        assert model.match_weight(left, model.prepare_right(bare)) == model.match_weight(left, right)
        # A stored features row (as decoded from the database) scores to the same float.
        row = json.loads(json.dumps(bare.as_row()))
        assert model.match_weight_row(left, model.prepare_right_row(row)) == model.match_weight(left, right)
