"""Loaded versions of risk-screening instruments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InstrumentVersion(models.Model):
    """One loaded instrument file. Never changed once loaded: a changed file is a new version."""

    class Licence(models.TextChoices):
        OPEN = "open", _("open")
        LICENSED = "licensed", _("under licence")

    code = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    licence = models.CharField(max_length=16, choices=Licence.choices)
    licence_holder = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64)
    document = models.JSONField()  # the validated instrument, as loaded
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_instrument_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Screening(models.Model):
    """One screening of a case with one instrument version: the answers, what the register pre-answered
    (and which answers the screener corrected), the computed and the final level. A lowered level waits
    for a second person; declined, with a reason, the computed level counts; overtaken by a newer screening
    or the case's closing, it no longer counts. Screenings of a case are kept
    as its trend: a new one never replaces an old one."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("recorded")
        AWAITING_SECOND = "awaiting_second", _("waiting for a second person")
        DECLINED = "declined", _("declined by the second person")
        # A lowering that waited for a second person and no longer counts: a newer screening was recorded
        # on the case, or the case was closed, meanwhile. Nobody can confirm or decline it any more.
        SUPERSEDED = "superseded", _("no longer counts: a newer screening was recorded")
        LAPSED = "lapsed", _("no longer counts: the case was closed")

    case = models.ForeignKey("workprocesses.Case", on_delete=models.PROTECT, related_name="screenings")
    instrument = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="screenings")
    answers = models.JSONField()  # item key -> answer as given
    prefill = models.JSONField(default=dict)  # item key -> {"answer", "evidence", "basis"} from the register
    corrected = models.JSONField(default=list)  # item keys whose answer differs from the pre-answer
    result = models.JSONField()  # the engine's Result.as_document()
    computed_level = models.CharField(max_length=16, blank=True)
    level = models.CharField(max_length=16)  # the final level
    reason = models.TextField(blank=True)  # why the level was raised or lowered
    status = models.CharField(max_length=16, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings_recorded"
    )
    recorded_at = models.DateTimeField()
    second_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screenings_confirmed",
    )
    second_at = models.DateTimeField(null=True, blank=True)
    # Why the second person declined a lowered level (the case then has the computed level).
    declined_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["case", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.instrument} {self.level}"


from ketenzicht.screening.case_models import ScreeningCase  # noqa: E402 - the screening cases, in a module of their own

__all__ = ["InstrumentVersion", "Screening", "ScreeningCase"]
