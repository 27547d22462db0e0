"""Online linking on intake, and the reviewer's decisions (merge, keep apart, split, undo).

`mentions_link` links the mentions of newly stored registrations: blocking keys find the candidates with
one indexed look-up, the trained model scores them (exactly the parameters the batch uses), and each
mention is linked to a person (at or above the upper threshold), becomes a new person (below the lower),
or becomes a new person with a review item (in between, or when the hard BSN rule forbids the link).
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention, Registration

from .engine.keys import blocking_keys
from .engine.model import LinkModel, Score
from .engine.normalise import MentionFeatures as Features
from .engine.normalise import normalise_mention
from .models import (
    LinkMethod,
    MentionFeatures,
    MentionKey,
    MentionLink,
    PairDecision,
    PersonMerge,
    ReviewItem,
    ReviewStatus,
)

T = TypeVar("T")
DV_OFFENCES = {"138", "184a", "266", "285", "285b", "300", "302", "350"}
CLOSE_RELATIONS = {"partner", "ex_partner", "family", "child"}
ROLE_PRIORITY = {"suspect": 30, "victim": 20}


@functools.cache
def _model(path: str, modified: float) -> LinkModel:
    return LinkModel.from_file(path)


def link_model() -> LinkModel:
    """The trained model in use (reloaded when its file changes)."""
    path = settings.KETENZICHT_LINK_MODEL
    return _model(path, os.path.getmtime(path))


def model_version() -> str:
    return os.path.basename(settings.KETENZICHT_LINK_MODEL).removesuffix(".json")


def features_of(mention: PersonMention) -> Features:
    return normalise_mention(
        str(mention.pk),
        given_names=mention.given_names,
        surname_prefix=mention.surname_prefix,
        surname=mention.surname,
        birth_date=mention.birth_date_raw,
        sex=mention.sex,
        bsn=mention.bsn,
        postcode=mention.postcode,
        house_number=mention.house_number,
    )


def features_store(
    pairs: Sequence[tuple[PersonMention, Features]],
    *,
    replace: bool = False,
    keys_of: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """Keep the features and blocking keys of these mentions (`replace`: of mentions that had them)."""
    if replace:
        ids = [m.pk for m, _ in pairs]
        MentionFeatures.objects.filter(mention_id__in=ids).delete()
        MentionKey.objects.filter(mention_id__in=ids).delete()
    MentionFeatures.objects.bulk_create(
        [MentionFeatures(mention_id=m.pk, data=f.as_row(), bsn=f.bsn) for m, f in pairs], batch_size=2000
    )
    # Tens of keys per mention: written without building a model instance for each.
    rows = [(m.pk, key) for m, f in pairs for key in (keys_of[m.pk] if keys_of else blocking_keys(f))]
    table = connection.ops.quote_name(MentionKey._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(
                f"INSERT INTO {table} (mention_id, key) VALUES (%s, %s)", rows[start : start + 10_000]
            )


@dataclass(frozen=True)
class Candidate:
    mention_id: int
    registration_id: int
    person_id: int | None  # None: a mention of this batch whose new person has no id yet
    person_ref: object  # the Person (saved or not) the candidate belongs to
    features: Features


@dataclass(frozen=True)
class LinkOutcome:
    mention_id: int
    registration_id: int
    person: Person
    method: str
    probability: float | None
    reviews: int


def _priority(mention: PersonMention, probability: float) -> int:
    registration = mention.registration
    offences = {o.article for o in registration.offences.all()}
    relations = {r.kind for r in registration.relations.all()}
    close = bool(offences & DV_OFFENCES) and bool(relations & CLOSE_RELATIONS)
    return ROLE_PRIORITY.get(mention.role, 10) + (30 if close else 0) + int(10 * probability)


def _bsns_of_persons(person_ids: Iterable[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(set(person_ids))):
        rows = MentionFeatures.objects.filter(mention__link__person_id__in=chunk, bsn__isnull=False)
        for person_id, bsn in rows.values_list("mention__link__person_id", "bsn"):
            if bsn:
                found[person_id].add(bsn)
    return found


def mentions_link(*, registrations: Sequence[Registration], actor: Any = None) -> list[LinkOutcome]:
    """Link the mentions of newly stored registrations (call inside their transaction)."""
    model = link_model()
    upper, lower = settings.KETENZICHT_LINK_UPPER, settings.KETENZICHT_LINK_LOWER
    mentions = list(
        PersonMention.objects.filter(registration__in=registrations)
        .select_related("registration")
        .prefetch_related("registration__offences", "registration__relations")
        .order_by("registration__registered_at", "registration_id", "id")
    )
    pairs = [(m, model.prepare(features_of(m))) for m in mentions]
    keys_of = {m.pk: blocking_keys(f) for m, f in pairs}
    all_keys = {key for keys in keys_of.values() for key in keys}

    # Candidates already in the register: one indexed look-up for the whole batch.
    # A key shared by very many mentions ("jansen" with initial "j") says little and would make scoring
    # slow: online retrieval skips such keys (the batch rebuild still compares those pairs).
    cap = settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY
    selective: list[str] = []
    for chunk in _chunks(sorted(all_keys)):
        counts = MentionKey.objects.filter(key__in=chunk).values("key").annotate(n=Count("id"))
        selective += [row["key"] for row in counts if row["n"] <= cap]
    stored: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(selective):
        for mention_id, key in MentionKey.objects.filter(key__in=chunk).values_list("mention_id", "key"):
            stored[key].append(mention_id)
    candidate_ids = {i for ids in stored.values() for i in ids}
    known: dict[int, Candidate] = {}
    rows = [
        row
        for chunk in _chunks(sorted(candidate_ids))
        for row in MentionFeatures.objects.filter(mention_id__in=chunk).values_list(
            "mention_id", "data", "mention__registration_id", "mention__link__person_id"
        )
    ]
    person_ids = sorted({row[3] for row in rows if row[3] is not None})
    persons_by_id = {p.pk: p for chunk in _chunks(person_ids) for p in Person.objects.filter(pk__in=chunk)}
    for mention_id, data, registration_id, person_id in rows:
        if person_id is not None:
            known[mention_id] = Candidate(
                mention_id,
                registration_id,
                person_id,
                persons_by_id[person_id],
                model.prepare(Features(**data)),
            )
    bsns = _bsns_of_persons(c.person_id for c in known.values() if c.person_id is not None)

    batch_index: dict[str, list[Candidate]] = defaultdict(list)
    batch_bsns: dict[int, set[str]] = defaultdict(set)  # id() of a new Person -> its BSNs
    new_persons: list[Person] = []
    links: list[tuple[PersonMention, Person, str, float | None]] = []
    reviews: list[ReviewItem] = []
    outcomes: list[LinkOutcome] = []
    for mention, features in pairs:
        found = {i for key in keys_of[mention.pk] for i in stored.get(key, []) if i in known}
        candidates = {i: known[i] for i in found}
        for key in keys_of[mention.pk]:
            if len(batch_index.get(key, ())) + len(stored.get(key, ())) <= cap:
                for candidate in batch_index.get(key, []):
                    candidates[candidate.mention_id] = candidate
        best: dict[int, tuple[Score, Candidate]] = {}  # id(person) -> best score and mention
        for candidate in candidates.values():
            if candidate.registration_id == mention.registration_id:
                continue  # two mentions of one registration are two people
            score = model.score(features, candidate.features)
            slot = id(candidate.person_ref)
            if slot not in best or score.match_weight > best[slot][0].match_weight:
                best[slot] = (score, candidate)

        def bsn_conflict(candidate: Candidate, features: Features = features) -> bool:
            theirs = bsns.get(candidate.person_id, set()) if candidate.person_id else set()
            theirs = theirs | batch_bsns.get(id(candidate.person_ref), set())
            return bool(features.bsn and theirs and features.bsn not in theirs)

        ranked = sorted(best.values(), key=lambda item: -item[0].match_weight)
        chosen = next(
            ((s, c) for s, c in ranked if s.match_probability >= upper and not bsn_conflict(c)), None
        )
        if chosen is not None:
            score, candidate = chosen
            person = candidate.person_ref
            assert isinstance(person, Person)
            links.append((mention, person, LinkMethod.ONLINE, score.match_probability))
        else:
            person = Person()
            new_persons.append(person)
            links.append((mention, person, LinkMethod.NEW, None))
        for score, candidate in ranked:
            if candidate.person_ref is person or score.match_probability < lower:
                continue
            if bsn_conflict(candidate) and score.match_probability >= upper:
                reason = gettext_noop("different valid BSNs")
            elif score.match_probability >= upper:
                reason = gettext_noop("also matches another person")
            else:
                reason = gettext_noop("between thresholds")
            reviews.append(review_item_for(mention, candidate.mention_id, score, reason))
        if features.bsn:
            batch_bsns[id(person)].add(features.bsn)
        me = Candidate(mention.pk, mention.registration_id, person.pk, person, features)
        for key in keys_of[mention.pk]:
            batch_index[key].append(me)

    Person.objects.bulk_create(new_persons)
    features_store(pairs, keys_of=keys_of)
    version = model_version()
    MentionLink.objects.bulk_create(
        [
            MentionLink(mention=m, person=p, method=method, probability=prob, model_version=version)
            for m, p, method, prob in links
        ]
    )
    ReviewItem.objects.bulk_create(reviews)
    review_count: dict[int, int] = defaultdict(int)
    for item in reviews:
        review_count[item.mention_id] += 1
    for mention, person, method, probability in links:
        outcomes.append(
            LinkOutcome(
                mention.pk, mention.registration_id, person, method, probability, review_count[mention.pk]
            )
        )
    return outcomes


def _chunks(values: list[T], size: int = 5_000) -> Iterable[list[T]]:
    """Slices of at most `size`: SQLite takes at most 32,766 parameters in one statement."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def pair_decide(*, left_id: int, right_id: int, decision: str, actor: Any) -> None:
    left, right = _pair(left_id, right_id)
    PairDecision.objects.update_or_create(
        left_id=left, right_id=right, defaults={"decision": decision, "decided_by": actor}
    )


