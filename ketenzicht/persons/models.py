"""Resolved persons: one real person behind many person mentions. Linking decides which mentions."""

from __future__ import annotations

from django.db import models

from ketenzicht.ui.formats import person_number


class Person(models.Model):
    """A person keeps its id for as long as it exists: rebuilds map new clusters onto old ids, and a person
    merged into another keeps pointing there (`merged_into`), so a stored reference never dangles."""

    created_at = models.DateTimeField(auto_now_add=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return person_number(self.pk) if self.pk else "P(new)"

    @property
    def active(self) -> bool:
        return self.merged_into_id is None
