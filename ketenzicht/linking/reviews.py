"""Reading review items, logged: the queue a reviewer is shown and one item opened. Refusals are logged by
`review_item_get_for_user` (through audit.access), reads here, so each request writes one entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from ketenzicht.audit.access import listed, read
from ketenzicht.organisations.models import User

from .models import MentionLink, ReviewItem
from .selectors import REVIEW_PURPOSE, review_item_get_for_user


def _persons_of(items: Iterable[ReviewItem]) -> list[int]:
    """The persons of both mentions of each item (for the access log)."""
    mentions = {m for item in items for m in (item.mention_id, item.candidate_id)}
    return list(MentionLink.objects.filter(mention_id__in=mentions).values_list("person_id", flat=True))


def review_list_logged(*, user: User, origin: str, shown: list[ReviewItem], refused: bool = False) -> None:
    """The queue (or the list of decisions) shown to `user` (or refused: the role reviews nothing)."""
    listed(
        actor=user, object_type="review_item", purpose=REVIEW_PURPOSE, origin=origin,
        detail={"count": len(shown)}, persons=_persons_of(shown), refused=refused,
    )  # fmt: skip


def review_item_open(*, user: User, pk: int, origin: str) -> ReviewItem:
    """A review item for reading, open or decided, logged; NotVisible (logged as refused) for missing and
    forbidden."""
    item = review_item_get_for_user(user=user, pk=pk, origin=origin, decided_too=True)
    with transaction.atomic():
        read(
            actor=user, object_type="review_item", object_id=pk, purpose=REVIEW_PURPOSE, origin=origin,
            persons=_persons_of([item]),
        )  # fmt: skip
    return item
