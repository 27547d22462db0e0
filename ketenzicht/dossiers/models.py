"""The person search index: one row per name variant (surname key) of every linked person mention.

Rows belong to a mention, not to a person: the person is found through the mention's link at query time,
so merges, splits, review decisions and rebuilds never leave the index pointing at the wrong person.
Each row carries the fields of its registration that the sharing rules filter on (source, unit,
municipality), so need-to-know filtering needs no join. Only new mentions need new rows
(`search_index_add`, called by the intake pipeline), and `manage.py search_index_rebuild` rewrites the
whole index.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.registrations.models import PersonMention


class SearchEntry(models.Model):
    # No index of its own: the unique (mention, surname_key) constraint's index serves look-ups by mention.
    mention = models.ForeignKey(
        PersonMention, on_delete=models.CASCADE, related_name="search_entries", db_index=False
    )
    # The registration's fields the sharing rules read (see registrations/sharing.py), copied.
    source = models.CharField(max_length=32)
    # Copies of fields of a registration, which is never changed once stored: no database constraint, which
    # would cost two look-ups per row when a rebuild commits.
    unit = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    surname_key = models.CharField(max_length=100)  # engine.normalise surname key: "berg", "vanderberg"
    phonetic = models.CharField(max_length=100)  # Dutch sound key of surname_key
    given_first = models.CharField(max_length=100, blank=True)
    initials = models.CharField(max_length=20, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    pc6 = models.CharField(max_length=6, blank=True)
    bsn = models.CharField(max_length=9, blank=True)  # a BSN that passes the 11-check, else empty

    class Meta:
        indexes = [
            models.Index(fields=["surname_key", "source", "unit"], name="dossiers_se_name_source"),
            models.Index(fields=["bsn"], name="dossiers_se_bsn", condition=~Q(bsn="")),
        ]
        constraints = [models.UniqueConstraint(fields=["mention", "surname_key"], name="unique_entry_key")]
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"{self.surname_key} (mention {self.mention_id})"


class SearchKey(models.Model):
    """A surname key in the index under each of its look-up keys: itself, every form of it with one letter
    left out (a deletion neighbourhood) and its Dutch sound key, written "~" + sound. A query and a surname
    one typo apart (a letter wrong, missing, extra or two swapped) share at least one of these keys, so
    typo-tolerant retrieval is an index look-up on any database. One set of rows per distinct surname key,
    not per entry: a common surname costs its keys once."""

    key = models.CharField(max_length=100)
    surname_key = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "surname_key"], name="unique_search_key")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.surname_key}"


class BreakGlassDecision(models.TextChoices):
    PENDING = "pending", _("pending")
    PROPER = "proper", _("proper")
    IMPROPER = "improper", _("improper")


class BreakGlassKind(models.TextChoices):
    DOSSIER = "dossier", _("a person's whole dossier")
    SEARCH = "search", _("a person search outside the sharing rules")


class BreakGlassAccess(models.Model):
    """A look at a person's whole dossier outside the sharing rules ("break-the-glass"), with the reason the
    user stated and confirmed; it holds until `expires_at` (KETENZICHT_BREAK_GLASS_MINUTES) and waits for the
    privacy officer's judgement. The decision fields are set once, from pending; the judgement itself, with
    its note, is the append-only `BreakGlassEvent` beside it and the transition of its kernel case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A person's whole dossier, or a person search outside the sharing rules (then no person: `query` and
    # `found` say what was searched and shown).
    kind = models.CharField(max_length=16, choices=BreakGlassKind.choices, default=BreakGlassKind.DOSSIER)
    # The person's number, not a foreign key: the grant and its judgement outlive a purge of the person.
    person_id = models.PositiveBigIntegerField(null=True, blank=True)
    query = models.CharField(max_length=200, blank=True)  # a search's box, runs of 8+ digits masked
    found = models.JSONField(default=list, blank=True)  # a search's persons shown, best first
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decision = models.CharField(
        max_length=16, choices=BreakGlassDecision.choices, default=BreakGlassDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # The kernel case of the privacy officer's judgement (process `break_glass_review`), opened with the
    # grant: the judgement is its transition, in the case history. Empty for a grant made before it.
    case = models.OneToOneField(
        "workprocesses.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="break_glass_access",
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "person_id", "expires_at"], name="dossiers_bg_user_person"),
            models.Index(fields=["decision", "granted_at"], name="dossiers_bg_decision"),
        ]

    def __str__(self) -> str:
        return f"break-glass {self.pk}: user {self.user_id}, person {self.person_id}"


class BreakGlassEvent(models.Model):
    """One line of a break-the-glass access's history: granted, then judged. The database refuses UPDATE
    and DELETE (migration 0008)."""

    access = models.ForeignKey(BreakGlassAccess, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)  # "granted", "proper", "improper"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    actor_name = models.CharField(max_length=150)  # copied: the history reads right after a user leaves
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.access_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"
