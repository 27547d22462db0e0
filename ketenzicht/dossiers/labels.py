"""Words for look-ups: the search box's messages (the query engine is pure Python and writes English, marked
for translation here and translated where the form shows them) and purposes as the access log holds them."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from .purpose import PurposeReason

# Only for makemessages to find: the messages of `engine/query.py` (the form looks them up with gettext).
QUERY_MESSAGES = (
    gettext_noop("at most 200 characters"),
    gettext_noop("the date of birth is not a date"),
    gettext_noop("the BSN does not pass the 11-check"),
    gettext_noop("numbers other than a date of birth, a postcode or a BSN are not understood"),
    gettext_noop("type a surname (at least two letters) or a BSN"),
)

# A break-the-glass grant is logged with the purpose "break_glass: <the reason stated>".
BREAK_GLASS_PURPOSE = "break_glass"
# A breach registration opened from a measure's page: "measure <reference>" (ketenzicht.measures.purpose).
MEASURE_PURPOSE = "measure"


def purpose_label(logged: str, *, flagged: bool = False) -> str:
    """A purpose as the access log stores it, to show: "case_management: text" becomes "Casusregie: text",
    "registration politie:R1: text" the registration reason with its reference, "case PL0600-Z-1" the case
    reason with the case's reference, "measure MR2026-000001" the protective measure with its reference, a
    fixed purpose of a desk (marked with gettext_noop where it is logged) its translation; "break_glass: text"
    a break-the-glass grant with its reason, or the reason alone when `flagged` (the page marks the entry as
    break-the-glass beside it, and says so once)."""
    reason, sep, rest = logged.partition(":")
    if sep and reason == BREAK_GLASS_PURPOSE:
        return rest.strip() if flagged else f"{gettext('Break-the-glass access')}:{rest}"
    if sep and reason in PurposeReason.values and reason != PurposeReason.REGISTRATION:
        return f"{PurposeReason(reason).label}:{rest}"
    head, space, reference = logged.partition(" ")
    if space and head == MEASURE_PURPOSE:
        return f"{gettext('Protective measure')} ({reference})"
    if space and head in (PurposeReason.REGISTRATION, PurposeReason.CASE):
        where, sep, text = reference.partition(": ")
        return f"{PurposeReason(head).label} ({where})" + (f": {text}" if sep else "")
    return gettext(logged) if logged else logged
