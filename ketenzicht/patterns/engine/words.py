"""Words in a registration's summary that signal danger or stalking behaviour, from Dutch word lists (data).

A list entry is a phrase of words. `*` alone stands for any one word ("wacht * op" matches "wacht haar op");
a word ending in `*` matches every word starting with it ("vermoord*" matches "vermoorden"). Text and phrases
are compared lower-case without diacritics, so "suïcide" and "suicide" are the same word."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence

_NON_WORD = re.compile(r"[^a-z0-9]+")


def plain(text: str) -> str:
    """Lower case, diacritics removed, every run of other characters one space."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + _NON_WORD.sub(" ", stripped).strip() + " "


def _phrase_pattern(phrase: str) -> str:
    words = plain(phrase).split()
    if not words:
        raise ValueError(f"empty phrase {phrase!r}")
    parts: list[str] = []
    for word in phrase.lower().split():
        if word == "*":
            parts.append(r"[a-z0-9]+")
            continue
        wildcard = word.endswith("*")
        core = plain(word.rstrip("*")).strip()
        if not core:
            raise ValueError(f"phrase {phrase!r}: a word has no letters")
        parts.append(re.escape(core) + (r"[a-z0-9]*" if wildcard else ""))
    return " " + " ".join(parts) + " "


class WordMatcher:
    """Finds which categories of a word list occur in a text, with one regular expression pass."""

    def __init__(self, categories: Mapping[str, Sequence[str]]):
        self.categories = tuple(categories)
        groups = []
        for index, (name, phrases) in enumerate(categories.items()):
            if not phrases:
                raise ValueError(f"word category {name!r} has no phrases")
            alternatives = "|".join(_phrase_pattern(p) for p in phrases)
            groups.append(f"(?P<c{index}>{alternatives})")
        # A lookahead per match lets neighbouring phrases share the space between them.
        self._regex = re.compile("(?=" + "|".join(groups) + ")")

    def categories_in(self, text: str) -> frozenset[str]:
        if not text:
            return frozenset()
        return self._categories_in(text)

    @functools.lru_cache(maxsize=65_536)  # noqa: B019 - one matcher per rule file, kept for the process
    def _categories_in(self, text: str) -> frozenset[str]:
        found: set[str] = set()
        for match in self._regex.finditer(plain(text)):
            group = match.lastgroup
            if group is not None:
                found.add(self.categories[int(group[1:])])
        return frozenset(found)
