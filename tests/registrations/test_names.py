"""The rule for a person's name in lists (registrations.names): the full spelling of a mention, and the most
frequent one among a person's mentions, ties to the latest registration."""

from __future__ import annotations

import datetime as dt

import pytest

from ketenzicht.registrations.names import Spelling, full_name, list_name, list_names

DAY = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def spelling(given: str, prefix: str, surname: str, day: int, registration: int | None = None) -> Spelling:
    return Spelling(given, prefix, surname, DAY + dt.timedelta(days=day), registration or day)


@pytest.mark.parametrize(
    ("given", "prefix", "surname", "expected"),
    [
        ("Marieke", "de", "Graaf", "Marieke de Graaf"),
        ("Marieke", "", "de Graaf", "Marieke de Graaf"),
        ("Marieke", "", "Graaf, de", "Marieke de Graaf"),
        ("Marieke", "de", "Graaf, de", "Marieke de Graaf"),  # the prefix written twice: once
        ("Jan", "", "Berg, van der", "Jan van der Berg"),
        ("", "", "Berg,  Van  Der", "Van Der Berg"),
        ("P.A.", "", "Sedney", "P.A. Sedney"),
        ("", "", "Berg, J.P. van der", "Berg, J.P. van der"),  # initials in the surname field: as written
        ("  Anna ", "", " Jansen ", "Anna Jansen"),
        ("", "", "", ""),
    ],
)
def test_a_full_spelling_reads_given_names_prefix_surname(
    given: str, prefix: str, surname: str, expected: str
) -> None:
    assert full_name(given, prefix, surname) == expected


def test_the_most_frequent_spelling_wins_counting_a_prefix_after_the_surname_as_the_same() -> None:
    found = [
        spelling("Marike", "de", "Graaf", 1),
        spelling("Marieke", "de", "Graaf", 2),
        spelling("Marieke", "", "Graaf, de", 3),
        spelling("Marike", "", "de Graaf", 4),
        spelling("Marieke", "", "de Graaf", 5),
    ]
    assert list_name(found) == "Marieke de Graaf"


def test_a_tie_goes_to_the_latest_registration_not_to_the_order_given() -> None:
    later, earlier = spelling("P.A.", "", "Sedney", 9), spelling("Priscilla", "", "Sedney", 2)
    assert list_name([later, earlier]) == "P.A. Sedney"
    assert list_name([earlier, later]) == "P.A. Sedney"
    # Registered at the same moment: the later registration (higher id) decides.
    same = [spelling("Ann", "", "Ko", 1, registration=7), spelling("Anne", "", "Ko", 1, registration=8)]
    assert list_name(same) == list_name(list(reversed(same))) == "Anne Ko"


def test_no_spelling_gives_no_name_and_each_person_gets_its_own() -> None:
    assert list_name([]) == ""
    assert list_name([spelling("", "", "", 1)]) == ""
    rows = [(1, spelling("Ann", "", "Ko", 1)), (2, spelling("Bo", "", "Li", 1)), (3, spelling("", "", "", 1))]
    assert list_names(rows) == {1: "Ann Ko", 2: "Bo Li"}
