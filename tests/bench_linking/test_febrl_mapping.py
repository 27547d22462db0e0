"""FEBRL records as mentions (bench/linking/datasets.py) and the miss dump's field differences
(bench/linking/febrl_misses.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "linking"))

import datasets
import febrl_misses

from ketenzicht.linking.engine.normalise import normalise_mention


def record(rec_id: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {column: None for column in datasets.FEBRL_COLUMNS}
    row.update(rec_id=rec_id, **fields)
    return row


def test_a_date_with_an_impossible_day_or_month_keeps_what_is_valid() -> None:
    frame = pd.DataFrame(
        [
            record("rec-1-org", date_of_birth="19450413"),
            record("rec-1-dup-0", date_of_birth="19450493"),  # a typo in the day
            record("rec-1-dup-1", date_of_birth="19451304"),  # a typo in the month
            record("rec-1-dup-2", date_of_birth="1945041"),  # not eight digits
        ]
    )
    mentions = datasets.febrl_as_mentions(frame)
    assert list(mentions["birth_date"]) == ["1945-04-13", "1945-04-93", "1945-13-04", None]
    parsed = [normalise_mention(str(i), birth_date=d) for i, d in enumerate(mentions["birth_date"])]
    assert [(f.birth_year, f.birth_month, f.birth_day, f.birth_date) for f in parsed] == [
        (1945, 4, 13, "19450413"),
        (1945, 4, None, None),  # year and month still compare ("year and month agree, day unknown")
        (1945, None, None, None),
        (None, None, None, None),
    ]


def test_swapped_names_count_as_one_difference_and_missing_values_are_named() -> None:
    a = pd.Series(record("rec-2-org", given_name="jan", surname="bakker", suburb="utrecht"))
    b = pd.Series(record("rec-2-dup-0", given_name="bakker", surname="jan", suburb=None))
    assert febrl_misses._differences(a, b) == ["swapped names", "suburb missing"]
    c = pd.Series(record("rec-2-dup-1", given_name="jan", surname="baker", suburb="utrecht"))
    assert febrl_misses._differences(a, c) == ["surname"]
