"""The person search index: one row per name variant (surname key) of every linked person mention.

Rows belong to a mention, not to a person: the person is found through the mention's link at query time,
so merges, splits, review decisions and rebuilds never leave the index pointing at the wrong person.
Only new mentions need new rows (`search_index_add`, called by the intake pipeline), and
`manage.py search_index_rebuild` rewrites the whole index.
"""

from __future__ import annotations

from django.db import models

from ketenzicht.registrations.models import PersonMention


class SearchEntry(models.Model):
    mention = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="search_entries")
    surname_key = models.CharField(max_length=100)  # engine.normalise surname key: "berg", "vanderberg"
    phonetic = models.CharField(max_length=100)  # Dutch sound key of surname_key
    head = models.CharField(max_length=3)  # first three letters: typo-tolerant retrieval without trigrams
    tail = models.CharField(max_length=3)  # last three letters
    given_first = models.CharField(max_length=100, blank=True)
    initials = models.CharField(max_length=20, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    pc6 = models.CharField(max_length=6, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["surname_key", "birth_year"], name="dossiers_se_surname"),
            models.Index(fields=["phonetic"], name="dossiers_se_phonetic"),
            models.Index(fields=["head"], name="dossiers_se_head"),
            models.Index(fields=["tail"], name="dossiers_se_tail"),
        ]
        constraints = [models.UniqueConstraint(fields=["mention", "surname_key"], name="unique_entry_key")]
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"{self.surname_key} (mention {self.mention_id})"


class SearchKey(models.Model):
    """The surname key of an entry and every form of it with one letter left out (a deletion
    neighbourhood): a query and an entry one typo apart (a letter wrong, missing, extra or two swapped)
    share at least one of these keys, so typo-tolerant retrieval is an index look-up on any database.
    The Dutch sound key of the surname is one more row, written "~" + key."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["key"], name="dossiers_sk_key")]

    def __str__(self) -> str:
        return self.key
