"""The batch's features frame (`batch.mentions.mentions_to_features` without keys, as `link_dataframe` makes
it): each mention's features as intake makes them one by one; the list columns hold each name's tuple, shared
by its mentions, which DuckDB and the frame's readers take as the lists they stand for."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import _features_of_row, _none, name_frequencies, with_frequencies
from ketenzicht.linking.batch.mentions import mentions_to_features
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS, NameFrequencies
from ketenzicht.linking.engine.normalise import normalise_mention

ROWS = [
    {"mention_id": "1", "given_names": "Jan Pieter", "surname_prefix": "van der", "surname": "Berg",
     "birth_date": "1980-03-12", "bsn": "111222333", "postcode": "3512 AB", "house_number": "12"},
    {"mention_id": "2", "given_names": "J.P.", "surname": "van der Berg", "birth_date": "1980-03-00"},
    {"mention_id": "3", "given_names": "Jan", "surname": "Berg-de Vries", "city": "Utrecht",
     "phone": "0612345678"},
    {"mention_id": "4", "surname": "van der Berg", "sex": "M"},
    {"mention_id": "5"},
]  # fmt: skip
LISTS = ("surname_keys", "surname_phonetic", "given_keys")


def _frame() -> pd.DataFrame:
    return mentions_to_features(pd.DataFrame(ROWS), with_keys=False)  # as link_dataframe


def test_each_row_reads_as_the_features_intake_makes() -> None:
    frame = _frame()
    for row, written in zip(frame[list(FEATURE_COLUMNS)].to_dict("records"), ROWS, strict=True):
        fields = {k: v for k, v in written.items() if k != "mention_id"}
        expected = normalise_mention(written["mention_id"], **fields)
        found = _features_of_row(row)
        assert found == expected
        assert all(type(getattr(found, name)) is list for name in LISTS)


def test_the_integer_columns_are_numbers_and_the_others_objects() -> None:
    frame = _frame()
    numbers = {name for name in frame.columns if frame[name].dtype != object}
    assert numbers == {"birth_year", "birth_month", "birth_day", "given_count"}
    assert all(frame[name].dtype == "float64" for name in numbers)  # a gap in each: floats, as from a list
    assert frame["birth_year"][0] == 1980.0 and pd.isna(frame["birth_year"][2])


def test_one_tuple_per_name_shared_by_its_mentions_and_lists_in_duckdb() -> None:
    frame = _frame()
    keys = frame["surname_keys"]
    assert isinstance(keys[1], tuple) and keys[1] is keys[3]  # "van der Berg" twice: one object
    con = _connection(frame)
    try:
        stored = dict(con.execute("SELECT unique_id, surname_keys FROM mentions").fetchall())
    finally:
        con.close()
    assert stored == {uid: list(value) for uid, value in zip(frame["unique_id"], keys, strict=True)}
    assert stored["3"] and all(isinstance(value, list) for value in stored.values())


def test_name_frequencies_and_buckets_as_the_engine_counts_them() -> None:
    common, middle = ["jansen"] * 12, ["bakker"] * 2
    surnames: list[Any] = [*common, *middle, *[f"rare{n}" for n in range(9_986)], None, "", float("nan")]
    given: list[Any] = ["jan", None, "", *[f"g{n % 5_000}" for n in range(len(surnames) - 3)]]
    frame = pd.DataFrame({"surname_first": surnames, "given_first": given}, dtype=object)
    counted = name_frequencies(frame)
    assert counted == NameFrequencies.count((_none(v) for v in surnames), (_none(v) for v in given))
    assert counted.surname["jansen"] == 12 and "rare1" not in counted.surname
    buckets = with_frequencies(frame, counted)
    for column, names, counts in (
        ("surname_freq", surnames, counted.surname),
        ("given_freq", given, counted.given),
    ):  # as a column of the buckets one by one would be (a gap makes it a column of floats)
        expected = pd.Series([counted.bucket(counts, v) for v in names], name=column)
        pd.testing.assert_series_equal(buckets[column], expected)
    assert [buckets["surname_freq"][i] for i in (0, 12, 20)] == [2, 1, 0]
    assert pd.isna(buckets["surname_freq"][len(surnames) - 3])
    assert buckets["surname_freq"][len(surnames) - 1] == 0  # NaN is no name the table knows: rare
