"""Constrained clustering and stable person ids (pure engine)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from ketenzicht.linking.engine.resolve import (
    Clustering,
    Guards,
    ScoredPair,
    carry_ids,
    cluster,
    names_compatible,
    relations_agree,
)


def groups(result: Clustering) -> set[frozenset[str]]:
    return {frozenset(members) for members in result.members().values()}


def chain(*nodes: str, probability: float = 0.9999) -> list[ScoredPair]:
    return [ScoredPair(a, b, probability) for a, b in pairwise(nodes)]


def test_pairs_above_the_threshold_join_and_below_do_not() -> None:
    result = cluster("abcd", [ScoredPair("a", "b", 0.995), ScoredPair("c", "d", 0.5)])
    assert groups(result) == {frozenset("ab"), frozenset("c"), frozenset("d")}
    assert result.cluster_of["b"] == "a"  # the representative is the smallest mention id


def test_different_valid_bsns_never_join_even_through_a_chain() -> None:
    pairs = chain("a", "b", "c")  # a and c carry different BSNs; b has none
    result = cluster("abc", pairs, bsn_of={"a": "111222333", "c": "123456782"})
    assert len(groups(result)) == 2
    assert any(reason == "different valid BSNs" for *_, reason in result.refused)


def test_a_reviewer_may_join_different_bsns() -> None:
    result = cluster("ac", [], bsn_of={"a": "111222333", "c": "123456782"}, same=[("a", "c")])
    assert groups(result) == {frozenset("ac")}


def test_a_reviewers_different_persons_wins_over_any_score() -> None:
    result = cluster("abc", chain("a", "b", "c"), different=[("a", "c")])
    assert frozenset("abc") not in groups(result)
    assert any(reason == "reviewer: different persons" for *_, reason in result.refused)


@pytest.mark.parametrize(
    ("bridges", "probability", "joined"),
    [
        (1, 0.995, False),  # one weak link between two large clusters: refused
        (2, 0.995, True),  # two independent links: enough support
        (1, 0.9995, True),  # one strong link is enough on its own
    ],
)
def test_one_weak_link_never_chains_two_large_clusters(
    bridges: int, probability: float, joined: bool
) -> None:
    left, right = ["a1", "a2", "a3"], ["b1", "b2", "b3"]
    pairs = chain(*left) + chain(*right)
    pairs += [ScoredPair(left[i], right[i], probability) for i in range(bridges)]
    result = cluster(
        left + right, pairs, guards=Guards(threshold=0.99, strong=0.999, large=3, bridge_support=2)
    )
    assert (frozenset(left + right) in groups(result)) is joined


def test_a_weak_link_may_join_a_small_cluster_to_a_large_one() -> None:
    pairs = [*chain("a1", "a2", "a3"), ScoredPair("a3", "x", 0.995)]
    assert groups(cluster(["a1", "a2", "a3", "x"], pairs)) == {frozenset({"a1", "a2", "a3", "x"})}


def test_the_result_does_not_depend_on_the_order_of_the_pairs() -> None:
    pairs = [*chain("a", "b", "c"), ScoredPair("d", "e", 0.999), ScoredPair("c", "d", 0.991)]
    forward = cluster("abcde", pairs, bsn_of={"a": "111222333", "e": "123456782"})
    backward = cluster("abcde", list(reversed(pairs)), bsn_of={"a": "111222333", "e": "123456782"})
    assert forward.cluster_of == backward.cluster_of


def test_a_person_keeps_its_id_when_its_cluster_grows_or_shrinks() -> None:
    old = {"m1": "P1", "m2": "P1", "m3": "P2"}
    new = cluster(["m1", "m2", "m3", "m4"], [*chain("m1", "m2", "m4")])
    carried = carry_ids(old, new)
    assert carried.person_of_cluster[new.cluster_of["m4"]] == "P1"  # grew by a new mention
    assert carried.person_of_cluster[new.cluster_of["m3"]] == "P2"
    assert carried.merged == {}


def test_a_split_keeps_the_id_on_the_bigger_part_and_the_other_part_is_new() -> None:
    old = {"m1": "P1", "m2": "P1", "m3": "P1"}
    new = cluster(["m1", "m2", "m3"], chain("m1", "m2"))
    carried = carry_ids(old, new)
    assert carried.person_of_cluster[new.cluster_of["m1"]] == "P1"
    assert carried.person_of_cluster[new.cluster_of["m3"]] is None


def test_a_merge_keeps_the_bigger_id_and_records_where_the_other_went() -> None:
    old = {"m1": "P1", "m2": "P1", "m3": "P2"}
    new = cluster(["m1", "m2", "m3"], chain("m1", "m2", "m3"))
    carried = carry_ids(old, new)
    assert carried.person_of_cluster[new.cluster_of["m1"]] == "P1"
    assert carried.merged == {"P2": "P1"}


def test_a_person_whose_mentions_went_to_several_persons_merges_into_the_one_that_took_most() -> None:
    # P3's mentions went three ways: two to the person that kept P1, one to P2's; P4's all to P2's.
    old = {"m1": "P1", "m2": "P1", "m3": "P2", "m4": "P2", "m5": "P3", "m6": "P3", "m7": "P3", "m8": "P4"}
    new = cluster(list(old), [*chain("m1", "m2", "m5", "m6"), *chain("m3", "m4", "m7", "m8")])
    carried = carry_ids(old, new)
    assert carried.person_of_cluster[new.cluster_of["m1"]] == "P1"
    assert carried.person_of_cluster[new.cluster_of["m3"]] == "P2"
    assert carried.merged == {"P3": "P1", "P4": "P2"}
    # A tie (one mention each way) goes to the cluster with the lower id, whatever the order of the pairs.
    old = {"m1": "P1", "m2": "P1", "m3": "P2", "m4": "P2", "m5": "P3", "m6": "P3"}
    for pairs in (
        [*chain("m1", "m2", "m5"), *chain("m3", "m4", "m6")],
        [*chain("m4", "m3", "m6"), *chain("m2", "m1", "m5")],
    ):
        new = cluster(list(old), pairs)
        carried = carry_ids(old, new)
        receiving = min(new.cluster_of["m5"], new.cluster_of["m6"])
        assert carried.merged == {"P3": carried.person_of_cluster[receiving]}


def test_relations_agree_within_their_group_or_through_a_shared_home() -> None:
    assert relations_agree("ex_partner", "partner") and relations_agree("child", "family")
    assert relations_agree("household", "family") and relations_agree("partner", "household")
    assert not relations_agree("ex_partner", "family") and not relations_agree("neighbour", "neighbour")


def test_names_are_compatible_when_the_surname_agrees_and_nothing_contradicts() -> None:
    sandra = {
        "surname": "exact, common name",
        "given_names": "first equal, initials agree",
        "birth_date": "null",
    }
    assert names_compatible(sandra)
    assert not names_compatible({**sandra, "surname": "else"})
    assert not names_compatible({**sandra, "given_names": "else"})
    assert not names_compatible({**sandra, "birth_date": "else"})
    assert names_compatible({**sandra, "given_names": "null", "sex": "null"})
