"""The intake pipeline's errors in the form's words: the fields it names (exchange-format paths such as
"persons" or "relations[0].kind") and the codes in "must be one of ..." as the labels the form shows."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ketenzicht.registrations.exchange import BORN_LATER, FieldError
from ketenzicht.registrations.models import Kind, MentionRole, RelationKind, Sex, Source
from ketenzicht.ui.formats import iso_moment

FIELD_LABELS = {
    "(registration)": _("Registration"),
    "source": _("Source"),
    "reference": _("Reference"),
    "kind": _("Kind"),
    "unit": _("Police unit"),
    "municipality": _("Municipality"),
    "occurred_at": _("Occurred at"),
    "registered_at": _("Registered at"),
    "offences": _("Offences"),
    "summary": _("Summary"),
    "persons": _("Persons"),
    "relations": _("Relations"),
}
ONE_OF = "must be one of %(expected)s"
NO_PERSON = "no person with ref '%(ref)s'"  # a relation's end: the form's persons are p1, p2, ...
FORM_PERSON = re.compile(r"p([1-9][0-9]*)")
CHOICES: tuple[type[models.TextChoices], ...] = (RelationKind, MentionRole, Kind, Source, Sex)


def field_label(path: str) -> str:
    """The part of the form an exchange-format path points into ("relations[0].kind": "Relations")."""
    head = path.partition(".")[0].partition("[")[0]
    label = FIELD_LABELS.get(head)
    return str(label) if label is not None else head.replace("_", " ")


def _choice_labels(expected: str) -> str:
    codes = re.findall(r"'([^']*)'", expected)
    for choices in CHOICES:
        if codes and set(codes) <= set(choices.values):
            labels = dict(choices.choices)
            return ", ".join(str(labels[code]) for code in codes if code)
    return expected


def error_text(error: FieldError, gettext: Callable[[str], str]) -> str:
    """The error's reason in the language `gettext` translates into, codes replaced by their labels."""
    params = dict(error.params)
    if error.template == ONE_OF:
        return gettext(ONE_OF) % {"expected": _choice_labels(str(params.get("expected", "")))}
    number = FORM_PERSON.fullmatch(str(params.get("ref", "")))
    if error.template == NO_PERSON:
        if number is None:
            return gettext(gettext_noop("choose one of the persons on this form"))
        person = gettext(gettext_noop("Person %(n)s")) % {"n": number[1]}
        return gettext(gettext_noop("%(person)s is not on this form")) % {"person": person}
    if "bound" not in params:
        return error.translated(gettext)
    # A time out of its bounds: the bound as the pages write times.
    bound = iso_moment(str(params["bound"]))
    if error.template == BORN_LATER and number is not None:  # the person as the form numbers them (p1, ...)
        person = gettext(gettext_noop("Person %(n)s")) % {"n": number[1]}
        return gettext(gettext_noop("cannot lie before %(bound)s: %(person)s was not born yet")) % {
            "bound": bound,
            "person": person,
        }
    return gettext(error.template) % {**params, "bound": bound}
