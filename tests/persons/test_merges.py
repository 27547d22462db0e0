"""Walking merges (persons.selectors): forward to the person a chain of merges ends in, and back to every
person merged into one, one query per hop and never more than MAX_MERGE_HOPS hops. Every desk that follows
merges walks them through these two."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import MAX_MERGE_HOPS, persons_merged_from, persons_merged_to

pytestmark = pytest.mark.django_db


def chain(length: int) -> list[int]:
    """`length` persons, each merged into the next: the first is the oldest half, the last the whole."""
    persons = [Person.objects.create() for _ in range(length)]
    for source, target in pairwise(persons):
        Person.objects.filter(pk=source.pk).update(merged_into=target)
    return [p.pk for p in persons]


def test_a_chain_is_followed_forward_to_its_end() -> None:
    a, b, c = chain(3)
    alone = Person.objects.create().pk
    assert persons_merged_to({a, b, c, alone}) == {a: c, b: c, c: c, alone: alone}


def test_a_chain_is_followed_back_to_every_person_merged_in() -> None:
    a, b, c = chain(3)
    Person.objects.create()  # not merged: not found
    assert persons_merged_from({c}) == {a, b, c}
    assert persons_merged_from({b}) == {a, b}
    assert persons_merged_from({a}) == {a}


def test_each_hop_is_one_query(django_assert_num_queries: Any) -> None:
    a, _b, c = chain(3)
    with django_assert_num_queries(3):  # a -> b, b -> c, c nowhere
        persons_merged_to({a})
    with django_assert_num_queries(3):  # into c: b, into b: a, into a: none
        persons_merged_from({c})


def test_a_chain_longer_than_the_cap_is_followed_no_further(django_assert_num_queries: Any) -> None:
    persons = chain(MAX_MERGE_HOPS + 5)
    with django_assert_num_queries(MAX_MERGE_HOPS):
        assert persons_merged_to({persons[0]}) == {persons[0]: persons[MAX_MERGE_HOPS]}
    with django_assert_num_queries(MAX_MERGE_HOPS):
        assert persons_merged_from({persons[-1]}) == set(persons[-MAX_MERGE_HOPS - 1 :])


def test_a_cycle_the_merges_never_make_still_ends(django_assert_num_queries: Any) -> None:
    """No merge is meant to make a cycle; should one be written by hand, the walks still end: forward at the
    cap, back once no one new is found."""
    a, b = chain(2)
    Person.objects.filter(pk=b).update(merged_into=a)
    with django_assert_num_queries(MAX_MERGE_HOPS):
        assert persons_merged_to({a})[a] in {a, b}
    with django_assert_num_queries(2):  # into a: b, into b: a (found already)
        assert persons_merged_from({a}) == {a, b}
