"""Online linking on intake.

`mentions_link` links the mentions of newly stored registrations: blocking keys find the candidates with
one indexed look-up, the trained model scores them (exactly the parameters the batch uses), and each
mention is linked to a person (at or above the upper threshold), becomes a new person (below the lower),
or becomes a new person with a review item (in between, or when the hard BSN rule forbids the link).
"""

from __future__ import annotations

import functools
import os
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from django.conf import settings
from django.db import connection
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.db import chunks, insert_statements, integer_array, quoted_table
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import MentionRelation, PersonMention, Registration

from .bridges import DIFFERENT_DATES, REVIEWER_DIFFERENT, BatchPersons
from .engine import context as relation_context
from .engine.context import ContextModel
from .engine.keys import (
    EVERY_SHARED_KEY,
    PairRule,
    blocking_keys,
    key_cap,
    keys_numbered,
    stored_key_cap_sql,
    stored_weight_sql,
)
from .engine.mention_features import FEATURE_COLUMNS
from .engine.mention_features import MentionFeatures as Features
from .engine.model import LinkModel, Score, match_weight_to_probability, prob_to_match_weight
from .engine.resolve import HOUSEHOLD, RELATION_GROUPS, Guards, join_contradicts, names_compatible
from .features import features_of, features_write
from .models import (
    FullKey,
    KeyCount,
    LinkMethod,
    MentionFeatures,
    MentionKey,
    MentionLink,
    PersonMerge,
    ReviewItem,
)
from .services import review_item_for
from .turn import link_turn

# The columns of a mention that linking reads (features_of, the review priority, the order).
MENTION_FIELDS = (
    "id", "registration_id", "role", "given_names", "surname_prefix", "surname", "birth_date_raw", "sex",
    "bsn", "postcode", "house_number", "street", "city", "phone",
)  # fmt: skip

T = TypeVar("T")


@functools.cache
def _model(path: str, modified: float) -> LinkModel:
    return LinkModel.from_file(path)


def link_model() -> LinkModel:
    """The trained model in use (reloaded when its file changes)."""
    path = settings.KETENZICHT_LINK_MODEL
    return _model(path, os.path.getmtime(path))


@functools.cache
def _context_model(path: str, modified: float) -> ContextModel:
    return ContextModel.from_file(path)


# A MentionLink as a plain row (intake and the rebuild write links without model instances).
LINK_COLUMNS = ("mention_id", "person_id", "method", "probability", "model_version", "updated_at")


def context_model() -> ContextModel | None:
    """The relation-context term's parameters in use (None: switched off, `KETENZICHT_LINK_CONTEXT` empty)."""
    path = settings.KETENZICHT_LINK_CONTEXT
    return _context_model(path, os.path.getmtime(path)) if path else None


def model_version() -> str:
    return os.path.basename(settings.KETENZICHT_LINK_MODEL).removesuffix(".json")


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


@dataclass
class _Stored:
    """What the register holds for the keys of a batch (`_stored_lookup`)."""

    counts: dict[str, int]  # the count of every key that has one
    candidates: list[list[int]]  # per new mention, the stored mentions that share enough keys, by id
    rows: dict[int, dict[str, Any]]  # the features of those mentions (`MentionFeatures.as_row`)


def pair_rule() -> PairRule:
    """When a mention is a candidate of a new one (`engine.keys.PairRule`), from the settings."""
    return PairRule(settings.KETENZICHT_LINK_MIN_SHARED_KEYS, settings.KETENZICHT_LINK_RARE_KEY_MENTIONS)


def sharing_enough(
    keys: Iterable[str], found: Mapping[str, Sequence[T]], counts: Mapping[str, int], rule: PairRule
) -> list[T]:
    """The mentions (of `found`: per key, the mentions holding it) that share enough of `keys` with the
    mention these are the keys of to be its candidates by `rule`, in order of first appearance. `counts`:
    how many mentions hold each key besides the new one."""
    shared: Counter[T] = Counter()
    for key in keys:
        if key in found:
            weight = rule.weight(key, counts[key] + 1)
            for item in found[key]:
                shared[item] += weight
    return [item for item, weight in shared.items() if weight >= rule.minimum]


