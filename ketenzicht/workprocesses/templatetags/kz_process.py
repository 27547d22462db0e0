"""The work processes' own words (labels of processes, states, steps, fields and choices, Dutch in the
versioned files) in the user's language: `{{ form.transition.label|kz_process_word }}`, and a version after
its process's name: `{% kz_process_version pv.label pv.version %}`; a case's title as the app that wrote it
words it: `{{ case.title|kz_case_title }}`."""

from __future__ import annotations

from django import template

from ketenzicht.ui.formats import versioned
from ketenzicht.workprocesses.labels import case_title, data_text

register = template.Library()


@register.filter
def kz_process_word(value: str | None) -> str:
    return data_text(str(value or ""))


@register.simple_tag
def kz_process_version(label: str | None, version: int | str) -> str:
    """`{% kz_process_version pv.label pv.version %}`: the process's name in the user's language, then its
    version ("Ex-partnerstalking (verbeterde werkwijze), versie 2")."""
    return versioned(data_text(str(label or "")), version)


@register.filter
def kz_case_title(value: str | None) -> str:
    """A case's stored title in the user's language where the app that wrote it knows its words."""
    return case_title(str(value or ""))
