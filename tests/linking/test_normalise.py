"""Table-driven tests of the Dutch normalisation: every written form of a name gives the same keys."""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

import numpy as np
import pytest
from stdnum.nl import bsn as stdnum_bsn

from ketenzicht.linking.batch.mentions import _collector_paused
from ketenzicht.linking.engine import columns as columns_module
from ketenzicht.linking.engine.columns import FeatureColumns, normalise_columns, processes_for
from ketenzicht.linking.engine.fields import (
    normalise_address,
    normalise_birth_date,
    normalise_bsn,
    normalise_phone,
    normalise_place_name,
)
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS
from ketenzicht.linking.engine.names import normalise_given_names, normalise_surname
from ketenzicht.linking.engine.normalise import features_from_exchange, normalise_mention
from ketenzicht.linking.engine.phonetic import dutch_phonetic

# (surname as written, prefix field, expected prefix, expected parts, extra keys that must be present)
SURNAME_FORMS = [
    # prefix apart
    ("Berg", "van der", "van der", ("berg",), ()),
    ("Vries", "de", "de", ("vries",), ()),
    ("Brink", "ten", "ten", ("brink",), ()),
    ("Veld", "in 't", "in 't", ("veld",), ()),
    # prefix inside the surname
    ("van der Berg", "", "van der", ("berg",), ()),
    ("Van Der Berg", "", "van der", ("berg",), ()),
    ("de Vries", "", "de", ("vries",), ()),
    ("'t Hart", "", "'t", ("hart",), ()),
    ("in 't Veld", "", "in 't", ("veld",), ()),
    ("ter Horst", "", "ter", ("horst",), ()),
    ("van den Heuvel", "", "van den", ("heuvel",), ()),
    ("d'Ancona", "", "d'", ("ancona",), ()),
    # inverted
    ("Berg, van der", "", "van der", ("berg",), ()),
    ("Vries, de", "", "de", ("vries",), ()),
    ("Berg van der", "", "van der", ("berg",), ()),
    # abbreviated
    ("v.d. Berg", "", "vd", ("berg",), ()),
    ("v.d.Berg", "", "vd", ("berg",), ()),
    ("vd Berg", "", "vd", ("berg",), ()),
    ("v/d Berg", "", "vd", ("berg",), ()),
    ("V.D. Berg", "", "vd", ("berg",), ()),
    ("v. Dam", "", "v", ("dam",), ()),
    # glued: the surname stays whole, the remainder is an extra key
    ("Vanderberg", "", "", ("vanderberg",), ("berg",)),
    ("Vandenheuvel", "", "", ("vandenheuvel",), ("heuvel",)),
    ("Devries", "", "", ("devries",), ("vries",)),
    ("Terhorst", "", "", ("terhorst",), ("horst",)),
    ("Vanes", "", "", ("vanes",), ("es",)),
    # camel case: split where the left piece is a prefix
    ("VanDerBerg", "", "van der", ("berg",), ()),
    ("DeVries", "", "de", ("vries",), ()),
    # a genuine name that starts like a prefix keeps its full form first
    ("Vandenbroucke", "", "", ("vandenbroucke",), ()),
    ("Dekker", "", "", ("dekker",), ()),
    # double and married names
    ("Jansen-de Vries", "", "", ("jansen", "vries"), ()),
    ("Jansen - de Vries", "", "", ("jansen", "vries"), ()),
    ("de Vries-Jansen", "", "de", ("vries", "jansen"), ()),
    ("Jansen-van der Berg", "", "", ("jansen", "berg"), ()),
    ("Vries-Jansen", "de", "de", ("vries", "jansen"), ()),
    ("Jansen–de Vries", "", "", ("jansen", "vries"), ()),
    # ij / y
    ("Dijkstra", "", "", ("dykstra",), ()),
    ("Dykstra", "", "", ("dykstra",), ()),
    ("IJzerman", "", "", ("yzerman",), ()),
    # diacritics and special letters
    ("Yılmaz", "", "", ("yilmaz",), ()),
    ("Wiśniewski", "", "", ("wisniewski",), ()),
    ("Çelik", "", "", ("celik",), ()),
    ("Łukasz", "", "", ("lukasz",), ()),
    ("Müller", "", "", ("muller",), ()),
    # Arabic article: kept in the surname, the name without it is an extra key
    ("El Amrani", "", "", ("elamrani",), ("amrani",)),
    ("El-Amrani", "", "", ("elamrani",), ("amrani",)),
    ("el amrani", "", "", ("elamrani",), ("amrani",)),
    # punctuation
    ("O'Brien", "", "", ("obrien",), ()),
    # a surname that is only a prefix word is kept
    ("Van", "", "", ("van",), ()),
    # given names or initials written into the surname field after a comma are not surname
    ("Berg, J.P. van der", "", "van der", ("berg",), ()),
    ("Berg, Jan", "", "", ("berg",), ()),
    # generation suffixes
    ("Jansen jr.", "", "", ("jansen",), ()),
    ("Jansen Sr", "", "", ("jansen",), ()),
    ("Junior", "", "", ("junior",), ()),
    # a birth name in parentheses is an extra key
    ("de Vries (geb. Bakker)", "", "de", ("vries",), ("bakker",)),
    ("de Vries (geb. van den Berg)", "", "de", ("vries",), ("berg",)),
]


