"""A review question whose two mentions became one person without a decision on it (the relation on intake,
a bridge, a rebuild) does not stay open: it is closed as answered, with a step "joined" in its history, and
asked again when the two are two persons again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import F
from django.test import Client, override_settings
from django.utils import translation

from ketenzicht.intake.pipeline import IntakeResult, intake_registrations
from ketenzicht.linking.models import PairDecision, ReviewItem, ReviewItemEvent, ReviewStatus
from ketenzicht.linking.rebuild import persons_rebuild
from ketenzicht.linking.selectors import review_items_for_user
from ketenzicht.linking.services import person_merge
from tests.conftest import exchange_registration, in_numbering
from tests.people import DENNIS, SANDRA, person_of, register

pytestmark = pytest.mark.django_db

EX_PARTNER = [{"from": "p1", "to": "p2", "kind": "ex_partner"}]
HOME = {"street": "Merelstraat", "house_number": "7", "postcode": "5213 AB", "city": "'s-Hertogenbosch"}
SANDRA_AT_HOME = {**SANDRA, "address": HOME}
# The ex-partner-den-bosch storyline of the demo: Dennis written four ways, with his ex-partner Sandra.
WRITTEN = [
    ("R029", {"given_names": "Dennis", "surname_prefix": "van der", "surname": "Linden",
              "birth_date": "1986-03-14", "sex": "M", "bsn": "158161865"}, "2026-07-08T21:40:00+02:00"),
    ("R037", {"given_names": "D.J.", "surname": "v.d. Linden"}, "2026-08-09T00:25:00+02:00"),
    ("R006", {"given_names": "Dennis", "surname": "Linden, van der"}, "2026-09-01T10:05:00+02:00"),
    ("R050", {"given_names": "Dennis Johannes", "surname_prefix": "van der", "surname": "Linden",
              "birth_date": "1986-03-14", "sex": "M"}, "2026-10-25T21:15:00+01:00"),
]  # fmt: skip


def _storyline() -> list[Any]:
    items = [
        exchange_registration(
            reference=in_numbering(reference),
            registered_at=at,
            occurred_at=at,
            persons=[
                {"ref": "p1", "role": "suspect", **dennis},
                {"ref": "p2", "role": "victim", **SANDRA_AT_HOME},
            ],
            relations=EX_PARTNER,
        )
        for reference, dennis, at in WRITTEN
    ]
    outcomes = intake_registrations(actor=None, items=items, channel="import")
    assert all(isinstance(outcome, IntakeResult) for outcome in outcomes), outcomes
    return [outcome.registration for outcome in outcomes if isinstance(outcome, IntakeResult)]


def _answered_but_open() -> list[ReviewItem]:
    return list(
        ReviewItem.objects.filter(
            status=ReviewStatus.OPEN, mention__link__person_id=F("candidate__link__person_id")
        )
    )


def test_a_question_the_relation_answered_in_the_same_batch_is_not_left_open() -> None:
    """The demo's open item behind the dossier's dead link: in one batch "D.J. v.d. Linden" and "Dennis
    Linden, van der" were each made a new person and asked about each other through Sandra, and then both
    were linked to Dennis through her; the question stayed open, hidden from the queue."""
    registrations = _storyline()
    assert len({person_of(registration) for registration in registrations}) == 1
    assert _answered_but_open() == []


def _item(mention: Any, candidate: Any, **fields: Any) -> ReviewItem:
    return ReviewItem.objects.create(
        mention=mention, candidate=candidate, probability=0.9, match_weight=3.0, comparisons=[],
        prior_weight=-10.0, reason="between thresholds", **fields,
    )  # fmt: skip


def test_a_rebuild_closes_the_questions_its_persons_answer_and_asks_again_what_it_keeps_apart() -> None:
    first, second = register("R1", DENNIS), register("R2", DENNIS)
    other = register("R3", SANDRA)
    assert person_of(first) == person_of(second) != person_of(other)
    p1 = {r: r.mentions.get(ref="p1") for r in (first, second, other)}
    # Left open before: its two mentions are one person. And one closed by a join, its two apart now.
    stale = _item(p1[second], p1[first])
    apart = _item(p1[other], p1[first], status=ReviewStatus.SUPERSEDED)
    ReviewItemEvent.objects.create(
        item=apart, at=apart.created_at, kind="joined", status="superseded", decision="same", by_item=apart
    )
    decided = _item(p1[other], p1[second], status=ReviewStatus.SUPERSEDED)  # joined, then kept apart
    ReviewItemEvent.objects.create(
        item=decided,
        at=decided.created_at,
        kind="joined",
        status="superseded",
        decision="same",
        by_item=decided,
    )
    PairDecision.objects.create(left=p1[second], right=p1[other], decision="different")

    persons_rebuild()

    stale.refresh_from_db()
    apart.refresh_from_db()
    decided.refresh_from_db()
    assert (stale.status, apart.status, decided.status) == ("superseded", "open", "superseded")
    assert [e.kind for e in stale.events.all()] == ["joined"]
    assert [e.kind for e in apart.events.all()] == ["joined", "reopened"]
    assert _answered_but_open() == []


def test_a_question_answered_by_a_merge_on_intake_says_so_and_links_no_decision(
    make_user: Callable[..., Any],
) -> None:
    with override_settings(KETENZICHT_LINK_UPPER=0.999999999, KETENZICHT_LINK_LOWER=0.0001):
        one = register("R1", DENNIS)
        two = register("R2", {"given_names": "D.J.", "surname": "Linden", "birth_date": "1986-00-00"})
    item = ReviewItem.objects.get()
    # What a bridge on intake does (bridges.py): the two persons merged, no reviewer's decision on the item.
    person_merge(source=person_of(two), target=person_of(one), actor=None, reason="bridge: mention 9")
    admin = make_user("functional_admin", organisation="ketenzicht-beheer")
    item.refresh_from_db()
    assert (item.status, item.decided_by) == (ReviewStatus.SUPERSEDED, None)
    assert item not in review_items_for_user(user=admin)
    client = Client()
    client.force_login(admin)
    shown = client.get(f"/koppelingen/beoordelen/{item.pk}/").content.decode()
    decided = shown.split('data-testid="decided"', 1)[1].split("</div>", 1)[0]
    assert "/koppelingen/beoordelen/" not in decided and 'data-testid="undo"' not in shown
    listing = client.get("/koppelingen/beoordelen/besluiten/").content.decode()
    assert f'href="/koppelingen/beoordelen/{item.pk}/"' in listing
    with translation.override("nl"):
        joined, other = (
            translation.gettext(t) for t in ("answered: both mentions are one person now", "superseded")
        )
    assert joined in listing and other not in listing
