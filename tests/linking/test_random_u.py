"""u by staged random sampling (splink_table.random_u): the stages count every pair of the sample once,
the u values are the levels' shares of those pairs, and a comparison whose levels have all been seen often
enough stops counting while the others go on."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import pytest

from ketenzicht.demo.generator import REGISTRATIONS_FILE, generate
from ketenzicht.linking import splink_table
from ketenzicht.linking.batch.connection import _connection
from ketenzicht.linking.batch.frame import features_frame, features_from_file
from ketenzicht.linking.batch.training import NAME_KEY_COLUMNS, _name_keys_as_enum, train, u_counts
from ketenzicht.linking.engine.comparisons import COMPARISONS, Comparison
from ketenzicht.linking.splink_table import (
    U_POSITION,
    _columns_used,
    _level_sql,
    _levels_sql,
    pair_columns_sql,
    random_u,
    random_u_sql,
    u_sample,
    u_stage_bounds,
)


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("register")
    generate(150, 5, out)
    return features_frame(features_from_file(out / REGISTRATIONS_FILE))


def test_the_stages_cover_every_position_once_in_growing_nested_samples() -> None:
    bounds = u_stage_bounds(1001)
    assert bounds[0][0] == 1 and bounds[-1][1] == 1001
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    pairs_upto = [upto * (upto - 1) // 2 for _, upto in bounds]
    total = 1001 * 1000 // 2
    assert abs(pairs_upto[0] / total - 0.01) < 0.002  # the probe: 1% of the pairs
    assert abs(pairs_upto[1] / total - 0.1) < 0.01
    assert u_stage_bounds(1) == [] and u_stage_bounds(2) == [(1, 2)]


def test_the_sample_is_seeded_and_numbered(frame: pd.DataFrame) -> None:
    sample = u_sample(frame, max_pairs=1000, seed=3)
    assert len(sample) == 46  # 46 * 45 / 2 = 1035 pairs, the first count of mentions with >= 1000
    assert list(sample[U_POSITION]) == list(range(1, 47))
    assert list(sample["unique_id"]) == list(u_sample(frame, max_pairs=1000, seed=3)["unique_id"])
    assert list(sample["unique_id"]) != list(u_sample(frame, max_pairs=1000, seed=4)["unique_id"])
    assert len(u_sample(frame, max_pairs=1e9, seed=3)) == len(frame)


def _all_pairs_u(frame: pd.DataFrame, comparison: Comparison) -> list[float | None]:
    """u per level over every pair of `frame` at once, counted directly."""
    con = _connection(frame)
    rows = con.execute(random_u_sql([comparison], 0, len(frame), table="mentions")).fetchall()
    counts = {int(level): int(n) for level, n in rows}
    total = sum(n for level, n in counts.items() if not comparison.levels[level].is_null)
    return [
        None if level.is_null or counts.get(index, 0) == 0 else counts[index] / total
        for index, level in enumerate(comparison.levels)
    ]


def test_without_an_early_stop_the_stages_give_the_u_of_all_pairs(frame: pd.DataFrame) -> None:
    sample = u_sample(frame, max_pairs=20_000, seed=1)
    con = _connection(sample)
    asked: list[tuple[int, int]] = []

    def counts(comparisons: Sequence[Comparison], after: int, upto: int) -> Iterable[Sequence[Any]]:
        asked.append((after, upto))
        return con.execute(random_u_sql(comparisons, after, upto, table="mentions")).fetchall()

    staged = random_u(COMPARISONS, len(sample), counts, min_count=None)
    assert asked == u_stage_bounds(len(sample))
    seen = 0
    for comparison in COMPARISONS:
        assert staged[comparison.name] == pytest.approx(_all_pairs_u(sample, comparison), abs=1e-12)
        seen += sum(u is not None for u in staged[comparison.name])
    assert seen > 20  # most levels are reached, so the comparison means something


def test_a_comparison_stops_once_every_level_is_seen_often_enough(frame: pd.DataFrame) -> None:
    sample = u_sample(frame, max_pairs=20_000, seed=1)
    con = _connection(sample)
    asked: list[list[str]] = []

    def counts(comparisons: Sequence[Comparison], after: int, upto: int) -> Iterable[Sequence[Any]]:
        asked.append([c.name for c in comparisons])
        return con.execute(random_u_sql(comparisons, after, upto, table="mentions")).fetchall()

    random_u(COMPARISONS, len(sample), counts)
    # "sex" (two levels besides null, each about half of all pairs) is done after the first stages and
    # not asked again; the name comparisons, with levels rare among random pairs, are asked at every stage.
    with_sex = [i for i, stage in enumerate(asked) if "sex" in stage]
    assert with_sex == list(range(len(with_sex))) and 1 <= len(with_sex) <= 3
    assert all("surname" in stage for stage in asked)
    assert len(asked) == len(u_stage_bounds(len(sample)))


def test_train_refuses_unknown_training_steps(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="steps 'fast'"):
        train(frame, seed=1, steps="fast")


def test_the_names_keys_as_an_enum_give_the_same_counts(frame: pd.DataFrame) -> None:
    sample = u_sample(frame, max_pairs=20_000, seed=2)
    rows = len(sample)
    as_text = _connection(sample)
    expected = as_text.execute(random_u_sql(COMPARISONS, 0, rows, table="mentions")).fetchall()
    names = [
        c for c in COMPARISONS if "list_has_any" in " ".join(level.condition.sql() for level in c.levels)
    ]
    assert {c.name for c in names} == {"surname", "given_names"}
    counted = [tuple(row) for row in u_counts(sample)(COMPARISONS, 0, rows)]
    assert sorted(counted) == sorted(expected)
    # The overlap levels are reached, so the enum is tested where it counts.
    surname = COMPARISONS.index(next(c for c in COMPARISONS if c.name == "surname"))
    overlap = next(
        i for i, level in enumerate(COMPARISONS[surname].levels) if level.label == "a part in common"
    )
    assert any(row[surname] == overlap for row in counted)


def test_the_names_keys_as_an_enum_in_a_table_without_any() -> None:
    empty = features_frame([])
    con = _connection(empty)
    _name_keys_as_enum(con)  # nothing to number: the columns stay lists of text
    assert con.execute("SELECT count(*) FROM mentions").fetchone() == (0,)


def test_the_names_keys_become_lists_of_an_enum(frame: pd.DataFrame) -> None:
    con = _connection(frame)
    before = con.execute("SELECT surname_keys, given_keys FROM mentions ORDER BY rowid").fetchall()
    _name_keys_as_enum(con)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'mentions'"
        ).fetchall()
    )
    assert all(types[c].startswith("ENUM(") and types[c].endswith(")[]") for c in NAME_KEY_COLUMNS)
    after = con.execute("SELECT surname_keys, given_keys FROM mentions ORDER BY rowid").fetchall()
    assert after == before and any(keys for keys, _ in after)


def test_costly_calls_made_twice_are_worked_out_once_with_the_same_levels(frame: pd.DataFrame) -> None:
    levels, hoisted = _levels_sql(COMPARISONS, "c")
    # The surname and the given names test an edit distance within 1, then within 2: one call each.
    assert "levenshtein(surname_first_l, surname_first_r) AS _h0" in hoisted
    assert any(item.startswith("levenshtein(given_first_l, given_first_r) AS") for item in hoisted)
    assert not any("levenshtein(surname_first_l" in level for level in levels)
    connection = _connection(frame)
    columns = pair_columns_sql(_columns_used(COMPARISONS))
    pairs = f"SELECT {columns} FROM mentions l JOIN mentions r ON l.unique_id < r.unique_id"
    plain = [_level_sql(comparison, f"c{n}") for n, comparison in enumerate(COMPARISONS)]
    once = connection.execute(
        f"SELECT {', '.join(levels)} FROM (SELECT *, {', '.join(hoisted)} FROM ({pairs}))"
    ).fetchall()
    twice = connection.execute(f"SELECT {', '.join(plain)} FROM ({pairs})").fetchall()
    assert len(once) > 10_000 and sorted(once) == sorted(twice)
    assert len({row[1] for row in once}) > 5  # the surname's levels: many of them seen


def test_a_call_is_hoisted_whole_not_inside_a_longer_name(monkeypatch: pytest.MonkeyPatch) -> None:
    level = (
        "CASE WHEN levenshtein(x_l, x_r) <= 1 THEN 1 WHEN levenshtein(x_l, x_r) <= 2 THEN 2 "
        "WHEN damerau_levenshtein(x_l, x_r) <= 1 THEN 3 ELSE 4 END"
    )
    monkeypatch.setattr(splink_table, "_level_sql", lambda comparison, alias: f"{level} AS {alias}")
    levels, hoisted = splink_table._levels_sql([COMPARISONS[0]], "c")
    assert hoisted == ["levenshtein(x_l, x_r) AS _h0"]
    assert levels[0].count("_h0") == 2 and "damerau_levenshtein(x_l, x_r) <= 1" in levels[0]
