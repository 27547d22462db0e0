"""Numbers and dates as the interface shows them: a decimal comma in Dutch, dates as dd-mm-jjjj, a partial
birth date as "juni 1982" or "1982" (never the stored "1982-06-00"), a version after its name, and a record's
words in the installation's language (`in_installation_language`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.dates import MONTHS
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext

DATE_FORMAT = "d-m-Y"
_BIRTH_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def decimal(value: float, places: int, *, signed: bool = False) -> str:
    """`value` rounded to `places` decimals, with the active language's decimal separator ("0,83").
    Rounded first: Django's number_format cuts a float's decimals off (6.486 would read "6,48")."""
    text = str(number_format(round(value, places) + 0.0, places))  # + 0.0: no "-0,00"
    if signed and not text.startswith("-"):
        text = "+" + text
    return text


def number(value: float) -> str:
    """A measured value with at most two decimals as needed ("4,2", "12") in the active language."""
    if isinstance(value, float) and not value.is_integer():
        return str(number_format(round(value, 2)))
    return str(number_format(int(value)))


def date(value: dt.date) -> str:
    """A date as dd-mm-jjjj."""
    return dateformat.format(value, DATE_FORMAT)


def moment(value: dt.datetime) -> str:
    """A time as dd-mm-jjjj uu:mm, in local time."""
    return dateformat.format(timezone.localtime(value), "d-m-Y H:i")


def iso_moment(text: str) -> str:
    """An ISO 8601 date ("2026-12-07") or time with offset ("2026-12-07T10:02+00:00"), as it comes from a
    check that speaks ISO (the exchange format's), the way the pages show it: "07-12-2026", or
    "07-12-2026 11:02" in local time. Anything else is shown as it is."""
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
    if len(text.strip()) == 10:
        return date(value.date())
    return moment(value) if value.tzinfo is not None else dateformat.format(value, "d-m-Y H:i")


def birth_date(raw: str) -> str:
    """A birth date as written in a registration (YYYY-MM-DD, 00 for an unknown month or day) to show:
    "14-03-1986", "maart 1986" or "1986". Anything else is shown as it is."""
    match = _BIRTH_DATE.fullmatch((raw or "").strip())
    if not match:
        return raw
    year, month, day = (int(part) for part in match.groups())
    if not month or month > 12:
        return str(year)
    if not day:
        return f"{MONTHS[month]} {year}"
    try:
        return date(dt.date(year, month, day))
    except ValueError:
        return f"{MONTHS[month]} {year}"


def deadline(value: dt.datetime) -> str:
    """A deadline as the user reads it: a day deadline passes at midnight after its last day, so midnight
    is shown as that last day, "until the end of the day" ("08-12-2026, einde van de dag"), not as
    "09-12-2026 00:00"; an hour deadline with its time."""
    local = timezone.localtime(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        last_day = local.date() - dt.timedelta(days=1)
        return gettext("%(date)s, end of the day") % {"date": date(last_day)}
    return moment(local)


def in_installation_language(message: str | Promise, **params: Any) -> str:
    """`message` (English, marked with gettext_noop where it is written) with `params`, in the installation's
    language (settings.LANGUAGE_CODE) whatever the language of the page that has it written: the words of a
    record (a case's history line, a value of a case) are written once, not translated when shown. A date
    among the params as dd-mm-jjjj, a time as dd-mm-jjjj uu:mm in local time. A lazy text, as the message or
    among the params (a choice's label, gettext_lazy, or `django.utils.functional.lazy` of a function that
    puts words together from labels and definitions), is rendered in the installation's language too: the
    one way to write a record's words, no `translation.override` of one's own."""
    with translation.override(settings.LANGUAGE_CODE):
        shown = {
            key: moment(value)
            if isinstance(value, dt.datetime)
            else date(value)
            if isinstance(value, dt.date)
            else str(value)
            if isinstance(value, Promise)
            else value
            for key, value in params.items()
        }
        if isinstance(message, Promise):
            return str(message) % shown if shown else str(message)
        return gettext(message) % shown


def versioned(label: str, version: int | str) -> str:
    """A versioned thing by its name, e.g. "Ex-partnerstalking (verbeterde werkwijze), versie 2": after a
    comma, so a name with brackets of its own does not get a second pair."""
    return gettext("%(label)s, version %(version)s") % {"label": label, "version": version}


def period(start: dt.datetime, end: dt.datetime) -> str:
    """From `start` to `end`, the day said once: "07-12-2026 08:36 – 09:06" within a day, "07-12-2026 08:36"
    within a minute, both days otherwise (the short date and time format, 24-hour clock, in local time)."""
    first, last = timezone.localtime(start), timezone.localtime(end)
    begin = date_format(first, "SHORT_DATETIME_FORMAT")
    if first.date() != last.date():
        return f"{begin} – {date_format(last, 'SHORT_DATETIME_FORMAT')}"
    until = dateformat.format(last, "H:i")
    return begin if until == dateformat.format(first, "H:i") else f"{begin} – {until}"


_PERSON_NUMBER = re.compile(r"\s*[Pp]?\s*0*(\d{1,12})\s*")


def person_number(pk: int) -> str:
    """A person as the pages number them: "P0000498" (`str(Person)` too)."""
    return f"P{pk:07d}"


def person_number_parse(text: str) -> int | None:
    """The person a typed number means: "P0000498", "p498" and "498" alike; None when it is no number."""
    found = _PERSON_NUMBER.fullmatch(text or "")
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None