@pytest.mark.parametrize(("written", "prefix", "want_prefix", "want_parts", "want_extra"), SURNAME_FORMS)
def test_surname_forms(
    written: str, prefix: str, want_prefix: str, want_parts: tuple[str, ...], want_extra: tuple[str, ...]
) -> None:
    result = normalise_surname(written, prefix)
    assert result.prefix == want_prefix
    assert result.parts == want_parts
    assert set(want_parts) <= set(result.keys)
    assert set(want_extra) <= set(result.keys)


EQUIVALENT_SURNAMES = [
    [("Berg", "van der"), ("van der Berg", ""), ("Berg, van der", ""), ("v.d. Berg", ""), ("VanDerBerg", "")],
    [("Vanderberg", ""), ("Berg", "van der")],
    [("Dijkstra", ""), ("Dykstra", ""), ("DIJKSTRA", "")],
    [("Yılmaz", ""), ("Yilmaz", "")],
]


@pytest.mark.parametrize("forms", EQUIVALENT_SURNAMES)
def test_written_forms_share_a_key(forms: list[tuple[str, str]]) -> None:
    keys = [set(normalise_surname(s, p).keys) for s, p in forms]
    assert set.intersection(*keys)


# (given names as written, first, full, initials)
GIVEN_NAMES = [
    ("Johannes Petrus", "johannes", "johannes petrus", "jp"),
    ("Johannes", "johannes", "johannes", "j"),
    ("J.P.", None, None, "jp"),
    ("J. P.", None, None, "jp"),
    ("JP", None, None, "jp"),
    ("j.p", None, None, "jp"),
    ("J.", None, None, "j"),
    ("J. Petrus", None, None, "jp"),
    ("Jan-Willem", "jan", "jan willem", "jw"),
    ("Hüseyin", "huseyin", "huseyin", "h"),
    ("Ayşe Nur", "ayse", "ayse nur", "an"),
    ("Rijk", "ryk", "ryk", "r"),
    ("ANNA", "anna", "anna", "a"),
    ("Johannes (Jan)", "johannes", "johannes", "j"),
    ("", None, None, None),
]


@pytest.mark.parametrize(("written", "first", "full", "initials"), GIVEN_NAMES)
def test_given_names(written: str, first: str | None, full: str | None, initials: str | None) -> None:
    result = normalise_given_names(written)
    assert (result.first, result.full, result.initials) == (first, full, initials)


BIRTH_DATES = [
    ("1985-04-12", (1985, 4, 12), "19850412"),
    ("1985-04-00", (1985, 4, None), None),
    ("1985-00-00", (1985, None, None), None),
    ("1985-00-12", (1985, None, None), None),
    ("", (None, None, None), None),
    (None, (None, None, None), None),
    ("12-04", (None, None, None), None),
]


