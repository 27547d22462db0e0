"""Loaded versions of risk-screening instruments."""

from __future__ import annotations

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
