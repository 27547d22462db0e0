"""How a person is named in lists: the one rule every desk uses. Pure (no Django), so engines read it too.

A mention's *full spelling* is its given names, surname prefix and surname in reading order ("Marieke de
Graaf"), with a prefix written after the surname ("Graaf, de") put before it. A person's *list name* is the
most frequent full spelling among the mentions of that person the reader may see, ties going to the latest
registration. The caller passes only those mentions (read through the access selectors): a spelling from a
registration the reader may not see would tell that it exists. What one registration says of a person (its
own spelling) stays evidence and is shown as written, not through this rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import NamedTuple, TypeVar

# Surname prefixes (tussenvoegsels) as they may follow a surname after a comma: "Graaf, de", "Berg, van der".
_PREFIX_WORDS = frozenset(
    {
        "van", "de", "der", "den", "het", "'t", "'s", "te", "ter", "ten", "in", "op", "aan", "bij", "onder",
        "over", "uit", "voor", "la", "le", "les", "du", "des", "d'", "di", "da", "dos", "von", "vom", "zu",
    }
)  # fmt: skip


def full_name(given_names: str | None, surname_prefix: str | None, surname: str | None) -> str:
    """The full spelling of one mention: "Marieke de Graaf" for ("Marieke", "de", "Graaf"), for ("Marieke",
    "", "de Graaf") and for ("Marieke", "", "Graaf, de"). Anything else after a comma (initials written into
    the surname field) stays as written."""
    given = " ".join((given_names or "").split())
    prefix = " ".join((surname_prefix or "").split())
    written = " ".join((surname or "").split())
    main, comma, after = written.partition(",")
    trailing = after.split()
    if comma and main.strip() and trailing and all(w.lower() in _PREFIX_WORDS for w in trailing):
        written = main.strip()
        if prefix.lower() != " ".join(trailing).lower():
            prefix = " ".join([*prefix.split(), *trailing])
    return " ".join(part for part in (given, prefix, written) if part)


class Spelling(NamedTuple):
    """One mention of a person as the rule reads it: its name fields and when its registration was made."""

    given_names: str
    surname_prefix: str
    surname: str
    registered_at: dt.datetime
    registration_id: int


def list_name(spellings: Iterable[Spelling]) -> str:
    """The most frequent full spelling among `spellings`, ties to the latest registration (registered at,
    then id); "" for none."""
    counts: dict[str, int] = {}
    latest: dict[str, tuple[dt.datetime, int]] = {}
    for spelling in spellings:
        name = full_name(spelling.given_names, spelling.surname_prefix, spelling.surname)
        if not name:
            continue
        counts[name] = counts.get(name, 0) + 1
        moment = (spelling.registered_at, spelling.registration_id)
        if name not in latest or moment > latest[name]:
            latest[name] = moment
    if not counts:
        return ""
    return max(counts, key=lambda name: (counts[name], latest[name]))


K = TypeVar("K", bound=Hashable)


def list_names(rows: Iterable[tuple[K, Spelling]]) -> dict[K, str]:
    """The list name of each key (a person) of `(key, spelling)` rows; a key without one is left out."""
    grouped: dict[K, list[Spelling]] = {}
    for key, spelling in rows:
        grouped.setdefault(key, []).append(spelling)
    names = {key: list_name(found) for key, found in grouped.items()}
    return {key: name for key, name in names.items() if name}
