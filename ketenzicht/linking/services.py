"""Online linking on intake, and the reviewer's decisions (merge, keep apart, split, undo).

`mentions_link` links the mentions of newly stored registrations: blocking keys find the candidates with
one indexed look-up, the trained model scores them (exactly the parameters the batch uses), and each
mention is linked to a person (at or above the upper threshold), becomes a new person (below the lower),
or becomes a new person with a review item (in between, or when the hard BSN rule forbids the link).
"""

from __future__ import annotations

import functools
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.db import Statement, chunks, execute_all, insert_statements, quoted_table, rows_insert
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration

from .engine.keys import blocking_keys
from .engine.model import LinkModel, Score, match_weight_to_probability
from .engine.normalise import MentionFeatures as Features
from .engine.normalise import normalise_mention
from .engine.resolve import HOUSEHOLD, RELATION_GROUPS, names_compatible, relations_agree
from .models import (
    KeyCount,
    LinkMethod,
    MentionFeatures,
    MentionKey,
    MentionLink,
    PairDecision,
    PersonMerge,
    ReviewItem,
    ReviewStatus,
)
from .signals import persons_relinked

DV_OFFENCES = {"138", "184a", "266", "285", "285b", "300", "302", "350"}
CLOSE_RELATIONS = {"partner", "ex_partner", "family", "child"}
ROLE_PRIORITY = {"suspect": 30, "victim": 20}
# The columns of a mention that linking reads (features_of, the review priority, the order).
MENTION_FIELDS = (
    "id", "registration_id", "role", "given_names", "surname_prefix", "surname", "birth_date_raw", "sex",
    "bsn", "postcode", "house_number", "street", "city",
)  # fmt: skip


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
        street=mention.street,
        city=mention.city,
    )


# --- stored features, blocking keys and key counts ---------------------------------------------------


def _key_counts_statements(counts: Mapping[str, int]) -> list[Statement]:
    """Add to the count of each key: upserts in key order (two transactions that count the same keys
    lock their rows in the same order, so they wait for each other instead of deadlocking)."""
    table = quoted_table(KeyCount)
    items = sorted((key, n) for key, n in counts.items() if n)
    return insert_statements(
        table,
        ("key", "n"),
        items,
        suffix=f' ON CONFLICT ("key") DO UPDATE SET n = {table}.n + excluded.n',
    )


def _key_counts_subtract(counts: Mapping[str, int]) -> None:
    table = quoted_table(KeyCount)
    items = sorted((key, n) for key, n in counts.items() if n)
    with connection.cursor() as cursor:
        cursor.executemany(f'UPDATE {table} SET n = n - %s WHERE "key" = %s', [(n, key) for key, n in items])
    for chunk in chunks([key for key, _ in items]):
        KeyCount.objects.filter(key__in=chunk, n__lte=0).delete()


def key_counts_recount(*, db: BaseDatabaseWrapper | None = None) -> None:
    """Count the stored keys anew (after storing all keys at once, or to repair the counts)."""
    db = db or connection
    counts, keys = (db.ops.quote_name(m._meta.db_table) for m in (KeyCount, MentionKey))
    with db.cursor() as cursor:
        cursor.execute(f"DELETE FROM {counts}")
        cursor.execute(f'INSERT INTO {counts} ("key", n) SELECT "key", COUNT(*) FROM {keys} GROUP BY "key"')


