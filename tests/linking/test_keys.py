"""Online candidate retrieval finds every pair the batch blocking rules would score."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ketenzicht.demo.generator import generate
from ketenzicht.linking.batch import _connection, features_frame, features_from_file
from ketenzicht.linking.engine.keys import blocking_keys
from ketenzicht.linking.engine.normalise import normalise_mention
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES


def test_every_pair_a_blocking_rule_joins_shares_a_key(tmp_path: Path) -> None:
    generate(1500, 11, tmp_path)
    features = features_from_file(tmp_path / "registrations.jsonl")
    connection: duckdb.DuckDBPyConnection = _connection(features_frame(features))
    rules = " OR ".join(f"({rule})" for rule in BLOCKING_RULES)
    join = f"FROM mentions l JOIN mentions r ON l.unique_id < r.unique_id AND ({rules})"
    pairs = connection.execute(f"SELECT l.unique_id, r.unique_id {join}").fetchall()
    assert len(pairs) > 500
    keys = {f.unique_id: set(blocking_keys(f)) for f in features}
    missed = [(a, b) for a, b in pairs if not keys[a] & keys[b]]
    assert missed == []


def test_swapped_names_and_a_missing_value_give_the_expected_keys() -> None:
    plain = normalise_mention("a", given_names="Jan", surname="Berg", birth_date="1985-04-12")
    swapped = normalise_mention("b", given_names="Berg", surname="Jan", birth_date="1985-04-12")
    assert set(blocking_keys(plain)) & set(blocking_keys(swapped))
    nothing = normalise_mention("c", surname="Berg")
    assert all("None" not in key for key in blocking_keys(nothing))
