"""Notifications to Veilig Thuis: each is the desk side of one safety-assessment case of the Veilig Thuis
organisation that received it (the kernel case holds state, deadlines, owner and history)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case, Handoff


class Origin(models.TextChoices):
    ROUTING = "routing", _("notified by the police (routing rule)")
    POLICE_CASE = "police_case", _("notified from a police case")
    FORWARDED = "forwarded", _("forwarded by another Veilig Thuis")


class Notification(models.Model):
    """A notification received by a Veilig Thuis organisation about one registration (the notified one; a
    later hand-off of the same registration joins it). The fields after `received_at` are kept in step with
    the case (receivers.py) so that the inbox and the dashboard read one table."""

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.PROTECT, related_name="vt_notification"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="vt_notifications")
    origin = models.CharField(max_length=16, choices=Origin.choices)
    reasons = models.JSONField(default=list)  # routing reason codes (chain_rules.yaml)
    rules_version = models.CharField(max_length=32)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where feedback goes: the police case that notified it, or the one its registration is on.
    police_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="vt_feedback"
    )
    handoff = models.ForeignKey(Handoff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="forwarded_to"
    )
    received_at = models.DateTimeField()
    # The radar class (engine/radar.py) as of receipt, and what it rests on: {"known": [person ids],
    # "earlier": [case ids], "involved_in": case id or null, "elsewhere": count at other organisations}.
    radar_class = models.CharField(max_length=32)
    radar = models.JSONField(default=dict)
    # The names as the notified registration wrote them when it was notified: a record of the notification,
    # kept as written then. The inbox and the case's heading name the pair by the reader's list names
    # (`selectors.notification_pairs_for_user`, `workprocesses.headings`), not by these.
    suspect_name = models.CharField(max_length=300, blank=True)
    victim_name = models.CharField(max_length=300, blank=True)
    # Kept in step with the case.
    open = models.BooleanField(default=True)
    urgency_rank = models.PositiveSmallIntegerField(default=9)  # 0: acute at the police
    deadline_at = models.DateTimeField(null=True, blank=True)
    assessment_due_at = models.DateTimeField(null=True, blank=True)  # the term set at receipt
    unsafety = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=32, blank=True)  # the safety assessment's (the first recorded)
    outcome_at = models.DateTimeField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)  # the first step out of the assessment
    investigation_at = models.DateTimeField(null=True, blank=True)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The chain protocol: feedback to the police due, given, and the owner alerted when it was not.
    feedback_due_at = models.DateTimeField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    no_feedback_alerted_at = models.DateTimeField(null=True, blank=True)
    # What the police case was told last (services.TOLD: the unsafety, the outcome, the safety conditions,
    # as the step that told them recorded them) and that step ("step": its history line's id): each later
    # step that changes one of them is fed back once, a step seen before never again. Also: "since" (when a
    # police case joined a notification that had none), "reopened" (the reopen told), "forwarded" (where to).
    told = models.JSONField(default=dict, blank=True)
    # What each police hand-off told Veilig Thuis, as handed over (services.handover_told): the risk
    # screening's level and instrument, the urgency, stalking yes/no, the safety plan, the police contact.
    handovers = models.JSONField(default=list, blank=True)
    # New information from the police that nobody of Veilig Thuis has taken up yet (the inbox marks it and
    # shows it first), and since when.
    news = models.BooleanField(default=False)
    news_at = models.DateTimeField(null=True, blank=True)
    # A notification that waited past its term without an assessment, closed when a new hand-off of the
    # police opened this one in its place.
    taken_over_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="took_over"
    )

    class Meta:
        ordering = ["case_id"]
        indexes = [
            # New police information first, then acute at the police, then the nearest deadline.
            models.Index(
                fields=["organisation", "open", "-news", "urgency_rank", "deadline_at", "case"],
                name="vt_inbox",
            ),
            models.Index(fields=["received_at", "organisation"], name="vt_received"),
            models.Index(fields=["feedback_at", "feedback_due_at"], name="vt_feedback_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "registration"],
                condition=models.Q(open=True),
                name="vt_one_open_notification",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} at {self.organisation_id}"

    @property
    def assessed_in_time(self) -> bool | None:
        """Whether the safety assessment came within its term; None while it has not come and may still."""
        if self.assessed_at is not None:
            return self.assessment_due_at is None or self.assessed_at <= self.assessment_due_at
        return None
