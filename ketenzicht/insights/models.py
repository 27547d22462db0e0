"""The figures, counted ahead (`services.figures_refresh`): exact counts per period, area, figure and part.
They hold no names and no ids; what a user sees of them is published through ketenzicht/ui/disclosure.py."""

from __future__ import annotations

from django.db import models


class Cell(models.Model):
    period_kind = models.CharField(max_length=8)  # week, month, year
    period_start = models.DateField()
    area_kind = models.CharField(max_length=16)  # national, police_unit, vt_region, district_office
    area_code = models.CharField(max_length=64)  # "nl", or the organisation's code
    figure = models.CharField(max_length=48)  # e.g. "registrations", "zsm_decided:median"
    part = models.CharField(max_length=48)  # e.g. "stalking", "in_time", "regular"
    value = models.FloatField()  # an exact count, or a median (hours, days)

    class Meta:
        indexes = [
            models.Index(
                fields=["area_kind", "area_code", "period_kind", "period_start"], name="insights_cell_area"
            ),
            models.Index(fields=["period_kind", "period_start", "area_kind"], name="insights_cell_compare"),
        ]

    def __str__(self) -> str:
        where = f"{self.area_kind}:{self.area_code}"
        return f"{self.period_kind} {self.period_start} {where} {self.figure}/{self.part}"


class StaleDay(models.Model):
    """A day whose figures changed since they were counted (intake, a desk's step, a measure, relinking):
    the next `insights_refresh` counts its years again."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"stale {self.day}"


class Refresh(models.Model):
    """One counting run: when, which years, how long; the page says how recent its figures are."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    years = models.JSONField(default=list)
    cells = models.PositiveIntegerField()
    facts = models.PositiveIntegerField()

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"refresh {self.finished_at:%Y-%m-%d %H:%M} {self.years}"
