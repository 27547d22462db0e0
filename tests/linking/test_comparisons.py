"""Table-driven tests of the comparison levels, the scorer and the BSN rule (no Splink needed)."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest

from ketenzicht.linking.batch.clustering import cluster
from ketenzicht.linking.engine.comparisons import (
    ADDRESS,
    BIRTH_DATE,
    BSN,
    COMPARISONS,
    GIVEN_NAMES,
    SEX,
    SURNAME,
    Comparison,
)
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS, MentionFeatures, NameFrequencies
from ketenzicht.linking.engine.model import LinkModel, match_weight_to_probability
from ketenzicht.linking.engine.normalise import normalise_mention
from ketenzicht.linking.engine.splink_settings import settings_dict


def m(**fields: Any) -> MentionFeatures:
    return normalise_mention("x", **fields)


LEVELS: list[tuple[Comparison, dict[str, Any], dict[str, Any], str]] = [
    # surname: every written form of the same name lands on an agreeing level
    (SURNAME, {"surname": "Berg", "surname_prefix": "van der"}, {"surname": "van der Berg"}, "exact"),
    (SURNAME, {"surname": "Berg, van der"}, {"surname": "v.d. Berg"}, "exact"),
    (
        SURNAME,
        {"surname": "Vanderberg"},
        {"surname": "Berg", "surname_prefix": "van der"},
        "a part in common",
    ),
    (SURNAME, {"surname": "Jansen-de Vries"}, {"surname": "de Vries"}, "a part in common"),
    (SURNAME, {"surname": "de Vries-Jansen"}, {"surname": "Jansen"}, "a part in common"),
    (SURNAME, {"surname": "Dijkstra"}, {"surname": "Dykstra"}, "exact, rare name"),
    (SURNAME, {"surname": "Yılmaz"}, {"surname": "Yilmaz"}, "exact, rare name"),
    (SURNAME, {"surname": "El Amrani"}, {"surname": "Amrani"}, "a part in common"),
    (SURNAME, {"surname": "Jansen"}, {"surname": "Jansen"}, "exact, common name"),
    (SURNAME, {"surname": "van den Berg"}, {"surname": "Berg", "surname_prefix": "v.d."}, "exact"),
    (SURNAME, {"surname": "Jansen"}, {"surname": "Jansne"}, "first part within 2 edits"),
    (SURNAME, {"surname": "Jansen"}, {"surname": "Janssen"}, "first part within 1 edit"),
    (SURNAME, {"surname": "Schmidt"}, {"surname": "Smid"}, "sounds alike"),
    (
        SURNAME,
        {"surname": "Johannes", "given_names": "van der Berg"},
        {"surname": "Berg", "surname_prefix": "van der", "given_names": "Johannes Petrus"},
        "swapped with given names",
    ),
    (
        SURNAME,
        {"surname": "Oliver", "given_names": "Went"},
        {"surname": "Sherriff", "given_names": "Oliver"},
        "one surname is the other's given name",
    ),
    (SURNAME, {"surname": "Jansen", "sex": "F"}, {"surname": "Bakker", "sex": "F"}, "different, both women"),
    (SURNAME, {"surname": "Jansen", "sex": "F"}, {"surname": "Bakker"}, "else"),
    (SURNAME, {"surname": "Jansen"}, {"surname": "Bakker"}, "else"),
    (SURNAME, {"surname": ""}, {"surname": "Bakker"}, "null"),
    # given names: full, first only, initials
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus"},
        {"given_names": "Johannes Petrus"},
        "all of two or more given names equal",
    ),
    (GIVEN_NAMES, {"given_names": "Johannes"}, {"given_names": "Johannes"}, "the one given name equal"),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus"},
        {"given_names": "Johannes"},
        "first equal, initials agree",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus"},
        {"given_names": "Johannes Cornelis"},
        "first equal, other initials differ",
    ),
    # initials against written-out names: several against several, one against one, fewer against more
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus"},
        {"given_names": "J.P."},
        "all initials equal, two or more (one side initials only)",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus Maria"},
        {"given_names": "J.P.M."},
        "all initials equal, two or more (one side initials only)",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes"},
        {"given_names": "J."},
        "initials equal (one side initials only)",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "J.P."},
        {"given_names": "J.P."},
        "initials equal (one side initials only)",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus"},
        {"given_names": "J."},
        "initials agree (one side initials only)",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes"},
        {"given_names": "J.P."},
        "initials agree (one side initials only)",
    ),
    (
        GIVEN_NAMES,
        {"given_names": "Johannes Petrus"},
        {"given_names": "J.C."},
        "first initial equal (one side initials only)",
    ),
    (GIVEN_NAMES, {"given_names": "Denis"}, {"given_names": "Dennis"}, "first within 1 edit"),
    (GIVEN_NAMES, {"given_names": "Anna"}, {"given_names": "Piet"}, "else"),
    (GIVEN_NAMES, {"given_names": ""}, {"given_names": "Piet"}, "null"),
    # birth date
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1985-04-12"}, "exact"),
    # partial dates: a missing day, a missing month, both partial
    (
        BIRTH_DATE,
        {"birth_date": "1982-06-22"},
        {"birth_date": "1982-06-00"},
        "year and month agree, day unknown",
    ),
    (
        BIRTH_DATE,
        {"birth_date": "1985-04-00"},
        {"birth_date": "1985-04-00"},
        "year and month agree, day unknown",
    ),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1985-00-00"}, "year agrees, month unknown"),
    (BIRTH_DATE, {"birth_date": "1985-00-00"}, {"birth_date": "1985-04-00"}, "year agrees, month unknown"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1986-04-00"}, "else"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1985-12-04"}, "day and month swapped"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1986-04-12"}, "one digit differs"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1985-07-30"}, "same year"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1985-05-00"}, "same year"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {"birth_date": "1960-01-01"}, "else"),
    (BIRTH_DATE, {"birth_date": "1985-04-12"}, {}, "null"),
    # BSN
    (BSN, {"bsn": "123456782"}, {"bsn": "123456782"}, "same valid BSN"),
    (BSN, {"bsn": "123456782"}, {"bsn": "111222333"}, "different valid BSNs"),
    (BSN, {"bsn": "123456782"}, {"bsn": "123456783"}, "written BSNs within 2 edits"),
    (BSN, {"bsn": "123456782"}, {"bsn": "213456782"}, "written BSNs within 2 edits"),
    (BSN, {"bsn": "123456782"}, {"bsn": "987654320"}, "else"),
    (BSN, {"bsn": "123456782"}, {}, "null"),
    # address
    (
        ADDRESS,
        {"postcode": "5611 NB", "house_number": "12"},
        {"postcode": "5611NB", "house_number": "12a"},
        "same PC6 and house number",
    ),
    (
        ADDRESS,
        {"postcode": "5611 NB", "house_number": "12"},
        {"postcode": "5611NB", "house_number": "14"},
        "same PC6",
    ),
    (
        ADDRESS,
        {"postcode": "5611 NB", "house_number": "12"},
        {"postcode": "5611 AA", "house_number": "12"},
        "same house number and PC4",
    ),
    (
        ADDRESS,
        {"postcode": "5611 NB", "house_number": "12", "city": "Eindhoven"},
        {"postcode": "5611 AA", "house_number": "14", "city": "Eindhoven"},
        "same PC4 and place",
    ),
    (
        ADDRESS,
        {"postcode": "5611 NB", "house_number": "12"},
        {"postcode": "5611 AA", "house_number": "14"},
        "same PC4 or place",
    ),
    (
        ADDRESS,
        {"street": "Kerkstraat", "house_number": "1", "city": "Eindhoven"},
        {"street": "Kerkstraat", "house_number": "15", "city": "Eindhoven"},
        "street within 2 edits and place, other house number",
    ),
    (
        ADDRESS,
        {"street": "Kerkstraat", "city": "Eindhoven"},
        {"street": "Kerkstrat", "house_number": "4", "postcode": "5611 AA", "city": "Eindhoven"},
        "street within 2 edits and place, other house number",
    ),
    (
        ADDRESS,
        {"street": "Kerkstraat", "house_number": "1", "city": "Eindhoven"},
        {"street": "Kerkstraat", "house_number": "1", "city": "Utrecht"},
        "same street and house number, other place",
    ),
    (
        ADDRESS,
        {"postcode": "5611 NB", "house_number": "12"},
        {"postcode": "1011 AA", "house_number": "12"},
        "else",
    ),
    (ADDRESS, {"postcode": "5611 NB"}, {}, "null"),
    (
        ADDRESS,
        {"street": "Van Goghstraat", "house_number": "3", "city": "'s-Hertogenbosch"},
        {"street": "van Gogh-straat", "house_number": "3", "city": "s Hertogenbosch"},
        "same street, house number and place",
    ),
    (
        ADDRESS,
        {"street": "Van Goghstraat", "house_number": "3", "city": "Eindhoven", "postcode": "5611 AA"},
        {"street": "Van Gohgstraat", "house_number": "3", "city": "Eindhoven"},
        "street within 2 edits, same house number and place",
    ),
    (
        ADDRESS,
        {"street": "Kerkstraat", "city": "Eindhoven"},
        {"city": "Eindhoven", "street": "Dorpsstraat"},
        "same PC4 or place",
    ),
    (
        ADDRESS,
        {"street": "Kerkstraat", "house_number": "1"},
        {"street": "Kerkstraat", "house_number": "1"},
        "same street and house number, other place",
    ),
    (
        ADDRESS,
        {"street": "Kerkstraat", "house_number": "1", "city": "Eindhoven"},
        {"street": "Dorpsstraat", "house_number": "1", "city": "Utrecht"},
        "else",
    ),
    # sex
    (SEX, {"sex": "M"}, {"sex": "M"}, "same"),
    (SEX, {"sex": "M"}, {"sex": "F"}, "else"),
    (SEX, {"sex": "M"}, {"sex": "U"}, "null"),
]


# A frequency table in which Jansen is common and Berg of middle frequency: everything else is rare.
FREQUENCIES = NameFrequencies(total=10_000, surname={"jansen": 50, "berg": 5}, given={"johannes": 40})


def _features(fields: dict[str, Any]) -> MentionFeatures:
    fields = dict(fields)
    fields.setdefault("surname", "Jansen")
    return FREQUENCIES.apply(m(**fields))


@pytest.mark.parametrize(("comparison", "left", "right", "label"), LEVELS)
def test_level(comparison: Comparison, left: dict[str, Any], right: dict[str, Any], label: str) -> None:
    a, b = _features(left), _features(right)
    assert comparison.levels[comparison.level_index(a, b)].label == label
    # symmetric: Splink orders a pair by unique_id, so either order must give the same level
    assert comparison.levels[comparison.level_index(b, a)].label == label


def _duckdb_levels(pairs: list[tuple[MentionFeatures, MentionFeatures]]) -> list[dict[str, int]]:
    """Evaluate every comparison's SQL in DuckDB on the given pairs: the level index per comparison."""
    con = duckdb.connect()
    columns = list(FEATURE_COLUMNS)
    types = {"surname_keys": "VARCHAR[]", "surname_phonetic": "VARCHAR[]", "given_keys": "VARCHAR[]"}
    ints = {"birth_year", "birth_month", "birth_day", "given_count", "surname_freq", "given_freq"}
    definitions = []
    for side in ("l", "r"):
        for c in columns:
            kind = types.get(c, "INTEGER" if c in ints else "VARCHAR")
            definitions.append(f"{c}_{side} {kind}")
    con.execute(f"CREATE TABLE pairs (n INTEGER, {', '.join(definitions)})")
    for n, (a, b) in enumerate(pairs):
        values = [n] + [getattr(a, c) for c in columns] + [getattr(b, c) for c in columns]
        con.execute(f"INSERT INTO pairs VALUES ({', '.join('?' for _ in values)})", values)
    selects = []
    for comparison in COMPARISONS:
        cases = " ".join(
            f"WHEN {level.condition.sql()} THEN {i}"
            for i, level in enumerate(comparison.levels)
            if level.condition.sql() != "ELSE"
        )
        selects.append(f"CASE {cases} ELSE {len(comparison.levels) - 1} END AS {comparison.name}")
    rows = con.execute(f"SELECT {', '.join(selects)} FROM pairs ORDER BY n").fetchall()
    return [dict(zip([c.name for c in COMPARISONS], row, strict=True)) for row in rows]


