"""Render a form field's widget tied to its description and error message (aria-describedby, aria-invalid)."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def kz_widget(field: BoundField, note: str = "") -> SafeString:
    """The widget; `note` says a note is shown at the field (intake/_field.html's, with the id
    <auto_id>_note), which describes it too."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if note:
        described_by.append(f"{field.auto_id}_note")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs: dict[str, str | bool] = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
