"""Signals: a pattern rule that fired for a suspect-victim pair, a suspect or a victim, with its evidence.

A signal is identified by its rule and subject (suspect, victim; one of them empty for a rule about one
person) and updated, never duplicated, as registrations arrive or links change (`services`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ketenzicht.organisations.models import Organisation
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration


class Severity(models.IntegerChoices):
    LOW = 1, _("low")
    MEDIUM = 2, _("medium")
    HIGH = 3, _("high")


# The purpose of every read of signals in the access log (the access log translates it).
SIGNAL_PURPOSE = gettext_noop("screening of pattern signals of the own unit")

SEVERITY_OF_NAME = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH}


def subject_key(rule: str, suspect: int | None, victim: int | None) -> str:
    """The identity of a signal: rule and subject, e.g. "possible_stalking:12:34" or "marac_repeat:-:34"."""
    return f"{rule}:{suspect or '-'}:{victim or '-'}"


class SignalState(models.TextChoices):
    """A signal's small process: new -> seen -> assessed -> closed (with a reason); a change of its
    evidence or severity makes it new again (re-opened), and the desk can re-open a closed one (with a
    reason: back to seen)."""

    NEW = "new", _("new")
    SEEN = "seen", _("seen")
    ASSESSED = "assessed", _("assessed")
    CLOSED = "closed", _("closed")


class CloseReason(models.TextChoices):
    NO_ACTION = "no_action", _("no action needed")
    CASE_OPENED = "case_opened", _("taken up as a case")
    REFERRED = "referred", _("referred to another organisation")
    WITHDRAWN = "withdrawn", _("withdrawn: the rule no longer holds")  # by Ketenzicht only


class ReopenReason(models.TextChoices):
    """Why Ketenzicht itself re-opened a signal the desk had closed (the desk says why in a note)."""

    NEW_REGISTRATION = "new_registration", _("new registration after closing")


class Signal(models.Model):
    subject = models.CharField(max_length=120, unique=True)  # subject_key(rule, suspect, victim)
    rule = models.CharField(max_length=64)
    rules_version = models.CharField(max_length=64)  # version + content hash of the rule file that raised it
    suspect = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    victim = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    active = models.BooleanField(default=True)  # still holds after the latest registration
    first_fired_at = models.DateTimeField()  # registered_at of the registration that made it fire
    first_fired_registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    last_registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    last_registered_at = models.DateTimeField()
    # The police unit of the latest registration that has one: whose screeners see it in their list.
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reasons = models.JSONField(default=list)  # [{"code", "value", "threshold", "met"}] after the latest
    # A hash of everything above and of the evidence: an update that changes nothing writes nothing.
    fingerprint = models.CharField(max_length=40)
    registrations = models.ManyToManyField(Registration, through="SignalRegistration", related_name="signals")
    # The latest change of severity or evidence (None: none since it was raised), counted from what was
    # last seen: {"added", "removed", "severity_was", "severity_now", "registrations_was" (ids),
    # "last_registered_at_was"}. Such a change makes the signal new again for everyone.
    changed_at = models.DateTimeField(null=True, blank=True)
    change = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)  # when Ketenzicht first raised it
    updated_at = models.DateTimeField(auto_now=True)
    # Where the signal is in its process; every step is a SignalEvent. A withdrawn signal is closed with
    # the reason "withdrawn" (and an empty fingerprint, so that its rule holding again re-opens it).
    state = models.CharField(max_length=16, choices=SignalState.choices, default=SignalState.NEW)
    closed_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)

    class Meta:
        ordering = ["-active", "-severity", "-last_registered_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-severity", "-last_registered_at"], name="patterns_signal_unit"),
            models.Index(fields=["suspect"], name="patterns_signal_suspect"),
            models.Index(fields=["victim"], name="patterns_signal_victim"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.suspect_id}->{self.victim_id}"


class SignalRegistration(models.Model):
    """A registration in a signal's evidence, with the mentions of the suspect side and the victim side."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="evidence")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    suspect_refs = models.JSONField(default=list)
    victim_refs = models.JSONField(default=list)

    class Meta:
        ordering = ["registration__registered_at", "registration_id"]
        constraints = [
            models.UniqueConstraint(fields=["signal", "registration"], name="unique_signal_registration")
        ]

    def __str__(self) -> str:
        return f"signal {self.signal_id}: registration {self.registration_id}"


class SignalSeen(models.Model):
    """Who has opened a signal, and when last."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="seen")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_seen_at"]
        constraints = [models.UniqueConstraint(fields=["signal", "user"], name="unique_signal_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} saw signal {self.signal_id}"


class SignalEvent(models.Model):
    """One step in a signal's process, append-only (the database refuses UPDATE and DELETE)."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("raised")
        SEEN = "seen", _("seen")
        ASSESSED = "assessed", _("assessed")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("re-opened")

    signal = models.ForeignKey(Signal, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None: Ketenzicht itself (raised, withdrawn, re-opened)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=SignalState.choices)  # the state after the step
    reason = models.CharField(
        max_length=16, choices=[*CloseReason.choices, *ReopenReason.choices], blank=True
    )
    note = models.TextField(blank=True)  # a desk's reopening: why (required)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"signal {self.signal_id}: {self.kind}"
