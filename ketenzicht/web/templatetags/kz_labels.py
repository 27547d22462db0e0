"""Codes shown in the user's language: purposes, object types and origins of the access log. Domain labels,
so they live in the shell; filters that know no domain (birth dates) are in `ketenzicht.ui` (kz_formats)."""

from __future__ import annotations

from typing import Any

from django import template

from ketenzicht.audit.labels import action_label, object_type_label, origin_label
from ketenzicht.dossiers.labels import purpose_label

register = template.Library()


@register.filter
def kz_purpose(value: str | None) -> str:
    return purpose_label(value or "")


@register.filter
def kz_log_purpose(entry: Any) -> str:
    """An access-log entry's purpose in words; on an entry outside the sharing rules (the page marks it so,
    or it is the grant itself) a break-the-glass purpose is its reason alone."""
    return purpose_label(entry.purpose or "", flagged=bool((entry.detail or {}).get("break_glass")))


@register.filter
def kz_action(entry: Any) -> str:
    """An access-log entry's action in words."""
    return action_label(entry.action, str(entry.get_action_display()))


@register.filter
def kz_object_type(value: str | None) -> str:
    return object_type_label(value or "")


@register.filter
def kz_origin(value: str | None) -> str:
    return origin_label(value or "")
