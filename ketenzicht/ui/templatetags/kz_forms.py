"""Render a form field's widget tied to its description and error message (aria-describedby, aria-invalid),
and a field's errors as sentences of their own."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from ketenzicht.ui.forms import sentence

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


@register.filter
def kz_sentences(errors: Iterable[object] | None) -> str:
    """A field's errors under it, each a sentence: a capital first and a full stop last. The services word
    their problems to follow a field's name ("Einddatum: de einddatum ligt voor de ingangsdatum", as the
    error summary and the API say them); under the field itself they stand alone."""
    return " ".join(sentence(str(error)) for error in errors or ())