def test_python_and_duckdb_agree_on_every_level() -> None:
    pairs = [(_features(left), _features(right)) for _, left, right, _ in LEVELS]
    pairs += [(b, a) for a, b in pairs]
    sql_levels = _duckdb_levels(pairs)
    for (a, b), expected in zip(pairs, sql_levels, strict=True):
        for comparison in COMPARISONS:
            assert comparison.level_index(a, b) == expected[comparison.name], (comparison.name, a, b)


def test_every_comparison_starts_with_a_null_level_and_ends_with_else() -> None:
    for comparison in COMPARISONS:
        assert comparison.levels[0].is_null
        assert comparison.levels[-1].condition.sql() == "ELSE"
        assert [comparison.gamma(i) for i in range(len(comparison.levels))] == [
            -1,
            *range(len(comparison.levels) - 2, -1, -1),
        ]


def _toy_model() -> dict[str, Any]:
    """A model JSON as Splink saves it: the settings plus m and u for every non-null level."""
    settings = settings_dict(probability_two_random_records_match=1e-4)
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [level for level in levels if not level.get("is_null_level")]
        for position, level in enumerate(non_null):
            level.setdefault("m_probability", 0.9 if position == 0 else 0.1 / (len(non_null) - 1))
            level.setdefault("u_probability", 0.001 if position < len(non_null) - 1 else 0.99)
            if level.get("label_for_charts") == "different valid BSNs":
                level["u_probability"] = 0.95  # most random pairs with two BSNs have different ones
    return settings


