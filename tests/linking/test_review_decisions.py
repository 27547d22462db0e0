"""A reviewer's decision: what may not be merged, what must be confirmed, a decision taken back, a decision
taken twice (two tabs), and the list of decisions taken."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from ketenzicht.audit.models import AccessLogEntry
from ketenzicht.linking.models import MentionLink, PairDecision, PersonMerge, ReviewItem, ReviewItemEvent
from ketenzicht.linking.services import (
    CONFLICT_BSNS,
    CONFLICT_DATES,
    merge_undo,
    person_merge,
    review_conflict,
)
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db

# Every pair from a probability of 0.0001 up is a review item, none is linked: each test sets up its pair.
DOUBT_ALL = {"KETENZICHT_LINK_UPPER": 0.999999999, "KETENZICHT_LINK_LOWER": 0.0001}
VARIANT = {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"}


def pair(first: dict[str, Any], second: dict[str, Any]) -> tuple[Any, Any, ReviewItem]:
    with override_settings(**DOUBT_ALL):
        one, two = register("R1", first), register("R2", second)
    assert person_of(one) != person_of(two)
    return one, two, ReviewItem.objects.get()


def admin_client(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("functional_admin", organisation="ketenzicht-beheer"))
    return client


def page(client: Client, item: ReviewItem) -> str:
    return client.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()


def decide(client: Client, item: ReviewItem, **data: str) -> list[str]:
    """POST on the item; the messages shown after the redirect."""
    response = client.post(f"/koppelingen/beoordelen/{item.pk}/", data, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_two_persons_with_different_valid_bsns_cannot_be_merged(make_user: Callable[..., Any]) -> None:
    one, two, item = pair({**DENNIS, "bsn": "111222333"}, {**VARIANT, "bsn": "123456782"})
    assert review_conflict(item) == CONFLICT_BSNS
    client = admin_client(make_user)
    shown = page(client, item)
    assert 'data-testid="conflict-bsns"' in shown and "verschillende geldige BSN" in shown
    assert 'data-testid="accept"' not in shown and 'data-testid="reject"' in shown
    said = decide(client, item, decision="same")  # the button is not there; the request is refused anyway
    assert said == ["Niet samengevoegd: verschillende geldige BSN’s."]
    assert person_of(one) != person_of(two) and ReviewItem.objects.get().status == "open"
    said = decide(client, item, decision="different")
    assert said == ["Besloten: D.J. Linden en Dennis Johannes van der Linden zijn verschillende personen."]
    assert ReviewItem.objects.get().status == "rejected"


def test_the_bsn_conflict_counts_every_mention_of_the_persons_not_only_the_two_shown() -> None:
    known = register("R0", {**DENNIS, "bsn": "111222333"})
    without = register("R1", DENNIS)  # linked to the same person, without a BSN of its own
    assert person_of(without) == person_of(known)
    with override_settings(**DOUBT_ALL):
        register("R2", {**VARIANT, "bsn": "123456782"})
    item = ReviewItem.objects.get()
    item.candidate = without.mentions.get()  # the pair shown: two mentions, one without a BSN
    assert review_conflict(item) == CONFLICT_BSNS
    item.candidate.link.person.mention_links.exclude(
        mention=item.candidate
    ).delete()  # the BSN's mention gone
    assert review_conflict(item) is None


def test_contradicting_dates_of_birth_are_merged_only_when_confirmed(make_user: Callable[..., Any]) -> None:
    one, two, item = pair(DENNIS, {**VARIANT, "birth_date": "1991-07-02"})
    assert review_conflict(item) == CONFLICT_DATES
    client = admin_client(make_user)
    shown = page(client, item)
    assert 'data-testid="conflict-dates"' in shown and 'name="dates_confirmed"' in shown
    said = decide(client, item, decision="same")
    assert said == [
        "De geboortedata verschillen: bevestig dat u dat gezien hebt, of kies verschillende personen."
    ]
    assert person_of(one) != person_of(two)
    said = decide(client, item, decision="same", dates_confirmed="yes")
    assert person_of(one) == person_of(two)
    assert said == [
        f"Besloten: D.J. Linden en Dennis Johannes van der Linden zijn dezelfde persoon, {person_of(one)}."
    ]


def test_a_merge_taken_back_splits_the_persons_and_reopens_the_item_and_what_it_answered(
    make_user: Callable[..., Any],
) -> None:
    one, two, item = pair(DENNIS, VARIANT)
    before = (person_of(one), person_of(two))
    methods = set(MentionLink.objects.values_list("mention_id", "method"))
    # The same question asked the other way round: the decision on `item` answers it too.
    mirrored = ReviewItem.objects.create(
        mention=item.candidate,
        candidate=item.mention,
        probability=item.probability,
        match_weight=item.match_weight,
        comparisons=item.comparisons,
        prior_weight=item.prior_weight,
        reason=item.reason,
    )
    client = admin_client(make_user)
    decide(client, item, decision="same")
    assert person_of(one) == person_of(two)
    assert ReviewItem.objects.get(pk=mirrored.pk).status == "superseded"
    assert PairDecision.objects.get().decision == "same"

    listing = client.get("/koppelingen/beoordelen/besluiten/").content.decode()
    assert "beantwoord door een ander besluit" in listing and "dezelfde persoon" in listing
    shown = page(client, mirrored)  # the answered item says by which item, and links to it
    assert f'href="/koppelingen/beoordelen/{item.pk}/"' in shown and 'data-testid="undo"' not in shown
    shown = page(client, item)
    assert "Besluit terugdraaien" in shown and 'data-testid="undo"' in shown
    said = decide(client, item, action="undo")
    assert said == ["Besluit teruggedraaid: 2 items zijn weer open."]
    assert (person_of(one), person_of(two)) == before
    assert set(MentionLink.objects.values_list("mention_id", "method")) == methods  # as linked before
    assert not PairDecision.objects.exists()
    assert PersonMerge.objects.get().undone_at is not None
    assert set(ReviewItem.objects.values_list("status", flat=True)) == {"open"}
    reopened = ReviewItemEvent.objects.filter(kind="reopened")
    assert {(e.item_id, e.by_item_id, e.decision) for e in reopened} == {
        (item.pk, item.pk, "same"),
        (mirrored.pk, item.pk, "same"),
    }
    listing = client.get("/koppelingen/beoordelen/").content.decode()
    assert f'href="/koppelingen/beoordelen/{item.pk}/"' in listing  # back in the queue
    assert AccessLogEntry.objects.filter(action="link", detail__undone="same").count() == 1


def test_keeping_apart_taken_back_lifts_the_pair_decision(make_user: Callable[..., Any]) -> None:
    one, two, item = pair(DENNIS, VARIANT)
    client = admin_client(make_user)
    decide(client, item, decision="different")
    assert PairDecision.objects.get().decision == "different"
    assert decide(client, item, action="undo") == ["Besluit teruggedraaid: het item is weer open."]
    assert not PairDecision.objects.exists() and ReviewItem.objects.get().status == "open"
    assert person_of(one) != person_of(two)


def test_a_merge_is_taken_back_only_after_a_later_merge_of_its_person(make_user: Callable[..., Any]) -> None:
    one, two, item = pair(DENNIS, VARIANT)
    client = admin_client(make_user)
    decide(client, item, decision="same")
    kept = person_of(one)
    other = person_of(
        register("R3", {"given_names": "Kees", "surname": "de Vries", "birth_date": "1979-05-30"})
    )
    later = person_merge(source=kept, target=other, actor=None, reason="review 999")  # merged on afterwards
    said = decide(client, item, action="undo")
    assert said == [
        "Niet teruggedraaid: een latere samenvoeging betreft deze persoon; draai dat besluit eerst terug."
    ]
    assert (
        ReviewItem.objects.get(pk=item.pk).status == "accepted" and person_of(one) == person_of(two) == other
    )
    merge_undo(merge=later, actor=None)
    assert decide(client, item, action="undo") == ["Besluit teruggedraaid: het item is weer open."]
    assert person_of(one) != person_of(two)


def test_a_decision_taken_in_another_tab_is_named_not_refused(make_user: Callable[..., Any]) -> None:
    one, two, item = pair(DENNIS, VARIANT)
    reviewer = make_user("functional_admin", organisation="ketenzicht-beheer")
    reviewer.first_name, reviewer.last_name = "Ingrid", "Verhoeven"
    reviewer.save()
    client = Client()
    client.force_login(reviewer)
    decide(client, item, decision="same")
    refusals = AccessLogEntry.objects.filter(result="refused").count()
    said = decide(client, item, decision="different")  # the second tab still showed the buttons
    assert len(said) == 1 and said[0].startswith("Over dit item is al besloten. Besloten op ")
    assert said[0].endswith(" door Ingrid Verhoeven: dezelfde persoon.")
    assert person_of(one) == person_of(two) and ReviewItem.objects.get().status == "accepted"
    assert decide(client, item, action="undo") == ["Besluit teruggedraaid: het item is weer open."]
    said = decide(client, item, action="undo")  # the second tab still showed "take back"
    assert len(said) == 1 and said[0].startswith("Het besluit was al teruggedraaid: op ")
    assert said[0].endswith(" door Ingrid Verhoeven.")
    assert (
        ReviewItem.objects.get().status == "open"
        and ReviewItemEvent.objects.filter(kind="reopened").count() == 1
    )
    assert AccessLogEntry.objects.filter(result="refused").count() == refusals


def test_the_decisions_taken_are_listed_for_who_may_see_the_pair(make_user: Callable[..., Any]) -> None:
    _, _, item = pair(DENNIS, VARIANT)
    client = admin_client(make_user)
    assert (
        "Er zijn nog geen besluiten genomen."
        in client.get("/koppelingen/beoordelen/besluiten/").content.decode()
    )
    decide(client, item, decision="different")
    listing = client.get("/koppelingen/beoordelen/besluiten/").content.decode()
    assert f'href="/koppelingen/beoordelen/{item.pk}/"' in listing and "verschillende personen" in listing
    queue = client.get("/koppelingen/beoordelen/").content.decode()
    assert 'href="/koppelingen/beoordelen/besluiten/"' in queue  # reached from the queue
    other = Client()
    other.force_login(make_user("case_screener", organisation="limburg"))
    assert (
        f'href="/koppelingen/beoordelen/{item.pk}/"'
        not in other.get("/koppelingen/beoordelen/besluiten/").content.decode()
    )
    assert other.get(f"/koppelingen/beoordelen/{item.pk}/").status_code == 404
    assert other.post(f"/koppelingen/beoordelen/{item.pk}/", {"action": "undo"}).status_code == 404
    assert ReviewItem.objects.get().status == "rejected"


def test_the_dossier_says_a_reviewer_joined_a_registration(make_user: Callable[..., Any]) -> None:
    one, two, item = pair(DENNIS, VARIANT)
    decide(admin_client(make_user), item, decision="same")
    screener = Client()
    screener.force_login(make_user("case_screener", organisation="oost-brabant"))
    person = person_of(one)
    purpose = {"purpose_reason": "screening", "purpose_text": "screening of a new report"}
    screener.post(f"/personen/{person.pk}/", purpose)
    dossier = screener.get(f"/personen/{person.pk}/").content.decode()
    assert dossier.count("samengevoegd door een beoordelaar") == 1  # the moved registration, not the other
    decide(admin_client(make_user), item, action="undo")
    for registration in (one, two):  # apart again, each as it was linked before: no word of a merge
        shown = person_of(registration)
        screener.post(f"/personen/{shown.pk}/", purpose)
        assert "samengevoegd" not in screener.get(f"/personen/{shown.pk}/").content.decode()


def test_the_person_both_sides_are_related_to_is_named_to_who_may_see_the_registration(
    make_user: Callable[..., Any],
) -> None:
    register("R1", DENNIS, {**SANDRA, "given_names": "Sandra Wilhelmina", "birth_date": "1988-09-02"})
    register("R2", DENNIS, {"given_names": "Sandra", "surname": "Verbeek"})  # too little on her own
    item = ReviewItem.objects.get()
    assert item.mention.ref == "p2" and item.comparisons[-1]["name"] == "relation"
    screener = Client()
    screener.force_login(make_user("case_screener", organisation="oost-brabant"))
    shown = page(screener, item)
    assert 'data-testid="shared-relation"' in shown
    assert (
        "Aan beide kanten verbonden met dezelfde persoon: Dennis Johannes van der Linden (ex-partner)."
        in shown
    )
    # Its priority, part by part: why it stands at the top of the queue.
    said = re.search(r'data-testid="priority">([^<]+)</p>', shown)
    assert said is not None
    parts = said.group(1).split(": ", 1)[1].rstrip(".").split(" + ")
    assert said.group(1).startswith(f"Prioriteit {item.priority}: ")
    assert parts[:2] == [
        "in een relatie van huiselijk geweld met een al bekende persoon 100",
        "rol van de vermelding 20",
    ]
    assert sum(int(part.rsplit(" ", 1)[1]) for part in parts) == item.priority
    # A functional administrator reviews from the two mentions alone: no third person's name.
    assert 'data-testid="shared-relation"' not in page(admin_client(make_user), item)


def test_a_registration_opened_from_an_item_leads_back_to_it(make_user: Callable[..., Any]) -> None:
    one, _, item = pair(DENNIS, VARIANT)
    screener = Client()
    screener.force_login(make_user("case_screener", organisation="oost-brabant"))
    shown = page(screener, item)
    link = re.search(r'href="([^"]+)" data-testid="registration-b"', shown)
    assert link is not None and link.group(1).endswith(f"?terug=%2Fkoppelingen%2Fbeoordelen%2F{item.pk}%2F")
    registration = screener.get(html.unescape(link.group(1))).content.decode()
    assert f'href="/koppelingen/beoordelen/{item.pk}/" data-testid="back"' in registration
    for elsewhere in (
        "https://elders.example/",
        "//elders.example/",
        "/\\elders.example/",
        "javascript:alert(1)",
    ):
        opened = screener.get(f"/registraties/{one.pk}/", {"terug": elsewhere}).content.decode()
        assert 'data-testid="back"' not in opened  # only a page of this site


def test_joined_to_one_of_two_namesakes_the_question_about_the_other_is_answered(
    make_user: Callable[..., Any],
) -> None:
    # "M. El Amrani, 1990" against two men of that name with their own BSNs: once a reviewer joins the
    # mention to one of them, it cannot be the other (two valid BSNs), so that item closes; taken back,
    # both are asked again.
    with override_settings(**DOUBT_ALL):
        first = register("R1", {**DENNIS, "bsn": "111222333"})
        second = register("R2", {**DENNIS, "bsn": "123456782"})
        third = register("R3", VARIANT)
    assert len({person_of(first), person_of(second), person_of(third)}) == 3
    asked = ReviewItem.objects.filter(mention__registration=third)
    to_first = asked.get(candidate__registration=first)
    to_second = asked.get(candidate__registration=second)
    client = admin_client(make_user)
    decide(client, to_first, decision="same")
    assert person_of(third) == person_of(first)
    assert ReviewItem.objects.get(pk=to_second.pk).status == "superseded"
    assert f'href="/koppelingen/beoordelen/{to_first.pk}/"' in page(client, to_second)  # answered by that one
    decide(client, to_first, action="undo")
    assert {ReviewItem.objects.get(pk=i.pk).status for i in (to_first, to_second)} == {"open"}
