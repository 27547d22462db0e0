"""The retention rules in the user's language: the legal ground of each source's period (docs/retention.md
gives them in full; the engine's DEFAULT_PERIODS states them beside each default), the categories and the
lengths."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy, ngettext

from ketenzicht.measures.engine.periods import Length
from ketenzicht.registrations.models import Kind, Source

ACCESS_LOG = "access_log"  # the category of the access log, beside the sources

GROUNDS = {
    "politie": gettext_lazy(
        "Art. 8 and art. 14 lid 1 Wpg: police data for the daily police task go one year after their first "
        "processing, or at most five years when the police task still needs them."
    ),
    "veilig_thuis": gettext_lazy(
        "Art. 7.3.8 Jeugdwet: a file is kept twenty years; Veilig Thuis keeps its files on adults (Wmo 2015) "
        "as long."
    ),
    "om": gettext_lazy("Titel 3A and art. 4 lid 2 Wjsg: prosecution data on a crime are kept twenty years."),
    "slachtofferhulp": gettext_lazy(
        "Art. 5 lid 1 onder e AVG (storage limitation): no term in a law of its own; no longer than the "
        "police data of the same incident."
    ),
    "reclassering": gettext_lazy(
        "Art. 5 lid 1 onder e AVG (storage limitation): no term in a law of its own; the span of supervision "
        "and of advice on later cases."
    ),
    ACCESS_LOG: gettext_lazy(
        "Art. 25 Wpg and art. 15 AVG: who saw a person's data must be answerable for as long as the police "
        "data are kept; the database keeps at least the last year."
    ),
}

# Why a registration past its period is kept: the kinds of reason of services.Plan.held_reasons, in order.
HELD_REASONS = {
    "open case": gettext_lazy("an open case"),
    "closed case": gettext_lazy("a closed case, for its period again from the day it closed"),
    "Veilig Thuis notification": gettext_lazy("a notification to Veilig Thuis"),
    "ZSM file": gettext_lazy("a ZSM file"),
    "breach": gettext_lazy("a breach of a protective measure"),
    "decided review item": gettext_lazy("a decided link review"),
    "pattern signal": gettext_lazy("a pattern signal with no other evidence left"),
}


def category_label(source: str, key: str) -> str:
    """ "Politie", "Politie: aangifte" (a kind with a period of its own), "Toegangslog"."""
    if source == ACCESS_LOG:
        return gettext("Access log")
    name = str(Source(source).label)
    if key == "default":
        return name
    return f"{name}: {str(Kind(key).label).lower()}"


def length_label(length: Length) -> str:
    """ "5 jaar", "1 maand", "30 dagen"."""
    n = length.amount
    if length.unit == "years":
        return ngettext("%(n)s year", "%(n)s years", n) % {"n": n}
    if length.unit == "months":
        return ngettext("%(n)s month", "%(n)s months", n) % {"n": n}
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
