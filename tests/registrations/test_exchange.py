"""Exchange format v1 validation: every rule names the field; good input passes. No database needed."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from ketenzicht.registrations.exchange import KnownCodes, parse_birth_date, parse_registration
from tests.conftest import exchange_registration

CODES = KnownCodes(
    units=frozenset({"oost-brabant", "amsterdam"}),
    municipalities=frozenset({"GM0796", "GM0363"}),
    offences=frozenset({"285", "285b", "300", "350", "184a"}),
    unit_prefixes={"oost-brabant": "PL0600", "amsterdam": "PL0500"},
    municipality_prefixes={
        "GM0796": {"veilig_thuis": "VT21", "om": "OM0600"},
        "GM0363": {"veilig_thuis": "VT13", "om": "OM0500"},
    },
    source_prefixes={
        "politie": frozenset({"PL0600", "PL0500"}),
        "veilig_thuis": frozenset({"VT21", "VT13"}),
        "om": frozenset({"OM0600", "OM0500"}),
        "reclassering": frozenset({"RN"}),
        "slachtofferhulp": frozenset({"SH"}),
    },
)


def errors_of(data: Any) -> dict[str, str]:
    reg, errors = parse_registration(data, CODES)
    assert (reg is None) == bool(errors)
    return {e.field: e.reason for e in errors}


def with_person(index: int, **changes: Any) -> dict[str, Any]:
    data = exchange_registration()
    data["persons"][index].update(changes)
    return data


def test_the_documented_example_is_valid() -> None:
    reg, errors = parse_registration(exchange_registration(), CODES)
    assert errors == []
    assert reg is not None
    assert reg.persons[0].bsn_passes_check() is True
    assert reg.persons[0].address is not None and reg.persons[0].address.postcode == "5611 NB"


@pytest.mark.parametrize(
    ("data", "field", "reason_part"),
    [
        ({k: v for k, v in exchange_registration().items() if k != "source"}, "source", "required"),
        (exchange_registration(source="gemeente"), "source", "must be one of"),
        (exchange_registration(kind="proces-verbaal"), "kind", "must be one of"),
        (exchange_registration(reference=""), "reference", "must not be empty"),
        (exchange_registration(registered_at="2024-03-06T09:12:00"), "registered_at", "no offset"),
        (exchange_registration(registered_at="2024-03-06"), "registered_at", "ISO 8601"),
        (exchange_registration(occurred_at="gisteren"), "occurred_at", "ISO 8601"),
        (exchange_registration(unit="utrecht"), "unit", "unknown police unit"),
        (exchange_registration(unit=""), "unit", "required for source politie"),
        (exchange_registration(municipality="GM9999"), "municipality", "unknown municipality"),
        (exchange_registration(municipality="0796"), "municipality", "GMxxxx"),
        (exchange_registration(offences=["285", "999"]), "offences[1]", "unknown offence"),
        (exchange_registration(persons=[]), "persons", "at least one entry"),
        (with_person(0, role="dader"), "persons[0].role", "must be one of"),
        (with_person(1, surname="  "), "persons[1].surname", "must not be empty"),
        (with_person(0, birth_date="1985-13-01"), "persons[0].birth_date", "month"),
        (with_person(0, birth_date="1985-00-12"), "persons[0].birth_date", "month is 00"),
        (with_person(0, birth_date="1985-02-30"), "persons[0].birth_date", "not a date"),
        (with_person(0, birth_date="12-04-1985"), "persons[0].birth_date", "YYYY-MM-DD"),
        (with_person(0, bsn="12345"), "persons[0].bsn", "9 digits"),
        (with_person(0, bsn="12345678A"), "persons[0].bsn", "9 digits"),
        (with_person(0, sex="V"), "persons[0].sex", "must be one of"),
        (with_person(0, phone="bel me"), "persons[0].phone", "not a phone number"),
        (with_person(0, phone="onbekend"), "persons[0].phone", "not a phone number"),
        (with_person(0, phone="0612345678 of 0687654321"), "persons[0].phone", "not a phone number"),
        (with_person(0, address={"postcode": "56111 NB"}), "persons[0].address.postcode", "postcode"),
        (with_person(0, address={"municipality": "GM0001"}), "persons[0].address.municipality", "unknown"),
        (with_person(1, ref="p1"), "persons[1].ref", "used twice"),
        (
            exchange_registration(relations=[{"from": "p1", "to": "p7", "kind": "partner"}]),
            "relations[0].to",
            "p7",
        ),
        (
            exchange_registration(relations=[{"from": "p1", "to": "p2", "kind": "ex"}]),
            "relations[0].kind",
            "one of",
        ),
        (
            exchange_registration(relations=[{"from": "p1", "to": "p1", "kind": "partner"}]),
            "relations[0].to",
            "themselves",
        ),
        ([], "(registration)", "JSON object"),
    ],
)
def test_each_rule_names_its_field(data: Any, field: str, reason_part: str) -> None:
    errors = errors_of(data)
    assert field in errors, errors
    assert reason_part in errors[field]


def test_all_errors_of_a_line_are_reported_together() -> None:
    data = exchange_registration(unit="nowhere", offences=["999"])
    data["persons"][0]["birth_date"] = "1985-13-01"
    data["relations"] = [{"from": "p1", "to": "p9", "kind": "ex_partner"}]
    assert set(errors_of(data)) == {"unit", "offences[0]", "persons[0].birth_date", "relations[0].to"}


@pytest.mark.parametrize(
    ("raw", "year", "month", "day"),
    [("1985-04-12", 1985, 4, 12), ("1985-04-00", 1985, 4, None), ("1985-00-00", 1985, None, None)],
)
def test_unknown_day_or_month_is_kept_as_unknown(
    raw: str, year: int, month: int | None, day: int | None
) -> None:
    birth = parse_birth_date(raw)
    assert (birth.raw, birth.year, birth.month, birth.day) == (raw, year, month, day)


def test_a_bsn_failing_the_11_check_is_accepted_and_flagged() -> None:
    reg, errors = parse_registration(with_person(0, bsn="123456789"), CODES)
    assert errors == [] and reg is not None
    assert reg.persons[0].bsn == "123456789"
    assert reg.persons[0].bsn_passes_check() is False


def test_written_forms_are_normalised() -> None:
    data = with_person(0, bsn="1234.56.782", address={"postcode": "5611nb", "house_number": 12})
    data["offences"] = ["285B", "art. 300", "285b"]
    reg, errors = parse_registration(data, CODES)
    assert errors == [] and reg is not None
    assert reg.offences == ["285b", "300"]
    assert reg.persons[0].bsn == "123456782"
    assert reg.persons[0].address is not None
    assert (reg.persons[0].address.postcode, reg.persons[0].address.house_number) == ("5611 NB", "12")


@pytest.mark.parametrize(
    "phone",
    [
        "06-12345678",
        "+31 (0)6 12 34 56 78",
        "010-1234567",
        "0800-1234",
        "+48 512 345 678",
        "0032 470 12 34 56",
    ],
)
def test_a_phone_number_of_any_kind_or_country_passes_as_written(phone: str) -> None:
    reg, errors = parse_registration(with_person(0, phone=phone), CODES)
    assert errors == [] and reg is not None
    assert reg.persons[0].phone == phone


def test_unknown_keys_are_kept() -> None:
    data = copy.deepcopy(exchange_registration(zaaknummer="Z-1"))
    data["persons"][1]["nationality"] = "NL"
    reg, errors = parse_registration(data, CODES)
    assert errors == [] and reg is not None
    assert reg.model_extra == {"zaaknummer": "Z-1"}
    assert reg.persons[1].model_extra == {"nationality": "NL"}


def test_a_notification_of_another_source_needs_no_unit_or_offence() -> None:
    data = exchange_registration(
        source="veilig_thuis", reference="VT21-2024-000123", kind="melding", unit="", offences=[]
    )
    assert errors_of(data) == {}


def test_occurred_at_may_be_a_date() -> None:
    reg, errors = parse_registration(exchange_registration(occurred_at="2024-03-05"), CODES)
    assert errors == [] and reg is not None
    value, date_only = reg.occurred()
    assert date_only and str(value) == "2024-03-05"


def test_a_reference_must_carry_the_prefix_of_its_unit() -> None:
    assert errors_of(exchange_registration(reference="PL0500-2024-1")) == {
        "reference": "'PL0500-2024-1' is not a reference of the organisation registering it: "
        "it must start with PL0600-"
    }
    assert errors_of(exchange_registration(reference="PL0600-")).keys() == {"reference"}
    assert errors_of(exchange_registration(reference="PL0500-2024-1", unit="amsterdam")) == {}


def test_veilig_thuis_references_carry_the_region_serving_the_municipality() -> None:
    data = exchange_registration(source="veilig_thuis", kind="melding", unit="", offences=[])
    assert errors_of({**data, "reference": "VT13-2024-1"}).keys() == {"reference"}
    assert errors_of({**data, "reference": "VT21-2024-1"}) == {}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (exchange_registration(occurred_at="2031-01-01T10:00:00+01:00"), "occurred_at"),
        (exchange_registration(occurred_at="2031-01-01"), "occurred_at"),
        (exchange_registration(occurred_at="2024-03-07"), "occurred_at"),  # after registered_at
        (
            exchange_registration(
                occurred_at="2031-01-01T10:00:00+01:00", registered_at="2031-01-02T10:00:00+01:00"
            ),
            "registered_at",
        ),
        (with_person(0, birth_date="2024-03-06"), "persons[0].birth_date"),
        (with_person(0, birth_date="2024-04-00"), "persons[0].birth_date"),
        (with_person(0, birth_date="2025-00-00"), "persons[0].birth_date"),
        (with_person(0, address={"house_number": "abc"}), "persons[0].address.house_number"),
    ],
)
def test_impossible_times_births_and_house_numbers_name_their_field(data: dict[str, Any], field: str) -> None:
    assert field in errors_of(data)


def test_a_birth_in_the_month_of_the_incident_with_an_unknown_day_passes() -> None:
    assert errors_of(with_person(0, birth_date="2024-03-00")) == {}


def test_a_relation_without_a_type_is_required_not_a_list_of_codes() -> None:
    data = exchange_registration(relations=[{"from": "p1", "to": "p2", "kind": ""}])
    assert errors_of(data) == {"relations[0].kind": "is required"}


NOW = dt.datetime(2026, 12, 7, 10, 2, 37, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        (
            exchange_registration(occurred_at="2026-12-08T10:00:00+01:00"),
            "occurred_at",
            "lies in the future: it cannot be later than now (2026-12-07T10:02+00:00)",
        ),
        (
            exchange_registration(occurred_at="2026-12-08"),
            "occurred_at",
            "lies in the future: it cannot be later than today (2026-12-07)",
        ),
        (
            exchange_registration(registered_at="2026-12-08T10:00:00+01:00"),
            "registered_at",
            "lies in the future: it cannot be later than now (2026-12-07T10:02+00:00)",
        ),
    ],
)
def test_a_time_in_the_future_says_the_bound_it_passed(data: dict[str, Any], field: str, reason: str) -> None:
    _reg, errors = parse_registration(data, CODES, now=NOW)
    assert {e.field: e.reason for e in errors}[field] == reason


def test_an_incident_more_years_back_than_allowed_is_refused_at_occurred_at_naming_the_bound() -> None:
    """01-06-1900 was stored as the time of an incident registered in 2024: only the year was checked."""
    unborn = [
        {"ref": "p1", "role": "suspect", "surname": "Berg"},
        {"ref": "p2", "role": "victim", "surname": "Jansen"},
    ]
    data = exchange_registration(occurred_at="1900-06-01T10:00:00+01:00", persons=unborn)
    assert errors_of(data) == {
        "occurred_at": "cannot lie before 1984-03-06: at most 40 years before its registration"
    }
    assert errors_of({**data, "occurred_at": "1984-03-05"}).keys() == {"occurred_at"}
    assert errors_of({**data, "occurred_at": "1984-03-06"}) == {}  # the bound is the oldest day allowed
    # With the persons' dates of birth the tighter bound is the latest birth, named at occurred_at.
    assert errors_of(exchange_registration(occurred_at="1900-06-01T10:00:00+01:00"))["occurred_at"] == (
        "cannot lie before 1987-11-02: the person with ref 'p2' was not born yet"
    )


def test_the_number_of_years_back_is_the_installation_s() -> None:
    data = exchange_registration(occurred_at="2010-03-05")
    _reg, errors = parse_registration(data, CODES, occurred_max_years=10)
    assert [(e.field, e.reason) for e in errors] == [
        ("occurred_at", "cannot lie before 2014-03-06: at most 10 years before its registration")
    ]
    assert parse_registration(data, CODES, occurred_max_years=15)[1] == []


def test_the_bound_is_counted_from_the_day_of_the_registration_where_it_was_registered() -> None:
    """Registered at 23:30 on 7 December (winter time), an incident in summer time: the bound is 7 December
    ten years back, not the 8th (the registration's moment read in the incident's +02:00)."""
    data = exchange_registration(
        registered_at="2025-12-07T23:30:00+01:00", occurred_at="2009-06-01T10:00:00+02:00"
    )
    _reg, errors = parse_registration(data, CODES, occurred_max_years=10)
    assert [(e.field, e.reason) for e in errors] == [
        ("occurred_at", "cannot lie before 2015-12-07: at most 10 years before its registration")
    ]


def test_an_incident_before_the_birth_of_a_person_named_is_refused_naming_that_person() -> None:
    """The latest born sets the bound; a partly known birth date bounds from its first possible day."""
    data = exchange_registration(occurred_at="1986-06-01T10:00:00+02:00")
    data["persons"][0]["birth_date"] = "1986-00-00"
    data["persons"][1]["birth_date"] = "1987-11-02"
    reasons = errors_of(data)
    assert reasons["occurred_at"] == "cannot lie before 1987-11-02: the person with ref 'p2' was not born yet"
    assert reasons["persons[1].birth_date"] == "lies after the date of the incident"
    assert "persons[0].birth_date" not in reasons
    data["persons"][1]["birth_date"] = "1980-01-01"
    data["occurred_at"] = "1985-12-31"
    assert errors_of(data)["occurred_at"] == (
        "cannot lie before 1986-01-01: the person with ref 'p1' was not born yet"
    )
    data["occurred_at"] = "1986-01-01"
    assert errors_of(data) == {}
