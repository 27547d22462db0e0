"""Stored values in the user's language: birth dates (partial ones as "juni 1982"), deadlines, periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import template

from ketenzicht.ui import formats

register = template.Library()


@register.filter
def kz_birth_date(value: str | None) -> str:
    return formats.birth_date(value or "")


@register.filter
def kz_birth_dates(values: Iterable[str] | None) -> str:
    return ", ".join(formats.birth_date(value) for value in values or ())


@register.filter
def kz_deadline(value: dt.datetime | None) -> str:
    return formats.deadline(value) if value else ""


@register.simple_tag
def kz_versioned(label: str, version: int | str) -> str:
    """`{% kz_versioned instrument.name instrument.version %}`: "B-SAFER, versie 1"."""
    return formats.versioned(str(label), version)


@register.simple_tag
def kz_period(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """From `start` to `end`, the day said once (`formats.period`)."""
    return formats.period(start, end) if start is not None and end is not None else ""


@register.filter
def kz_person_number(value: int | None) -> str:
    """A person's id as the pages number them: "P0000498"."""
    return formats.person_number(value) if value else ""
