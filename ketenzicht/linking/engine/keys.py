"""Blocking keys for online candidate retrieval: the batch blocking rules as indexable strings.

The keys are derived from `splink_settings.BLOCKING_RULES` themselves, so the two cannot drift apart: each
rule is a conjunction of `l.<a> = r.<b>` (or `substr(l.<a>, 1, 1) = substr(r.<b>, 1, 1)`); a mention emits
one key from the left-hand columns of a rule and one from the right-hand columns. When a rule holds for a
pair, the left key of one equals the right key of the other, so they share a key; a rule the parser does
not understand fails at import. Rules across two columns also give a few extra candidates (the same
columns equal on both sides), which scoring then sorts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketenzicht.linking.engine.normalise import MentionFeatures
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES

_PLAIN = re.compile(r"^l\.(\w+) = r\.(\w+)$")
_FIRST = re.compile(r"^substr\(l\.(\w+), 1, 1\) = substr\(r\.(\w+), 1, 1\)$")


@dataclass(frozen=True)
class _Term:
    left: str
    right: str
    first_letter: bool


def _parse(rule: str) -> tuple[_Term, ...]:
    terms = []
    for conjunct in rule.split(" AND "):
        text = conjunct.strip()
        if match := _PLAIN.match(text):
            terms.append(_Term(match[1], match[2], False))
        elif match := _FIRST.match(text):
            terms.append(_Term(match[1], match[2], True))
        else:
            raise ValueError(f"blocking rule not understood for online keys: {rule!r}")
    for term in terms:
        for column in (term.left, term.right):
            if column not in MentionFeatures.__dataclass_fields__:
                raise ValueError(f"blocking rule {rule!r} names an unknown column {column!r}")
    return tuple(terms)


_RULES: tuple[tuple[_Term, ...], ...] = tuple(_parse(rule) for rule in BLOCKING_RULES)


def _value(features: MentionFeatures, column: str, first_letter: bool) -> str | None:
    value = getattr(features, column)
    if value is None or value == "":
        return None  # SQL: a comparison with NULL is never true
    text = str(value)
    return text[:1] if first_letter else text


def _key(index: int, features: MentionFeatures, terms: tuple[_Term, ...], side: str) -> str | None:
    values = []
    for term in terms:
        value = _value(features, term.left if side == "l" else term.right, term.first_letter)
        if value is None:
            return None
        values.append(value)
    return f"{index}:" + "|".join(values)


def blocking_keys(features: MentionFeatures) -> list[str]:
    """The keys of one mention, sorted and without duplicates."""
    keys: set[str] = set()
    for index, terms in enumerate(_RULES):
        for side in ("l", "r"):
            key = _key(index, features, terms, side)
            if key is not None:
                keys.add(key)
    return sorted(keys)
