"""The search box as people type it: names, partial dates, postcodes and BSNs."""

from __future__ import annotations

import pytest

from ketenzicht.dossiers.engine.query import Entry, QueryError, mask_bsn, parse_query, score_entry


@pytest.mark.parametrize(
    ("text", "surname", "given", "initials"),
    [
        ("Berg, van der", "berg", None, None),
        ("J. vd Berg", "berg", None, "j"),
        ("jan vanderberg", "berg", "jan", "j"),
        ("Jan van der Berg", "berg", "jan", "j"),
        ("v.d. Berg, J.P.", "berg", None, "jp"),
        ("Berg, Jan van der", "berg", "jan", "j"),
        ("JP van den Bergh", "bergh", None, "jp"),
        ("Anna Jansen-de Vries", "jansen", "anna", "a"),
        ("Anna Jansen-de Vries", "vries", "anna", "a"),
        ("Mohammed El Amrani", "elamrani", "mohammed", "m"),
        ("Ijsselmuiden", "ysselmuiden", None, None),
        ("Müller", "muller", None, None),
    ],
)
def test_name_forms_give_the_linking_keys(
    text: str, surname: str, given: str | None, initials: str | None
) -> None:
    query = parse_query(text)
    assert surname in query.surname_keys
    first = query.readings[0]
    assert first.given_first == given
    assert first.initials == initials


@pytest.mark.parametrize(
    ("text", "year", "month", "day"),
    [
        ("Jansen 1987", 1987, None, None),
        ("Jansen 02-11-1987", 1987, 11, 2),
        ("Jansen 1987-11-02", 1987, 11, 2),
        ("Jansen 11/1987", 1987, 11, None),
    ],
)
def test_dates_of_birth_whole_or_partial(text: str, year: int, month: int | None, day: int | None) -> None:
    query = parse_query(text)
    assert (query.birth_year, query.birth_month, query.birth_day) == (year, month, day)
    assert query.surname_keys == ("jansen",)


def test_postcode_and_bsn() -> None:
    query = parse_query("Berg 5611 nb 123456782")
    assert (query.pc6, query.pc4, query.bsn) == ("5611NB", "5611", "123456782")
    assert parse_query("123456782").readings == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a surname"),
        ("1985", "type a surname"),
        ("Jansen 123456789", "11-check"),
        ("Jansen 31-13-1985", "not a date"),
        ("Jansen 12", "numbers other than"),
        ("x" * 201, "at most 200"),
    ],
)
def test_unreadable_boxes_name_the_field(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.field == "q"
    assert message in caught.value.message


def test_bsn_is_masked_for_the_log() -> None:
    assert mask_bsn("Berg 123456782") == "Berg *********"


def _entry(**overrides: object) -> Entry:
    base: dict[str, object] = {
        "surname_key": "berg",
        "phonetic": "berg",
        "given_first": "johannes",
        "initials": "jp",
        "birth_year": 1985,
        "birth_month": 4,
        "birth_day": 12,
        "pc6": "5611NB",
    }
    return Entry(**{**base, **overrides})  # type: ignore[arg-type]


def test_score_prefers_agreement_and_tolerates_typos() -> None:
    exact = score_entry(parse_query("J. van der Berg 12-04-1985"), _entry())
    typo = score_entry(parse_query("J. van der Brg 12-04-1985"), _entry())
    other_year = score_entry(parse_query("J. van der Berg 12-04-1960"), _entry())
    other_name = score_entry(parse_query("J. Bakker 12-04-1985"), _entry())
    assert exact == 100.0
    assert exact > typo > other_name
    assert exact > other_year
    assert score_entry(parse_query("Bakker 123456782"), _entry(bsn="123456782")) == 100.0


def test_a_first_name_written_out_beats_only_its_initial() -> None:
    query = parse_query("Johannes van der Berg")
    written_out = score_entry(query, _entry())
    initials_only = score_entry(query, _entry(given_first="", initials="j"))
    other_name = score_entry(query, _entry(given_first="pieter", initials="p"))
    assert written_out == 100.0
    assert written_out > initials_only > other_name
    # Typed as an initial, a written-out name agrees fully.
    assert score_entry(parse_query("J. van der Berg"), _entry()) == 100.0


def test_a_box_starting_with_a_prefix_is_also_read_without_given_names() -> None:
    # The typo hit the prefix: "ser" is more likely a mistyped "der" than a given name.
    query = parse_query("van ser Meer")
    readings = [(r.surname_keys, r.given_first) for r in query.readings]
    assert readings == [(("meer",), "ser"), (("meer",), None)]
    maria = _entry(surname_key="meer", phonetic="mer", given_first="maria", initials="m")
    assert score_entry(query, maria) == 100.0
    assert len(parse_query("Jan van der Meer").readings) == 1


def test_given_names_before_a_comma_are_not_surname() -> None:
    reading = parse_query("Johannes Pieter Bruijn, de").readings[0]
    assert reading.surname_keys == ("bruyn",)
    assert reading.given_first == "johannes"


def test_one_typo_apart_shares_a_deletion_key() -> None:
    from ketenzicht.dossiers.engine.query import deletion_keys

    for typed, stored in [
        ("smot", "smit"),
        ("smti", "smit"),
        ("jnog", "jong"),
        ("beg", "berg"),
        ("jonng", "jong"),
    ]:
        assert set(deletion_keys(typed)) & set(deletion_keys(stored)), (typed, stored)
    assert not set(deletion_keys("bakker")) & set(deletion_keys("jansen"))
