"""The bulk import's error reporting, line by line: every kind of bad line names its field, a line with
several errors reports them all, repeats and conflicts are counted, and files it cannot read fail clearly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

from ketenzicht.registrations.models import PersonMention, Registration
from tests.conftest import exchange_registration

from .importfile import write_lines
from .test_import_command import errors_file, errors_printed, import_registrations

pytestmark = pytest.mark.django_db

GOOD = exchange_registration(reference="PL0600-GOOD-1")


def reg(*drop: str, **overrides: Any) -> dict[str, Any]:
    data = exchange_registration(**{"reference": "PL0600-BAD-1", **overrides})
    for key in drop:
        del data[key]
    return data


def person(index: int, *drop: str, **changes: Any) -> dict[str, Any]:
    data = reg()
    data["persons"][index].update(changes)
    for key in drop:
        del data["persons"][index][key]
    return data


def address(index: int, **changes: Any) -> dict[str, Any]:
    data = reg()
    data["persons"][index].setdefault("address", {}).update(changes)
    return data


def run(tmp_path: Path, lines: list[Any], *options: str) -> tuple[int, str, dict[int, set[str]]]:
    """Import these lines; (exit status, summary, reported fields per line from --errors-out)."""
    path = write_lines(tmp_path / "import.jsonl", lines)
    errors_out = tmp_path / "errors.jsonl"
    status, stdout = import_registrations(path, "--errors-out", str(errors_out), *options)
    return status, stdout.strip(), errors_file(errors_out)


def no_births(**overrides: Any) -> dict[str, Any]:
    data = reg(**overrides)
    for mention in data["persons"]:
        del mention["birth_date"]
    return data


P1_P2 = {"from": "p1", "to": "p2"}

ONE_BAD_FIELD = [
    pytest.param('{"source": "politie", "reference": ', "(line)", id="invalid JSON: cut short"),
    pytest.param("{'source': 'politie'}", "(line)", id="invalid JSON: single quotes"),
    pytest.param('["politie", "PL-1"]', "(registration)", id="not an object: array"),
    pytest.param('"politie"', "(registration)", id="not an object: string"),
    pytest.param("null", "(registration)", id="not an object: null"),
    pytest.param(reg("source"), "source", id="missing source"),
    pytest.param(reg("reference"), "reference", id="missing reference"),
    pytest.param(reg("kind"), "kind", id="missing kind"),
    pytest.param(reg("registered_at"), "registered_at", id="missing registered_at"),
    pytest.param(reg("persons", "relations"), "persons", id="missing persons"),
    pytest.param(person(1, "surname"), "persons[1].surname", id="missing surname"),
    pytest.param(person(1, surname=" "), "persons[1].surname", id="blank surname"),
    pytest.param(person(1, "role"), "persons[1].role", id="missing role"),
    pytest.param(reg(source="gemeente"), "source", id="unknown source"),
    pytest.param(reg(kind="proces-verbaal"), "kind", id="unknown kind"),
    pytest.param(person(1, role="dader"), "persons[1].role", id="unknown role"),
    pytest.param(
        reg(relations=[{**P1_P2, "kind": "buurman"}]), "relations[0].kind", id="unknown relation kind"
    ),
    pytest.param(reg(unit="brabant-zuid"), "unit", id="unknown unit"),
    pytest.param(
        reg(source="om", unit="brabant-zuid", reference="OM0600-BAD-1"),
        "unit",
        id="unknown unit for another source",
    ),
    pytest.param(reg(municipality="GM9999"), "municipality", id="unknown municipality"),
    pytest.param(reg(municipality="Eindhoven"), "municipality", id="municipality not a CBS code"),
    pytest.param(
        address(0, municipality="GM9998"),
        "persons[0].address.municipality",
        id="unknown address municipality",
    ),
    pytest.param(reg(offences=["285", "999"]), "offences[1]", id="unknown offence"),
    pytest.param(person(1, birth_date="1985-13-01"), "persons[1].birth_date", id="birth date month 13"),
    pytest.param(
        person(1, birth_date="1985-00-12"), "persons[1].birth_date", id="birth date day without month"
    ),
    pytest.param(person(1, birth_date="1985-02-30"), "persons[1].birth_date", id="birth date 30 February"),
    pytest.param(person(1, birth_date="12-04-1985"), "persons[1].birth_date", id="birth date day first"),
    pytest.param(address(0, postcode="12345"), "persons[0].address.postcode", id="postcode of 5 digits"),
    pytest.param(address(0, postcode="1234 SA"), "persons[0].address.postcode", id="postcode with SA"),
    pytest.param(person(0, bsn="1234567890"), "persons[0].bsn", id="BSN of 10 digits"),
    pytest.param(person(0, bsn="12345"), "persons[0].bsn", id="BSN of 5 digits"),
    pytest.param(person(0, bsn="12345678X"), "persons[0].bsn", id="BSN with a letter"),
    pytest.param(person(0, sex="V"), "persons[0].sex", id="unknown sex"),
    pytest.param(
        reg(registered_at="2024-03-06T09:12:00"), "registered_at", id="registered_at without offset"
    ),
    pytest.param(reg(registered_at="2024-03-06"), "registered_at", id="registered_at a date only"),
    pytest.param(reg(occurred_at="2024-02-30"), "occurred_at", id="occurred_at not a date"),
    pytest.param(
        no_births(occurred_at="1900-06-01T10:00:00+01:00"),
        "occurred_at",
        id="occurred_at more than 40 years before registered_at",
    ),
    pytest.param(
        reg(relations=[{"from": "p1", "to": "p3", "kind": "partner"}]),
        "relations[0].to",
        id="relation to an unknown ref",
    ),
    pytest.param(
        reg(relations=[{"from": "p1", "to": "p1", "kind": "partner"}]),
        "relations[0].to",
        id="relation to itself",
    ),
    pytest.param(person(1, ref="p1") | {"relations": []}, "persons[1].ref", id="duplicate ref in one line"),
    pytest.param(reg(persons=[], relations=[]), "persons", id="empty persons list"),
    pytest.param(reg("unit"), "unit", id="politie without unit"),
    pytest.param(reg(unit=""), "unit", id="politie with an empty unit"),
]


@pytest.mark.parametrize(("line", "field"), ONE_BAD_FIELD)
def test_a_bad_line_is_reported_with_its_number_and_field_and_nothing_of_it_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: Any, field: str
) -> None:
    status, summary, reported = run(tmp_path, [GOOD, line, {**GOOD, "reference": "PL0600-GOOD-3"}])

    assert summary == "read 3, stored 2, already present 0, rejected 1"
    assert status == 1
    assert reported == {2: {field}}
    assert errors_printed(capsys.readouterr().err) == {2: {field}}
    assert sorted(Registration.objects.values_list("reference", flat=True)) == [
        "PL0600-GOOD-1",
        "PL0600-GOOD-3",
    ]
    assert PersonMention.objects.count() == 4


def test_a_line_with_several_errors_reports_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = reg(
        kind="rapport", registered_at="2024-03-06 09:12", offences=["285", "999"], municipality="GM9999"
    )
    data["persons"][0]["bsn"] = "12"
    data["persons"][1]["birth_date"] = "1985-02-30"
    data["persons"][1]["role"] = "dader"
    data["relations"] = [{"from": "p1", "to": "p7", "kind": "ex"}]
    expected = {
        "kind", "registered_at", "offences[1]", "municipality", "persons[0].bsn", "persons[1].birth_date",
        "persons[1].role", "relations[0].to", "relations[0].kind",
    }  # fmt: skip

    status, summary, reported = run(tmp_path, [GOOD, data])

    assert summary == "read 2, stored 1, already present 0, rejected 1"  # one line, however many errors
    assert status == 1
    assert reported == {2: expected}
    assert errors_printed(capsys.readouterr().err) == {2: expected}


def test_line_numbers_count_every_line_of_the_file_blank_ones_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["", GOOD, "   ", "{broken", "", reg(kind="x")]

    status, summary, reported = run(tmp_path, lines)

    assert (status, summary) == (1, "read 3, stored 1, already present 0, rejected 2")
    assert reported == {4: {"(line)"}, 6: {"kind"}}
    assert errors_printed(capsys.readouterr().err) == {4: {"(line)"}, 6: {"kind"}}


def test_errors_out_holds_one_json_object_per_error(tmp_path: Path) -> None:
    run(tmp_path, [GOOD, reg(kind="x", unit="y")])

    records = [
        json.loads(text) for text in (tmp_path / "errors.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    by_field = {record["field"]: record for record in records}
    assert len(records) == 2 and set(by_field) == {"kind", "unit"}
    assert by_field["unit"] == {"line": 2, "field": "unit", "reason": "unknown police unit 'y'"}
    assert by_field["kind"]["line"] == 2 and by_field["kind"]["reason"].startswith("must be one of")


def test_a_clean_file_exits_zero_and_prints_no_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, summary, reported = run(tmp_path, [GOOD, {**GOOD, "reference": "PL0600-GOOD-2"}])

    assert (status, summary, reported) == (0, "read 2, stored 2, already present 0, rejected 0", {})
    assert capsys.readouterr().err.strip() == ""


def test_a_bsn_failing_the_eleven_check_and_unknown_keys_are_a_good_line(tmp_path: Path) -> None:
    data = exchange_registration(reference="PL0600-GOOD-BSN", x_feed={"system": "bvh"})
    data["persons"][0]["bsn"] = "123456789"  # 9 digits, fails the 11-check
    data["persons"][0]["nickname"] = "Joop"
    data["persons"][0]["address"]["floor"] = "2"

    status, summary, reported = run(tmp_path, [data])

    assert (status, summary, reported) == (0, "read 1, stored 1, already present 0, rejected 0", {})
    registration = Registration.objects.get(reference="PL0600-GOOD-BSN")
    assert registration.extra == {"x_feed": {"system": "bvh"}}
    mention = registration.mentions.get(ref="p1")
    assert (mention.bsn, mention.bsn_valid) == ("123456789", False)
    assert mention.extra == {"nickname": "Joop", "address": {"floor": "2"}}
    assert registration.mentions.get(ref="p2").bsn_valid is None


# --- repeats and conflicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", ["200", "1"], ids=["same batch", "next batch"])
def test_a_repeated_line_in_one_file_is_already_present(tmp_path: Path, batch_size: str) -> None:
    status, summary, reported = run(tmp_path, [GOOD, copy.deepcopy(GOOD)], "--batch-size", batch_size)

    assert (status, summary, reported) == (0, "read 2, stored 1, already present 1, rejected 0", {})
    assert Registration.objects.filter(reference="PL0600-GOOD-1").count() == 1


@pytest.mark.parametrize("batch_size", ["200", "1"], ids=["same batch", "next batch"])
def test_the_same_reference_with_other_content_is_reported_as_a_conflict(
    tmp_path: Path, batch_size: str
) -> None:
    changed = {**copy.deepcopy(GOOD), "summary": "Een andere tekst."}

    status, summary, reported = run(tmp_path, [GOOD, changed], "--batch-size", batch_size)

    assert (
        summary
        == "read 2, stored 1, already present 1, rejected 0 (1 already present with different content)"
    )
    assert (status, reported) == (0, {})
    assert (
        Registration.objects.get(reference="PL0600-GOOD-1").summary == GOOD["summary"]
    )  # the first one stays


def test_a_conflict_with_an_earlier_import_is_reported(tmp_path: Path) -> None:
    run(tmp_path, [GOOD])
    changed = copy.deepcopy(GOOD)
    changed["persons"][1]["birth_date"] = "1987-11-03"

    status, summary, reported = run(tmp_path, [changed, GOOD])

    assert (
        summary
        == "read 2, stored 0, already present 2, rejected 0 (1 already present with different content)"
    )
    assert (status, reported) == (0, {})
    assert (
        Registration.objects.get(reference="PL0600-GOOD-1").mentions.get(ref="p2").birth_date_raw
        == "1987-11-02"
    )


def test_a_bad_line_under_a_known_reference_is_rejected_not_counted_as_present(tmp_path: Path) -> None:
    """A line that breaks a rule is rejected with its field (format, "Errors"), also when its source and
    reference are those of a stored registration; the single-registration path validates first, too."""
    bad = {**copy.deepcopy(GOOD), "kind": "proces-verbaal"}

    status, summary, reported = run(tmp_path, [GOOD, bad])

    assert reported == {2: {"kind"}}
    assert summary == "read 2, stored 1, already present 0, rejected 1"
    assert status == 1


# --- files the import cannot read ---------------------------------------------------------------------------


def test_a_missing_file_is_a_command_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"

    with pytest.raises(CommandError, match=str(path)):
        import_registrations(path)


def test_a_line_that_is_not_utf8_is_one_rejected_line_and_the_import_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        json.dumps(GOOD).encode()
        + b"\n"
        + json.dumps(reg(reference="PL0600-LATIN-1"), ensure_ascii=False)
        .replace("Jansen", "Müller")
        .encode("latin-1")
        + b"\n"
        + json.dumps({**GOOD, "reference": "PL0600-GOOD-3"}).encode()
        + b"\n"
    )
    errors_out = tmp_path / "errors.jsonl"

    status, summary = import_registrations(path, "--errors-out", str(errors_out))

    assert errors_file(errors_out) == {2: {"(line)"}}
    assert "not UTF-8" in errors_out.read_text()
    assert (status, summary.strip()) == (1, "read 3, stored 2, already present 0, rejected 1")
    assert set(Registration.objects.values_list("reference", flat=True)) == {"PL0600-GOOD-1", "PL0600-GOOD-3"}


def test_a_utf16_file_is_rejected_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "utf16.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-16")  # its newline is two bytes: b"\n\x00"

    status, summary = import_registrations(path)

    assert (status, summary.strip()) == (1, "read 2, stored 0, already present 0, rejected 2")
    assert Registration.objects.count() == 0


def test_the_not_utf8_error_names_the_right_line_after_blank_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        b"\n" + json.dumps(GOOD).encode() + b"\n\n" + '{"summary": "Müller"}'.encode("latin-1") + b"\n"
    )

    status, summary = import_registrations(path)

    assert errors_printed(capsys.readouterr().err) == {4: {"(line)"}}
    assert (status, summary.strip()) == (1, "read 2, stored 1, already present 0, rejected 1")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(b"[" * 100_000, "nested more than 16 levels deep", id="100,000 ["),
        pytest.param(b'{"a": ' * 17 + b"1" + b"}" * 17, "nested more than 16 levels deep", id="17 deep"),
        pytest.param(b'{"n": ' + b"9" * 5_000 + b"}", "too many digits", id="5,000-digit integer"),
        pytest.param(b'{"n": NaN}', "NaN is not a JSON number", id="NaN"),
        pytest.param(b'{"n": 1e400}', "too large", id="1e400"),
        pytest.param(bytes(b for b in range(256) if b != 10), "not UTF-8", id="binary"),
        pytest.param("Müller".encode("utf-16"), "not UTF-8", id="UTF-16"),
    ],
)
def test_a_line_the_decoder_cannot_take_is_one_rejected_line_and_the_batch_goes_on(
    tmp_path: Path, raw: bytes, reason: str
) -> None:
    path = tmp_path / "odd.jsonl"
    good_3 = {**GOOD, "reference": "PL0600-GOOD-3"}
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + raw + b"\n" + json.dumps(good_3).encode() + b"\n")
    errors_out = tmp_path / "errors.jsonl"

    status, summary = import_registrations(path, "--errors-out", str(errors_out), "--batch-size", "10")

    assert errors_file(errors_out) == {2: {"(line)"}}
    assert reason in errors_out.read_text()
    assert (status, summary.strip()) == (1, "read 3, stored 2, already present 0, rejected 1")
    assert set(Registration.objects.values_list("reference", flat=True)) == {"PL0600-GOOD-1", "PL0600-GOOD-3"}


# --- input that must be reported, not crash the import ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field"),
    [
        pytest.param(reg(source=["politie"]), "source", id="source a list"),
        pytest.param(reg(reference={"id": 1}), "reference", id="reference an object"),
    ],
)
def test_a_source_or_reference_of_the_wrong_type_is_reported(tmp_path: Path, line: Any, field: str) -> None:
    status, summary, reported = run(tmp_path, [GOOD, line])

    assert reported == {2: {field}}
    assert (status, summary) == (1, "read 2, stored 1, already present 0, rejected 1")


@pytest.mark.parametrize(
    ("line", "field", "text"),
    [
        pytest.param(reg(unit="[/bold]"), "unit", "unknown police unit '[/bold]'", id="closing tag"),
        pytest.param(
            address(0, postcode="[red]"), "persons[0].address.postcode", "'[red]'", id="opening tag"
        ),
    ],
)
def test_input_that_looks_like_console_markup_is_printed_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: Any, field: str, text: str
) -> None:
    status, summary, reported = run(tmp_path, [GOOD, line])

    assert reported == {2: {field}}
    assert (status, summary) == (1, "read 2, stored 1, already present 0, rejected 1")
    assert text in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "field", "stored"),
    [
        pytest.param(
            address(0, house_number="1" * 25),
            "persons[0].address.house_number",
            lambda r: r.mentions.get(ref="p1").house_number == "1" * 25,
            id="house number of 25",
        ),
        pytest.param(
            address(0, house_number_suffix="a" * 30),
            "persons[0].address.house_number_suffix",
            lambda r: r.mentions.get(ref="p1").house_number_suffix == "a" * 30,
            id="suffix of 30",
        ),
        pytest.param(
            reg(summary="a\u0000b"), "summary", lambda r: r.summary == "a\u0000b", id="NUL in summary"
        ),
        pytest.param(
            reg(registered_at="0001-01-01T00:00:00+01:00"),
            "registered_at",
            lambda r: True,
            id="registered_at in year 0 UTC",
        ),
        pytest.param(
            reg(occurred_at="9999-12-31T23:30:00-01:00"),
            "occurred_at",
            lambda r: True,
            id="occurred_at in year 10000 UTC",
        ),
    ],
)
def test_a_value_the_database_cannot_hold_is_reported_or_stored_never_a_crash(
    tmp_path: Path, line: Any, field: str, stored: Any
) -> None:
    """Valid by the format's schema but not storable as it is: the line is either stored as written or
    rejected naming the field, and the lines after it are imported."""
    status, summary, reported = run(tmp_path, [GOOD, line, {**GOOD, "reference": "PL0600-GOOD-3"}])

    assert Registration.objects.filter(reference="PL0600-GOOD-3").exists()
    if reported:
        assert reported == {2: {field}}
        assert (status, summary) == (1, "read 3, stored 2, already present 0, rejected 1")
    else:
        assert (status, summary) == (0, "read 3, stored 3, already present 0, rejected 0")
        assert stored(Registration.objects.get(reference="PL0600-BAD-1"))


@pytest.mark.parametrize(
    ("line", "field"),
    [
        pytest.param(reg(note="x" * 5_000_000), "note", id="5 MB value of an unknown key"),
        pytest.param(person(0, note=["x"] * 5_000), "persons[0].note", id="large list under a person"),
        pytest.param(address(0, floor="x" * 10_001), "persons[0].address.floor", id="long value in address"),
        pytest.param(reg(**{"k" * 101: 1}), "k" * 100, id="key name of 101"),
        pytest.param(reg(**{f"k{i}": i for i in range(51)}), "(registration)", id="51 unknown keys"),
        pytest.param(reg(**{"no\u0000te": "x"}), "no\\x00te", id="NUL in a key name"),
        pytest.param(
            json.dumps(reg(**{"no\ud800te": "x"})), "no\\ud800te", id="lone surrogate in a key name"
        ),
        pytest.param(json.dumps(reg(note="a\ud800b")), "note", id="lone surrogate in a value"),
    ],
)
def test_unknown_keys_and_their_values_are_kept_within_limits(tmp_path: Path, line: Any, field: str) -> None:
    status, summary, reported = run(tmp_path, [GOOD, line, {**GOOD, "reference": "PL0600-GOOD-3"}])

    assert set(reported) == {2} and field in reported[2]
    assert (status, summary) == (1, "read 3, stored 2, already present 0, rejected 1")


def test_unknown_keys_within_the_limits_are_kept(tmp_path: Path) -> None:
    status, _, reported = run(tmp_path, [reg(note="x" * 9_000, **{f"k{i}": i for i in range(48)})])

    assert (status, reported) == (0, {})
    assert Registration.objects.get(reference="PL0600-BAD-1").extra["note"] == "x" * 9_000


def test_control_characters_in_a_rejected_value_are_escaped_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, reported = run(
        tmp_path, [address(0, postcode="\x1b[2J\x1b]0;owned\x07"), person(0, **{"a\x1bb": 1})]
    )

    err = capsys.readouterr().err
    assert status == 1 and set(reported) == {1}
    assert "\x1b" not in err and "\x07" not in err
    assert "'\\x1b[2J\\x1b]0;owned\\x07' is not a Dutch postcode" in err