def test_score_is_prior_plus_level_weights() -> None:
    model = LinkModel(_toy_model())
    a = m(surname="Jansen", given_names="Piet", birth_date="1980-01-02", bsn="123456782")
    b = m(surname="Jansen", given_names="Piet", birth_date="1980-01-02", bsn="123456782")
    score = model.score(a, b)
    assert score.weight_of("address") == 0.0  # null level: no address on either side
    expected = math.log2(1e-4 / (1 - 1e-4)) + sum(c.weight for c in score.comparisons)
    assert score.match_weight == pytest.approx(expected, abs=1e-12)
    assert score.match_probability == pytest.approx(2**expected / (1 + 2**expected))
    assert match_weight_to_probability(0.0) == 0.5
    assert not score.different_valid_bsns


def test_different_valid_bsns_are_decisive_and_flagged() -> None:
    model = LinkModel(_toy_model())
    fields = {"surname": "Jansen", "given_names": "Piet", "birth_date": "1980-01-02", "postcode": "5611 NB"}
    a = m(**fields, bsn="123456782")
    b = m(**fields, bsn="111222333")
    score = model.score(a, b)
    assert score.different_valid_bsns
    assert score.weight_of("bsn") < -15
    # a mistyped (invalid) BSN is no identifier: not the rule
    assert not model.score(a, m(**fields, bsn="123456783")).different_valid_bsns


