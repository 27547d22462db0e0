"""The dates-of-birth guard: a person never holds two dates of birth that no slip of the pen explains, in
the batch clustering (engine.resolve.cluster, batch.clustering.cluster) and online (a new mention, a
bridge)."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest

from ketenzicht.linking.batch import clustering
from ketenzicht.linking.engine.resolve import DIFFERENT_DATES, ScoredPair, cluster, dates_contradict
from ketenzicht.linking.models import ReviewItem
from tests.people import person_of, register


@pytest.mark.parametrize(
    ("ours", "theirs", "contradict"),
    [
        ({"19610402": 1}, {"19900719": 1}, True),  # father and son
        ({"19780317": 1}, {"19781217": 1}, True),  # same year, month two digits apart
        ({"19800315": 1}, {"19800316": 1}, False),  # one digit: a typo
        ({"19820612": 1}, {"19821206": 1}, False),  # day and month swapped
        ({"19800315": 3}, {"19800315": 1, "19800316": 1}, False),  # the same date, and a typo of it
        ({"19780317": 2}, {"19780517": 2}, True),  # one digit, but each side confirmed twice
        ({"19780317": 2}, {"19780517": 1}, False),  # one digit, one side a single mention: a typo
        ({}, {"19780517": 5}, False),  # no date says nothing
        ({"19820612": 2}, {"19821206": 2}, False),  # swapped in one source every time
        ({"19800315": 5, "19800316": 1}, {"19800325": 1}, False),  # a second typo of a settled date
        ({"19800315": 1, "19800316": 1}, {"19800325": 1}, True),  # no date settled: each counts
    ],
)
def test_which_dates_contradict(ours: dict[str, int], theirs: dict[str, int], contradict: bool) -> None:
    assert dates_contradict(ours, theirs) is contradict
    assert dates_contradict(theirs, ours) is contradict


def _chain(*nodes: str, probability: float = 0.9999) -> list[ScoredPair]:
    return [ScoredPair(a, b, probability) for a, b in pairwise(nodes)]


def test_a_mention_without_a_date_does_not_chain_father_and_son() -> None:
    # "Hendrik Visser" without a date at the family's home links to both, strongest to the son.
    pairs = [ScoredPair("x", "son", 0.99999), ScoredPair("father", "x", 0.9999)]
    dates = {"father": "19610402", "son": "19900719"}
    result = cluster(["father", "son", "x"], pairs, birth_date_of=dates)
    assert result.cluster_of["father"] != result.cluster_of["son"]
    assert result.cluster_of["x"] == result.cluster_of["son"]
    assert ("father", "x", DIFFERENT_DATES) in result.refused


def test_a_typo_in_the_date_still_joins_and_a_reviewer_may_join_anything() -> None:
    dates = {"a": "19800315", "b": "19800315", "c": "19800316"}
    assert len(set(cluster("abc", _chain("a", "b", "c"), birth_date_of=dates).cluster_of.values())) == 1
    far = {"a": "19610402", "b": "19900719"}
    assert cluster("ab", [], birth_date_of=far, same=[("a", "b")]).cluster_of["b"] == "a"


def test_a_person_with_two_different_typos_of_its_date_stays_one() -> None:
    dates = {"a": "19800315", "b": "19800315", "c": "19800315", "t1": "19800316", "t2": "19800325"}
    pairs = [*_chain("a", "b", "c"), ScoredPair("c", "t1", 0.999), ScoredPair("a", "t2", 0.999)]
    assert len(set(cluster(list(dates), pairs, birth_date_of=dates).cluster_of.values())) == 1


def test_two_namesakes_each_seen_twice_a_month_apart_stay_two() -> None:
    dates = {"a1": "19780317", "a2": "19780317", "b1": "19780517", "b2": "19780517"}
    pairs = [*_chain("a1", "a2"), *_chain("b1", "b2"), ScoredPair("a2", "b1", 0.9995)]
    result = cluster(list(dates), pairs, birth_date_of=dates)
    assert result.cluster_of["a1"] != result.cluster_of["b1"]


def test_the_batch_linkers_clustering_keeps_the_same_guard() -> None:
    pairs = pd.DataFrame(
        {
            "unique_id_l": ["x", "father", "a"],
            "unique_id_r": ["son", "x", "b"],
            "match_weight": [20.0, 15.0, 12.0],
        }
    )
    dates = {"father": "19610402", "son": "19900719", "x": None, "a": "19800315", "b": "19800316"}
    cluster_of = clustering.cluster(list(dates), pairs, 8.0, None, dates)
    assert cluster_of["x"] == cluster_of["son"] != cluster_of["father"]
    assert cluster_of["a"] == cluster_of["b"]  # a one-digit typo joins
    without = clustering.cluster(list(dates), pairs, 8.0, None, None)
    assert without["father"] == without["son"]  # what the guard prevents


HOME = {"postcode": "1041 EJ", "house_number": "4"}
FATHER = {"given_names": "Petrus Jan", "surname": "Peeters", "birth_date": "1963-06-23", "sex": "M"}


@pytest.mark.django_db
def test_online_the_son_is_not_linked_to_his_father_through_a_mention_without_a_date() -> None:
    father = register("R1", {**FATHER, "address": HOME})
    undated = register("R2", {"given_names": "Petrus", "surname": "Peeters", "sex": "M", "address": HOME})
    assert person_of(undated) == person_of(father)  # without a date: the father, as the scores say
    son = register(
        "R3",
        {
            "given_names": "Petrus",
            "surname": "Peeters",
            "birth_date": "1991-02-14",
            "sex": "M",
            "address": HOME,
        },
    )
    assert person_of(son) != person_of(father)
    item = ReviewItem.objects.get(mention__registration=son)
    assert item.reason == DIFFERENT_DATES and item.status == "open"


@pytest.mark.django_db
def test_a_rebuild_keeps_father_and_son_apart_and_asks_about_the_refused_link() -> None:
    from django.core.management import call_command

    father = register("R1", {**FATHER, "address": HOME})
    undated = register("R2", {"given_names": "Petrus", "surname": "Peeters", "sex": "M", "address": HOME})
    son_fields = {**FATHER, "given_names": "Petrus", "birth_date": "1991-02-14", "address": HOME}
    son = register("R3", son_fields)
    ReviewItem.objects.all().delete()
    call_command("link_persons", "--rebuild", "--no-progress")
    assert person_of(son) != person_of(father)
    assert person_of(undated) in (person_of(son), person_of(father))
    assert ReviewItem.objects.filter(reason=DIFFERENT_DATES, status="open").exists()


def test_two_single_mentions_with_wholly_different_dates_are_left_to_the_model() -> None:
    """A date written wholly wrong on one of two mentions is weighed by the model that scored the pair: the
    guard refuses only a difference some other pair across the two persons carries too."""
    dates = {"a": "19850412", "b": "19521130"}
    result = cluster(list(dates), [ScoredPair("a", "b", 0.9999)], birth_date_of=dates)
    assert result.cluster_of["a"] == result.cluster_of["b"]
    # One more mention agreeing with b: the model weighed a's date against b's in the joining pair.
    three = {"a": "19850412", "b": "19521130", "c": "19521130"}
    pairs = [ScoredPair("b", "c", 0.9999), ScoredPair("a", "b", 0.9995)]
    assert len(set(cluster(list(three), pairs, birth_date_of=three).cluster_of.values())) == 1
    # Joined through an undated mention: nothing weighed a's date against c's.
    chain = {"a": "19850412", "c": "19521130"}
    pairs = [ScoredPair("b", "c", 0.9999), ScoredPair("a", "b", 0.9995)]
    result = cluster(["a", "b", "c"], pairs, birth_date_of=chain)
    assert result.cluster_of["a"] != result.cluster_of["c"]


def test_a_person_that_holds_two_dates_takes_a_mention_with_one_of_them() -> None:
    """A reviewer merged two persons with different dates: that pair of dates is no reason to refuse a new
    mention carrying one of them, while a third date far from both still is."""
    from ketenzicht.linking.engine.resolve import join_contradicts

    merged = {"19710203": 1, "19800512": 1}
    assert not join_contradicts({"19710203": 1}, merged, "19710203", "19710203")
    assert join_contradicts({"19550909": 2}, merged, None, None)