# The memory PostgreSQL may give each sort and hash of the look-up, for the rest of its transaction. The
# candidates of a bulk batch (500 registrations) are grouped from about 150,000 (key, stored mention) rows
# at 250,000 registrations: at the default of 4 MB that hash spilled to disk, and the statement took 7%
# longer (bench/README.md, "The import to a million registrations").
LOOKUP_WORK_MEM = "64MB"


def _stored_lookup(
    holders: Sequence[Sequence[str]],
    cap: int,
    rule: PairRule = EVERY_SHARED_KEY,
    numbers: Sequence[Sequence[int]] | None = None,
) -> _Stored:
    """For new mentions whose keys `holders` lists (one collection per new mention): per new mention the
    stored mentions that share enough of its keys held by at most `cap` mentions by `rule`
    (`sharing_enough`), in the order of their ids; their features; and the count of each key that has
    mentions (up to `cap` + 1: more says only "too common"). A stored mention that shares one key with each
    of two new mentions is a candidate of neither, and is not read. Their persons are read afterwards, for
    the few candidates that score high enough to matter (`_stored_persons`). The register holds the keys'
    numbers (`engine.keys.key_number`): they are looked up by number, and the counts given by key.
    `numbers`: each key's number, in the order of `holders` (worked out here when not given; the link step
    numbers a batch's keys once, for this look-up and for storing them)."""
    found = _Stored({}, [[] for _ in holders], {})
    if numbers is None:
        numbers = keys_numbered(holders)
    key_of = {
        number: key
        for held, its in zip(holders, numbers, strict=True)
        for key, number in zip(held, its, strict=True)
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if connection.in_atomic_block:  # SET LOCAL holds until the transaction ends, not beyond it
                cursor.execute(f"SET LOCAL work_mem = '{LOOKUP_WORK_MEM}'")
            cursor.execute(*_lookup_statement_postgresql(numbers, cap, rule))
            _read_lookup(found, cursor.fetchall(), key_of)
        else:  # the mentions of the keys first, then the features of those that share enough
            per_key: dict[str, list[int]] = defaultdict(list)
            for chunk in chunks(sorted(key_of), 2000):
                cursor.execute(*_lookup_statement(chunk, cap))
                _read_lookup(found, cursor.fetchall(), key_of, per_key)
            found.candidates = [sharing_enough(h, per_key, found.counts, rule) for h in holders]
            qualify = sorted({i for ids in found.candidates for i in ids})
            for part in chunks(qualify, 2000):
                cursor.execute(*_features_statement(part))
                _read_lookup(found, cursor.fetchall(), key_of)
    for ids in found.candidates:
        ids.sort()
    return found


def _read_lookup(
    found: _Stored,
    result: Iterable[Sequence[Any]],
    key_of: Mapping[int, str],
    per_key: dict[str, list[int]] | None = None,
) -> None:
    """Add the rows of the look-up statements to `found`: kind 0 a key's count (number: the count; the last
    column: the key's number, `key_of` gives the key), 1 a mention of a key (number: the key's; into
    `per_key`), 2 a mention's stored features, 3 a candidate (the mention) of a new mention (its number)."""
    for kind, value, number, mention_id in result:
        if kind == 0:
            found.counts[key_of[mention_id]] = number
        elif kind == 1:
            assert per_key is not None
            per_key[key_of[number]].append(mention_id)
        elif kind == 3:
            found.candidates[number].append(mention_id)
        elif value is not None and mention_id not in found.rows:  # None: a mention without features
            found.rows[mention_id] = _features_row(orjson.loads(value) if isinstance(value, str) else value)


def _lookup_statement(keys: Sequence[int], cap: int) -> tuple[str, list[Any]]:
    """The look-up through the key counts (KeyCount, by primary key), then the mentions of the keys under
    the cap (MentionKey); `keys`: their numbers."""
    counts, mention_keys = quoted_table(KeyCount), quoted_table(MentionKey)
    text = "CAST(NULL AS text)"
    marks = ", ".join(["%s"] * len(keys))
    capped = stored_key_cap_sql('c."key"', int(cap))
    sql = (
        f'WITH c AS (SELECT "key", n FROM {counts} WHERE "key" IN ({marks})) '
        f'SELECT 0, {text}, c.n, c."key" FROM c UNION ALL '
        f'SELECT 1, {text}, k."key", k.mention_id FROM c JOIN {mention_keys} k ON k."key" = c."key" '
        f"WHERE c.n <= {capped}"
    )
    return sql, list(keys)


def _features_statement(mention_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """The stored features of these mentions (MentionFeatures, by primary key)."""
    marks = ", ".join(["%s"] * len(mention_ids))
    sql = (
        f"SELECT 2, CAST(f.data AS text), CAST(NULL AS bigint), f.mention_id "
        f"FROM {quoted_table(MentionFeatures)} f WHERE f.mention_id IN ({marks})"
    )
    return sql, list(mention_ids)


def _lookup_statement_postgresql(
    numbers: Sequence[Sequence[int]], cap: int, rule: PairRule
) -> tuple[str, list[Any]]:
    """The look-up in one statement, every step an index probe whatever the planner's estimates: per key
    (of any new mention; `numbers`: each new mention's keys' numbers) at most its cap + 1 of its mentions
    and their number (`engine.keys.key_cap`; MentionKey's primary key; a LATERAL with LIMIT runs once per
    key), so a key with more is known to be over the cap without its count; then, per new mention, the
    stored mentions that share enough keys under the cap with it by `rule` (rows of kind 3: its number and
    the mention), and the features of those mentions (a correlated subquery, by primary key). Reading the
    counts from KeyCount with a list of thousands of keys (a bulk batch) made PostgreSQL scan the whole
    table while it was small enough to look cheap: time that grew with the register. The keys are sent
    once per new mention that holds them, as stored (`engine.keys.key_number`), with its number: two
    arrays. The candidates come back as pairs (new mention, stored mention), not as the qualifying
    mentions of every key they share: 44% fewer rows for a batch of 500 against 300,000 registrations
    (bench/README.md). A key recorded as over its cap (FullKey) is not read at all: its count is given as
    its cap + 1; a key the statement finds over its cap is recorded. At a million registrations those
    keys' mentions were a third of the rows read (bench/README.md)."""
    mention_keys, features, full = (quoted_table(m) for m in (MentionKey, MentionFeatures, FullKey))
    bigint = "CAST(NULL AS bigint)"
    limit, capped = stored_key_cap_sql('d."key"', int(cap)), stored_key_cap_sql('"key"', int(cap))
    weight = stored_weight_sql(rule, 'u."key"', "u.n + 1")  # n: the stored mentions holding it, + the new
    sql = (
        f'WITH o AS (SELECT * FROM unnest(CAST(%s AS bigint[]), CAST(%s AS integer[])) AS o("key", holder)), '
        f'q AS MATERIALIZED (SELECT d."key", {limit} AS lim, EXISTS (SELECT 1 FROM {full} x '
        f'WHERE x."key" = d."key" AND x.over >= {limit}) AS known_full '
        f'FROM (SELECT DISTINCT "key" FROM o) d), '
        f'm AS (SELECT q."key", k.mention_id, k.n FROM q CROSS JOIN LATERAL '
        f"(SELECT mention_id, COUNT(*) OVER () AS n FROM "
        f'(SELECT mention_id FROM {mention_keys} WHERE "key" = q."key" LIMIT q.lim + 1) s) k '
        f"WHERE NOT q.known_full), "
        f'u AS (SELECT "key", mention_id, n FROM m WHERE n <= {capped}), '
        f'e AS (SELECT o.holder, u.mention_id FROM u JOIN o ON o."key" = u."key" '
        f"GROUP BY o.holder, u.mention_id HAVING SUM({weight}) >= %s), "
        # Keys found over the cap are recorded, in key order (two look-ups recording the same keys wait
        # for each other rather than deadlock).
        f'c AS (SELECT "key", MAX(n) AS n FROM m GROUP BY "key"), '
        f'w AS (INSERT INTO {full} ("key", over) SELECT "key", {capped} FROM c WHERE n > {capped} '
        f'ORDER BY "key" ON CONFLICT ("key") DO UPDATE SET over = GREATEST({full}.over, excluded.over)) '
        f'SELECT 0, CAST(NULL AS text), n, "key" FROM c UNION ALL '
        f'SELECT 0, CAST(NULL AS text), lim + 1, "key" FROM q WHERE known_full UNION ALL '
        f"SELECT 3, CAST(NULL AS text), holder, mention_id FROM e UNION ALL "
        f"SELECT 2, (SELECT CAST(f.data AS text) FROM {features} f WHERE f.mention_id = d.mention_id), "
        f"{bigint}, d.mention_id FROM (SELECT DISTINCT mention_id FROM e) d"
    )
    keys = integer_array(number for its in numbers for number in its)
    holder = integer_array(index for index, its in enumerate(numbers) for _ in its)
    return sql, [keys, holder, rule.minimum]


def _features_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored features row with every column (a row stored before a column was added gets its default)."""
    return row if len(row) == len(FEATURE_COLUMNS) else Features(**row).as_row()


@dataclass
class _StoredPersons:
    """The persons of the deciding stored candidates (`_stored_persons`)."""

    person_of: dict[int, int]  # mention -> its person (a mention without a link is left out)
    bsns: dict[int, set[str]]  # person -> the valid BSNs of its mentions (every person has an entry)
    dates: dict[int, Counter[str]]  # person -> the complete dates of birth of its mentions, with how many


def _stored_persons(mention_ids: Collection[int]) -> _StoredPersons:
    """The person of each of these stored mentions, and the BSNs and dates of birth of each of those
    persons (for the BSN and date guards): one statement per slice of mentions."""
    found = _StoredPersons({}, {}, {})
    features, links = quoted_table(MentionFeatures), quoted_table(MentionLink)
    if connection.vendor == "postgresql":
        birth_date = "f.data ->> 'birth_date'"
    else:
        birth_date = "CAST(json_extract(f.data, '$.birth_date') AS text)"
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(mention_ids), 2000):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"WITH p AS (SELECT mention_id, person_id FROM {links} WHERE mention_id IN ({marks})) "
                f"SELECT 0, CAST(NULL AS varchar(9)), CAST(NULL AS text), p.person_id, p.mention_id FROM p "
                f"UNION ALL SELECT 1, f.bsn, {birth_date}, l.person_id, CAST(NULL AS bigint) FROM {links} l "
                f"JOIN {features} f ON f.mention_id = l.mention_id "
                f"WHERE l.person_id IN (SELECT person_id FROM p)",
                list(chunk),
            )
            for kind, bsn, date, person_id, mention_id in cursor.fetchall():
                found.bsns.setdefault(person_id, set())
                found.dates.setdefault(person_id, Counter())
                if kind == 0:
                    found.person_of[mention_id] = person_id
                    continue
                if bsn:
                    found.bsns[person_id].add(bsn)
                if date:
                    found.dates[person_id][str(date)] += 1
    return found


def mentions_link(*, registrations: Sequence[Registration], actor: User | None = None) -> list[LinkOutcome]:
    """Link the mentions of newly stored registrations (call inside their transaction; it waits for any
    other transaction that links to end first, `turn.link_turn`)."""
    link_turn()
    model = link_model()
    upper, lower = settings.KETENZICHT_LINK_UPPER, settings.KETENZICHT_LINK_LOWER
    by_id = {r.pk: r for r in registrations}
    mentions = list(PersonMention.objects.filter(registration_id__in=list(by_id)).only(*MENTION_FIELDS))
    for mention in mentions:
        mention.registration = by_id[mention.registration_id]
    mentions.sort(key=lambda m: (m.registration.registered_at, m.registration_id, m.pk))
    pairs = [(m, model.prepare(features_of(m))) for m in mentions]
    keys_of = {m.pk: blocking_keys(f) for m, f in pairs}
    numbers_of = dict(zip(keys_of, keys_numbered(keys_of.values()), strict=True))  # for look-up and store

    # Candidates already in the register: one indexed look-up for the whole batch. A key shared by very
    # many mentions ("jansen" with initial "j") says little and would make scoring slow: online retrieval
    # skips such keys (the batch rebuild still compares those pairs). Their counts are kept in a table.
    # A candidate shares enough keys under the cap with the mention (two, a BSN key or a rare one: keys.py).
    cap, rule = settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY, pair_rule()
    lookup = _stored_lookup(list(keys_of.values()), cap, rule, list(numbers_of.values()))
    counts = lookup.counts
    # Each mention against its stored candidates, scored from the stored rows. A candidate below the lower
    # threshold decides nothing (no link, no review item, no support for a bridge): only the others are
    # kept, and only their persons and those persons' BSNs are read, in one more statement.
    lower_weight = prob_to_match_weight(lower) - 1e-9  # a hair lower: the probability test decides below
    stored_weights: dict[int, dict[int, float]] = {}
    for (mention, features), ids in zip(pairs, lookup.candidates, strict=True):
        scored = ((i, model.match_weight_row(features, lookup.rows[i])) for i in ids if i in lookup.rows)
        stored_weights[mention.pk] = {i: weight for i, weight in scored if weight >= lower_weight}
    relevant = {i for weights in stored_weights.values() for i in weights}
    stored_persons = _stored_persons(relevant) if relevant else _StoredPersons({}, {}, {})
    person_of = stored_persons.person_of
    known = {
        i: Candidate(i, None, p, p, model.prepare_right(Features(**lookup.rows[i])))
        for i, p in person_of.items()
    }
    # The persons as this batch changes them: a mention that links two persons merges them (bridges.py).
    # Every stored person the matcher can reach is a candidate's person (or merged from one): its BSNs and
    # dates of birth were read with it.
    persons = BatchPersons(stored_persons.bsns, Guards(threshold=upper), stored_persons.dates)
    upper_weight = prob_to_match_weight(upper)

    batch_index: dict[str, list[int]] = defaultdict(list)  # key -> the mentions of this batch holding it
    in_this_batch: dict[int, Candidate] = {}  # mention -> it as a candidate of the later ones
    batch_bsns: dict[object, set[str]] = defaultdict(set)  # slot of a person -> BSNs of this batch
    batch_dates: dict[object, Counter[str]] = defaultdict(Counter)  # slot -> dates of birth of this batch
    new_persons: list[Person] = []
    links: list[tuple[PersonMention, object, str, float | None]] = []
    doubtful: list[tuple[PersonMention, int, Score, str]] = []
    doubtful_persons: list[tuple[object, object]] = []  # the two persons of each doubtful pair
    for mention, features in pairs:
        weights = stored_weights[mention.pk]
        candidates = {i: known[i] for i in weights if i in known}
        held = {
            key: counts.get(key, 0) + len(batch_index[key])
            for key in keys_of[mention.pk]
            if key in batch_index
        }
        in_batch = {key: batch_index[key] for key, n in held.items() if n <= key_cap(key, cap)}
        for mention_id in sharing_enough(keys_of[mention.pk], in_batch, held, rule):
            candidates[mention_id] = in_this_batch[mention_id]
        # Every candidate ranked by its match weight; the explanation (Score) only for review items.
        best: dict[object, tuple[float, Candidate]] = {}  # slot of a person -> best weight and mention
        support: dict[object, int] = defaultdict(int)  # slot of a person -> its mentions above upper
        for candidate in candidates.values():
            if candidate.registration_id == mention.registration_id:
                continue  # two mentions of one registration are two people
            if candidate.registration_id is None:
                weight = weights[candidate.mention_id]
            else:
                weight = model.match_weight(features, candidate.features)
            slot = persons.slot(candidate.person_ref)
            if slot not in best or weight > best[slot][0]:
                best[slot] = (weight, candidate)
            if weight >= upper_weight:
                support[slot] += 1

        def bsn_conflict(candidate: Candidate, features: Features = features) -> bool:
            if not features.bsn:
                return False
            theirs = persons.bsns(candidate.person_ref, batch_bsns)
            return bool(theirs and features.bsn not in theirs)

        def date_conflict(candidate: Candidate, features: Features = features) -> bool:
            """The person's dates of birth contradict this mention's (engine.resolve.dates_contradict)."""
            if not features.birth_date:
                return False
            theirs = persons.dates(candidate.person_ref, batch_dates)
            return join_contradicts(
                Counter([features.birth_date]), theirs, features.birth_date, candidate.features.birth_date
            )

        ranked = [
            (match_weight_to_probability(weight), candidate)
            for weight, candidate in sorted(best.values(), key=lambda item: -item[0])
        ]
        chosen = next(
            ((p, c) for p, c in ranked if p >= upper and not bsn_conflict(c) and not date_conflict(c)), None
        )
        if chosen is not None:
            probability, candidate = chosen
            person_ref: object = persons.ref(candidate.person_ref)
            links.append((mention, person_ref, LinkMethod.ONLINE, probability))
            # A bridge: every other person this mention links to is the same person, within the guards.
            refusals: dict[object, str] = {}  # slot of a person not merged -> why
            for probability, other in ranked:
                if probability < upper or persons.slot(other.person_ref) == persons.slot(person_ref):
                    continue
                refused = persons.bridge_refused(
                    person_ref,
                    other.person_ref,
                    probability=probability,
                    support=support[persons.slot(other.person_ref)],
                    batch_bsns=batch_bsns,
                    bsn=features.bsn,
                    batch_dates=batch_dates,
                    birth_date=features.birth_date,
                )
                if refused is None:
                    person_ref = persons.merge(person_ref, other.person_ref, mention.pk)
                else:
                    refusals[persons.slot(other.person_ref)] = refused
        else:
            refusals = {}
            person_ref = Person()
            new_persons.append(person_ref)
            links.append((mention, person_ref, LinkMethod.NEW, None))
        persons.linked(person_ref)
        mine = persons.slot(person_ref)
        for probability, candidate in ranked:
            if persons.slot(candidate.person_ref) == mine or probability < lower:
                continue
            refused = refusals.get(persons.slot(candidate.person_ref))
            if refused == REVIEWER_DIFFERENT:
                continue  # a reviewer kept these two persons apart: not asked again
            if bsn_conflict(candidate) and probability >= upper:
                reason = gettext_noop("different valid BSNs")
            elif probability >= upper and refused is None and date_conflict(candidate):
                reason = DIFFERENT_DATES
            elif refused is not None:
                reason = refused
            elif probability >= upper:
                reason = gettext_noop("also matches another person")
            else:
                reason = gettext_noop("between thresholds")
            doubtful.append(
                (mention, candidate.mention_id, model.score(features, candidate.features), reason)
            )
            doubtful_persons.append((person_ref, candidate.person_ref))
        person_id = person_ref if isinstance(person_ref, int) else None
        me = Candidate(mention.pk, mention.registration_id, person_id, person_ref, features)
        if features.bsn:
            batch_bsns[me.slot].add(features.bsn)
        if features.birth_date:
            batch_dates[me.slot][features.birth_date] += 1
        in_this_batch[me.mention_id] = me
        for key in keys_of[mention.pk]:
            batch_index[key].append(me.mention_id)

    Person.objects.bulk_create(persons.new_persons(new_persons))
    version, now = model_version(), connection.ops.adapt_datetimefield_value(timezone.now())
    resolved = [(m, persons.ref(p), method, prob) for m, p, method, prob in links]
    linked = [(m, p if isinstance(p, int) else _pk(p), method, prob) for m, p, method, prob in resolved]
    link_rows = [(m.pk, p, method, prob, version, now) for m, p, method, prob in linked]
    # Features, keys, key counts and links: one round trip on PostgreSQL (a bulk batch's keys by COPY).
    features_write(
        pairs,
        keys_of,
        also=insert_statements(quoted_table(MentionLink), LINK_COLUMNS, link_rows),
        numbers_of=numbers_of,
    )
    persons.store(actor=actor)
    # A question a later merge of this batch answered (both mentions now one person) is not asked.
    doubtful = [
        item
        for item, (mine_ref, theirs) in zip(doubtful, doubtful_persons, strict=True)
        if persons.slot(mine_ref) != persons.slot(theirs)
    ]
    related = _related_doubts(model, linked, dict(pairs), doubtful)
    doubtful = related.doubts
    if related.relinks:
        linked = _relink(linked, related.relinks)
        # A question the relation answered (both mentions one person now: a mention of the new person moved
        # with the one the relation linked) is not asked either.
        doubtful = _still_doubtful(doubtful)
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


@dataclass
class _Related:
    doubts: list[tuple[PersonMention, int, Score, str]]  # every review question, the matcher's included
    relinks: dict[int, tuple[int, float]]  # mention made a new person -> (known person, probability)


def _related_doubts(
    model: LinkModel,
    linked: Sequence[tuple[PersonMention, int, str, float | None]],
    features: Mapping[PersonMention, Features],
    doubtful: Sequence[tuple[PersonMention, int, Score, str]],
) -> _Related:
    """Context from relations, for the mentions the matcher made new persons: a new mention in a
    domestic-violence relation (partner, ex-partner, family, a shared home) to a mention linked to a known
    person X is compared with the persons X was in such a relation with before, when the name fits
    (`engine.resolve.names_compatible`), against each such person's best-scoring related mention. The
    relation-context term (`engine.context`, weight from `context_model()`) is added to that score: one
    candidate at or above the upper threshold, and the mention is linked to it (two or more: each asked
    about); otherwise a review question with the relation as the reason. A question the matcher asks
    already gets the term too. A relation that disagrees (his sister before, his ex-partner now) brings no
    candidate. The links were stored already: the candidates' persons are read as they are now."""
    person_of = {m.pk: person for m, person, _, _ in linked}
    new = {m.pk: m for m, _, method, _ in linked if method == LinkMethod.NEW}
    if not new:
        return _Related(list(doubtful), {})
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
        return _Related(list(doubtful), {})
    # The other registrations of the known persons, their mentions and their relations: stored before, and
    # those of this batch too (a bulk batch holds a whole campaign as often as not; its links are stored
    # already). A new mention's own registration brings only itself and the known person: no candidate.
    # Every mention of those registrations comes with its person (one statement), their relations in one
    # more, by the registrations read.
    known = {person for _, person, _ in anchors}
    registrations = PersonMention.objects.filter(link__person_id__in=known).values("registration_id")
    theirs: dict[int, int] = {}  # a mention of a known person -> that person
    candidate_person: dict[int, int] = {}  # a mention read here or asked about -> its person now
    co_mentions: dict[int, list[PersonMention]] = defaultdict(list)
    for mention in (
        PersonMention.objects.filter(registration_id__in=registrations)
        .annotate(person_now=F("link__person_id"))
        .only(*MENTION_FIELDS)
    ):
        co_mentions[mention.registration_id].append(mention)
        if mention.person_now is not None:
            candidate_person[mention.pk] = mention.person_now
            if mention.person_now in known:
                theirs[mention.pk] = mention.person_now
    earlier: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for registration_id, left, right, kind in MentionRelation.objects.filter(
        registration_id__in=list(co_mentions)
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
    unread = {c for _, c in asked} - candidate_person.keys()  # the matcher's candidates elsewhere
    if unread:
        candidate_person |= dict(
            MentionLink.objects.filter(mention_id__in=unread).values_list("mention_id", "person_id")
        )
    # The ties (known person, relation) of each new mention and of each candidate person.
    mine: dict[int, set[relation_context.Tie]] = defaultdict(set)
    for mention, person, kind in anchors:
        mine[mention.pk].add((person, kind))
    ties: dict[int, set[relation_context.Tie]] = defaultdict(set)
    for person, items in related.items():
        for candidate, their_kind in items:
            if candidate.pk in candidate_person:
                ties[candidate_person[candidate.pk]].add((person, their_kind))
    best: dict[tuple[int, int], tuple[float, PersonMention, PersonMention, Score, str, str]] = {}
    for mention, person, _kind in anchors:
        for candidate, their_kind in related.get(person, []):
            other = candidate_person.get(candidate.pk)
            if other is None or other in (person, person_of[mention.pk]):
                continue
            if candidate.registration_id == mention.registration_id:
                continue  # two mentions of one registration are two people
            own = person_of[mention.pk]
            level = relation_context.level(mine[mention.pk], ties[other], exclude={own, other})
            if level not in relation_context.SHARED:
                continue  # the relations disagree: no evidence, and no question
            score = model.score(features[mention], model.prepare_right(features_of(candidate)))
            if not names_compatible({c.name: c.level for c in score.comparisons}):
                continue
            key = (mention.pk, other)
            if key not in best or score.match_weight > best[key][0]:
                reason = RELATED_REASONS[their_kind]
                best[key] = (score.match_weight, mention, candidate, score, reason, level)

    terms = context_model()
    upper = settings.KETENZICHT_LINK_UPPER
    scored = {
        key: relation_context.with_context(score, level, terms) if terms else score
        for key, (_, _, _, score, _, level) in best.items()
    }
    linkable: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (mention_id, other), score in scored.items():
        if terms and score.match_probability >= upper and not score.different_valid_bsns:
            linkable[mention_id].append((other, score.match_probability))
    movable = _movable({person_of[m] for m in linkable}, linked)
    relinks = {m: found[0] for m, found in linkable.items() if len(found) == 1 and person_of[m] in movable}
    # The matcher's questions: gone when the relation linked the mention to that person; with the
    # relation's term when it found the same person.
    doubts: list[tuple[PersonMention, int, Score, str]] = []
    for mention, candidate_id, score, reason in doubtful:
        other = candidate_person.get(candidate_id)
        if other is not None and mention.pk in relinks and relinks[mention.pk][0] == other:
            continue
        if terms and other is not None and (mention.pk, other) in best:
            score = relation_context.with_context(score, best[mention.pk, other][5], terms)
        doubts.append((mention, candidate_id, score, reason))
    asked_person = {(m, candidate_person.get(c)) for m, c in asked}  # the matcher asks about these already
    for key, (_, mention, candidate, _, reason, _) in best.items():
        if key in asked_person or (mention.pk in relinks and relinks[mention.pk][0] == key[1]):
            continue
        if len(linkable.get(mention.pk, ())) > 1:
            reason = gettext_noop("also matches another person")
        doubts.append((mention, candidate.pk, scored[key], reason))
    return _Related(doubts, relinks)


def _still_doubtful(
    doubtful: Sequence[tuple[PersonMention, int, Score, str]],
) -> list[tuple[PersonMention, int, Score, str]]:
    """The questions whose two mentions are two persons as the links are now (one statement)."""
    mentions = {m.pk for m, _, _, _ in doubtful} | {candidate for _, candidate, _, _ in doubtful}
    person_of = dict(
        MentionLink.objects.filter(mention_id__in=mentions).values_list("mention_id", "person_id")
    )
    return [item for item in doubtful if person_of.get(item[0].pk) != person_of.get(item[1])]


def _movable(persons: set[int], linked: Sequence[tuple[PersonMention, int, str, float | None]]) -> set[int]:
    """The new persons of this batch that are nothing but mentions of this batch, and in no merge (a bridge
    may have merged a stored person into one): only those may be moved onto a person found through a
    relation."""
    ours: dict[int, int] = defaultdict(int)
    for _, person, _, _ in linked:
        ours[person] += 1
    held: dict[int, int] = defaultdict(int)
    for person in MentionLink.objects.filter(person_id__in=list(persons)).values_list("person_id", flat=True):
        held[person] += 1
    merged = set(
        PersonMerge.objects.filter(target_id__in=list(persons)).values_list("target_id", flat=True)
    ) | set(PersonMerge.objects.filter(source_id__in=list(persons)).values_list("source_id", flat=True))
    return {p for p in persons if held[p] == ours[p] and p not in merged}


def _relink(
    linked: Sequence[tuple[PersonMention, int, str, float | None]], relinks: Mapping[int, tuple[int, float]]
) -> list[tuple[PersonMention, int, str, float | None]]:
    """Move the mentions linked through a relation from their new person to the known one (with every
    mention of this batch that was linked to that new person), and delete the new persons left empty."""
    person_of = {m.pk: person for m, person, _, _ in linked}
    moved = {person_of[m]: target for m, (target, _) in relinks.items()}
    out = []
    for mention, person, method, probability in linked:
        if mention.pk in relinks:
            person, method, probability = relinks[mention.pk][0], LinkMethod.ONLINE, relinks[mention.pk][1]
        elif person in moved:
            person = moved[person]
        else:
            out.append((mention, person, method, probability))
            continue
        MentionLink.objects.filter(mention_id=mention.pk).update(
            person_id=person, method=method, probability=probability, updated_at=timezone.now()
        )
        out.append((mention, person, method, probability))
    Person.objects.filter(pk__in=list(moved)).exclude(
        pk__in=MentionLink.objects.filter(person_id__in=list(moved)).values("person_id")
    ).delete()
    return out


def _pk(person: object) -> int:
    assert isinstance(person, Person) and person.pk is not None
    return int(person.pk)
