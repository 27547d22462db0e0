"""ZSM files and the requests put to the chain partners. A file is the desk side of one `zsm_file` case of the
district office (the kernel case holds state, deadlines, owner and history); the fields after `received_at`
are kept in step with it (services.sync_file), so the desk's lists read one table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality, Organisation
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case, Handoff


class ZsmFile(models.Model):
    case = models.OneToOneField(Case, primary_key=True, on_delete=models.PROTECT, related_name="zsm_file")
    district_office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    police_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="zsm_files")
    handoff = models.ForeignKey(Handoff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="zsm_files")
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suspect = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The names the police case was opened with, copied when the file opened: a record, kept as written
    # then. The desk and the case's heading name the pair by the prosecutor's list names among the
    # registrations disclosed to the file (`workprocesses.headings`), not by these, which may come from a
    # registration the prosecutor may not see.
    suspect_name = models.CharField(max_length=300, blank=True)
    victim_name = models.CharField(max_length=300, blank=True)
    # Whether the file is about domestic violence (a relation of the domestic circle): then a criminal
    # decision waits for Veilig Thuis's information.
    domestic = models.BooleanField(default=True)
    # Stalking (art. 285b Sr) where the setting asks a complaint: whether one is on file, and until when it
    # may come (art. 66 Sr: three months after the victim learned of the offence).
    complaint_required = models.BooleanField(default=False)
    complaint_on = models.DateField(null=True, blank=True)
    complaint_due = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()
    # The prosecutor routed to (the district office's prosecutor for domestic violence and stalking, or the
    # substitute when that one was absent): the case's owner.
    prosecutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    substitute = models.BooleanField(default=False)
    # Kept in step with the case.
    open = models.BooleanField(default=True)
    state = models.CharField(max_length=32, default="assembling")
    deadline_at = models.DateTimeField(null=True, blank=True)
    urgency_rank = models.PositiveSmallIntegerField(default=9)
    vt_information_at = models.DateTimeField(null=True, blank=True)
    # The triage as last computed (engine/triage.py): {"route", "danger", "reasons": [codes], "version"}.
    triage = models.JSONField(default=dict, blank=True)
    route = models.CharField(max_length=16, blank=True)  # the route the prosecutor chose
    routed_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=32, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case_id"]
        indexes = [
            models.Index(fields=["district_office", "open", "urgency_rank", "deadline_at"], name="zsm_desk"),
            models.Index(fields=["received_at", "district_office"], name="zsm_received"),
        ]

    def __str__(self) -> str:
        return f"ZSM {self.case_id}"


class Partner(models.TextChoices):
    VICTIM_SUPPORT = "victim_support", _("Victim Support Netherlands")
    PROBATION = "probation", _("Probation Service Netherlands")


# The name the alerts know the partners by (`workprocesses.alerts.CODE_PARAMS`, registered in apps.py).
PARTNER_CHOICES = "zsm_partner"


class Side(models.TextChoices):
    VICTIM = "victim", _("victim")
    SUSPECT = "suspect", _("suspect")


class PartnerRequest(models.Model):
    """A request the ZSM table puts to a chain partner about one side of the file, with a deadline in hours:
    the standard request when the file opens, further ones as the table asks. The partner sees the request
    and what it needs for it, nothing else of the file."""

    file = models.ForeignKey(ZsmFile, on_delete=models.PROTECT, related_name="requests")
    partner = models.CharField(max_length=16, choices=Partner.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="zsm_requests")
    side = models.CharField(max_length=8, choices=Side.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(blank=True)  # a further question of the table, beside the standard ones
    # What the partner needs for the request, copied when it is made: the person as the police wrote them,
    # the offences and when and where (no summary, no other persons).
    brief = models.JSONField(default=dict)
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_by_name = models.CharField(max_length=150, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    late_alerted_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn when the prosecutor decided the file before the partner answered (feedback.sync_file): the
    # request stays, with when; the partner sees it withdrawn, no longer open.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "answered_at", "due_at"], name="zsm_request_inbox"),
            models.Index(fields=["answered_at", "late_alerted_at", "due_at"], name="zsm_request_late"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} for {self.file_id}"

    def late(self, now) -> bool:  # type: ignore[no-untyped-def]
        return (self.answered_at or self.withdrawn_at or now) > self.due_at
