"""Reads for the review queue, scoped to the user. Missing and forbidden look the same."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext, gettext_noop

from ketenzicht.audit.access import refuse
from ketenzicht.organisations.models import User
from ketenzicht.organisations.roles import Role
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration
from ketenzicht.registrations.sharing import visibility_filter

from .models import MentionLink, ReviewItem, ReviewItemEvent, ReviewStatus

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
    """The decided items the user may see (as `review_items_for_user`), the latest decision first; each
    with `decision_note`, the reviewer's reason for the decision that stands (None: none given)."""
    note = ReviewItemEvent.objects.filter(
        item=OuterRef("pk"), by_item=OuterRef("pk"), kind=ReviewItemEvent.Kind.DECIDED
    ).order_by("-at", "-pk")
    items = review_items_for_user(user=user, status=DECIDED)
    return items.annotate(decision_note=Subquery(note.values("note")[:1])).order_by("-decided_at", "-pk")


def review_items_joined(items: Collection[ReviewItem]) -> set[int]:
    """Of `items`, those a join answered (superseded with the step "joined" as the latest: the two mentions
    became one person without a decision on an item), for the list of decisions (one statement)."""
    superseded = [item.pk for item in items if item.status == ReviewStatus.SUPERSEDED]
    if not superseded:
        return set()
    latest = dict(
        ReviewItemEvent.objects.filter(item_id__in=superseded)
        .order_by("item_id", "at", "id")
        .values_list("item_id", "kind")
    )
    return {pk for pk, kind in latest.items() if kind == ReviewItemEvent.Kind.JOINED}


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


def review_shared_relations(item: ReviewItem) -> list[tuple[PersonMention, str]]:
    """The persons the item's two sides have in common through a relation (the evidence of the relation
    term, engine/context.py): each as the related mention in the registration of `item.mention`, with the
    relation's kind, when that mention's person also stands in a relation to a mention of the candidate's
    person, in any registration. Shown only to a reviewer who may open that registration (the caller)."""
    own = MentionRelation.objects.filter(registration_id=item.mention.registration_id).filter(
        Q(from_mention_id=item.mention_id) | Q(to_mention_id=item.mention_id)
    )
    related = {
        (r.to_mention_id if r.from_mention_id == item.mention_id else r.from_mention_id): r.get_kind_display()
        for r in own
    }
    person_of = dict(
        MentionLink.objects.filter(mention_id__in=related).values_list("mention_id", "person_id")
    )
    candidate = MentionLink.objects.filter(mention_id=item.candidate_id).values_list("person_id", flat=True)
    theirs = MentionLink.objects.filter(person_id__in=candidate).values_list("mention_id", flat=True)
    around = MentionRelation.objects.filter(Q(from_mention_id__in=theirs) | Q(to_mention_id__in=theirs))
    others = {m for pair in around.values_list("from_mention_id", "to_mention_id") for m in pair}
    known = set(MentionLink.objects.filter(mention_id__in=others).values_list("person_id", flat=True))
    shared = sorted(m for m, person in person_of.items() if person in known)
    mentions = PersonMention.objects.in_bulk(shared)
    return [(mentions[m], related[m]) for m in shared]


# --- the access log's names for review items (registered in apps.py) ---------------------------------------

_PAIR_SIGNS = ("↔", "<->")
# The word a review item's name begins with, in either language (the log's filter takes both).
_REVIEW_WORDS = ("review", "beoordeling")


def review_item_log_names(ids: Collection[str]) -> dict[str, str]:
    """The name of each review item of these ids (as the access log stores them): "Beoordeling" with the
    reference of its mention's registration and of its candidate's, "Beoordeling PL0600-2026-000017 ↔
    PL0600-2026-000005". Not scoped to a user: the access log's pages, for its readers only, name what was
    looked at."""
    numbers = [int(i) for i in ids if i.isdigit()]
    found = ReviewItem.objects.filter(pk__in=numbers).values_list(
        "pk", "mention__registration__reference", "candidate__registration__reference"
    )
    return {
        str(pk): gettext("Review %(mention)s ↔ %(candidate)s") % {"mention": mention, "candidate": candidate}
        for pk, mention, candidate in found
    }


def review_item_ids_of_log_name(text: str) -> list[str]:
    """The review items a name as the log shows it names: "Beoordeling" (or "Review") and the mention's
    registration reference, with or without "↔" and the candidate's; [] for text that is no review's name
    (a bare reference names its registration, not its reviews)."""
    words = text.split()
    named = bool(words) and words[0].casefold() in {*_REVIEW_WORDS, gettext("Review").casefold()}
    rest = " ".join(words[1:] if named else words)
    sign = next((s for s in _PAIR_SIGNS if s in rest), None)
    if not named and sign is None:
        return []
    mention, _sign, candidate = rest.partition(sign) if sign else (rest, "", "")
    mention, candidate = mention.strip(), candidate.strip()
    if not mention or (sign and not candidate):
        return []
    items = ReviewItem.objects.filter(mention__registration__reference=mention)
    if candidate:
        items = items.filter(candidate__registration__reference=candidate)
    return [str(pk) for pk in items.values_list("pk", flat=True)]
