"""The append-only access log: who did what with which object, why, when, and with what result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .labels import object_type_label


class Action(models.TextChoices):
    VIEW = "view", _("view")
    SEARCH = "search", _("search")
    CREATE = "create", _("create")
    EXPORT = "export", _("export")
    LIST = "list", _("list")
    LOGIN = "login", _("login")
    LOGOUT = "logout", _("logout")
    LINK = "link", _("link decision")
    MERGE = "merge", _("merge")
    SPLIT = "split", _("split")
    REBUILD = "rebuild", _("rebuild")
    PURGE = "purge", _("retention purge")
    JUDGE = "judge", _("judge")  # the privacy officer's judgement of a break-the-glass access


class Result(models.TextChoices):
    SHOWN = "shown", _("shown")
    REFUSED = "refused", _("refused")
    STORED = "stored", _("stored")
    GRANTED = "granted", _("granted")


class AccessLogEntry(models.Model):
    """One entry per action. Rows are never changed: the database refuses UPDATE and DELETE."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    # Copied at the time of the action: the log must still read right after a user moves or leaves.
    actor_username = models.CharField(max_length=150)
    organisation_code = models.CharField(max_length=64, blank=True)
    roles = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.TextField(blank=True)
    result = models.CharField(max_length=16, choices=Result.choices)
    origin = models.CharField(max_length=200, blank=True)  # channel and remote address
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_username} {self.action} {self.object_type} {self.object_id}"

    @property
    def object_type_label(self) -> str:
        return object_type_label(self.object_type)


class AccessLogPerson(models.Model):
    """A person whose data an entry's action concerned: a dossier or search hit (object type `person`), and
    the persons shown by a signal, a registration or a review item. The person's access list is every
    entry with a row here for them. Append-only like the entries. No foreign key to the person: the log
    outlives persons and their merges, and audit imports none of the apps above it."""

    entry = models.ForeignKey(AccessLogEntry, on_delete=models.DO_NOTHING, related_name="persons")
    person_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name_plural = "access log persons"

    def __str__(self) -> str:
        return f"entry {self.entry_id} person {self.person_id}"


class AccessLogPurge(models.Model):
    """A retention purge of the access log: entries from before `horizon` may be deleted (the database's
    triggers refuse the DELETE of any other entry). Append-only; the database refuses a horizon less than
    `triggers.FLOOR_DAYS` before now. See docs/retention.md."""

    at = models.DateTimeField()
    horizon = models.DateTimeField()
    actor_username = models.CharField(max_length=150, blank=True)
    detail = models.JSONField(default=dict, blank=True)  # the period, and what was kept and why

    class Meta:
        verbose_name_plural = "access log purges"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} before {self.horizon:%Y-%m-%d}"
