"""The work processes' own words (labels of processes, states, steps, fields and choices, Dutch in the
versioned files) in the user's language: `{{ form.transition.label|kz_process_word }}`, and a version after
its process's name: `{% kz_process_version pv.label pv.version %}`, and a roll-out's note that Ketenzicht
wrote: `{{ rollout.note|kz_rollout_note }}`. (A case's heading is no filter of its
stored title: `workprocesses.headings`.)"""

from __future__ import annotations

from django import template

from ketenzicht.ui.formats import versioned
from ketenzicht.workprocesses.labels import data_text
from ketenzicht.workprocesses.rollouts import rollout_note

register = template.Library()


@register.filter
def kz_process_word(value: str | None) -> str:
    return data_text(str(value or ""))


@register.filter
def kz_rollout_note(value: str | None) -> str:
    return rollout_note(str(value or ""))


@register.simple_tag
def kz_process_version(label: str | None, version: int | str) -> str:
    """`{% kz_process_version pv.label pv.version %}`: the process's name in the user's language, then its
    version ("Ex-partnerstalking (verbeterde werkwijze), versie 2")."""
    return versioned(data_text(str(label or "")), version)