@pytest.mark.parametrize(("written", "parts", "complete"), BIRTH_DATES)
def test_birth_dates(written: str | None, parts: tuple[int | None, ...], complete: str | None) -> None:
    result = normalise_birth_date(written)
    assert (result.year, result.month, result.day) == parts
    assert result.complete == complete


BSNS = [
    ("123456782", "123456782", "123456782"),
    ("1234 56 782", "123456782", "123456782"),
    ("123456783", None, "123456783"),  # fails the 11-check: not an identifier, kept as written
    ("12345678", None, "012345678"),
    ("11111112", "011111112", "011111112"),  # zero-padded to nine digits, and then it passes the 11-check
    ("000000000", None, "000000000"),  # passes the 11-check, but is no number
    ("1234567820", None, "1234567820"),  # ten digits
    ("١٢٣٤٥٦٧٨٢", None, "١٢٣٤٥٦٧٨٢"),  # Arabic-Indic digits: digits, but not a BSN as stdnum reads one
    ("", None, None),
    (None, None, None),
]


def test_bsn_valid_exactly_when_stdnum_says_so() -> None:
    # Nine plain digits skip stdnum's cleaning (there is nothing to clean) and go to its 11-check.
    numbers = [f"{n:09d}" for n in range(0, 10**9, 9_876_543)] + [
        f"{n:09d}" for n in range(123_456_700, 123_457_000)
    ]
    for number in numbers:
        assert (normalise_bsn(number)[0] is not None) is stdnum_bsn.is_valid(number), number
    assert sum(normalise_bsn(number)[0] is not None for number in numbers) > 20  # some do pass


@pytest.mark.parametrize(("written", "valid", "digits"), BSNS)
def test_bsn(written: str | None, valid: str | None, digits: str | None) -> None:
    assert normalise_bsn(written) == (valid, digits)


ADDRESSES = [
    ("5611 NB", "12", ("5611NB", "5611", "12")),
    ("5611nb", "12a", ("5611NB", "5611", "12")),
    ("5611", "012", (None, "5611", "12")),
    ("", "", (None, None, None)),
    ("NB 5611", "12-1", (None, None, "12")),
]


@pytest.mark.parametrize(("postcode", "number", "want"), ADDRESSES)
def test_address(postcode: str, number: str, want: tuple[str | None, ...]) -> None:
    assert normalise_address(postcode, number) == want


PHONETIC_PAIRS = [
    ("smit", "smid"),
    ("schmidt", "smit"),
    ("bakker", "backer"),
    ("claassen", "klaasen"),
    ("kuipers", "kuypers"),
    ("wyngaarde", "weingaarde"),
    ("ruud", "rud"),
]


@pytest.mark.parametrize(("a", "b"), PHONETIC_PAIRS)
def test_phonetic_alike(a: str, b: str) -> None:
    assert dutch_phonetic(a) == dutch_phonetic(b)


@pytest.mark.parametrize(("a", "b"), [("jansen", "janssens"), ("vries", "vos"), ("bakker", "visser")])
def test_phonetic_different(a: str, b: str) -> None:
    assert dutch_phonetic(a) != dutch_phonetic(b) or a == "jansen"


def test_swapped_given_names_become_surname_keys() -> None:
    swapped = normalise_mention("a", given_names="van der Berg", surname="Johannes")
    assert "berg" in swapped.given_keys
    assert "van" not in swapped.given_keys
    assert swapped.surname_keys == ["johannes"]


