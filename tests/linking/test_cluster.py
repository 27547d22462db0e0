"""The batch clustering (`batch.clustering.cluster`): pairs joined strongest first, a chain joins its ends
unless a guard refuses, a mention in no pair is a person of its own."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from ketenzicht.linking.batch import clustering


def test_a_chain_with_one_bsn_and_one_date_is_one_person() -> None:
    frame = pd.DataFrame(
        {"unique_id_l": ["b", "a", "c"], "unique_id_r": ["c", "d", "d"], "match_weight": [9.0, 8.0, 7.0]}
    )
    bsn_of = {"a": "111222333", "b": None, "c": "111222333", "d": None}
    date_of = {"a": "19800315", "b": None, "c": None, "d": "19800315"}
    found = clustering.cluster(["a", "b", "c", "d", "e"], frame, 6.63, bsn_of, date_of)
    assert found == {"a": "a", "b": "a", "c": "a", "d": "a", "e": "e"}


def test_a_chain_between_two_bsns_stays_two_persons() -> None:
    frame = pd.DataFrame({"unique_id_l": ["a", "b"], "unique_id_r": ["b", "c"], "match_weight": [9.0, 8.0]})
    bsn_of = {"a": "111222333", "b": None, "c": "123456782"}
    found = clustering.cluster(["a", "b", "c"], frame, 6.63, bsn_of, {})
    assert found == {"a": "a", "b": "a", "c": "c"}  # the stronger pair joins first


def test_ids_compared_as_text_whatever_their_type() -> None:
    frame = pd.DataFrame({"unique_id_l": [10, 9], "unique_id_r": [2, 10], "match_weight": [9.0, 8.0]})
    found = clustering.cluster(["2", "9", "10", "11"], frame, 6.63)
    assert found == {"2": "10", "9": "10", "10": "10", "11": "11"}  # "10" < "2" < "9"


def test_an_empty_bsn_or_date_is_no_value() -> None:
    frame = pd.DataFrame({"unique_id_l": ["a", "b"], "unique_id_r": ["b", "c"], "match_weight": [9.0, 8.0]})
    found = clustering.cluster(
        ["a", "b", "c"], frame, 6.63, {"a": "", "c": "123456782"}, {"b": "", "c": "19800315"}
    )
    assert set(found.values()) == {"a"}


Values = dict[str, str | None]


def _one_at_a_time(
    ids: list[str], frame: pd.DataFrame, weight: float, bsn_of: Values, date_of: Values
) -> dict[str, str]:
    """The persons of joining every pair at or above `weight` one at a time, strongest first."""
    strong = frame[frame["match_weight"] >= weight].sort_values(
        ["match_weight", "unique_id_l", "unique_id_r"], ascending=[False, True, True]
    )
    found = {uid: uid for uid in ids}
    found.update(
        clustering._joined_in_order(list(strong["unique_id_l"]), list(strong["unique_id_r"]), bsn_of, date_of)
    )
    return found


def test_components_give_the_persons_of_joining_pair_by_pair() -> None:
    # Random registers in which many components hold two BSNs or two dates (the guards refuse joins
    # there) and many hold one or none: the persons are those of joining every pair in order.
    rng = random.Random(14)
    guarded = 0
    for _ in range(60):
        ids = [f"m{n:03d}" for n in range(rng.randint(2, 60))]
        bsns = [None, "", "111222333", "123456782", "100000009"]
        dates = [None, "", "19800315", "19801503", "19600101", "198003", "19800316"]
        bsn_of = {uid: rng.choice(bsns) if rng.random() < 0.3 else None for uid in ids}
        date_of = {uid: rng.choice(dates) if rng.random() < 0.5 else None for uid in ids}
        pairs = {tuple(sorted(rng.sample(ids, 2))) for _ in range(rng.randint(1, 2 * len(ids)))}
        frame = pd.DataFrame(
            {
                "unique_id_l": [a for a, _ in pairs],
                "unique_id_r": [b for _, b in pairs],
                "match_weight": [
                    rng.choice([7.0, 8.0, 9.5, 5.0]) + rng.random() * 0.001 * (i % 3)
                    for i in range(len(pairs))
                ],
            }
        )
        expected = _one_at_a_time(ids, frame, 6.63, bsn_of, date_of)
        assert clustering.cluster(ids, frame, 6.63, bsn_of, date_of) == expected
        guarded += len(set(expected.values())) > len(set(clustering.cluster(ids, frame, 6.63).values()))
    assert guarded > 10  # the guards refused joins in many of the registers


def test_rows_name_the_row_of_the_cluster_id() -> None:
    frame = pd.DataFrame(
        {
            "unique_id_l": ["b", "a", "c", "c"],
            "unique_id_r": ["c", "d", "e", "d"],
            "match_weight": [9.0, 8.0, 7.0, 6.9],
        }
    )
    ids = ["e", "d", "c", "b", "a"]
    bsns = [None, "123456782", "111222333", None, ""]  # c-d is refused: two BSNs
    roots = clustering.cluster_rows(ids, frame, 6.63, bsns, [None] * 5)
    assert [ids[root] for root in roots] == ["b", "a", "b", "b", "a"]
    assert clustering.cluster(ids, frame, 6.63, dict(zip(ids, bsns, strict=True))) == dict(
        zip(ids, [ids[root] for root in roots], strict=True)
    )


def test_a_pair_of_an_unknown_mention_is_refused() -> None:
    frame = pd.DataFrame({"unique_id_l": ["a"], "unique_id_r": ["x"], "match_weight": [9.0]})
    with pytest.raises(ValueError, match="not among the unique ids"):
        clustering.cluster_rows(["a", "b"], frame, 6.63)


def test_ids_that_repeat_as_text_are_refused() -> None:
    frame = pd.DataFrame({"unique_id_l": ["1"], "unique_id_r": ["2"], "match_weight": [9.0]})
    with pytest.raises(ValueError, match="repeat"):
        clustering.cluster_rows([1, "1", 2], frame, 6.63)
