"""Work process versions, their roll-out per organisation, cases and their append-only history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Organisation
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration

from .labels import handoff_label


class ProcessVersion(models.Model):
    """One loaded definition file. Never changed once loaded: a new file is a new version."""

    process = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64)
    document = models.JSONField()  # the validated definition, as loaded
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process", "version"]
        constraints = [models.UniqueConstraint(fields=["process", "version"], name="unique_process_version")]

    def __str__(self) -> str:
        return f"{self.process} v{self.version}"


class Rollout(models.Model):
    """From `valid_from` on, new cases of `process` in `organisation` (or, when empty, in every organisation
    without a rollout of its own) start on `process_version`. Rows are added, and changed only when withdrawn
    before their first day (`withdrawn_at`); a withdrawn roll-out decides nothing. One roll-out that stands
    per process, organisation (or the default) and first day: the database refuses a second."""

    process = models.CharField(max_length=64)
    process_version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="rollouts")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="rollouts"
    )
    valid_from = models.DateField()
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enabled_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["process", "organisation_id", "-valid_from", "-id"]
        indexes = [models.Index(fields=["process", "organisation", "valid_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "organisation", "valid_from"],
                condition=models.Q(withdrawn_at__isnull=True, organisation__isnull=False),
                name="rollout_one_per_organisation_day",
            ),
            # The national default has no organisation: NULLs are all distinct in a unique index, so its
            # own constraint.
            models.UniqueConstraint(
                fields=["process", "valid_from"],
                condition=models.Q(withdrawn_at__isnull=True, organisation__isnull=True),
                name="rollout_one_default_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process_version} from {self.valid_from} in {self.organisation or 'all'}"


class Case(models.Model):
    """A case of one organisation, worked through the process version it started with."""

    reference = models.CharField(max_length=32, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    process_version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="cases")
    # As written when the case opened (typed by a user, or by the desk that opened it with the names of
    # then): the record of its opening. A page heads a case a desk pairs with its persons' list names for
    # the reader instead (`headings.case_headings`); the title is shown only where no desk does.
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_cases"
    )
    # The fixed contact person of the victim (seed; 2024 review): one named person, handovers logged.
    victim_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_cases",
    )
    persons = models.ManyToManyField(Person, blank=True, related_name="cases")
    registrations = models.ManyToManyField(Registration, blank=True, related_name="cases")
    data = models.JSONField(default=dict, blank=True)  # the values transitions recorded
    # A transition waiting for a second person: {"transition", "by", "by_name", "values", "reason", "at"}.
    pending = models.JSONField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    escalate_to = models.CharField(max_length=32, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Still overdue then, the case is escalated once more (a deadline's `then`, e.g. to the chain contact);
    # cleared when that is done or when the state's deadline changes.
    escalate_again_at = models.DateTimeField(null=True, blank=True)
    escalate_again_to = models.CharField(max_length=32, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: every change raises it; a change made against an older value is refused.
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["deadline_at", "opened_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "closed_at", "deadline_at"]),
            models.Index(fields=["closed_at", "deadline_at", "escalated_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class EventKind(models.TextChoices):
    OPENED = "opened", _("opened")
    TRANSITION = "transition", _("step taken")
    PROPOSED = "proposed", _("step proposed, waiting for a second person")
    DECLINED = "declined", _("proposed step declined")
    OWNER = "owner", _("owner assigned")
    CONTACT = "contact", _("victim contact assigned")
    NOTE = "note", _("note")
    ESCALATED = "escalated", _("deadline passed, escalated")
    RECORDED = "recorded", _("recorded by a desk")
    REGISTRATION = "registration", _("registration added")
    REOPENED = "reopened", _("reopened")
    WITHDRAWN = "withdrawn", _("proposed step withdrawn")


class CaseEvent(models.Model):
    """One line of a case's history. The database refuses UPDATE and DELETE (migration 0002)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    actor_name = models.CharField(max_length=150)  # copied: the history reads right after a user leaves
    process_version = models.CharField(max_length=80)  # e.g. "ex_partner_stalking v2"
    transition = models.CharField(max_length=64, blank=True)
    from_state = models.CharField(max_length=64, blank=True)
    to_state = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"


class Handoff(models.Model):
    """What a case hands to the next desk (a transition with `handoff:`, e.g. notify Veilig Thuis, send to
    ZSM): open until that desk takes it on, then kept as the record of who took it when. Shown on the case
    until then. Rows are added by the transition and changed only when taken on."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handoffs")
    kind = models.CharField(max_length=32)  # the transition's `handoff`
    transition = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)  # what the case held when handed over
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["kind", "taken_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {'taken' if self.taken_at else 'open'}"

    @property
    def label(self) -> str:
        return handoff_label(self.kind)


class Alert(models.Model):
    """Something a user must act on now, and why: a deadline passed, acute unsafety found by a chain
    partner, no feedback within the protocol's term. Addressed to one user (e.g. the case owner) or, when
    nobody owns the case, to a role within an organisation. `message` is an English text with %(name)s
    placeholders filled from `params` and shown translated; rows are added, and changed only when read."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="alerts")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    role = models.CharField(max_length=32, blank=True)  # with no recipient: every user of this role
    # A role's alert is not meant for the user whose own act it reports (a team lead who reopened a case
    # of the queue, who proposed a step): they know already, and would be asked to answer themselves.
    not_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32)  # e.g. "escalated", "vt_acute", "vt_no_feedback"
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "read_at", "created_at"]),
            models.Index(fields=["recipient", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