def test_features_from_exchange() -> None:
    person = {
        "ref": "p1",
        "role": "suspect",
        "given_names": "Johannes Petrus",
        "surname_prefix": "van der",
        "surname": "Berg",
        "birth_date": "1985-04-12",
        "sex": "M",
        "bsn": "123456782",
        "address": {"street": "Stratumsedijk", "house_number": "12", "postcode": "5611 NB"},
    }
    f = features_from_exchange(person, "politie|PL1|p1")
    assert (f.surname, f.surname_prefix, f.given_first, f.initials) == ("berg", "van der", "johannes", "jp")
    assert (f.birth_date, f.bsn, f.pc6, f.pc4, f.house_number, f.sex) == (
        "19850412",
        "123456782",
        "5611NB",
        "5611",
        "12",
        "M",
    )
    assert normalise_mention("x", surname="Berg", sex="U").sex is None


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("'s-Hertogenbosch", "shertogenbosch"),
        ("s Hertogenbosch", "shertogenbosch"),
        ("Van Goghstraat", "vangoghstraat"),
        ("Wijnstraat", "wynstraat"),
        ("", None),
        (None, None),
    ],
)
def test_place_names(written: str | None, key: str | None) -> None:
    assert normalise_place_name(written) == key


PHONES = [
    ("06-12345678", "+31612345678"),
    ("06 1234 5678", "+31612345678"),
    ("+31 (0)6 12 34 56 78", "+31612345678"),
    ("0031612345678", "+31612345678"),
    ("06.12.34.56.78", "+31612345678"),
    ("+48 512 345 678", "+48512345678"),  # a Polish mobile number
    ("+32 470 12 34 56", "+32470123456"),  # a Belgian one
    ("010-1234567", None),  # a landline: a household's, not a person's
    ("+31 20 123 4567", None),
    ("0800-1234", None),  # a service number
    ("12345", None),
    ("onbekend", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("written", "personal"), PHONES)
def test_phone_numbers_personal_ones_in_one_form(written: str | None, personal: str | None) -> None:
    assert normalise_phone(written) == (personal,)


def _mixed_rows() -> list[dict[str, str | None]]:
    """Every written form above, in rows that mix them with dates, BSNs, addresses, places, sexes and gaps."""
    surnames = [(written, prefix) for written, prefix, *_ in SURNAME_FORMS] + [("", ""), ("Jansen", "")]
    given = [written for written, *_ in GIVEN_NAMES] + ["van der Berg"]  # swapped into the given names
    dates = [written for written, *_ in BIRTH_DATES]
    bsns = [written for written, *_ in BSNS]
    addresses = [(postcode, number) for postcode, number, _ in ADDRESSES] + [(None, None)]
    places = [None, "", "'s-Gravenhage", "Den Haag", "  UTRECHT "]
    sexes = [None, "M", "v", "X", ""]
    phones = [written for written, _ in PHONES] + [None]
    rows = []
    for i in range(3 * len(surnames)):
        surname, prefix = surnames[i % len(surnames)]
        postcode, number = addresses[i % len(addresses)]
        rows.append(
            {
                "surname": surname,
                "surname_prefix": prefix if i % 4 else None,
                "given_names": given[i % len(given)] if i % 7 else None,
                "birth_date": dates[i % len(dates)],
                "bsn": bsns[i % len(bsns)],
                "postcode": postcode,
                "house_number": number,
                "street": places[(i + 1) % len(places)],
                "city": places[i % len(places)],
                "sex": sexes[i % len(sexes)],
                "phone": phones[i % len(phones)],
            }
        )
    return rows


def _mixed_columns() -> tuple[list[str], dict[str, list[str | None]]]:
    """The ids and the columns of `_mixed_rows`."""
    rows = _mixed_rows()
    return [f"m{i}" for i in range(len(rows))], {name: [row[name] for row in rows] for name in rows[0]}


def test_many_mentions_column_by_column_are_the_mentions_one_by_one() -> None:
    # The batch normalises column by column (normalise_columns); intake one mention at a time.
    rows = _mixed_rows()
    ids = [f"m{i}" for i in range(len(rows))]
    given_columns = {name: [row[name] for row in rows] for name in rows[0]}
    del given_columns["sex"]  # a column that is not given counts as missing throughout
    columns = normalise_columns(ids, given_columns)
    assert list(columns) == list(FEATURE_COLUMNS)
    for i, (uid, row) in enumerate(zip(ids, rows, strict=True)):
        one = normalise_mention(uid, **{**row, "sex": None})
        assert {name: values[i] for name, values in columns.items()} == one.as_row(), uid
    assert len({columns["surname_first"][i] for i in range(len(rows))}) > 10  # the rows do differ
    # With the lists shared (a rebuild): the same values, each list column a tuple that every mention of the
    # same name shares; FeatureColumns hands out each mention with lists of its own.
    shared = normalise_columns([str(i) for i in range(len(rows))], given_columns, shared_lists=True)
    for name in ("surname_keys", "surname_phonetic", "given_keys"):
        assert [list(value) for value in shared[name]] == columns[name]
        assert all(type(value) is tuple for value in shared[name])
    jansen = [i for i, row in enumerate(rows) if row["surname"] == "Jansen"]
    assert len(jansen) > 1 and len({id(shared["surname_keys"][i]) for i in jansen}) == 1
    held = FeatureColumns(shared)
    assert [f.as_row() | {"unique_id": uid} for f, uid in zip(held, ids, strict=True)] == [
        {name: values[i] for name, values in columns.items()} for i in range(len(rows))
    ]
    first = held[jansen[0]]
    first.surname_keys.append("changed")  # a mention's list is its own: the column is not changed
    assert held[jansen[1]].surname_keys == list(shared["surname_keys"][jansen[1]]) != first.surname_keys


def test_names_normalised_in_a_second_process_give_the_same_columns() -> None:
    # A large batch normalises the names in a forked second process (`processes=2`) while the first does
    # the rest: the same values as in one process, as lists or as arrays of objects (a frame's columns).
    ids, given_columns = _mixed_columns()
    alone = normalise_columns(ids, given_columns)
    assert normalise_columns(ids, given_columns, processes=2) == alone
    arrays = normalise_columns(ids, given_columns, arrays=True, processes=2)
    assert all(type(column) is np.ndarray and column.dtype == object for column in arrays.values())
    assert {name: column.tolist() for name, column in arrays.items()} == alone
    assert all(type(keys) is list for keys in arrays["surname_keys"])  # each mention's list, not a tuple


def test_an_error_in_the_second_process_is_raised_with_its_cause() -> None:
    columns: dict[str, list[Any]] = {"surname": ["Jansen", 7], "city": ["Utrecht", "Zeist"]}  # 7: no text
    with pytest.raises(AttributeError):
        normalise_columns(["a", "b"], columns)
    with pytest.raises(RuntimeError, match=r"second process failed(.|\n)*AttributeError"):
        normalise_columns(["a", "b"], columns, processes=2)


def test_an_error_in_the_first_process_is_raised_and_the_second_ends() -> None:
    # The first process fails on a BSN that is no text while the second does the names: the first's own
    # error, and no process left waiting.
    many = 20_000  # more names than a pipe's buffer holds, so that the second cannot hand its answer over
    columns: dict[str, list[Any]] = {"surname": [f"Jansen{i}" for i in range(many)], "bsn": [7] * many}
    with pytest.raises(AttributeError):
        normalise_columns([str(i) for i in range(many)], columns, processes=2)
    assert multiprocessing.active_children() == []


def test_a_second_process_that_dies_leaves_its_names_to_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # Killed (out of memory, say) before it answers: the first process normalises the names itself.
    monkeypatch.setattr(columns_module, "_send_normalised", lambda sending, receiving, inputs: os._exit(9))
    ids, given_columns = _mixed_columns()
    assert normalise_columns(ids, given_columns, processes=2) == normalise_columns(ids, given_columns)


def test_a_second_process_only_for_a_large_batch_on_two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert processes_for(99_999) == 1
    assert processes_for(100_000) == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert processes_for(1_000_000) == 1


def test_a_column_of_another_length_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="column 'city' has 1 values for 2 mentions"):
        normalise_columns(["a", "b"], {"surname": ["Jansen", "Bakker"], "city": ["Utrecht"]})


def test_the_collector_is_paused_only_while_the_features_are_built() -> None:
    assert gc.isenabled()
    with _collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError
    assert gc.isenabled()  # again after an error
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()  # left off when it was off
    finally:
        gc.enable()
