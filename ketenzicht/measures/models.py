"""The registry of protective measures: who is bound (the suspect), whom it protects, its conditions and
areas, its period, who imposed and registered it; its append-only history; the breaches found at intake."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Organisation
from ketenzicht.persons.models import Person
from ketenzicht.registrations.models import Registration
from ketenzicht.workprocesses.models import Case


class MeasureKind(models.TextChoices):
    RESTRAINING_ORDER = "restraining_order", _("Temporary restraining order (huisverbod)")
    BEHAVIOUR_ORDER = "behaviour_order", _("Behaviour order (art. 509hh Sv)")
    COURT_MEASURE = "court_measure", _("Court measure (art. 38v Sr)")
    SUSPENDED_CONDITIONS = "suspended_conditions", _("Conditions of a suspended sentence")
    DETENTION_CONDITIONS = "detention_conditions", _("Conditions of lifted pre-trial detention")
    AWARE_ALARM = "aware_alarm", _("Aware alarm button")


class Condition(models.TextChoices):
    CONTACT_BAN = "contact_ban", _("Contact ban")
    AREA_BAN = "area_ban", _("Area ban")
    REPORTING_DUTY = "reporting_duty", _("Reporting duty")
    CARE = "care", _("Care or treatment")
    OTHER = "other", _("Other condition")


class ImposedBy(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    COURT = "court", _("Court")
    COMMITTEE = "committee", _("Committee")


class Measure(models.Model):
    """One protective measure. Its end date is the last day it holds: an early end moves it (the history
    keeps the end first imposed), so `starts_on <= day <= ends_on` is the one test of being in force."""

    reference = models.CharField(max_length=32, unique=True)  # MR2026-000001
    kind = models.CharField(max_length=32, choices=MeasureKind.choices)
    suspect = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measures_bound")
    protected = models.ManyToManyField(Person, blank=True, related_name="measures_protecting")
    conditions = models.JSONField(default=list, blank=True)  # Condition codes
    conditions_text = models.TextField(blank=True)
    # {"municipalities": ["GM0796"], "postcodes": [["5211", "5216"]]}: 4-digit ranges, both ends inclusive.
    areas = models.JSONField(default=dict, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    imposed_by = models.CharField(max_length=16, choices=ImposedBy.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="measures_registered"
    )
    district_office = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="measures_office"
    )
    prosecutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    police_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    source_case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)  # when an early end was recorded
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["suspect", "starts_on", "ends_on"], name="measure_suspect_period")]

    def __str__(self) -> str:
        return self.reference


class MeasureEventKind(models.TextChoices):
    IMPOSED = "imposed", _("registered")  # by whoever registered it; who imposed it is the measure's field
    EXTENDED = "extended", _("extended")
    ENDED = "ended", _("ended early")
    BREACH = "breach", _("possible breach")


class MeasureEvent(models.Model):
    """One line of a measure's history. The database refuses UPDATE and DELETE (migration 0002)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=MeasureEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    actor_name = models.CharField(max_length=150)  # copied: the history reads right after a user leaves
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["measure", "at"])]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"


class BreachKind(models.TextChoices):
    CONTACT = "contact", _("contact with a protected person")
    AREA = "area", _("in a banned area")
    REPORTED = "reported", _("breach of a measure reported")


class Breach(models.Model):
    """A registration that shows a measure possibly broken, found at intake. One per measure and
    registration; `kinds` holds every reason found, `kind` the first of contact, area, reported."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="breaches")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="breaches")
    kind = models.CharField(max_length=16, choices=BreachKind.choices)
    kinds = models.JSONField(default=list, blank=True)
    occurred_on = models.DateField()
    detected_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "registration"], name="unique_breach_per_registration")
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.registration_id} {self.kind}"
