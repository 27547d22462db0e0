"""The date of birth's m is counted among pairs with the same valid BSN, not left to EM: EM takes a father
and son of one name at one address for one person, and so learns that a wholly different date of birth is
common within one person (on misses-generator.yaml at 300,000 mentions: m 0.026, counted 0.0013)."""

from __future__ import annotations

import copy
from collections import Counter
from itertools import combinations
from typing import Any

import pandas as pd
import pytest

from ketenzicht.demo.generator.population import bsn_for
from ketenzicht.linking.batch.frame import features_frame
from ketenzicht.linking.batch.m_estimates import _m_from_same_bsn
from ketenzicht.linking.batch.training import _DuckDBBackend, train
from ketenzicht.linking.engine.comparisons import BIRTH_DATE
from ketenzicht.linking.engine.mention_features import MentionFeatures
from ketenzicht.linking.engine.normalise import features_from_exchange
from ketenzicht.linking.engine.splink_settings import settings_dict
from ketenzicht.linking.splink_table import same_bsn_m

GIVEN = ["jan", "pieter", "anna", "fatima", "mohammed", "sanne", "youssef", "lieke", "kees", "emma", "ayoub"]
SURNAMES = ["jansen", "de vries", "el amrani", "bakker", "yilmaz", "visser", "smit", "meijer", "kaya"]


def _mentions(persons: int, per_person: int) -> list[MentionFeatures]:
    """`persons` people with a valid BSN each, written `per_person` times: most dates exact, every tenth
    person once with another date altogether, every tenth once with the day unknown, every tenth with a
    digit slipped once, one mention without a date; a father of the same name at the same address, without
    a BSN, for every fifth."""
    out: list[MentionFeatures] = []
    for p in range(persons):
        year, month, day = 1960 + p % 45, 1 + p % 12, 1 + p % 28
        for k in range(per_person):
            date = f"{year}-{month:02d}-{day:02d}"
            if k == 1 and p % 10 == 0:
                date = f"{1940 + (p * 7) % 60}-{1 + (p + 5) % 12:02d}-{1 + (p + 11) % 28:02d}"
            elif k == 1 and p % 10 == 1:
                date = f"{year}-{month:02d}-00"
            elif k == 2 and p % 10 == 2:
                date = f"{year}-{month:02d}-{(day % 9) + 1 if day > 9 else day + 10:02d}"
            written: str | None = None if (p, k) == (3, 4) else date  # one mention without a date
            person = {
                "given_names": GIVEN[p % len(GIVEN)],
                "surname": SURNAMES[p % len(SURNAMES)],
                "birth_date": written,
                "bsn": bsn_for(p),
                "address": {"postcode": f"{1000 + p}AB", "house_number": str(1 + p % 90)},
            }
            out.append(features_from_exchange(person, f"p{p}m{k}"))
        if p % 5 == 0:
            father = {
                "given_names": GIVEN[p % len(GIVEN)],
                "surname": SURNAMES[p % len(SURNAMES)],
                "birth_date": f"{year - 28}-{month:02d}-{day:02d}",
                "address": {"postcode": f"{1000 + p}AB", "house_number": str(1 + p % 90)},
            }
            out.append(features_from_exchange(father, f"p{p}father"))
    return out


def _counted(mentions: list[MentionFeatures]) -> tuple[list[float | None], int]:
    """m per level of the date of birth among same-BSN pairs, counted in Python by the online comparison,
    and how many pairs outside the null level that is."""
    counts: Counter[int] = Counter()
    for a, b in combinations(mentions, 2):
        level = BIRTH_DATE.level_index(a, b)
        if a.bsn is not None and a.bsn == b.bsn and not BIRTH_DATE.levels[level].is_null:
            counts[level] += 1
    total = sum(counts.values())
    shares = [
        None if level.is_null else max(counts.get(i, 0), 1) / total
        for i, level in enumerate(BIRTH_DATE.levels)
    ]
    return shares, total


def _birth_date(splink_json: dict[str, Any]) -> list[dict[str, Any]]:
    saved = next(c for c in splink_json["comparisons"] if c["output_column_name"] == "birth_date")
    levels: list[dict[str, Any]] = saved["comparison_levels"]
    return levels


def test_the_date_of_birth_m_is_counted_among_same_bsn_pairs_and_fixed() -> None:
    mentions = _mentions(persons=110, per_person=5)  # 110 x 10 = 1,100 same-BSN pairs, 4 without a date
    expected, pairs = _counted(mentions)
    assert pairs == 1096
    settings = settings_dict()
    before = copy.deepcopy(settings)
    given = _m_from_same_bsn(_DuckDBBackend(features_frame(mentions)), settings)
    assert given == {"birth_date": 1096}
    levels = _birth_date(settings)
    for entry, m in zip(levels, expected, strict=True):
        if m is None:
            assert "m_probability" not in entry or entry.get("is_null_level")
            continue
        assert entry["m_probability"] == pytest.approx(m)
        assert entry["fix_m_probability"] is True
    labels = [e["label_for_charts"] for e in levels]
    assert levels[labels.index("else")]["m_probability"] == pytest.approx(11 * 4 / 1096)
    # The other comparisons are left to EM.
    others = [c for c in settings["comparisons"] if c["output_column_name"] != "birth_date"]
    assert others == [c for c in before["comparisons"] if c["output_column_name"] != "birth_date"]


def test_too_few_same_bsn_pairs_leave_the_date_of_birth_to_em() -> None:
    settings = settings_dict()
    before = copy.deepcopy(settings)
    given = _m_from_same_bsn(_DuckDBBackend(features_frame(_mentions(persons=60, per_person=5))), settings)
    assert given == {} and settings == before


@pytest.mark.slow
def test_training_keeps_the_counted_m_and_says_so() -> None:
    mentions = _mentions(persons=110, per_person=5)
    expected, _ = _counted(mentions)
    frame: pd.DataFrame = features_frame(mentions)
    model = train(frame, seed=1, u_max_pairs=2e5, em_max_pairs=2e5)
    assert model["training"]["m_from_same_bsn"] == {"birth_date": 1096}
    floors = {level.label: level.min_m for level in BIRTH_DATE.levels}
    for level, entry, m in zip(BIRTH_DATE.levels, _birth_date(model["splink"]), expected, strict=True):
        if m is not None:
            assert entry["m_probability"] == pytest.approx(max(m, floors[level.label] or 0.0))


def test_above_the_cap_a_share_of_the_pairs_is_drawn_by_their_hash() -> None:
    mentions = _mentions(persons=330, per_person=5)  # 3,300 same-BSN pairs
    db = _DuckDBBackend(features_frame(mentions))
    queries: list[str] = []

    def rows(sql: str) -> list[tuple[Any, ...]]:
        queries.append(sql)
        return db.rows(sql)

    every = same_bsn_m(BIRTH_DATE, rows)
    assert every is not None and every[1] == 3296 and "hash(" not in queries[-1]
    drawn = same_bsn_m(BIRTH_DATE, rows, max_pairs=1500)
    assert drawn is not None and "hash(" in queries[-1]
    assert 1300 < drawn[1] < 1700  # about 1,500 of the 3,300 pairs (3,296 outside the null level)
    assert same_bsn_m(BIRTH_DATE, db.rows, max_pairs=1500) == drawn  # the same pairs every time
    for m_all, m_drawn in zip(every[0], drawn[0], strict=True):
        assert (m_all is None) == (m_drawn is None)
        if m_all is not None and m_all > 0.2:  # the common levels: the same share within the draw's noise
            assert m_drawn == pytest.approx(m_all, abs=0.08)
