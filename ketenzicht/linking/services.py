"""Review items and the reviewer's decisions (merge, keep apart, split, undo)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.registrations.domestic import domestic_violence
from ketenzicht.registrations.models import PersonMention

from .engine.model import Score
from .engine.resolve import bsns_contradict, dates_contradict
from .models import (
    LinkMethod,
    MentionFeatures,
    MentionLink,
    PairDecision,
    PersonMerge,
    ReviewItem,
    ReviewItemEvent,
    ReviewStatus,
)
from .signals import persons_relinked
from .turn import link_turn

ROLE_PRIORITY = {"suspect": 30, "victim": 20}
# An item whose mention stands in a domestic-violence relation (partner, ex-partner, family, household) to a
# mention linked to a person the register already knew comes before every other item: the person it may be
# is in a case with that person now. The rest is at most 30 + 30 + 10.
LINKED_RELATION_PRIORITY = 100


def _in_relation_to_linked_person(mention: PersonMention, circle: set[str]) -> bool:
    """`mention` stands in a relation of a kind in `circle`, either direction, to a mention of its
    registration that is linked to a person already known (not made new for it)."""
    others = {
        r.to_mention_id if r.from_mention_id == mention.pk else r.from_mention_id
        for r in mention.registration.relations.all()
        if r.kind in circle and mention.pk in (r.from_mention_id, r.to_mention_id)
    }
    if not others:
        return False
    return MentionLink.objects.filter(mention_id__in=others).exclude(method=LinkMethod.NEW).exists()


# What an item's priority is made of, as the review page names the parts.
PRIORITY_LINKED_RELATION = gettext_noop("in a domestic-violence relation to a person already known")
PRIORITY_ROLE = gettext_noop("the mention's role")
PRIORITY_CLOSE = gettext_noop("domestic-violence offence between partners or family")
PRIORITY_PROBABILITY = gettext_noop("match probability")


def priority_parts(mention: PersonMention, probability: float) -> list[tuple[str, int]]:
    """The parts of an item's priority (msgid, points), those that count: the priority is their sum."""
    registration = mention.registration
    offences = {o.article for o in registration.offences.all()}
    relations = {r.kind for r in registration.relations.all()}
    domestic = domestic_violence()
    circle = set(domestic.circle)
    close = bool(offences & domestic.offences) and bool(relations & circle)
    parts = [
        (
            PRIORITY_LINKED_RELATION,
            LINKED_RELATION_PRIORITY if _in_relation_to_linked_person(mention, circle) else 0,
        ),
        (PRIORITY_ROLE, ROLE_PRIORITY.get(mention.role, 10)),
        (PRIORITY_CLOSE, 30 if close else 0),
        (PRIORITY_PROBABILITY, int(10 * probability)),
    ]
    return [(label, points) for label, points in parts if points]


def _priority(mention: PersonMention, probability: float) -> int:
    return sum(points for _, points in priority_parts(mention, probability))


def review_item_for(mention: PersonMention, candidate_id: int, score: Score, reason: str) -> ReviewItem:
    return ReviewItem(
        mention=mention,
        candidate_id=candidate_id,
        probability=score.match_probability,
        match_weight=score.match_weight,
        prior_weight=score.prior_weight,
        comparisons=[{"name": c.name, "level": c.level, "weight": c.weight} for c in score.comparisons],
        reason=reason,
        priority=_priority(mention, score.match_probability),
    )


# --- reviewers' decisions -----------------------------------------------------------------------------

# Why a reviewer's "same person" is refused (two valid BSNs: never one person, as in linking itself), or
# must be confirmed (complete dates of birth that no slip explains: a date may have been registered wrong).
CONFLICT_BSNS = gettext_noop("different valid BSNs")
CONFLICT_DATES = gettext_noop("different dates of birth")


