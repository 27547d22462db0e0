"""The register: registrations, the offences they name, the persons mentioned and their relations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenzicht.organisations.models import Municipality, Organisation


class Source(models.TextChoices):
    POLITIE = "politie", _("Police")
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    OM = "om", _("Public Prosecution Service")
    SLACHTOFFERHULP = "slachtofferhulp", _("Victim Support")
    RECLASSERING = "reclassering", _("Probation Service")


class Kind(models.TextChoices):
    AANGIFTE = "aangifte", _("Report (aangifte)")
    MELDING = "melding", _("Notification (melding)")
    INCIDENT = "incident", _("Incident")
    KLACHT = "klacht", _("Complaint (klacht)")
    OVERTREDING_MAATREGEL = "overtreding_maatregel", _("Breach of a protective measure")


class MentionRole(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    VICTIM = "victim", _("Victim")
    REPORTER = "reporter", _("Reporter")
    WITNESS = "witness", _("Witness")
    INVOLVED = "involved", _("Involved")


class RelationKind(models.TextChoices):
    PARTNER = "partner", _("Partner")
    EX_PARTNER = "ex_partner", _("Ex-partner")
    FAMILY = "family", _("Family")
    CHILD = "child", _("Child")
    ACQUAINTANCE = "acquaintance", _("Acquaintance")
    COLLEAGUE = "colleague", _("Colleague")
    NEIGHBOUR = "neighbour", _("Neighbour")
    STRANGER = "stranger", _("Stranger")
    UNKNOWN = "unknown", _("Unknown")


class Sex(models.TextChoices):
    M = "M", _("Male")
    F = "F", _("Female")
    X = "X", _("Other")
    U = "U", _("Unknown")


class Offence(models.Model):
    """An article of the Wetboek van Strafrecht, from the offences reference data."""

    article = models.CharField(max_length=16, unique=True)
    label_nl = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    severity_rank = models.PositiveSmallIntegerField()
    violence = models.BooleanField(default=False)
    measure_breach = models.BooleanField(default=False)

    class Meta:
        ordering = ["article"]

    def __str__(self) -> str:
        return f"art. {self.article} Sr"

    @property
    def long_label(self) -> str:
        return f"art. {self.article} Sr – {self.label}"

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        return self.label_en if (get_language() or "nl").startswith("en") else self.label_nl


class Registration(models.Model):
    source = models.CharField(max_length=32, choices=Source.choices)
    reference = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    occurred_at = models.DateTimeField(null=True, blank=True)
    occurred_date_only = models.BooleanField(default=False)
    registered_at = models.DateTimeField(db_index=True)
    unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    offences = models.ManyToManyField(Offence, blank=True, related_name="registrations")
    summary = models.TextField(blank=True)
    # Keys of the exchange format line that Ketenzicht does not know: kept and shown, never dropped.
    extra = models.JSONField(default=dict, blank=True)
    # SHA-256 of the canonical input, to tell a true repeat from a different line under a known reference.
    content_hash = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)  # form, api, import
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="unique_source_reference"),
        ]
        indexes = [models.Index(fields=["source", "unit", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.reference}"


class PersonMention(models.Model):
    """A person as written down in one registration. Linking joins mentions into persons later."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="mentions")
    ref = models.CharField(max_length=32)
    role = models.CharField(max_length=16, choices=MentionRole.choices)
    given_names = models.CharField(max_length=200, blank=True)
    surname_prefix = models.CharField(max_length=40, blank=True)
    surname = models.CharField(max_length=200)
    birth_date_raw = models.CharField(max_length=10, blank=True)  # as written, e.g. 1985-00-00
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    bsn = models.CharField(max_length=20, blank=True)  # as written (compacted)
    bsn_valid = models.BooleanField(null=True, blank=True)  # None: no BSN given; False: fails the 11-check
    street = models.CharField(max_length=200, blank=True)
    house_number = models.CharField(max_length=20, blank=True)
    house_number_suffix = models.CharField(max_length=20, blank=True)
    postcode = models.CharField(max_length=7, blank=True)  # normalised "1234 AB"
    city = models.CharField(max_length=200, blank=True)
    address_municipality = models.CharField(max_length=6, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["registration_id", "id"]
        constraints = [models.UniqueConstraint(fields=["registration", "ref"], name="unique_mention_ref")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.surname_prefix, self.surname) if p)

    @property
    def bsn_flagged(self) -> bool:
        return self.bsn_valid is False


class MentionRelation(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="relations")
    from_mention = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="relations_out")
    to_mention = models.ForeignKey(PersonMention, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=16, choices=RelationKind.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_mention.ref} -{self.kind}-> {self.to_mention.ref}"


class Disclosure(models.Model):
    """A registration put before another organisation for one task (a notification to Veilig Thuis, a file
    for the ZSM table): the sharing rules' `disclosed` scope lets that organisation see it while the
    disclosure stands. Rows are added; one that no longer stands (forwarded elsewhere) is ended, not
    deleted, so who could see what when stays known."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="disclosures")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="disclosures")
    purpose = models.CharField(max_length=32)  # e.g. "veilig_thuis_notification"
    reference = models.CharField(max_length=64, blank=True)  # what it was disclosed for, e.g. "M2026-000012"
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organisation", "registration", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.registration_id} to {self.organisation_id} ({self.purpose})"


class ReferenceCounter(models.Model):
    """The last number handed out in one series of the register's numbering, "<prefix>-<year>-" (e.g.
    "PL0600-2026-": PL0600-2026-000001, -000002, ...), for references Ketenzicht suggests itself (the web
    form's). A number is handed out once, also when its form is never stored (a gap, not a second use):
    `services.reference_reserve`."""

    series = models.CharField(max_length=64, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}{self.last:06d}"
