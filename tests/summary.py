"""The error summary on top of a page (templates/ui/_error_summary.html), read as a user meets it: each
field marked in error has a link in it that leads to, and so focuses, that field's input."""

from __future__ import annotations

import re

from django.utils import translation

# The ids of what a link can focus: no hidden input.
FOCUSABLE = re.compile(r'<(?:input(?![^>]*type="hidden")|select|textarea|button)\b[^>]*>')


def summary_links(page: str) -> list[tuple[str, str]]:
    """(anchor, text) of each link in the error summary ([] when the page has none)."""
    if 'data-testid="form-errors-list"' not in page:
        return []
    summary = page.split('data-testid="form-errors-list"')[1].split("</ul>")[0]
    return re.findall(r'<a [^>]*href="#([^"]+)"[^>]*>([^<]*)</a>', summary)


def linked_fields(page: str) -> list[str]:
    """The name of the input each link of the summary leads to, in the summary's order; a link to no
    focusable input on the page fails. An id twice on the page fails too: a link leads to the first."""
    names = []
    for anchor, text in summary_links(page):
        tags = [tag for tag in FOCUSABLE.findall(page) if f' id="{anchor}"' in tag]
        assert len(tags) == 1, f"{text}: #{anchor} is {len(tags)} inputs on the page"
        name = re.search(r' name="([^"]+)"', tags[0])
        assert name is not None, tags[0]
        names.append(name.group(1))
    return names


def marked_fields(page: str) -> list[str]:
    """The fields marked in error on the page (their data-testid="error-<name>"), in the page's order."""
    return re.findall(r'data-testid="error-([\w-]+)"', page)


NOTHING_STORED = "Nothing was stored. Correct the fields marked below."


def nothing_stored() -> str:
    """The one wording of a form not stored, as the pages say it (in Dutch, whatever it is now): the error
    summary's and the messages' of pages without a summary."""
    with translation.override("nl"):
        return translation.gettext(NOTHING_STORED)


def banners(page: str) -> list[str]:
    """The texts of the page's error summary title and error messages, whitespace as one space."""
    found = re.findall(r'data-testid="form-errors-title">([^<]*)<', page)
    found += re.findall(r'utrecht-alert--error kz-message"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)<', page)
    return [" ".join(text.split()) for text in found]