class ReviewRefused(Exception):
    """A reviewer's decision that is not carried out; `reason` says why (a msgid, shown translated)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def review_conflict(item: ReviewItem) -> str | None:
    """What speaks against merging the persons of the item's two mentions, over all their mentions (not
    only the two shown): CONFLICT_BSNS when their valid BSNs contradict, CONFLICT_DATES when their
    complete dates of birth do (`engine.resolve`, as for a bridge on intake); else None.
    The reason only, never the values: they may come from registrations the reviewer may not see."""
    person_of = dict(
        MentionLink.objects.filter(mention_id__in=[item.mention_id, item.candidate_id]).values_list(
            "mention_id", "person_id"
        )
    )
    mine, theirs = person_of.get(item.mention_id), person_of.get(item.candidate_id)
    if mine is None or theirs is None or mine == theirs:
        return None
    bsns: dict[int, set[str]] = {mine: set(), theirs: set()}
    dates: dict[int, Counter[str]] = {mine: Counter(), theirs: Counter()}
    rows = MentionFeatures.objects.filter(mention__link__person_id__in=[mine, theirs]).values_list(
        "mention__link__person_id", "bsn", "data"
    )
    for person, bsn, data in rows:
        if bsn:
            bsns[person].add(bsn)
        date = str(data.get("birth_date") or "")
        if len(date) == 8:  # complete
            dates[person][date] += 1
    if bsns_contradict(bsns[mine], bsns[theirs]):
        return CONFLICT_BSNS
    if dates_contradict(dates[mine], dates[theirs]):
        return CONFLICT_DATES
    return None


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def pair_decide(*, left_id: int, right_id: int, decision: str, actor: User | None) -> None:
    left, right = _pair(left_id, right_id)
    PairDecision.objects.update_or_create(
        left_id=left, right_id=right, defaults={"decision": decision, "decided_by": actor}
    )


@transaction.atomic
def person_merge(
    *,
    source: Person,
    target: Person,
    actor: User | None,
    reason: str,
    method: str = LinkMethod.REVIEW,
    close_joined: bool = True,
) -> PersonMerge:
    """Move every mention of `source` to `target`; `source` then points at `target`. Reversible.
    `method`: how the moved links are marked (a reviewer's decision, or online for a bridge on intake).
    The open review items the merge answered (both mentions one person now) are closed as joined
    (`review_items_follow_links`); `close_joined=False` for a reviewer's decision, which closes them itself,
    as answered by its item."""
    link_turn()  # the persons as the last intake or decision left them (turn.py)
    before = dict(MentionLink.objects.filter(person=source).values_list("mention_id", "method"))
    moved = list(before)
    MentionLink.objects.filter(mention_id__in=moved).update(person=target, method=method)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    merge = PersonMerge.objects.create(
        source=source, target=target, mention_ids=moved, methods={str(m): k for m, k in before.items()},
        reason=reason, by=actor,
    )  # fmt: skip
    if close_joined:
        review_items_follow_links(persons=[target.pk], actor=actor)
    persons_relinked.send(sender=PersonMerge, persons={source.pk, target.pk})
    access_log_record(
        actor=actor, action=Action.MERGE, object_type="person", object_id=target.pk, result=Result.STORED,
        origin="linking", detail={"merged": source.pk, "mentions": moved, "reason": reason},
    )  # fmt: skip
    return merge


@transaction.atomic
def merge_undo(*, merge: PersonMerge, actor: User | None) -> None:
    """Give the merged person back its mentions (those still with the target) and its own identity."""
    link_turn()  # the persons as the last intake or decision left them (turn.py)
    if merge.undone_at is not None:
        return
    back = MentionLink.objects.filter(mention_id__in=merge.mention_ids, person=merge.target)
    # Each link as it was before the merge (a merge recorded without them: as a reviewer's).
    was: dict[str, list[int]] = {}
    for mention_id in back.values_list("mention_id", flat=True):
        was.setdefault(merge.methods.get(str(mention_id), LinkMethod.REVIEW), []).append(mention_id)
    for method, mentions in was.items():
        MentionLink.objects.filter(mention_id__in=mentions).update(person=merge.source, method=method)
    Person.objects.filter(pk=merge.source_id).update(merged_into=None)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    # An item the merge answered (joined) whose two mentions are two persons again is asked again.
    review_items_follow_links(persons=[merge.source_id, merge.target_id], actor=actor)
    persons_relinked.send(sender=PersonMerge, persons={merge.source_id, merge.target_id})
    access_log_record(
        actor=actor, action=Action.SPLIT, object_type="person", object_id=merge.target_id,
        result=Result.STORED, origin="linking",
        detail={"undone_merge": merge.pk, "restored": merge.source_id},
    )  # fmt: skip


@transaction.atomic
def mention_split(*, mention: PersonMention, actor: User | None) -> Person:
    """Take one mention out of its person into a new person; it stays apart in later rebuilds."""
    link_turn()  # the persons as the last intake or decision left them (turn.py)
    link = MentionLink.objects.select_related("person").get(mention=mention)
    old = link.person
    others = list(
        MentionLink.objects.filter(person=old).exclude(mention=mention).values_list("mention_id", flat=True)
    )
    person = Person.objects.create()
    link.person, link.method = person, LinkMethod.SPLIT
    link.save(update_fields=["person", "method", "updated_at"])
    for other in others:
        pair_decide(left_id=mention.pk, right_id=other, decision=PairDecision.Decision.DIFFERENT, actor=actor)
    persons_relinked.send(sender=MentionLink, persons={old.pk, person.pk})
    access_log_record(
        actor=actor, action=Action.SPLIT, object_type="person", object_id=old.pk, result=Result.STORED,
        origin="linking", detail={"mention": mention.pk, "new_person": person.pk},
    )  # fmt: skip
    return person


@transaction.atomic
def review_decide(
    *, item: ReviewItem, same: bool, actor: User | None, dates_confirmed: bool = False, note: str = ""
) -> None:
    """A reviewer's answer, effective at once: same person (merge) or different persons (kept apart).
    "Same person" is refused (ReviewRefused) for two persons with different valid BSNs, and for two whose
    dates of birth contradict unless `dates_confirmed` (the reviewer saw the warning and confirmed).
    `note`: the reviewer's reason, kept with the decision in the item's history."""
    link_turn()  # the persons as the last intake or decision left them (turn.py)
    if item.status != ReviewStatus.OPEN:
        return
    if same:
        conflict = review_conflict(item)
        if conflict == CONFLICT_BSNS or (conflict == CONFLICT_DATES and not dates_confirmed):
            raise ReviewRefused(conflict)
    decision = PairDecision.Decision.SAME if same else PairDecision.Decision.DIFFERENT
    pair_decide(left_id=item.mention_id, right_id=item.candidate_id, decision=decision, actor=actor)
    if same:
        links = {
            link.mention_id: link
            for link in MentionLink.objects.select_related("person").filter(
                mention_id__in=[item.mention_id, item.candidate_id]
            )
        }
        mine, theirs = links[item.mention_id].person, links[item.candidate_id].person
        if mine.pk != theirs.pk:
            # The person with more mentions keeps its id.
            sizes = {p.pk: p.mention_links.count() for p in (mine, theirs)}
            source, target = (mine, theirs) if sizes[mine.pk] <= sizes[theirs.pk] else (theirs, mine)
            # The items this decision answers are closed below, as answered by this item.
            person_merge(
                source=source, target=target, actor=actor, reason=f"review {item.pk}", close_joined=False
            )
    now = timezone.now()
    events = [_review_close(item, same=same, actor=actor, at=now, by_item=item)]
    events[0].note = note.strip() or None
    item.save(update_fields=["status", "decided_by", "decided_at"])
    answered = _review_items_answered(item, same=same)
    events += [_review_close(other, same=same, actor=actor, at=now, by_item=item) for other in answered]
    ReviewItem.objects.bulk_update(answered, ["status", "decided_by", "decided_at"])
    ReviewItemEvent.objects.bulk_create(events)
    access_log_record(
        actor=actor, action=Action.LINK, object_type="review_item", object_id=item.pk, result=Result.STORED,
        origin="linking", detail={"decision": decision, "closed": [other.pk for other in answered]},
    )  # fmt: skip


UNDO_LATER_MERGE = gettext_noop("a later merge involves this person; undo that decision first")
UNDO_NOT_DECIDED = gettext_noop("this item was not decided on itself")


@transaction.atomic
def review_undo(*, item: ReviewItem, actor: User | None, note: str = "") -> list[ReviewItem]:
    """Take a reviewer's decision on `item` back: its merge undone (`merge_undo`), its pair decision gone,
    the item open again and so every item it answered (superseded); each step in the items' history, the
    item's own with the reviewer's reason (`note`).
    Refused (ReviewRefused) for an item not decided on itself, and while a later merge of the person that
    took the mentions stands (that one is undone first). Returns the items opened again."""
    link_turn()  # the persons as the last intake or decision left them (turn.py)
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status not in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
        raise ReviewRefused(UNDO_NOT_DECIDED)
    same = item.status == ReviewStatus.ACCEPTED
    merges = list(PersonMerge.objects.filter(reason=f"review {item.pk}", undone_at__isnull=True))
    for merge in merges:
        later = PersonMerge.objects.filter(source=merge.target, undone_at__isnull=True, at__gt=merge.at)
        if later.exists():
            raise ReviewRefused(UNDO_LATER_MERGE)
    for merge in merges:
        merge_undo(merge=merge, actor=actor)
    left, right = _pair(item.mention_id, item.candidate_id)
    PairDecision.objects.filter(left_id=left, right_id=right).delete()
    answered = ReviewItem.objects.filter(
        status=ReviewStatus.SUPERSEDED,
        events__kind=ReviewItemEvent.Kind.SUPERSEDED,
        events__by_item=item,
    ).distinct()
    reopened = [item, *answered]
    now = timezone.now()
    events = []
    for other in reopened:
        other.status, other.decided_by, other.decided_at = ReviewStatus.OPEN, None, None
        events.append(
            ReviewItemEvent(
                item=other,
                at=now,
                actor=actor,
                kind=ReviewItemEvent.Kind.REOPENED,
                status=ReviewStatus.OPEN,
                decision="same" if same else "different",  # the decision taken back
                by_item=item,
                note=(note.strip() or None) if other.pk == item.pk else None,
            )
        )
    ReviewItem.objects.bulk_update(reopened, ["status", "decided_by", "decided_at"])
    ReviewItemEvent.objects.bulk_create(events)
    access_log_record(
        actor=actor, action=Action.LINK, object_type="review_item", object_id=item.pk, result=Result.STORED,
        origin="linking",
        detail={"undone": "same" if same else "different", "reopened": [o.pk for o in reopened],
                "merges_undone": [m.pk for m in merges]},
    )  # fmt: skip
    return reopened


def _review_close(
    item: ReviewItem, *, same: bool, actor: User | None, at: dt.datetime, by_item: ReviewItem
) -> ReviewItemEvent:
    """Close an item: decided when the decision was taken on it, superseded when a decision on `by_item`
    answered its question. Returns the step for its (append-only) history."""
    decided = by_item.pk == item.pk
    if decided:
        item.status = ReviewStatus.ACCEPTED if same else ReviewStatus.REJECTED
    else:
        item.status = ReviewStatus.SUPERSEDED
    item.decided_by, item.decided_at = actor, at
    return ReviewItemEvent(
        item=item,
        at=at,
        actor=actor,
        kind=ReviewItemEvent.Kind.DECIDED if decided else ReviewItemEvent.Kind.SUPERSEDED,
        status=item.status,
        decision="same" if same else "different",
        by_item=by_item,
    )


def _review_items_answered(item: ReviewItem, *, same: bool) -> list[ReviewItem]:
    """The other open items whose question the decision on `item` answers: after "same person" every pair
    of mentions that is now one person, and every pair between that person and one with other valid BSNs
    (two valid BSNs are never one person); after "different persons" every pair between those two persons
    (a reviewer's "different" keeps the two persons apart, whichever of their mentions are compared)."""
    person_of = dict(
        MentionLink.objects.filter(mention_id__in=[item.mention_id, item.candidate_id]).values_list(
            "mention_id", "person_id"
        )
    )
    mine, theirs = person_of.get(item.mention_id), person_of.get(item.candidate_id)
    if mine is None or theirs is None or (same and mine != theirs) or (not same and mine == theirs):
        return []
    of = dict(MentionLink.objects.filter(person_id__in=[mine, theirs]).values_list("mention_id", "person_id"))
    open_items = ReviewItem.objects.filter(status=ReviewStatus.OPEN).exclude(pk=item.pk)
    answered = []
    for other in open_items.filter(mention_id__in=list(of), candidate_id__in=list(of)):
        if (of[other.mention_id] == of[other.candidate_id]) == same:
            answered.append(other)
    if same:
        # The merged person against a person whose valid BSNs differ: "same" can no longer be the answer
        # (review_conflict), so the merge answered that question too; taken back, it is asked again.
        asked = {other.pk for other in answered}
        around = open_items.filter(Q(mention_id__in=list(of)) | Q(candidate_id__in=list(of)))
        answered += [o for o in around if o.pk not in asked and review_conflict(o) == CONFLICT_BSNS]
    return answered


def review_items_follow_links(*, persons: Collection[int] | None, actor: User | None) -> tuple[int, int]:
    """Keep the review items in step with links that change without a reviewer's decision on an item (a
    merge on intake, a merge undone, a rebuild), as `_review_items_answered` does for a decision: an open
    item whose two mentions are one person now is answered, closed as superseded with a step "joined" in
    its (append-only) history; an item closed so whose two mentions are two persons again (the merge
    undone, a rebuild that keeps them apart) is open again, with a step "reopened", unless a reviewer's word
    on the pair binds (`PairDecision`). `persons`: only the items with a mention of these persons (None:
    every item, for a rebuild). Returns how many were closed and how many reopened."""
    items = ReviewItem.objects.all()
    if persons is not None:
        ids = list(persons)
        items = items.filter(Q(mention__link__person_id__in=ids) | Q(candidate__link__person_id__in=ids))
    one_person = Q(mention__link__person_id=F("candidate__link__person_id"))
    now = timezone.now()
    joined = list(items.filter(one_person, status=ReviewStatus.OPEN))
    apart = list(
        items.filter(status=ReviewStatus.SUPERSEDED, events__kind=ReviewItemEvent.Kind.JOINED)
        .exclude(one_person)
        .distinct()
    )
    if apart:  # closed by a join as their latest step, and no reviewer's word on the pair since
        latest = dict(
            ReviewItemEvent.objects.filter(item__in=apart)
            .order_by("item_id", "at", "id")
            .values_list("item_id", "kind")
        )
        pairs = {_pair(item.mention_id, item.candidate_id) for item in apart}
        decided = set(
            PairDecision.objects.filter(
                left_id__in={left for left, _ in pairs}, right_id__in={right for _, right in pairs}
            ).values_list("left_id", "right_id")
        )
        apart = [
            item
            for item in apart
            if latest[item.pk] == ReviewItemEvent.Kind.JOINED
            and _pair(item.mention_id, item.candidate_id) not in decided
        ]
    events = []
    for item, kind, status in [
        *((item, ReviewItemEvent.Kind.JOINED, ReviewStatus.SUPERSEDED) for item in joined),
        *((item, ReviewItemEvent.Kind.REOPENED, ReviewStatus.OPEN) for item in apart),
    ]:
        item.status = status
        item.decided_by, item.decided_at = (actor, now) if status == ReviewStatus.SUPERSEDED else (None, None)
        events.append(
            ReviewItemEvent(
                item=item, at=now, actor=actor, kind=kind, status=status, decision="same", by_item=item
            )
        )
    if events:
        ReviewItem.objects.bulk_update([*joined, *apart], ["status", "decided_by", "decided_at"])
        ReviewItemEvent.objects.bulk_create(events)
    return len(joined), len(apart)
