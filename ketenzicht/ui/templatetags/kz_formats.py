"""Stored values in the user's language: birth dates (partial ones as "juni 1982"), deadlines, periods; a
text that exists only in Dutch marked as Dutch, with a note on a page in another language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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


@register.filter
def kz_dutch(value: str | None) -> SafeString:
    """`{{ item.question|kz_dutch }}`: a text that exists only in Dutch (an instrument's name, questions and
    choices: licensed or validated wording, never translated here), marked as Dutch for screen readers on
    every page."""
    return format_html('<span lang="nl">{}</span>', value or "")


@register.simple_tag
def kz_dutch_note() -> SafeString:
    """`{% kz_dutch_note %}` beside such a text: on a page in English, "(available in Dutch only)"; nothing
    on a Dutch page."""
    if not (get_language() or "nl").startswith("en"):
        return SafeString("")
    return format_html('<span class="kz-dutch-only">{}</span>', _("(available in Dutch only)"))


@register.filter
def kz_count(value: object) -> object:
    """`{{ shown|kz_count }}`: a published count in a dense table. A suppressed one ("<5", or "<6": one's
    own exact count plus fewer than 5 of another organisation) keeps its short form, explained in words
    (`abbr` with a title, read out by screen readers): "fewer than 5"; any other value as it is."""
    text = str(value)
    if len(text) > 1 and text[0] == "<" and text[1:].isdigit():
        said = _("fewer than %(n)s") % {"n": text[1:]}
        return format_html('<abbr class="kz-suppressed" title="{}">{}</abbr>', said, text)
    return value
