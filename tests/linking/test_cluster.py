"""The batch clustering (`batch.cluster`): pairs joined strongest first, a chain joins its ends unless a
guard refuses, a mention in no pair is a person of its own."""

from __future__ import annotations

import pandas as pd

from ketenzicht.linking import batch


def test_a_chain_with_one_bsn_and_one_date_is_one_person() -> None:
    frame = pd.DataFrame(
        {"unique_id_l": ["b", "a", "c"], "unique_id_r": ["c", "d", "d"], "match_weight": [9.0, 8.0, 7.0]}
    )
    bsn_of = {"a": "111222333", "b": None, "c": "111222333", "d": None}
    date_of = {"a": "19800315", "b": None, "c": None, "d": "19800315"}
    found = batch.cluster(["a", "b", "c", "d", "e"], frame, 6.63, bsn_of, date_of)
    assert found == {"a": "a", "b": "a", "c": "a", "d": "a", "e": "e"}


def test_a_chain_between_two_bsns_stays_two_persons() -> None:
    frame = pd.DataFrame({"unique_id_l": ["a", "b"], "unique_id_r": ["b", "c"], "match_weight": [9.0, 8.0]})
    bsn_of = {"a": "111222333", "b": None, "c": "123456782"}
    found = batch.cluster(["a", "b", "c"], frame, 6.63, bsn_of, {})
    assert found == {"a": "a", "b": "a", "c": "c"}  # the stronger pair joins first
