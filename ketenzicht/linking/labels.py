"""The comparison levels' labels, translated for the interface.

The engine (`engine/comparisons.py`) is pure Python without Django and is left out of makemessages; its
English labels are stored as they are (e.g. in `ReviewItem.comparisons`). They are marked for translation
here, with the context "comparison level" (short words such as "exact" or "same" mean something else
elsewhere), and translated where they are shown, by `level_label`. A new level in the engine needs a line
here and a Dutch msgstr: `tests/linking/test_review_pages.py` checks that every level has one.
"""

from __future__ import annotations

from django.utils.translation import pgettext, pgettext_lazy

CONTEXT = "comparison level"

# Only for makemessages to find (Django has no pgettext_noop); `level_label` looks the labels up itself.
MARKED_FOR_TRANSLATION = (
    # Every comparison
    pgettext_lazy("comparison level", "null"),
    pgettext_lazy("comparison level", "else"),
    # bsn
    pgettext_lazy("comparison level", "same valid BSN"),
    pgettext_lazy("comparison level", "different valid BSNs"),
    pgettext_lazy("comparison level", "written BSNs within 2 edits"),
    # surname
    pgettext_lazy("comparison level", "exact, rare name"),
    pgettext_lazy("comparison level", "exact, common name"),
    pgettext_lazy("comparison level", "exact"),
    pgettext_lazy("comparison level", "a part in common"),
    pgettext_lazy("comparison level", "first part within 1 edit"),
    pgettext_lazy("comparison level", "first part within 2 edits"),
    pgettext_lazy("comparison level", "sounds alike"),
    pgettext_lazy("comparison level", "swapped with given names"),
    pgettext_lazy("comparison level", "one surname is the other's given name"),
    pgettext_lazy("comparison level", "different, both women"),
    # given_names
    pgettext_lazy("comparison level", "all of two or more given names equal"),
    pgettext_lazy("comparison level", "the one given name equal"),
    pgettext_lazy("comparison level", "first equal, initials agree"),
    pgettext_lazy("comparison level", "first equal, other initials differ"),
    pgettext_lazy("comparison level", "first within 1 edit"),
    pgettext_lazy("comparison level", "first within 2 edits"),
    pgettext_lazy("comparison level", "all initials equal, two or more (one side initials only)"),
    pgettext_lazy("comparison level", "initials equal (one side initials only)"),
    pgettext_lazy("comparison level", "initials agree (one side initials only)"),
    pgettext_lazy("comparison level", "first initial equal (one side initials only)"),
    pgettext_lazy("comparison level", "swapped with surname (weighed by surname)"),
    # birth_date
    pgettext_lazy("comparison level", "year and month agree, day unknown"),
    pgettext_lazy("comparison level", "year agrees, month unknown"),
    pgettext_lazy("comparison level", "day and month swapped"),
    pgettext_lazy("comparison level", "one digit differs"),
    pgettext_lazy("comparison level", "same year"),
    # address
    pgettext_lazy("comparison level", "same PC6 and house number"),
    pgettext_lazy("comparison level", "same street, house number and place"),
    pgettext_lazy("comparison level", "same PC6"),
    pgettext_lazy("comparison level", "street within 2 edits, same house number and place"),
    pgettext_lazy("comparison level", "same street and house number, other place"),
    pgettext_lazy("comparison level", "street within 2 edits and place, other house number"),
    pgettext_lazy("comparison level", "same house number and PC4"),
    pgettext_lazy("comparison level", "same PC4 and place"),
    pgettext_lazy("comparison level", "same PC4 or place"),
    # sex
    pgettext_lazy("comparison level", "same"),
    # phone
    pgettext_lazy("comparison level", "same personal number"),
    pgettext_lazy("comparison level", "numbers one digit apart"),
    # relation (engine/context.py)
    pgettext_lazy("comparison level", "no known related person"),
    pgettext_lazy("comparison level", "same partner or ex-partner"),
    pgettext_lazy("comparison level", "same family member"),
    pgettext_lazy("comparison level", "same home as a related person"),
    pgettext_lazy("comparison level", "same related person, other relation"),
    pgettext_lazy("comparison level", "no shared related person"),
)


def level_label(label: str) -> str:
    """A level's label in the active language (one without a translation as it is)."""
    return pgettext(CONTEXT, label)