@transaction.atomic
def person_merge(*, source: Person, target: Person, actor: Any, reason: str) -> PersonMerge:
    """Move every mention of `source` to `target`; `source` then points at `target`. Reversible."""
    moved = list(MentionLink.objects.filter(person=source).values_list("mention_id", flat=True))
    MentionLink.objects.filter(mention_id__in=moved).update(person=target, method=LinkMethod.REVIEW)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    merge = PersonMerge.objects.create(
        source=source, target=target, mention_ids=moved, reason=reason, by=actor
    )
    access_log_record(
        actor=actor, action=Action.MERGE, object_type="person", object_id=target.pk, result=Result.STORED,
        origin="linking", detail={"merged": source.pk, "mentions": moved, "reason": reason},
    )  # fmt: skip
    return merge


@transaction.atomic
def merge_undo(*, merge: PersonMerge, actor: Any) -> None:
    """Give the merged person back its mentions (those still with the target) and its own identity."""
    if merge.undone_at is not None:
        return
    back = MentionLink.objects.filter(mention_id__in=merge.mention_ids, person=merge.target)
    back.update(person=merge.source, method=LinkMethod.REVIEW)
    Person.objects.filter(pk=merge.source_id).update(merged_into=None)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    access_log_record(
        actor=actor, action=Action.SPLIT, object_type="person", object_id=merge.target_id,
        result=Result.STORED, origin="linking",
        detail={"undone_merge": merge.pk, "restored": merge.source_id},
    )  # fmt: skip


@transaction.atomic
def mention_split(*, mention: PersonMention, actor: Any) -> Person:
    """Take one mention out of its person into a new person; it stays apart in later rebuilds."""
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
    access_log_record(
        actor=actor, action=Action.SPLIT, object_type="person", object_id=old.pk, result=Result.STORED,
        origin="linking", detail={"mention": mention.pk, "new_person": person.pk},
    )  # fmt: skip
    return person


@transaction.atomic
def review_decide(*, item: ReviewItem, same: bool, actor: Any) -> None:
    """A reviewer's answer, effective at once: same person (merge) or different persons (kept apart)."""
    if item.status != ReviewStatus.OPEN:
        return
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
            person_merge(source=source, target=target, actor=actor, reason=f"review {item.pk}")
    item.status = ReviewStatus.ACCEPTED if same else ReviewStatus.REJECTED
    item.decided_by, item.decided_at = actor, timezone.now()
    item.save(update_fields=["status", "decided_by", "decided_at"])
    access_log_record(
        actor=actor, action=Action.LINK, object_type="review_item", object_id=item.pk, result=Result.STORED,
        origin="linking", detail={"decision": decision},
    )  # fmt: skip
