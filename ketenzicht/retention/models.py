"""The record of the retention runs: what each executed purge did, for the privacy officer's page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    DONE = "done", _("deleted what was due")
    NOTHING = "nothing", _("nothing was due")
    REFUSED = "refused", _("refused and rolled back")


class Run(models.Model):
    """One `manage.py retention_purge --execute`: when, to which day it counted, how it ended, and the
    counts per source and kind ("politie/aangifte"); no reference, no name. A dry run is not recorded."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)
    as_of = models.DateField()  # the day the periods were counted to (--today, else the day of the run)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    deleted = models.JSONField(default=dict)  # "source/kind" -> registrations deleted
    held = models.JSONField(default=dict)  # "source/kind" -> registrations due but kept
    access_log_deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)  # why it was refused, or why the access log was not purged

    class Meta:
        ordering = ["-finished_at", "-pk"]

    def __str__(self) -> str:
        return f"retention run {self.finished_at:%Y-%m-%d %H:%M} {self.outcome}"
