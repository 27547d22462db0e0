"""Normalisation of Dutch person mentions into flat, typed comparison features.

All the hard name work happens once per mention, here and in the modules listed below: the comparisons only
test equality, list overlap, integer comparisons and Levenshtein distances on the columns of
`MentionFeatures`. See docs/linking.md.

This module makes one mention's features (`normalise_mention`, `features_from_exchange`) from the groups of
columns that each cached normalisation gives (`_GROUPS`). The normalisations and the features live beside it:

- `names`: text folded, surnames split into prefix, parts and keys, given names (`normalise_surname`,
  `normalise_given_names`);
- `fields`: the other fields as written: date of birth, BSN, phone, address, place names, sex;
- `mention_features`: the features (`MentionFeatures`, `FEATURE_COLUMNS`) and the name-frequency buckets
  (`NameFrequencies`);
- `columns`: many mentions at once, column by column (`normalise_columns`, the names in a second process
  for a large batch), and their features held as columns (`FeatureColumns`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from ketenzicht.linking.engine.fields import (
    normalise_address,
    normalise_birth_date,
    normalise_bsn,
    normalise_phone,
    normalise_place_name,
    normalise_sex,
)
from ketenzicht.linking.engine.mention_features import FEATURE_COLUMNS, MentionFeatures
from ketenzicht.linking.engine.names import (
    _NAME_CACHE,
    PREFIX_WORDS,
    SurnameParts,
    normalise_given_names,
    normalise_surname,
)
from ketenzicht.linking.engine.phonetic import dutch_phonetic

# The features of a mention come in groups, each from a few fields as written by one cached normalisation
# that gives the group's columns in order: (columns, fields as written, normalisation). `normalise_mention`
# (intake, one mention) and `normalise_columns` (the batch, column by column) both build from this table.
# Names repeat far more than the mentions that carry them, so most mentions cost a few cache look-ups.


@lru_cache(maxsize=_NAME_CACHE)
def _surname_group(surname: str | None, prefix: str | None) -> tuple[Any, ...]:
    names = normalise_surname(surname or "", prefix or "")
    first = names.parts[0] if names.parts else ""
    return (
        " ".join(p for p in names.parts if p) or None,
        first or None,
        names.keys[-1] if names.keys else None,
        names.keys,
        tuple(p for p in dict.fromkeys(dutch_phonetic(k) for k in names.keys) if p),
        dutch_phonetic(first) or None if names.parts else None,
        first[:3] or None,
        first[-3:] or None,
        names.prefix or None,
    )


@lru_cache(maxsize=_NAME_CACHE)
def _given_group(given_names: str | None) -> tuple[Any, ...]:
    given = normalise_given_names(given_names or "")
    as_surname = normalise_surname(given_names) if given_names else SurnameParts("", (), ())
    keys = tuple(dict.fromkeys(k for k in (*given.names, *as_surname.keys) if k not in PREFIX_WORDS))
    return given.first, given.full, given.initials, min(len(given.names), 2) or None, keys


@lru_cache(maxsize=_NAME_CACHE)  # a date's `complete` is worked out once, not for each of its mentions
def _birth_group(value: str | None) -> tuple[Any, ...]:
    birth = normalise_birth_date(value)
    return birth.year, birth.month, birth.day, birth.complete


_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...], Callable[..., tuple[Any, ...]]], ...] = (
    (
        (
            "surname",
            "surname_first",
            "surname_last",
            "surname_keys",
            "surname_phonetic",
            "surname_sound",
            "surname_head",
            "surname_tail",
            "surname_prefix",
        ),
        ("surname", "surname_prefix"),
        _surname_group,
    ),
    (("given_first", "given_full", "initials", "given_count", "given_keys"), ("given_names",), _given_group),
    (("birth_year", "birth_month", "birth_day", "birth_date"), ("birth_date",), _birth_group),
    (("bsn", "bsn_written"), ("bsn",), normalise_bsn),
    (("pc6", "pc4", "house_number"), ("postcode", "house_number"), normalise_address),
    (("street",), ("street",), lambda value: (normalise_place_name(value),)),
    (("city",), ("city",), lambda value: (normalise_place_name(value),)),
    (("sex",), ("sex",), lambda value: (normalise_sex(value),)),
    (("phone",), ("phone",), normalise_phone),
)
# The list columns (a tuple in the cache, a list of its own in every mention's features).
_LIST_COLUMNS = frozenset(
    name for name, spec in MentionFeatures.__dataclass_fields__.items() if spec.default_factory is list
)
# Not normalised from what is written: the id, and the name-frequency buckets (set by NameFrequencies).
_UNWRITTEN_COLUMNS = ("unique_id", "surname_freq", "given_freq")
if sorted(c for columns, _, _ in _GROUPS for c in columns) != sorted(
    set(FEATURE_COLUMNS) - set(_UNWRITTEN_COLUMNS)
):
    raise ValueError("every feature column comes from exactly one group of normalise._GROUPS")  # at import


def normalise_mention(
    unique_id: str,
    *,
    given_names: str | None = None,
    surname_prefix: str | None = None,
    surname: str | None = None,
    birth_date: str | None = None,
    sex: str | None = None,
    bsn: str | None = None,
    postcode: str | None = None,
    house_number: str | None = None,
    street: str | None = None,
    city: str | None = None,
    phone: str | None = None,
) -> MentionFeatures:
    written = {
        "given_names": given_names,
        "surname_prefix": surname_prefix,
        "surname": surname,
        "birth_date": birth_date,
        "sex": sex,
        "bsn": bsn,
        "postcode": postcode,
        "house_number": house_number,
        "street": street,
        "city": city,
        "phone": phone,
    }
    row: dict[str, Any] = {"unique_id": unique_id}
    for columns, fields, normalise in _GROUPS:
        row.update(zip(columns, normalise(*[written[f] for f in fields]), strict=True))
    for name in _LIST_COLUMNS:  # a list of its own, not the cached tuple
        row[name] = list(row[name])
    return MentionFeatures(**row)


def features_from_exchange(person: Mapping[str, Any], unique_id: str) -> MentionFeatures:
    """Features of a person mention in exchange format v1 (a dict as in registrations.jsonl)."""
    address = person.get("address") or {}
    return normalise_mention(
        unique_id,
        given_names=person.get("given_names"),
        surname_prefix=person.get("surname_prefix"),
        surname=person.get("surname"),
        birth_date=person.get("birth_date"),
        sex=person.get("sex"),
        bsn=person.get("bsn"),
        postcode=address.get("postcode"),
        house_number=address.get("house_number"),
        street=address.get("street"),
        city=address.get("city"),
        phone=person.get("phone"),
    )
