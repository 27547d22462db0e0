"""Blocking keys for online candidate retrieval: the batch blocking rules as indexable strings.

Two mentions share at least one key whenever a rule of `splink_settings.BLOCKING_RULES` holds for them
(tests/linking/test_keys.py checks this against the SQL rules), so the online matcher finds every
candidate the batch would score, and a few more (rules across two columns give unordered keys).
"""

from __future__ import annotations

from collections.abc import Callable

from ketenzicht.linking.engine.normalise import MentionFeatures

Part = Callable[[MentionFeatures], object]


def _initial(f: MentionFeatures) -> str | None:
    return f.initials[:1] if f.initials else None


# One entry per rule of BLOCKING_RULES whose columns are compared with themselves: (tag, columns).
_SAME_COLUMN_RULES: tuple[tuple[str, tuple[Part, ...]], ...] = (
    ("bsn", (lambda f: f.bsn_written,)),
    ("sf-y", (lambda f: f.surname_first, lambda f: f.birth_year)),
    ("sl-y", (lambda f: f.surname_last, lambda f: f.birth_year)),
    ("gf-dob", (lambda f: f.given_first, lambda f: f.birth_date)),
    ("snd-md", (lambda f: f.surname_sound, lambda f: f.birth_month, lambda f: f.birth_day)),
    ("pc-hn", (lambda f: f.pc6, lambda f: f.house_number)),
    ("sf-gf", (lambda f: f.surname_first, lambda f: f.given_first)),
    ("sf-in", (lambda f: f.surname_first, lambda f: f.initials)),
    ("sl-gf", (lambda f: f.surname_last, lambda f: f.given_first)),
    ("dob-i", (lambda f: f.birth_date, _initial)),
    ("sl-in", (lambda f: f.surname_last, lambda f: f.initials)),
    ("gfull-y-s", (lambda f: f.given_full, lambda f: f.birth_year, lambda f: f.sex)),
    ("gf-head", (lambda f: f.given_first, lambda f: f.surname_head)),
    ("gf-tail", (lambda f: f.given_first, lambda f: f.surname_tail)),
)


def _key(tag: str, values: tuple[object, ...]) -> str | None:
    if any(value is None or value == "" for value in values):
        return None  # SQL: a comparison with NULL is never true
    return tag + ":" + "|".join(str(value) for value in values)


def blocking_keys(f: MentionFeatures) -> list[str]:
    """The keys of one mention, sorted and without duplicates."""
    keys: set[str] = set()
    for tag, parts in _SAME_COLUMN_RULES:
        key = _key(tag, tuple(part(f) for part in parts))
        if key:
            keys.add(key)
    # Swapped first and last name: {surname_first, given_first} as an unordered pair.
    if f.surname_first and f.given_first:
        low, high = sorted((f.surname_first, f.given_first))
        keys.add(f"swap:{low}|{high}")
    # A name in either field with the same complete date of birth.
    if f.birth_date:
        for name in (f.given_first, f.surname_first):
            if name:
                keys.add(f"name-dob:{name}|{f.birth_date}")
    return sorted(keys)
