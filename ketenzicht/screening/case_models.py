"""Screening cases: a work-process case of a police unit about one suspect-victim pair, opened from intake.

Kept in a module of its own (imported by models.py) beside the instrument models."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ketenzicht.organisations.models import Organisation
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case


class ScreeningCase(models.Model):
    """The screening side of a kernel case: whose pair it is, in which unit, and why it opened. A pair has
    at most one open case per unit (services keep it so); a new registration of the pair joins that case."""

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.PROTECT, related_name="screening")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    suspect = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # Codes of the case rules that applied (data/case_rules.yaml), the first that opened it first; a reason
    # met by a later registration is added.
    reasons = models.JSONField(default=list)
    rules_version = models.CharField(max_length=64)  # stamp of the rule file that opened it
    opened_by = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the registration that opened it (None: opened by the signal alone)
    # The queue's order: the urgency decided at the screening, or until then the one the register's facts
    # suggest (engine/urgency.py); its rank sorts acute first. The level of the last recorded screening.
    # The names the case was opened with (the list names among its opening registrations; for a person none
    # of them names, the name the register knew then): a record of the opening, kept as written then. No
    # page names the pair by them: the queue and the case's heading name it by the reader's list names
    # (`persons.selectors`, `workprocesses.headings`), as a spelling written here may come from a
    # registration the reader may not see.
    suspect_name = models.CharField(max_length=300, blank=True)
    victim_name = models.CharField(max_length=300, blank=True)
    urgency = models.CharField(max_length=16, blank=True)
    urgency_rank = models.PositiveSmallIntegerField(default=9)
    deadline_at = models.DateTimeField(null=True, blank=True)  # the kernel case's, for the queue's index
    level = models.CharField(max_length=16, blank=True)
    # Kept in step with the kernel case (closed: False), so the database can refuse a second open case for
    # one pair in one unit, as two intakes at once could otherwise open.
    open = models.BooleanField(default=True)

    class Meta:
        ordering = ["case_id"]
        indexes = [
            models.Index(fields=["unit", "suspect", "victim"], name="screening_case_pair"),
            models.Index(
                fields=["unit", "open", "urgency_rank", "deadline_at", "case"], name="screening_case_queue"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "suspect", "victim"], condition=Q(open=True), name="screening_one_open_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.suspect_id}->{self.victim_id} in {self.unit_id}"