def features_store(
    pairs: Sequence[tuple[PersonMention, Features]],
    *,
    replace: bool = False,
    keys_of: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """Keep the features and blocking keys of these mentions, and count their keys (`replace`: of
    mentions that had them; their old keys are counted out)."""
    if replace:
        ids = [m.pk for m, _ in pairs]
        old: Counter[str] = Counter()
        for chunk in chunks(ids):
            old.update(MentionKey.objects.filter(mention_id__in=chunk).values_list("key", flat=True))
            MentionFeatures.objects.filter(mention_id__in=chunk).delete()
            MentionKey.objects.filter(mention_id__in=chunk).delete()
        _key_counts_subtract(old)
    execute_all(_features_statements(pairs, keys_of))


def _features_statements(
    pairs: Sequence[tuple[PersonMention, Features]], keys_of: Mapping[int, Sequence[str]] | None
) -> list[Statement]:
    """The features, blocking keys and key counts of new mentions, as statements (plain rows: no model
    instance for each of the tens of keys per mention)."""
    keys = [(m.pk, key) for m, f in pairs for key in (keys_of[m.pk] if keys_of else blocking_keys(f))]
    return [
        *insert_statements(
            quoted_table(MentionFeatures), ("mention_id", "data", "bsn"), list(_features_rows(pairs))
        ),
        *insert_statements(quoted_table(MentionKey), ("mention_id", "key"), keys),
        *_key_counts_statements(Counter(key for _, key in keys)),
    ]


def _features_rows(pairs: Iterable[tuple[PersonMention, Features]]) -> Iterator[tuple[Any, ...]]:
    """Rows of MentionFeatures (mention_id, data, bsn); `data` as JSON for the database at hand."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return ((m.pk, Jsonb(f.as_row()), f.bsn) for m, f in pairs)
    return ((m.pk, json.dumps(f.as_row()), f.bsn) for m, f in pairs)


def features_store_all(pairs: Iterable[tuple[PersonMention, Features]], *, chunk: int = 20_000) -> None:
    """Replace the features, blocking keys and key counts of every mention (a rebuild): the old ones
    deleted, the new ones written in bulk a chunk at a time (COPY on PostgreSQL), the keys counted once."""
    MentionFeatures.objects.all().delete()
    MentionKey.objects.all().delete()
    KeyCount.objects.all().delete()
    iterator = iter(pairs)
    while part := list(islice(iterator, chunk)):
        rows_insert(quoted_table(MentionFeatures), ("mention_id", "data", "bsn"), _features_rows(part))
        rows_insert(
            quoted_table(MentionKey),
            ("mention_id", "key"),
            ((m.pk, key) for m, f in part for key in blocking_keys(f)),
        )
    key_counts_recount()


# --- online linking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    mention_id: int
    registration_id: int | None  # None: a stored mention (always of another registration)
    person_id: int | None  # None: a mention of this batch whose new person has no id yet
    person_ref: object  # the person's id, or the new (unsaved) Person of this batch
    features: Features

    @property
    def slot(self) -> object:
        """One value per person: the id of a stored person, the object of a new one."""
        return self.person_id if self.person_id is not None else id(self.person_ref)


@dataclass(frozen=True)
class LinkOutcome:
    mention_id: int
    registration_id: int
    person_id: int
    method: str
    probability: float | None
    reviews: int


def _priority(mention: PersonMention, probability: float) -> int:
    registration = mention.registration
    offences = {o.article for o in registration.offences.all()}
    relations = {r.kind for r in registration.relations.all()}
    close = bool(offences & DV_OFFENCES) and bool(relations & CLOSE_RELATIONS)
    return ROLE_PRIORITY.get(mention.role, 10) + (30 if close else 0) + int(10 * probability)


@dataclass
class _Stored:
    """What the register holds for the keys of a batch (`_stored_lookup`)."""

    counts: dict[str, int]  # the count of every key that has one
    mentions: dict[str, list[int]]  # the stored mentions of each key counted at most `cap` times
    candidates: dict[int, Candidate]  # those mentions (linked to a person), their features and person
    bsns: dict[int, set[str]]  # the valid BSNs of the candidates' persons (when asked for)


def _stored_lookup(keys: Sequence[str], cap: int, model: LinkModel, *, bsns: bool) -> _Stored:
    """One statement per slice of keys, all by primary key or index: the count of each key (KeyCount),
    the mentions of the keys under the cap (MentionKey), their features and person (MentionFeatures,
    MentionLink), and with `bsns` the valid BSNs of those persons."""
    found = _Stored({}, defaultdict(list), {}, defaultdict(set))
    counts, mention_keys = quoted_table(KeyCount), quoted_table(MentionKey)
    features, links = quoted_table(MentionFeatures), quoted_table(MentionLink)
    bigint = "CAST(NULL AS bigint)"
    with connection.cursor() as cursor:
        for chunk in chunks(list(keys), 2000):
            marks = ", ".join(["%s"] * len(chunk))
            parts = [
                f'SELECT 0, c."key", c.n, {bigint} FROM c',
                f'SELECT 1, m."key", {bigint}, m.mention_id FROM m',
                f"SELECT 2, CAST(f.data AS text), l.person_id, f.mention_id FROM {features} f "
                f"JOIN {links} l ON l.mention_id = f.mention_id "
                f"WHERE f.mention_id IN (SELECT mention_id FROM m)",
            ]
            if bsns:
                parts.append(
                    f"SELECT 3, f.bsn, l.person_id, {bigint} FROM {links} l "
                    f"JOIN {features} f ON f.mention_id = l.mention_id "
                    f"WHERE f.bsn IS NOT NULL AND l.person_id IN (SELECT p.person_id FROM {links} p "
                    f"WHERE p.mention_id IN (SELECT mention_id FROM m))"
                )
            cursor.execute(
                f'WITH c AS (SELECT "key", n FROM {counts} WHERE "key" IN ({marks})), '
                f'm AS (SELECT k."key", k.mention_id FROM c JOIN {mention_keys} k ON k."key" = c."key" '
                f"WHERE c.n <= %s) " + " UNION ALL ".join(parts),
                [*chunk, cap],
            )
            for kind, value, number, mention_id in cursor.fetchall():
                if kind == 0:
                    found.counts[value] = number
                elif kind == 1:
                    found.mentions[value].append(mention_id)
                elif kind == 2:
                    row = json.loads(value) if isinstance(value, str) else value
                    prepared = model.prepare_right(Features(**row))
                    found.candidates[mention_id] = Candidate(mention_id, None, number, number, prepared)
                elif value:
                    found.bsns[number].add(value)
    return found


def _stored_mentions_of_keys(keys: Sequence[str], cap: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """The count of each key, and the stored mentions of each key counted at most `cap` times."""
    found = _stored_lookup(keys, cap, link_model(), bsns=False)
    return found.counts, found.mentions


def mentions_link(*, registrations: Sequence[Registration], actor: Any = None) -> list[LinkOutcome]:
    """Link the mentions of newly stored registrations (call inside their transaction)."""
    model = link_model()
    upper, lower = settings.KETENZICHT_LINK_UPPER, settings.KETENZICHT_LINK_LOWER
    by_id = {r.pk: r for r in registrations}
    mentions = list(PersonMention.objects.filter(registration_id__in=list(by_id)).only(*MENTION_FIELDS))
    for mention in mentions:
        mention.registration = by_id[mention.registration_id]
    mentions.sort(key=lambda m: (m.registration.registered_at, m.registration_id, m.pk))
    pairs = [(m, model.prepare(features_of(m))) for m in mentions]
    keys_of = {m.pk: blocking_keys(f) for m, f in pairs}
    all_keys = sorted({key for keys in keys_of.values() for key in keys})

    # Candidates already in the register: one indexed look-up for the whole batch. A key shared by very
    # many mentions ("jansen" with initial "j") says little and would make scoring slow: online retrieval
    # skips such keys (the batch rebuild still compares those pairs). Their counts are kept in a table.
    cap = settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY
    lookup = _stored_lookup(all_keys, cap, model, bsns=any(f.bsn for _, f in pairs))
    counts, stored, known, bsns = lookup.counts, lookup.mentions, lookup.candidates, lookup.bsns

    batch_index: dict[str, list[Candidate]] = defaultdict(list)
    batch_bsns: dict[object, set[str]] = defaultdict(set)  # slot of a person -> BSNs of this batch
    new_persons: list[Person] = []
    links: list[tuple[PersonMention, object, str, float | None]] = []
    doubtful: list[tuple[PersonMention, int, Score, str]] = []
    for mention, features in pairs:
        candidates = {i: known[i] for key in keys_of[mention.pk] for i in stored.get(key, ()) if i in known}
        for key in keys_of[mention.pk]:
            if counts.get(key, 0) + len(batch_index.get(key, ())) <= cap:
                for candidate in batch_index.get(key, ()):
                    candidates[candidate.mention_id] = candidate
        # Every candidate ranked by its match weight; the explanation (Score) only for review items.
        best: dict[object, tuple[float, Candidate]] = {}  # slot of a person -> best weight and mention
        for candidate in candidates.values():
            if candidate.registration_id == mention.registration_id:
                continue  # two mentions of one registration are two people
            weight = model.match_weight(features, candidate.features)
            slot = candidate.slot
            if slot not in best or weight > best[slot][0]:
                best[slot] = (weight, candidate)

        def bsn_conflict(candidate: Candidate, features: Features = features) -> bool:
            if not features.bsn:
                return False
            theirs = bsns.get(candidate.person_id, set()) if candidate.person_id else set()
            theirs = theirs | batch_bsns.get(candidate.slot, set())
            return bool(theirs and features.bsn not in theirs)

        ranked = [
            (match_weight_to_probability(weight), candidate)
            for weight, candidate in sorted(best.values(), key=lambda item: -item[0])
        ]
        chosen = next(((p, c) for p, c in ranked if p >= upper and not bsn_conflict(c)), None)
        if chosen is not None:
            probability, candidate = chosen
            person_ref: object = candidate.person_ref
            links.append((mention, person_ref, LinkMethod.ONLINE, probability))
        else:
            person_ref = Person()
            new_persons.append(person_ref)
            links.append((mention, person_ref, LinkMethod.NEW, None))
        mine = person_ref if isinstance(person_ref, int) else id(person_ref)
        for probability, candidate in ranked:
            if candidate.slot == mine or probability < lower:
                continue
            if bsn_conflict(candidate) and probability >= upper:
                reason = gettext_noop("different valid BSNs")
            elif probability >= upper:
                reason = gettext_noop("also matches another person")
            else:
                reason = gettext_noop("between thresholds")
            doubtful.append(
                (mention, candidate.mention_id, model.score(features, candidate.features), reason)
            )
        person_id = person_ref if isinstance(person_ref, int) else None
        me = Candidate(mention.pk, mention.registration_id, person_id, person_ref, features)
        if features.bsn:
            batch_bsns[me.slot].add(features.bsn)
        for key in keys_of[mention.pk]:
            batch_index[key].append(me)

    Person.objects.bulk_create(new_persons)
    version, now = model_version(), connection.ops.adapt_datetimefield_value(timezone.now())
    linked = [(m, p if isinstance(p, int) else _pk(p), method, prob) for m, p, method, prob in links]
    link_rows = [(m.pk, p, method, prob, version, now) for m, p, method, prob in linked]
    link_columns = ("mention_id", "person_id", "method", "probability", "model_version", "updated_at")
    # Features, keys, key counts and links: one round trip on PostgreSQL.
    execute_all(
        [
            *_features_statements(pairs, keys_of),
            *insert_statements(quoted_table(MentionLink), link_columns, link_rows),
        ]
    )
    doubtful += _related_doubts(model, linked, dict(pairs), doubtful)
    if doubtful:
        prefetch_related_objects(
            list({m.registration_id: m.registration for m, _, _, _ in doubtful}.values()),
            "offences",
            "relations",
        )
    reviews = [review_item_for(m, candidate_id, score, reason) for m, candidate_id, score, reason in doubtful]
    ReviewItem.objects.bulk_create(reviews)
    review_count: dict[int, int] = defaultdict(int)
    for item in reviews:
        review_count[item.mention_id] += 1
    return [
        LinkOutcome(
            mention.pk, mention.registration_id, person_id, method, probability, review_count[mention.pk]
        )
        for mention, person_id, method, probability in linked
    ]


# Why a reviewer must look at a pair found through a relation, by the candidate's relation to the person.
RELATED_REASONS = {
    "partner": gettext_noop("named before as partner of the same person; the name fits"),
    "ex_partner": gettext_noop("named before as ex-partner of the same person; the name fits"),
    "family": gettext_noop("named before as family of the same person; the name fits"),
    "child": gettext_noop("named before as family of the same person; the name fits"),
    HOUSEHOLD: gettext_noop("registered before at the home of the same person; the name fits"),
}


def _home(mention: PersonMention) -> tuple[str, str] | None:
    return (mention.postcode, mention.house_number) if mention.postcode and mention.house_number else None


def _close_to(
    mentions: Sequence[PersonMention], relations: Iterable[tuple[int, int, str]]
) -> dict[int, dict[int, str]]:
    """Per mention of one registration, the mentions it stands in a domestic-violence relation to (either
    direction) or shares a home with, and the kind of that relation."""
    close: dict[int, dict[int, str]] = defaultdict(dict)
    for left, right, kind in relations:
        if kind in RELATION_GROUPS:
            close[left][right] = close[right][left] = kind
    for a in mentions:
        for b in mentions:
            if a.pk != b.pk and _home(a) is not None and _home(a) == _home(b):
                close[a.pk].setdefault(b.pk, HOUSEHOLD)
    return close


def _related_doubts(
    model: LinkModel,
    linked: Sequence[tuple[PersonMention, int, str, float | None]],
    features: Mapping[PersonMention, Features],
    doubtful: Sequence[tuple[PersonMention, int, Score, str]],
) -> list[tuple[PersonMention, int, Score, str]]:
    """Review questions for the mentions the matcher made new persons, found through a relation: a new
    mention in a domestic-violence relation (partner, ex-partner, family, a shared home) to a mention linked
    to a known person is asked about against the persons that person was in such a relation with before,
    when the name fits (`engine.resolve.names_compatible`); one question per candidate person, against its
    best-scoring mention. The links were stored already: the candidates' persons are read as they are now."""
    person_of = {m.pk: person for m, person, _, _ in linked}
    new = {m.pk: m for m, _, method, _ in linked if method == LinkMethod.NEW}
    if not new:
        return []
    by_registration: dict[int, list[PersonMention]] = defaultdict(list)
    for mention, _, _, _ in linked:
        by_registration[mention.registration_id].append(mention)
    wanted = {r for r, ms in by_registration.items() if any(m.pk in new for m in ms)}
    relations = MentionRelation.objects.filter(registration_id__in=wanted).values_list(
        "registration_id", "from_mention_id", "to_mention_id", "kind"
    )
    rows: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for registration_id, left, right, kind in relations:
        rows[registration_id].append((left, right, kind))
    online = {m.pk for m, _, method, _ in linked if method == LinkMethod.ONLINE}
    anchors: list[tuple[PersonMention, int, str]] = []  # new mention, the known person, their relation
    for registration_id in wanted:
        close = _close_to(by_registration[registration_id], rows[registration_id])
        for mention_id, others in close.items():
            if mention_id in new:
                anchors += [
                    (new[mention_id], person_of[o], kind) for o, kind in others.items() if o in online
                ]
    if not anchors:
        return []
    # The earlier registrations of the known persons, their mentions and their relations.
    known = {person for _, person, _ in anchors}
    theirs = dict(MentionLink.objects.filter(person_id__in=known).values_list("mention_id", "person_id"))
    registrations = set(
        PersonMention.objects.filter(pk__in=list(theirs)).values_list("registration_id", flat=True)
    ) - set(by_registration)
    co_mentions: dict[int, list[PersonMention]] = defaultdict(list)
    for mention in PersonMention.objects.filter(registration_id__in=registrations).only(*MENTION_FIELDS):
        co_mentions[mention.registration_id].append(mention)
    earlier: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for registration_id, left, right, kind in MentionRelation.objects.filter(
        registration_id__in=registrations
    ).values_list("registration_id", "from_mention_id", "to_mention_id", "kind"):
        earlier[registration_id].append((left, right, kind))
    related: dict[int, list[tuple[PersonMention, str]]] = defaultdict(list)  # known person -> mentions
    mention_by_id = {m.pk: m for ms in co_mentions.values() for m in ms}
    for registration_id, mentions in co_mentions.items():
        close = _close_to(mentions, earlier[registration_id])
        for mention in mentions:
            if mention.pk in theirs:
                for co_mention, kind in close.get(mention.pk, {}).items():
                    related[theirs[mention.pk]].append((mention_by_id[co_mention], kind))
    asked = {(m.pk, candidate) for m, candidate, _, _ in doubtful}
    candidate_ids = {m.pk for ms in related.values() for m, _ in ms} | {c for _, c in asked}
    candidate_person = dict(
        MentionLink.objects.filter(mention_id__in=candidate_ids).values_list("mention_id", "person_id")
    )
    asked_person = {(m, candidate_person.get(c)) for m, c in asked}  # the matcher asks about these already
    best: dict[tuple[int, int], tuple[float, PersonMention, PersonMention, Score, str]] = {}
    for mention, person, kind in anchors:
        mine = features[mention]
        for candidate, their_kind in related.get(person, []):
            other = candidate_person.get(candidate.pk)
            if (
                other is None
                or other in (person, person_of[mention.pk])
                or not relations_agree(kind, their_kind)
            ):
                continue
            if (mention.pk, other) in asked_person:
                continue
            score = model.score(mine, model.prepare_right(features_of(candidate)))
            if not names_compatible({c.name: c.level for c in score.comparisons}):
                continue
            key = (mention.pk, other)
            if key not in best or score.match_weight > best[key][0]:
                best[key] = (score.match_weight, mention, candidate, score, RELATED_REASONS[their_kind])
    return [(mention, candidate.pk, score, reason) for _, mention, candidate, score, reason in best.values()]


def _pk(person: object) -> int:
    assert isinstance(person, Person) and person.pk is not None
    return int(person.pk)


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
    persons_relinked.send(sender=PersonMerge, persons={source.pk, target.pk})
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
    persons_relinked.send(sender=PersonMerge, persons={merge.source_id, merge.target_id})
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
    persons_relinked.send(sender=MentionLink, persons={old.pk, person.pk})
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
    now = timezone.now()
    _review_close(item, same=same, actor=actor, at=now, by_item=item.pk)
    item.save(update_fields=["status", "decided_by", "decided_at", "history"])
    answered = _review_items_answered(item, same=same)
    for other in answered:
        _review_close(other, same=same, actor=actor, at=now, by_item=item.pk)
    ReviewItem.objects.bulk_update(answered, ["status", "decided_by", "decided_at", "history"])
    access_log_record(
        actor=actor, action=Action.LINK, object_type="review_item", object_id=item.pk, result=Result.STORED,
        origin="linking", detail={"decision": decision, "closed": [other.pk for other in answered]},
    )  # fmt: skip


def _review_close(item: ReviewItem, *, same: bool, actor: Any, at: Any, by_item: int) -> None:
    """Close an item with a decision, and write down in its history who took it, when, and on which item."""
    item.status = ReviewStatus.ACCEPTED if same else ReviewStatus.REJECTED
    item.decided_by, item.decided_at = actor, at
    item.history = [
        *item.history,
        {
            "at": at.isoformat(),
            "by": getattr(actor, "username", None),
            "by_id": getattr(actor, "pk", None),
            "decision": "same" if same else "different",
            "item": by_item,
        },
    ]


def _review_items_answered(item: ReviewItem, *, same: bool) -> list[ReviewItem]:
    """The other open items whose question the decision on `item` answers: after "same person" every pair
    of mentions that is now one person; after "different persons" every pair between those two persons
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
    return answered
