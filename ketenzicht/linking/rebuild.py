"""Re-link the whole register: batch prediction with the trained model, clustering under the guards,
person ids carried over, reviewers' decisions binding, doubtful pairs to the review queue."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenzicht.audit.models import Action, Result
from ketenzicht.audit.services import access_log_record
from ketenzicht.db import chunks, quoted_table, rows_insert
from ketenzicht.organisations.models import User
from ketenzicht.persons.models import Person
from ketenzicht.persons.selectors import persons_merged_to
from ketenzicht.registrations.models import MentionRelation, PersonMention

from .batch.artefact import save_model
from .batch.blocking import mention_key_digests, mention_key_rows
from .batch.frame import columns_frame
from .batch.prediction import predict
from .batch.training import train
from .engine import context as relation_context
from .engine.columns import FeatureColumns
from .engine.context import ContextModel, Related
from .engine.model import LinkModel, match_weight_to_probability, prob_to_match_weight
from .engine.resolve import (
    DIFFERENT_DATES,
    Clustering,
    Guards,
    ScoredPair,
    carry_ids,
    cluster,
)
from .features import (
    MentionColumns,
    features_changed,
    features_of_all,
    features_store_changed,
    mention_columns,
    mentions_delete,
)
from .models import (
    LinkMethod,
    MentionLink,
    PairDecision,
    ReviewItem,
    ReviewStatus,
)
from .online import LINK_COLUMNS, context_model, model_version, pair_rule
from .services import review_item_for, review_items_follow_links
from .signals import persons_relinked
from .turn import link_turn

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Levels = dict[tuple[str, str], str]  # the relation term's level of a pair of mentions
Doubtful = list[tuple[int, int, str]]  # (mention, candidate, reason) for a reviewer
Decisions = list[tuple[int, int, str]]  # reviewers' (left, right, same or different)

BETWEEN_THRESHOLDS = gettext_noop("between thresholds")
# Why a link at or above the upper threshold that the clustering's guards refused goes to a reviewer.
REFUSED_REASONS = {
    "different valid BSNs": gettext_noop("different valid BSNs"),
    "weak link between two large clusters": gettext_noop("weak link between two large persons"),
    DIFFERENT_DATES: gettext_noop("different dates of birth"),
}


@dataclass(frozen=True)
class RebuildSummary:
    mentions: int
    pairs_scored: int
    persons: int
    persons_new: int
    persons_merged: int
    refused: int
    reviews_opened: int
    model: str
    features_rewritten: int  # mentions whose features and keys were written anew (the others unchanged)


def _backend_session(backend: str) -> AbstractContextManager[Any]:
    if backend == "spark":
        from .spark import spark_session

        return spark_session()
    return nullcontext()


def persons_rebuild(
    *,
    actor: User | None = None,
    retrain: bool = False,
    retrain_context: bool = False,
    seed: int = 1,
    progress: Progress | None = None,
    backend: str = "duckdb",
) -> RebuildSummary:
    """Rebuild all links. With `retrain`, estimate a new model on the register first and use that; with
    `retrain` or `retrain_context`, estimate the relation term again on the register too, from the first
    pass's persons (when the term is on), and use that in the second pass. Both are saved where the
    settings point (`KETENZICHT_LINK_MODEL`, `KETENZICHT_LINK_CONTEXT`).
    `backend`: where Splink trains and predicts, "duckdb" (in this process) or "spark" (see spark.py)."""
    step = progress or (lambda stage, done, total: None)
    retrain_context = retrain or retrain_context
    upper, lower = settings.KETENZICHT_LINK_UPPER, settings.KETENZICHT_LINK_LOWER
    mentions = mention_columns()
    step("normalise", 0, len(mentions.ids))
    features = features_of_all(mentions)
    mentions = mentions.keeping("postcode", "house_number")  # the homes, for the relation term
    step("normalise", len(mentions.ids), len(mentions.ids))
    # predict blocks on the online matcher's keys (built in DuckDB, for Spark too): the same candidates
    frame = columns_frame(features)
    features = FeatureColumns.of_frame(frame)  # the frame's arrays: the lists of each column go
    # The keys' fingerprints now, while little else is held (DuckDB copies the key columns to make them):
    # 32 bytes per mention, in the order of the features (both by mention id).
    digests = np.array([digest for _, digest in mention_key_digests(frame)], dtype="S32")

    model_path = Path(settings.KETENZICHT_LINK_MODEL)
    with _backend_session(backend):  # one Spark session for training and prediction
        if retrain:
            step("train", 0, 1)
            artefact = train(frame, seed=seed, backend=backend)
            save_model(artefact, model_path)
            step("train", 1, 1)
        else:
            artefact = json.loads(model_path.read_text(encoding="utf-8"))
        model = LinkModel(artefact)  # refuses a model that does not fit the comparison spec

        # With the relation term, also the pairs it could lift over the lower threshold. Retrained, the
        # term is estimated again from this register after the first pass: its weight is not known yet.
        terms = context_model()
        if terms is None:
            lift = 0.0
        elif retrain_context:
            lift = relation_context.ESTIMATED_MAX_WEIGHT
        else:
            lift = max(terms.max_weight, 0.0)
        step("predict", 0, 1)
        scored = predict(
            frame,
            artefact,
            threshold_match_weight=prob_to_match_weight(lower) - lift,
            backend=backend,
            max_key_mentions=settings.KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY,
            pair_rule=pair_rule(),
            explained=False,  # the probability is all the rebuild reads
        )
        step("predict", 1, 1)
    registration_of = {str(m): r for m, r in zip(mentions.ids, mentions.registrations, strict=True)}
    pairs: list[ScoredPair] = []
    # Column by column (a namedtuple per scored pair took seconds at a million mentions).
    lefts, rights = scored["unique_id_l"].astype(str), scored["unique_id_r"].astype(str)
    for left, right, probability in zip(lefts, rights, scored["match_probability"], strict=True):
        if registration_of[left] == registration_of[right]:
            continue  # two mentions of one registration are two people
        pairs.append(ScoredPair(left, right, float(probability)))
    pairs_scored = len(scored)
    del scored, lefts, rights  # the pairs hold what is read of them

    ids = features.columns["unique_id"]
    bsn_of = {u: bsn for u, bsn in zip(ids, features.columns["bsn"], strict=True) if bsn}
    birth_date_of = {u: date for u, date in zip(ids, features.columns["birth_date"], strict=True) if date}
    guards = Guards(threshold=upper)
    related = _registrations_related(mentions) if terms is not None else []
    scored_pairs = pairs

    def persons(decisions: Decisions) -> tuple[Clustering, list[ScoredPair], Levels, Doubtful]:
        """Cluster the scored pairs under the guards and the reviewers' `decisions`: the persons, the
        pairs at or above the lower threshold, the relation levels and the pairs a reviewer should see."""
        nonlocal terms
        same = [(str(a), str(b)) for a, b, d in decisions if d == PairDecision.Decision.SAME]
        different = [(str(a), str(b)) for a, b, d in decisions if d == PairDecision.Decision.DIFFERENT]

        def clustered(pairs: list[ScoredPair]) -> Clustering:
            return cluster(
                registration_of,
                pairs,
                bsn_of=bsn_of,
                birth_date_of=birth_date_of,
                same=same,
                different=different,
                guards=guards,
            )

        step("cluster", 0, 1)
        pairs = scored_pairs
        clustering = clustered(pairs)
        levels: Levels = {}
        if terms is not None:
            # Second pass: the relation term between the first pass's persons, and cluster again.
            if retrain_context:
                step("context", 0, 1)
                terms = _context_estimate(related, clustering, features)
                step("context", 1, 1)
            pairs, levels = _with_relation_context(pairs, clustering, related, model, features, terms)
            clustering = clustered(pairs)
        pairs = [p for p in pairs if p.probability >= lower]
        doubtful = [(int(p.left), int(p.right), BETWEEN_THRESHOLDS) for p in pairs if p.probability < upper]
        step("cluster", 1, 1)
        # A link the guards refused is no silent loss: a reviewer decides (a reviewer's "different" holds).
        doubtful += [
            (int(left), int(right), REFUSED_REASONS[reason])
            for left, right, reason in clustering.refused
            if reason in REFUSED_REASONS
        ]
        return clustering, pairs, levels, doubtful

    decisions = _decisions()
    clustering, pairs, levels, doubtful = persons(decisions)

    with transaction.atomic():
        # No intake links and no reviewer decides while the links are rewritten; what they did while the
        # rebuild computed is read now (turn.py). A reviewer's decision taken meanwhile binds: the pairs
        # are clustered again with it (seconds, against the minutes of prediction).
        link_turn()
        step("store", 0, 1)
        decided_meanwhile = _decisions()
        if set(decided_meanwhile) != set(decisions):
            decisions = decided_meanwhile
            clustering, pairs, levels, doubtful = persons(decisions)
        old = {str(m): str(p) for m, p in MentionLink.objects.values_list("mention_id", "person_id")}
        carried = carry_ids(old, clustering)
        rewritten = _features_store(features, digests, frame, model)
        new_persons = {c: Person() for c, p in carried.person_of_cluster.items() if p is None}
        Person.objects.bulk_create(list(new_persons.values()))
        person_of_cluster = {
            c: int(p) if p is not None else new_persons[c].pk for c, p in carried.person_of_cluster.items()
        }
        for source, target in carried.merged.items():
            Person.objects.filter(pk=int(source)).update(merged_into_id=int(target))
        best = _best_probability(pairs, clustering.cluster_of)
        version = model_version()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        links = (
            (int(mention), person_of_cluster[cluster_id], LinkMethod.REBUILD, best.get(mention), version, now)
            for mention, cluster_id in clustering.cluster_of.items()
        )
        # The links of the mentions read, not of one registered while the rebuild ran (intake linked it).
        mentions_delete(MentionLink, mentions.ids)
        rows_insert(quoted_table(MentionLink), LINK_COLUMNS, links)  # plain rows: COPY on PostgreSQL
        # A mention registered while the rebuild ran, linked by intake to a person the rebuild merged
        # away, follows that person.
        followed = _links_follow_merges()
        # The open questions the new persons answered close, and those a join answered that are two persons
        # again open (before new ones are opened: a pair asked about already is not asked twice).
        joined, reopened = review_items_follow_links(persons=None, actor=actor)
        reviews = _open_reviews(doubtful, clustering.cluster_of, decisions, model, features, levels, terms)
        persons_relinked.send(sender=MentionLink, persons=None)
        step("store", 1, 1)
        summary = RebuildSummary(
            mentions=len(mentions.ids),
            pairs_scored=pairs_scored,
            persons=len(person_of_cluster),
            persons_new=len(new_persons),
            persons_merged=len(carried.merged),
            refused=len(clustering.refused),
            reviews_opened=reviews,
            model=version,
            features_rewritten=rewritten,
        )
        also = {"merged": carried.merged, "links_followed_merges": followed}
        also |= {"reviews_joined": joined, "reviews_reopened": reopened}
        access_log_record(
            actor=actor, action=Action.REBUILD, object_type="person", result=Result.STORED, origin="linking",
            detail=summary.__dict__ | also,
        )  # fmt: skip
    return summary


def _decisions() -> Decisions:
    return list(PairDecision.objects.values_list("left_id", "right_id", "decision"))


def _links_follow_merges() -> int:
    """Move every link on a person merged into another to the person it ended in; how many moved. Only
    mentions the rebuild did not read (registered while it ran) can be linked so."""
    stray = list(MentionLink.objects.filter(person__merged_into__isnull=False).values_list("pk", "person_id"))
    if not stray:
        return 0
    ends = persons_merged_to({person for _pk, person in stray})
    moving: defaultdict[int, list[int]] = defaultdict(list)  # the person a chain of merges ends in -> links
    for pk, person in stray:
        moving[ends[person]].append(pk)
    for end, links in moving.items():
        MentionLink.objects.filter(pk__in=links).update(person_id=end)
    return len(stray)


def _features_store(features: FeatureColumns, digests: Any, frame: Any, model: LinkModel) -> int:
    """Write the features (with the model's name-frequency buckets, as intake stores them) and
    blocking keys (built by DuckDB) of the mentions whose features or keys changed (`digests`: the keys'
    fingerprints in the order of the features, as bytes), and count the keys anew; the number written.
    When most changed, all are written anew (one delete instead of a look-up per mention)."""

    def every() -> Iterator[tuple[int, str]]:
        return ((int(u), d.decode()) for u, d in zip(features.columns["unique_id"], digests, strict=True))

    changed = features_changed(features, every(), model.prepare_row)
    if len(changed) * 2 > len(features):
        changed = dict(every())
    if len(changed) < len(features):
        frame = frame[frame["unique_id"].isin({str(m) for m in changed})]
    keys = ((int(mention), key) for mention, key in mention_key_rows(frame))
    features_store_changed(features, changed, keys, model.prepare)
    return len(changed)


def _registrations_related(mentions: MentionColumns) -> Related:
    """Per registration: the home of each of its mentions (None without postcode or house number) and its
    relations (from, to, kind), as `engine.context.ties_of` takes them."""
    homes: dict[int, dict[str, tuple[str, str] | None]] = {}
    for mention, registration, postcode, house_number in zip(
        mentions.ids,
        mentions.registrations,
        mentions.inputs["postcode"],
        mentions.inputs["house_number"],
        strict=True,
    ):
        home = (postcode, house_number) if postcode and house_number else None
        homes.setdefault(registration, {})[str(mention)] = home
    relations: dict[int, list[tuple[str, str, str]]] = {r: [] for r in homes}
    for registration_id, left, right, kind in MentionRelation.objects.values_list(
        "registration_id", "from_mention_id", "to_mention_id", "kind"
    ).iterator(chunk_size=10_000):
        if registration_id in relations:
            relations[registration_id].append((str(left), str(right), kind))
    return [(homes[r], relations[r]) for r in homes]


def _context_estimate(related: Related, clustering: Clustering, features: FeatureColumns) -> ContextModel:
    """The relation term estimated again on this register (`engine.context.estimate_on_first_pass`), the
    first pass's persons taken as its persons, and saved where `KETENZICHT_LINK_CONTEXT` points, beside
    the retrained model."""
    cluster_of = clustering.cluster_of
    surname_of = dict(zip(features.columns["unique_id"], features.columns["surname_first"], strict=True))
    estimated = relation_context.estimate_on_first_pass(
        related,
        cluster_of,
        surname_of,
        source=f"rebuild of {len(cluster_of)} mentions, its first pass's persons",
    )
    relation_context.save(estimated, settings.KETENZICHT_LINK_CONTEXT)
    return ContextModel(estimated)


def _with_relation_context(
    pairs: list[ScoredPair],
    clustering: Clustering,
    related: Related,
    model: LinkModel,
    features: FeatureColumns,
    terms: ContextModel,
) -> tuple[list[ScoredPair], dict[tuple[str, str], str]]:
    """The pairs with the relation term of `engine.context.second_pass_of` added (the first clustering's
    persons as the related persons), and the level of each pair that got a term."""
    out: list[ScoredPair] = []
    levels: dict[tuple[str, str], str] = {}
    weighted = ((p.left, p.right, prob_to_match_weight(min(p.probability, 1 - 1e-16))) for p in pairs)
    passed = relation_context.second_pass_of(weighted, clustering.cluster_of, related, terms, model, features)
    for pair, (weight, level) in zip(pairs, passed, strict=True):
        if level == relation_context.NULL:
            out.append(pair)
            continue
        levels[pair.left, pair.right] = level
        out.append(ScoredPair(pair.left, pair.right, match_weight_to_probability(weight)))
    return out, levels


def _best_probability(pairs: list[ScoredPair], cluster_of: dict[str, str]) -> dict[str, float]:
    best: dict[str, float] = {}
    for pair in pairs:
        if cluster_of[pair.left] == cluster_of[pair.right]:
            for mention in (pair.left, pair.right):
                best[mention] = max(best.get(mention, -math.inf), pair.probability)
    return best


REVIEWS_AT_ONCE = 5_000


def _open_reviews(
    doubtful: list[tuple[int, int, str]],
    cluster_of: dict[str, str],
    decisions: Decisions,
    model: LinkModel,
    features: FeatureColumns,
    levels: dict[tuple[str, str], str],
    terms: ContextModel | None,
) -> int:
    """A review item for each doubtful pair across two persons, unless decided or already open; one per
    pair (the first reason given). Made and stored a part at a time (`REVIEWS_AT_ONCE` items): a rebuild
    of a million mentions opens tens of thousands, each with its explanation and its mention's
    registration read."""
    decided = {(a, b) for a, b, _ in decisions} | {(b, a) for a, b, _ in decisions}
    open_pairs = set(
        ReviewItem.objects.filter(status=ReviewStatus.OPEN).values_list("mention_id", "candidate_id")
    )
    to_open: list[tuple[int, int, str]] = []
    for left, right, reason in doubtful:
        if cluster_of[str(left)] == cluster_of[str(right)] or (left, right) in decided:
            continue
        if (right, left) in open_pairs or (left, right) in open_pairs:
            continue
        open_pairs.add((left, right))
        to_open.append((left, right, reason))
    for part in chunks(to_open, REVIEWS_AT_ONCE):
        wanted = sorted({right for _, right, _ in part})
        mentions = {
            m.pk: m
            for ids in chunks(wanted)
            for m in PersonMention.objects.filter(pk__in=ids)
            .select_related("registration")
            .prefetch_related("registration__offences", "registration__relations")
        }
        items = []
        for left, right, reason in part:
            score = model.score(features.of(str(right)), features.of(str(left)))
            level = levels.get((str(left), str(right)), relation_context.NULL)
            if terms is not None and level != relation_context.NULL:
                score = relation_context.with_context(score, level, terms)
            items.append(review_item_for(mentions[right], left, score, reason))
        ReviewItem.objects.bulk_create(items, batch_size=2000)
    return len(to_open)
