"""Words for the ZSM desks' codes, for pages (English msgids, translated)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .engine.triage import Label, TriageFacts
from .forms import ANSWER_FORMS, ROUTES
from .rules import triage_rules

ROUTE_LABELS = dict(ROUTES)
DANGER_LABELS = {"acute": _("acute"), "high": _("high"), "normal": _("normal"), "low": _("low")}


def reason_label(code: str, seen: TriageFacts | None = None) -> str:
    """A triage reason in the page's language (the rule file's own words). `seen`: the counted facts as
    the reader may see them (facts.py): a rule those do not meet is said without its count
    (`Rule.label_seen`), as the file shows only the counts the reader may see."""
    rules = triage_rules()
    found: Label | None = next((r.label_seen(seen) for r in rules.rules if r.code == code), None)
    if found is None and rules.default.code == code:
        found = rules.default.label
    if found is None:
        return code
    return found.en if (get_language() or "nl").startswith("en") else found.nl


@functools.cache
def _answer_labels(partner: str, language: str) -> tuple[tuple[str, str, dict[str, str]], ...]:
    """(field, label, choices in words) of a partner's answer form, in its order, in `language`."""
    form = ANSWER_FORMS[partner]()
    return tuple(
        (
            name,
            str(field.label),
            {str(value): str(label) for value, label in (getattr(field, "choices", None) or [])},
        )
        for name, field in form.fields.items()
    )


def answer_rows(partner: str, answer: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of a partner's answer, in the form's order, the choices in words."""
    rows: list[tuple[str, str]] = []
    for name, label, choices in _answer_labels(partner, get_language() or "nl"):
        value = str(answer.get(name) or "")
        if value:
            rows.append((label, choices.get(value, value)))
    return rows
