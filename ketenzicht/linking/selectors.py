"""Reads for the review queue, scoped to the user. Missing and forbidden look the same."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import F, QuerySet
from django.utils.translation import gettext_noop

from ketenzicht.audit.access import refuse
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.registrations.models import Registration
from ketenzicht.registrations.sharing import visibility_filter

from .models import ReviewItem, ReviewStatus

REVIEW_PURPOSE = gettext_noop("review of person links")  # the access log shows it translated
REVIEWER_ROLES = (Role.FUNCTIONAL_ADMIN, Role.CASE_SCREENER)


def may_review(user: User) -> bool:
    return user.is_active and user.has_role(*REVIEWER_ROLES)


DECIDED = (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED, ReviewStatus.SUPERSEDED)


def review_items_for_user(
    *, user: User, status: str | Collection[str] = ReviewStatus.OPEN
) -> QuerySet[ReviewItem]:
    """Functional administrators see every item; case screeners the items whose two registrations they
    may both see. An open item whose two mentions are one person already (a merge on intake answered it)
    is not shown; it is again when that merge is undone. `status`: one status or several."""
    if not may_review(user):
        return ReviewItem.objects.none()
    statuses = [status] if isinstance(status, str) else list(status)
    items = ReviewItem.objects.filter(status__in=statuses).select_related(
        "mention__registration__municipality", "candidate__registration__municipality", "decided_by"
    )
    if statuses == [ReviewStatus.OPEN]:
        items = items.exclude(mention__link__person_id=F("candidate__link__person_id"))
    if user.has_role(Role.FUNCTIONAL_ADMIN):
        return items
    visible = visibility_filter(user)
    if visible is None:
        return ReviewItem.objects.none()
    seen = Registration.objects.filter(visible).values("pk")
    return items.filter(mention__registration__in=seen, candidate__registration__in=seen)


def review_decisions_for_user(*, user: User) -> QuerySet[ReviewItem]:
    """The decided items the user may see (as `review_items_for_user`), the latest decision first."""
    return review_items_for_user(user=user, status=DECIDED).order_by("-decided_at", "-pk")


def review_item_get_for_user(
    *, user: User, pk: int, origin: str = "", decided_too: bool = False
) -> ReviewItem:
    """An open review item the user may decide (with `decided_too`, or one decided already, to show or
    take back); missing and forbidden alike raise NotVisible (logged as refused)."""
    places = [review_items_for_user(user=user)]
    if decided_too:
        places.append(review_items_for_user(user=user, status=DECIDED))
    for items in places:
        item = items.filter(pk=pk).first()
        if item is not None:
            return item
    raise refuse(actor=user, object_type="review_item", object_id=pk, origin=origin, purpose=REVIEW_PURPOSE)
