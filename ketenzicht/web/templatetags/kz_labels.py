"""Codes and stored values shown in the user's language: purposes, object types and origins of the access log,
birth dates (partial ones as "juni 1982"), dates as dd-mm-jjjj."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from ketenzicht import formats
from ketenzicht.audit.labels import object_type_label, origin_label
from ketenzicht.dossiers.labels import purpose_label

register = template.Library()


@register.filter
def kz_purpose(value: str | None) -> str:
    return purpose_label(value or "")


@register.filter
def kz_object_type(value: str | None) -> str:
    return object_type_label(value or "")


@register.filter
def kz_origin(value: str | None) -> str:
    return origin_label(value or "")


@register.filter
def kz_birth_date(value: str | None) -> str:
    return formats.birth_date(value or "")


@register.filter
def kz_birth_dates(values: Iterable[str] | None) -> str:
    return ", ".join(formats.birth_date(value) for value in values or ())
