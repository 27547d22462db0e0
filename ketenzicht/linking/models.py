"""Which person each mention belongs to, how it was decided, and what waits for a reviewer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import PersonMention


class MentionFeatures(models.Model):
    """The normalised comparison columns of a mention (engine.normalise), kept so that candidates need
    not be normalised again for every new registration."""

    mention = models.OneToOneField(
        PersonMention, primary_key=True, on_delete=models.CASCADE, related_name="features"
    )
    data = models.JSONField()
    # Read with the features, never searched by (a BSN is found through its blocking key, MentionKey): no
    # index, which an import would write twice per mention (PostgreSQL adds one for LIKE).
    bsn = models.CharField(max_length=9, null=True, blank=True)  # noqa: DJ001 - None: no valid BSN
    # The fingerprint of the mention's blocking keys (`engine.keys.keys_digest`): a rebuild rewrites the
    # features and keys of a mention only where the features or this differ. None: not known (rewritten).
    keys_digest = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001 - None: not known

    def __str__(self) -> str:
        return f"features of mention {self.mention_id}"


class MentionKey(models.Model):
    """The blocking keys of a mention (engine.keys): online candidate retrieval is an index look-up.

    The primary key (key, mention) is that index: the mentions of a key are read from it alone. A key is
    stored as its number (`engine.keys.key_number`), not its text.

    The keys are derived from the mention's features and written anew by a rebuild, about twenty per
    mention: no database constraint on the mention. Its check would be a look-up of the mention per key at
    every commit, two thirds of all such checks of an import (bench/README.md, "The import to a million
    registrations"). Django still deletes a mention's keys with the mention (CASCADE), and a key whose
    mention is gone finds no features and so no candidate (`online.mentions_link`)."""

    pk = models.CompositePrimaryKey("key", "mention")
    key = models.BigIntegerField()
    mention = models.ForeignKey(
        PersonMention, on_delete=models.CASCADE, related_name="blocking_keys", db_constraint=False
    )

    def __str__(self) -> str:
        return str(self.key)


class KeyCount(models.Model):
    """How many mentions have a blocking key (the MentionKey rows of that key), kept as keys are stored
    (on intake with the mentions' features, `online.mentions_link`; see features.py) and recounted when
    they are all stored anew (a rebuild), so that online retrieval reads the count of a key by primary key
    and skips a key too common to help. Keys never change on merges and splits (they belong to a mention,
    not to a person). Kept on SQLite only: PostgreSQL's look-up counts a key's mentions itself
    (`features.key_counts_kept`), so there the table stays empty."""

    key = models.BigIntegerField(primary_key=True)  # its number, as in MentionKey
    n = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.n}"


class FullKey(models.Model):
    """A blocking key known to be held by more mentions than its cap (PostgreSQL): the look-up then does
    not read its mentions again to learn that (`online._lookup_statement_postgresql`). At a million
    registrations a third of the rows the look-up read were such keys' first cap + 1 mentions, read to be
    dropped (bench/README.md). The look-up records a key here when it finds it over the cap. A key leaves
    when mentions holding it are deleted or their keys rewritten (a purge, a rebuild): a trigger on
    MentionKey forgets those keys (migration 0010), and every look-up and every transaction that takes keys
    away runs in the linking turn (turn.py), so a key is taken as full only while it is. Empty on SQLite,
    which keeps every key's count (KeyCount)."""

    key = models.BigIntegerField(primary_key=True)  # its number, as in MentionKey
    over = models.PositiveIntegerField()  # held by more mentions than this when recorded: its cap then

    def __str__(self) -> str:
        return f"{self.key}: more than {self.over}"


class LinkMethod(models.TextChoices):
    ONLINE = "online", _("linked on intake")
    NEW = "new", _("new person on intake")
    REBUILD = "rebuild", _("re-linked in a rebuild")
    REVIEW = "review", _("reviewer's decision")
    SPLIT = "split", _("split off by a reviewer")


class MentionLink(models.Model):
    mention = models.OneToOneField(
        PersonMention, primary_key=True, on_delete=models.CASCADE, related_name="link"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mention_links")
    method = models.CharField(max_length=16, choices=LinkMethod.choices)
    # The best match probability against the person's other mentions when linked (None: a new person).
    probability = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"mention {self.mention_id} -> person {self.person_id}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("same person")
    REJECTED = "rejected", _("different persons")
    SUPERSEDED = "superseded", _("superseded")


class ReviewItem(models.Model):
    """A doubtful pair: the new mention and the best mention of a candidate person, with the scores."""

    mention = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="review_items")
    candidate = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    match_weight = models.FloatField()
    comparisons = models.JSONField()  # [{"name", "level", "weight"}], the waterfall
    prior_weight = models.FloatField()
    reason = models.CharField(max_length=100)  # why a reviewer must look: "between thresholds", ...
    priority = models.IntegerField(default=0, db_index=True)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # What happened to the item after it was opened (created_at) is in its events (ReviewItemEvent).

    class Meta:
        ordering = ["-priority", "-probability", "id"]
        indexes = [models.Index(fields=["status", "priority"])]

    def __str__(self) -> str:
        return f"review {self.pk}: mention {self.mention_id} ~ {self.candidate_id}"


class ReviewItemEvent(models.Model):
    """One step of a review item, append-only (the database refuses UPDATE and DELETE): decided by a
    reviewer on the item itself, superseded by a decision on another item that answered its question,
    joined when its two mentions became one person without a decision on an item (a merge on intake, a
    rebuild: `services.review_items_follow_links`), or reopened when a reviewer took the decision on
    `by_item` back (or, after "joined", when the two mentions are two persons again)."""

    class Kind(models.TextChoices):
        DECIDED = "decided", _("decided")
        SUPERSEDED = "superseded", _("superseded")
        JOINED = "joined", _("joined")  # its two mentions are one person now: answered (status superseded)
        REOPENED = "reopened", _("reopened")  # the decision on `by_item` was taken back

    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices)  # the status after the step
    decision = models.CharField(max_length=16)  # "same" or "different"
    # The item decided on: the item itself for "decided" and "joined", the other item for "superseded"; for
    # "reopened" the item whose decision was taken back (the item itself after "joined").
    by_item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="+")
    # The reviewer's reason for a decision or for taking it back, as typed (None: none given). Nullable
    # rather than an empty default: on SQLite a column with a default is added by rebuilding the table,
    # which would drop its append-only triggers.
    note = models.TextField(null=True, blank=True)  # noqa: DJ001 (see above)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"review {self.item_id}: {self.kind}"


class PairDecision(models.Model):
    """A reviewer's word on two mentions; it binds every later rebuild. `left` has the smaller id."""

    class Decision(models.TextChoices):
        SAME = "same", _("same person")
        DIFFERENT = "different", _("different persons")

    left = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="unique_pair_decision")]

    def __str__(self) -> str:
        return f"{self.left_id} {self.decision} {self.right_id}"


class PersonMerge(models.Model):
    """A merge of one person into another, with the mentions it moved, so that it can be undone."""

    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    mention_ids = models.JSONField()
    # How each moved mention was linked before ({mention id: LinkMethod}), given back by `merge_undo`.
    # Empty for merges recorded before it was kept: those links come back as a reviewer's.
    methods = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=100)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"person {self.source_id} into {self.target_id}"
