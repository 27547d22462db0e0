"""Online linking on intake: link, new person or review; the BSN rule; reviewers' decisions take effect."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client, override_settings

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.intake.pipeline import intake_registration
from ketenzicht.linking.models import MentionLink, PairDecision, PersonMerge, ReviewItem
from ketenzicht.linking.services import mention_split, merge_undo, review_decide
from ketenzicht.patterns.models import Signal
from ketenzicht.persons.models import Person
from tests.conftest import exchange_registration, in_numbering
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db


def test_three_spellings_of_one_man_become_one_person_and_his_victim_another() -> None:
    first = register("R1", DENNIS, SANDRA)
    second = register(
        "R2", {**DENNIS, "given_names": "D.J.", "surname_prefix": "", "surname": "v.d. Linden"}, SANDRA
    )
    third = register(
        "R3", {**DENNIS, "given_names": "Dennis", "surname_prefix": "", "surname": "Linden, van der"}
    )
    assert person_of(first) == person_of(second) == person_of(third)
    assert person_of(first, "p2") == person_of(second, "p2") != person_of(first)
    assert MentionLink.objects.get(mention__registration=second, mention__ref="p1").method == "online"


def test_two_mentions_of_one_registration_are_never_one_person() -> None:
    registration = register("R1", DENNIS, dict(DENNIS))
    assert person_of(registration, "p1") != person_of(registration, "p2")


def test_a_different_stranger_becomes_a_new_person() -> None:
    first = register("R1", DENNIS)
    other = register("R2", {"given_names": "Mohamed", "surname": "El Amrani", "birth_date": "1990-02-11"})
    assert person_of(first) != person_of(other)
    assert MentionLink.objects.get(mention__registration=other).method == "new"


def test_her_mobile_number_links_her_where_her_name_alone_is_a_question() -> None:
    first = register("R1", DENNIS, {**SANDRA, "phone": "06-41234567"})
    # Registered again without a date of birth or an address: her name alone is not enough (a Sandra
    # Verbeek, one of several); the number she gave both times, written another way, makes her the same
    # person.
    later = {"given_names": "Sandra", "surname": "Verbeek", "sex": "F"}
    alone = register("R2", later)
    assert person_of(alone) != person_of(first, "p2")
    linked = register("R3", {**later, "phone": "+31 6 4123 4567"})
    assert person_of(linked) == person_of(first, "p2")
    assert MentionLink.objects.get(mention__registration=linked).method == "online"


def test_one_family_number_does_not_make_father_and_son_one_person() -> None:
    father = {**DENNIS, "given_names": "Johannes", "birth_date": "1958-06-30", "phone": "06-41234567"}
    son = {**DENNIS, "phone": "06-41234567"}  # the family's number given for both, same home
    first = register("R1", father)
    second = register("R2", son)
    assert person_of(first) != person_of(second)


def test_different_valid_bsns_are_never_joined_and_go_to_a_reviewer() -> None:
    first = register("R1", {**DENNIS, "bsn": "111222333"})
    second = register("R2", {**DENNIS, "bsn": "123456782"})
    assert person_of(first) != person_of(second)
    item = ReviewItem.objects.get(mention__registration=second)
    assert item.reason == "different valid BSNs" and item.status == "open"


@override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5)
def test_a_doubtful_pair_waits_for_a_reviewer_whose_decision_takes_effect_at_once(registrar: Any) -> None:
    first = register("R1", DENNIS)
    second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    assert person_of(first) != person_of(second)
    item = ReviewItem.objects.get(mention__registration=second)
    assert item.status == "open" and 0.5 <= item.probability < 0.999999999
    assert {c["name"] for c in item.comparisons} and item.match_weight == pytest.approx(
        item.prior_weight + sum(c["weight"] for c in item.comparisons)
    )
    review_decide(item=item, same=True, actor=registrar)
    assert person_of(first) == person_of(second)
    merge = PersonMerge.objects.get()
    assert Person.objects.get(pk=merge.source_id).merged_into_id == merge.target_id
    assert PairDecision.objects.get().decision == "same"
    assert AccessLogEntry.objects.filter(action="merge", object_type="person").exists()

    merge_undo(merge=merge, actor=registrar)
    assert person_of(first) != person_of(second)
    assert Person.objects.get(pk=merge.source_id).merged_into_id is None


@override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5)
def test_rejecting_keeps_them_apart_also_for_later_registrations(registrar: Any) -> None:
    register("R1", DENNIS)
    second = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    review_decide(item=ReviewItem.objects.get(mention__registration=second), same=False, actor=registrar)
    assert PairDecision.objects.get().decision == "different"
    assert ReviewItem.objects.get().status == "rejected"


def test_a_split_moves_one_mention_to_a_new_person_and_keeps_it_apart(registrar: Any) -> None:
    first = register("R1", DENNIS)
    second = register("R2", DENNIS)
    assert person_of(first) == person_of(second)
    mention = second.mentions.get(ref="p1")
    new = mention_split(mention=mention, actor=registrar)
    assert person_of(second) == new != person_of(first)
    assert PairDecision.objects.filter(decision="different").count() == 1
    assert AccessLogEntry.objects.filter(action="split").exists()


def test_a_model_that_does_not_fit_the_spec_fails_the_system_check(tmp_path: Any) -> None:
    from ketenzicht.linking.checks import link_model_fits

    assert link_model_fits() == []
    broken = tmp_path / "model.json"
    broken.write_text('{"probability_two_random_records_match": 0.001, "comparisons": []}', encoding="utf-8")
    with override_settings(KETENZICHT_LINK_MODEL=str(broken)):
        errors = link_model_fits()
    assert [e.id for e in errors] == ["linking.E001"]


@override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5)
def test_a_decision_closes_the_other_items_it_answers_and_says_so_in_their_history(registrar: Any) -> None:
    register("R1", DENNIS)
    for reference in ("R2", "R3", "R4"):
        register(reference, {"given_names": "D.J.", "surname": "v.d. Linden", "birth_date": "1986-00-00"})

    def item(mention: str, candidate: str) -> ReviewItem:
        return ReviewItem.objects.get(
            mention__registration__reference=in_numbering(mention),
            candidate__registration__reference=in_numbering(candidate),
        )

    assert ReviewItem.objects.filter(status="open").count() == 6  # every pair of the four
    review_decide(item=item("R2", "R1"), same=True, actor=registrar)
    review_decide(item=item("R3", "R1"), same=True, actor=registrar)
    review_decide(item=item("R4", "R1"), same=True, actor=registrar)
    # R3~R2, R4~R2 and R4~R3 were answered by the merges: closed, not left to be accepted again.
    assert not ReviewItem.objects.filter(status="open").exists()
    closed = item("R4", "R3")
    assert closed.status == "superseded" and closed.decided_by == registrar
    (entry,) = closed.events.all()
    assert (entry.kind, entry.status, entry.decision) == ("superseded", "superseded", "same")
    assert entry.by_item == item("R4", "R1") and entry.actor == registrar and entry.at
    assert item("R3", "R2").events.get().by_item == item("R3", "R1")
    decided = item("R2", "R1").events.get()  # decided on itself
    assert (decided.kind, decided.status, decided.by_item) == ("decided", "accepted", item("R2", "R1"))


@override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE linking_reviewitemevent SET decision = 'different'", "DELETE FROM linking_reviewitemevent"],
)
def test_a_review_items_history_refuses_to_be_rewritten(registrar: Any, statement: str) -> None:
    register("R1", DENNIS)
    register("R2", {"given_names": "D.J.", "surname": "v.d. Linden", "birth_date": "1986-00-00"})
    review_decide(item=ReviewItem.objects.get(), same=False, actor=registrar)
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ReviewItem.objects.get().events.get().decision == "different"


@override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.5)
def test_different_persons_closes_the_items_between_the_same_two_persons(registrar: Any) -> None:
    register("R1", DENNIS)
    for reference in ("R2", "R3"):
        register(reference, {"given_names": "D.J.", "surname": "v.d. Linden", "birth_date": "1986-00-00"})
    items = {
        (
            i.mention.registration.reference.removeprefix("PL0600-"),
            i.candidate.registration.reference.removeprefix("PL0600-"),
        ): i
        for i in ReviewItem.objects.select_related("mention__registration", "candidate__registration")
    }
    review_decide(item=items["R3", "R2"], same=True, actor=registrar)  # R2 and R3: one person
    review_decide(item=items["R2", "R1"], same=False, actor=registrar)
    still = {i.pk: i for i in ReviewItem.objects.all()}
    assert still[items["R3", "R1"].pk].status == "superseded"  # R3 is R2's person: answered too
    step = still[items["R3", "R1"].pk].events.get()
    assert (step.by_item_id, step.decision) == (items["R2", "R1"].pk, "different")


SANDRA_IN_FULL = {
    "given_names": "Sandra Wilhelmina",
    "surname": "Verbeek",
    "birth_date": "1988-09-02",
    "sex": "F",
}


def test_a_victim_without_a_date_of_birth_is_asked_about_through_her_relation_to_the_suspect(
    registrar: Any, make_user: Any
) -> None:
    first = register("R1", DENNIS, SANDRA_IN_FULL)
    second = register("R2", DENNIS, {"given_names": "Sandra", "surname": "Verbeek"})
    assert person_of(second) == person_of(first)  # Dennis is linked
    assert person_of(second, "p2") != person_of(first, "p2")  # too little to link her on the name alone
    item = ReviewItem.objects.get(mention__registration=second, mention__ref="p2")
    assert item.candidate == first.mentions.get(ref="p2") and item.status == "open"
    assert item.reason == "named before as ex-partner of the same person; the name fits"
    # The shipped relation term lifts her (same ex-partner of the same man), not up to a link.
    assert item.comparisons[-1]["name"] == "relation" and item.comparisons[-1]["weight"] > 0

    client = Client()
    client.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    listing = client.get("/koppelingen/beoordelen/").content.decode()
    assert "eerder genoemd als ex-partner van dezelfde persoon; de naam past" in listing
    assert (
        "eerder genoemd als ex-partner" in client.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    )

    review_decide(item=item, same=True, actor=registrar)
    assert person_of(second, "p2") == person_of(first, "p2")
    # The pair's signals now rest on both registrations.
    pair = Signal.objects.get(suspect=person_of(first), victim=person_of(first, "p2"))
    assert set(pair.registrations.all()) == {first, second}


def test_no_question_through_a_relation_when_the_name_does_not_fit() -> None:
    register("R1", DENNIS, SANDRA_IN_FULL)
    register("R2", DENNIS, {"given_names": "Fatima", "surname": "Bakker"})
    register("R3", DENNIS, {"given_names": "Sandra", "surname": "Verbeek", "birth_date": "1979-01-01"})
    assert not ReviewItem.objects.exists()


def test_a_new_mention_at_the_home_of_a_linked_person_is_asked_about_too() -> None:
    first = register("R1", DENNIS, SANDRA_IN_FULL)
    home = {"postcode": "5616 KD", "house_number": "41"}  # Dennis's address
    data = exchange_registration(
        reference="PL0600-R2",
        persons=[
            {"ref": "p1", "role": "suspect", **DENNIS},
            {"ref": "p2", "role": "involved", "given_names": "S.", "surname": "Verbeek", "address": home},
        ],
        relations=[],
    )
    second = intake_registration(actor=None, data=data, channel="import").registration
    assert person_of(second) == person_of(first) and person_of(second, "p2") != person_of(first, "p2")
    item = ReviewItem.objects.get(mention__registration=second, mention__ref="p2")
    assert item.candidate == first.mentions.get(ref="p2")
    assert item.reason == "named before as ex-partner of the same person; the name fits"