def test_model_refuses_another_spec() -> None:
    data = _toy_model()
    data["comparisons"][1]["comparison_levels"][1]["sql_condition"] = "surname_l = surname_r AND 1 = 1"
    with pytest.raises(ValueError, match="SQL differs"):
        LinkModel(data)


def test_cluster_never_joins_two_valid_bsns() -> None:
    import pandas as pd

    # A (BSN 1) - B (no BSN) - C (BSN 2): both links are strong, but A and C must stay apart.
    pairs = pd.DataFrame(
        {
            "unique_id_l": ["a", "b", "a"],
            "unique_id_r": ["b", "c", "c"],
            "match_weight": [20.0, 15.0, 30.0],
        }
    )
    clusters = cluster(["a", "b", "c", "d"], pairs, 10.0, {"a": "123456782", "c": "111222333"})
    assert clusters["a"] == "a"
    assert clusters["c"] != clusters["a"]
    assert clusters["d"] == "d"
    # without the BSN conflict everything joins
    assert len(set(cluster(["a", "b", "c"], pairs, 10.0).values())) == 1


def test_prepared_features_score_the_same() -> None:
    model = LinkModel(_toy_model())
    a = m(surname="Jansen", given_names="Piet", birth_date="1980-01-02")
    b = m(surname="Jansen", given_names="P.", birth_date="1980-01-00")
    prepared = model.prepare(a)
    assert model.prepare(prepared) is prepared
    assert model.score(prepared, model.prepare(b)) == model.score(a, b)
