"""The work processes' own words (labels of processes, states, steps, fields and choices, Dutch in the
versioned files) in the user's language: `{{ form.transition.label|kz_process_word }}`."""

from __future__ import annotations

from django import template

from ketenzicht.workprocesses.labels import data_text

register = template.Library()


@register.filter
def kz_process_word(value: str | None) -> str:
    return data_text(str(value or ""))
