"""Normalisation of Dutch person mentions into flat, typed comparison features.

All the hard name work happens here, once per mention: the comparisons only test equality, list overlap,
integer comparisons and Levenshtein distances on the columns of `MentionFeatures`. See docs/linking.md.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import traceback
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise
from multiprocessing.connection import Connection
from typing import Any, overload

import numpy as np
import phonenumbers
from stdnum.nl import bsn as stdnum_bsn

from ketenzicht.linking.engine.phonetic import dutch_phonetic

# Letters that Unicode does not decompose into a base letter plus a combining mark.
_SPECIAL = str.maketrans(
    {
        "ı": "i",
        "İ": "I",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
    }
)

# Words that, before a surname, are a surname prefix (tussenvoegsel). Lower case, without punctuation
# except the apostrophe of 't / 's / d'.
PREFIX_WORDS = frozenset(
    {
        "van",
        "de",
        "der",
        "den",
        "het",
        "'t",
        "t",
        "'s",
        "te",
        "ter",
        "ten",
        "in",
        "op",
        "aan",
        "bij",
        "onder",
        "over",
        "uit",
        "voor",
        "la",
        "le",
        "les",
        "du",
        "des",
        "d'",
        "di",
        "da",
        "dos",
        "von",
        "vom",
        "zu",
        "v",
        "vd",
        "v/d",
    }
)

# Glued prefixes ("Vanderberg", "Devries") recognised at the start of a one-word surname, longest first,
# each with the shortest remainder that still yields an extra key.
GLUED_PREFIXES: tuple[tuple[str, int], ...] = (
    ("vander", 3),
    ("vanden", 3),
    ("vande", 3),
    ("van", 2),
    ("ter", 4),
    ("ten", 4),
    ("den", 4),
    ("der", 4),
    ("de", 3),
    ("int", 4),
    ("opde", 4),
    ("op", 4),
)

# Arabic articles: kept as part of the surname ("El Amrani" -> "elamrani"), plus an extra key without it.
ARTICLES = frozenset({"el", "al"})

_WORD = re.compile(r"[a-z0-9']+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DIGITS = re.compile(r"\d+")
_PARENTHESES = re.compile(r"\(([^)]*)\)?")
_BIRTH_NAME_MARKERS = frozenset({"geb", "geboren", "ev", "echtg", "wed"})
_GENERATION = re.compile(r"\b(?:jr|sr|junior|senior)\b\.?")
_POSTCODE = re.compile(r"^(\d{4})\s*([A-Za-z]{2})?$")
_ABBREVIATED = re.compile(r"\bv\s*[./]\s*d(?:\s*\.|(?=\s|$))")


def fold(text: str) -> str:
    """Lower case, without diacritics, special letters spelled out, dashes and quotes unified."""
    if text.isascii():  # no diacritics to take off (NFKD leaves ASCII as it is): most names
        return text.translate(_SPECIAL).lower()
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_SPECIAL).lower()


def unify_ij(text: str) -> str:
    """`ij` and `y` are one letter in Dutch names: always write `y`."""
    return text.replace("ij", "y")


def _split_camel(text: str) -> str:
    """`VanDerBerg` -> `Van Der Berg` when the left-hand piece is a prefix word (never `McDonald`)."""
    pieces = _CAMEL.split(text)
    if len(pieces) < 2:
        return text
    out = pieces[0]
    for piece in pieces[1:]:
        last = re.split(r"[\s\-,]", out)[-1].lower()
        out += (" " if last in PREFIX_WORDS else "") + piece
    return out


def _words(text: str) -> list[str]:
    """Lower-case words of a folded text; `v.d.`/`vd`/`v/d` become one `vd` word, `d'Ancona` two words."""
    text = _ABBREVIATED.sub(" vd ", text)
    text = re.sub(r"\bv\.(?=\s|$)", " v ", text)
    words: list[str] = []
    for raw in _WORD.findall(text.replace("/", " ").replace(".", " ")):
        if raw.startswith("d'") and len(raw) > 2:
            words.extend(["d'", raw[2:]])
        elif raw in PREFIX_WORDS:
            words.append(raw)
        else:
            stripped = raw.replace("'", "")
            if stripped:
                words.append(stripped)
    return words


def _join(words: Iterable[str]) -> str:
    return unify_ij("".join(words))


@dataclass(frozen=True)
class SurnameParts:
    prefix: str  # the prefix of the first part, words joined by a space ("van der"), or ""
    parts: tuple[str, ...]  # each part without its prefix, spaces removed, ij -> y
    keys: tuple[str, ...]  # the parts plus extra keys (glued prefix removed, article removed)


def _strip_prefix(words: list[str]) -> tuple[list[str], list[str]]:
    """Split leading (and, failing that, trailing) prefix words off; never leave nothing."""
    lead: list[str] = []
    rest = list(words)
    while len(rest) > 1 and rest[0] in PREFIX_WORDS:
        lead.append(rest.pop(0))
    if not lead:
        trail: list[str] = []
        while len(rest) > 1 and rest[-1] in PREFIX_WORDS:
            trail.insert(0, rest.pop())
        lead = trail
    return lead, rest


def _extra_keys(words: list[str], part: str) -> list[str]:
    keys: list[str] = []
    if len(words) == 1:
        for glued, minimum in GLUED_PREFIXES:
            if part.startswith(glued) and len(part) - len(glued) >= minimum:
                keys.append(part[len(glued) :])
                break
    if len(words) > 1 and words[0] in ARTICLES:
        keys.append(_join(words[1:]))
    return keys


# Names, dates, BSNs and addresses repeat a great deal in a register: the pure functions below are
# memoised (their results are immutable), which makes normalising a million mentions several times faster.
_NAME_CACHE = 1 << 17


@lru_cache(maxsize=_NAME_CACHE)
def normalise_surname(surname: str, prefix: str = "") -> SurnameParts:
    """Split a surname as written into its prefix, its parts (double and married names) and keys."""
    text = _split_camel(surname.strip())
    prefix_text = _split_camel(prefix.strip())
    text = fold(text)
    prefix_text = fold(prefix_text)
    # "de Vries (geb. Bakker)": the name in parentheses (a birth name) becomes an extra key.
    bracketed = [
        _join(_strip_prefix(words)[1])
        for words in (
            [w for w in _words(inner) if w not in _BIRTH_NAME_MARKERS] for inner in _PARENTHESES.findall(text)
        )
        if words
    ]
    text = _PARENTHESES.sub(" ", text)
    if "," in text:
        # "Berg, van der", "Berg, J.P. van der": the prefix words after the comma are the prefix; other
        # words there are given names or initials written into the surname field, not surname.
        main, _, after = text.partition(",")
        after_words = [w for w in _words(after) if w in PREFIX_WORDS and w not in ("v",)]
        prefix_text = (prefix_text + " " + " ".join(after_words)).strip()
        text = main
    without_generation = _GENERATION.sub(" ", text)
    if _words(without_generation):  # "Jansen jr." -> "Jansen", but a surname "Junior" stays
        text = without_generation
    pieces = [p for p in (piece.strip() for piece in text.split("-")) if p]
    # "El-Amrani": an article or a lone prefix word belongs to the next piece.
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        words = _words(piece)
        if words and all(w in PREFIX_WORDS or w in ARTICLES for w in words):
            carry = (carry + " " + piece).strip()
            continue
        merged.append((carry + " " + piece).strip())
        carry = ""
    if carry:
        merged.append(carry)
    first_prefix = " ".join(_words(prefix_text))
    parts: list[str] = []
    keys: list[str] = []
    for index, piece in enumerate(merged):
        words = _words(piece)
        if not words:
            continue
        lead, rest = _strip_prefix(words)
        if index == 0 and lead:
            first_prefix = (first_prefix + " " + " ".join(lead)).strip()
        part = _join(rest)
        parts.append(part)
        keys.append(part)
        keys.extend(_extra_keys(rest, part))
    keys.extend(bracketed)
    unique_keys = tuple(dict.fromkeys(k for k in keys if len(k) >= 2))
    return SurnameParts(prefix=first_prefix, parts=tuple(parts), keys=unique_keys)


@dataclass(frozen=True)
class GivenNames:
    first: str | None  # the first given name written in full, or None (initials only, or missing)
    full: str | None  # all given names in full, space separated, or None when any is an initial
    initials: str | None  # one letter per given name ("jp"), or None when no given names
    names: tuple[str, ...]  # every given name written in full


def _is_initial_block(raw: str) -> bool:
    """`JP`, `J.P.` written without dots: upper case, at most three letters, no vowel."""
    return raw.isupper() and len(raw) <= 3 and not re.search(r"[AEIOUY]", raw)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_given_names(given_names: str) -> GivenNames:
    """A name in parentheses (the roepnaam: "Johannes (Jan)") is left out: the official names count."""
    raw_tokens = re.split(r"[\s.\-,]+", _PARENTHESES.sub(" ", given_names.translate(_SPECIAL)).strip())
    letters: list[str] = []
    names: list[str] = []
    first: str | None = None
    all_full = True
    for raw in raw_tokens:
        if not raw:
            continue
        if _is_initial_block(raw) and "." not in raw:
            token_initials = [fold(ch) for ch in raw if ch.isalpha()]
            letters.extend(token_initials)
            all_full = False
            continue
        token = unify_ij(re.sub(r"[^a-z]", "", fold(raw)))
        if not token:
            continue
        if len(token) == 1:
            letters.append(token)
            all_full = False
            continue
        if token in PREFIX_WORDS:  # "van der Berg" written as given names (swapped): not a given name
            continue
        letters.append(token[0])
        names.append(token)
        if first is None and len(letters) == 1:
            first = token
    initials = "".join(letters) or None
    full = " ".join(names) if names and all_full else None
    return GivenNames(first=first, full=full, initials=initials, names=tuple(names))


@dataclass(frozen=True)
class BirthDate:
    year: int | None
    month: int | None
    day: int | None

    @property
    def complete(self) -> str | None:
        if self.year is None or self.month is None or self.day is None:
            return None
        return f"{self.year:04d}{self.month:02d}{self.day:02d}"


@lru_cache(maxsize=_NAME_CACHE)
def normalise_birth_date(value: str | None) -> BirthDate:
    """`YYYY-MM-DD`; `00` is an unknown month or day (and an unknown month makes the day unknown)."""
    if not value:
        return BirthDate(None, None, None)
    numbers = [int(n) for n in _DIGITS.findall(value)]
    if len(numbers) != 3 or not 1800 <= numbers[0] <= 2200:
        return BirthDate(None, None, None)
    year, month, day = numbers
    if not 1 <= month <= 12:
        return BirthDate(year, None, None)
    if not 1 <= day <= 31:
        return BirthDate(year, month, None)
    return BirthDate(year, month, day)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_bsn(value: str | None) -> tuple[str | None, str | None]:
    """(the BSN when it passes the 11-check, else None; the digits as written, or None)."""
    if not value:
        return None, None
    digits = value if value.isdigit() else "".join(ch for ch in value if ch.isdigit())
    if not digits:
        return None, None
    if len(digits) < 9:
        digits = digits.zfill(9)
    if len(digits) != 9:
        return None, digits
    if digits.isascii():  # nine digits as stdnum's `validate` leaves them: its own check of them alone
        valid = digits != "000000000" and stdnum_bsn.checksum(digits) == 0
    else:
        valid = stdnum_bsn.is_valid(digits)
    return digits if valid else None, digits


# A Dutch mobile number as people write it: 06, +31 6 or 0031 6 and eight digits, with spaces, dashes, dots
# or "(0)" between. The common case, read without the phonenumbers library (a million mentions in the batch).
_DUTCH_MOBILE = re.compile(r"^(?:\+31|0031|0)6(\d{8})$")
_PHONE_SEPARATORS = re.compile(r"[\s\-./]|\(0\)")
_PERSONAL_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_phone(value: str | None) -> tuple[str | None]:
    """(a personal phone number in E.164, "+31612345678", or None). Personal: a Dutch number in the 06
    range (the mobile range of the Dutch numbering plan), or a mobile number of another country as the
    phonenumbers library knows its ranges. A landline, a service number, or what is no phone number at all
    says nothing of one person (a household shares its landline) and gives None."""
    if not value:
        return (None,)
    text = _PHONE_SEPARATORS.sub("", value.strip())
    if match := _DUTCH_MOBILE.match(text):
        return (f"+316{match[1]}",)
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return (None,)
    if not phonenumbers.is_possible_number(number):
        return (None,)
    if number.country_code == 31:
        national = str(number.national_number)
        return (f"+31{national}",) if len(national) == 9 and national.startswith("6") else (None,)
    if phonenumbers.number_type(number) in _PERSONAL_TYPES:
        return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),)
    return (None,)


@lru_cache(maxsize=_NAME_CACHE)
def normalise_address(
    postcode: str | None, house_number: str | None
) -> tuple[str | None, str | None, str | None]:
    """(PC6 `1234AB`, PC4 `1234`, house number digits) or None where unknown."""
    pc6 = pc4 = None
    if postcode:
        match = _POSTCODE.match(postcode.strip())
        if match:
            pc4 = match.group(1)
            if match.group(2):
                pc6 = pc4 + match.group(2).upper()
    number = None
    if house_number:
        found = _DIGITS.search(house_number)
        if found:
            number = str(int(found.group(0)))
    return pc6, pc4, number


@lru_cache(maxsize=_NAME_CACHE)
def normalise_place_name(value: str | None) -> str | None:
    """A street or city name as one key: folded, ij -> y, letters and digits only ("'s-Hertogenbosch" ->
    "shertogenbosch", "Van Goghstraat" -> "vangoghstraat")."""
    if not value:
        return None
    key = unify_ij(re.sub(r"[^a-z0-9]", "", fold(value)))
    return key or None


def normalise_sex(value: str | None) -> str | None:
    return value if value in ("M", "F") else None


@dataclass(frozen=True, slots=True)
class MentionFeatures:
    """The comparison columns of one mention. Lists are never None (empty instead). With slots: a rebuild
    holds a million of them (about 300 bytes each instead of 1,700 with a dict per instance)."""

    unique_id: str
    surname: str | None  # the parts joined by a space: "jansen vries"
    surname_first: str | None  # the first part: blocking key
    surname_last: str | None = None  # the last key (last part, or a glued prefix removed): blocking key
    surname_keys: list[str] = field(default_factory=list)
    surname_phonetic: list[str] = field(default_factory=list)
    surname_sound: str | None = None  # sound key of the first part: blocking key
    surname_head: str | None = None  # first three letters of the first part: blocking key
    surname_tail: str | None = None  # last three letters of the first part: blocking key
    surname_prefix: str | None = None
    given_first: str | None = None
    given_full: str | None = None
    initials: str | None = None
    given_count: int | None = None  # given names written in full: 1, or 2 for two or more; None if none
    given_keys: list[str] = field(default_factory=list)  # given names in full and as surname keys
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    birth_date: str | None = None  # YYYYMMDD when complete
    bsn: str | None = None  # valid BSN only
    bsn_written: str | None = None  # the digits as written, valid or not
    pc6: str | None = None
    pc4: str | None = None
    house_number: str | None = None
    street: str | None = None
    city: str | None = None
    sex: str | None = None
    phone: str | None = None  # a personal (mobile) number in E.164, `normalise_phone`
    # How common the first surname part and the first given name are (RARE, MIDDLE, COMMON), from the
    # model's name-frequency table (`NameFrequencies.apply`); None until applied or when there is no name.
    surname_freq: int | None = None
    given_freq: int | None = None

    def as_row(self) -> dict[str, Any]:
        """The fields as a dict (lists copied, so the row never shares a list with the features)."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name in FEATURE_COLUMNS
            for value in (getattr(self, name),)
        }


FEATURE_COLUMNS: tuple[str, ...] = tuple(MentionFeatures.__dataclass_fields__)

RARE, MIDDLE, COMMON = 0, 1, 2
RARE_SHARE = 1e-4  # below this share of all mentions a name is rare (also every name not in the table)
COMMON_SHARE = 1e-3  # from this share on a name is common


@dataclass(frozen=True)
class NameFrequencies:
    """Counts of first surname parts and first given names in the training data, for the frequency
    buckets of the exact-name levels (a simple, reproducible stand-in for term-frequency adjustments).
    Only names at or above the rare share are kept: a name missing from the table is rare."""

    total: int
    surname: Mapping[str, int]
    given: Mapping[str, int]

    @classmethod
    def count(cls, surnames: Iterable[str | None], given_names: Iterable[str | None]) -> NameFrequencies:
        surname_counts: dict[str, int] = {}
        given_counts: dict[str, int] = {}
        total = 0
        for name in surnames:
            total += 1
            if name:
                surname_counts[name] = surname_counts.get(name, 0) + 1
        for name in given_names:
            if name:
                given_counts[name] = given_counts.get(name, 0) + 1
        return cls.from_counts(total, surname_counts, given_counts)

    @classmethod
    def from_counts(
        cls, total: int, surname_counts: Mapping[str, int], given_counts: Mapping[str, int]
    ) -> NameFrequencies:
        """The table of `total` mentions with these counts of each (non-empty) first surname part and first
        given name: the names at or above the rare share, in the order of the names."""
        floor = RARE_SHARE * total
        return cls(
            total=total,
            surname={k: v for k, v in sorted(surname_counts.items()) if v >= floor},
            given={k: v for k, v in sorted(given_counts.items()) if v >= floor},
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameFrequencies:
        return cls(total=int(data["total"]), surname=dict(data["surname"]), given=dict(data["given"]))

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "surname": dict(self.surname), "given": dict(self.given)}

    def bucket(self, counts: Mapping[str, int], name: str | None) -> int | None:
        if name is None:
            return None
        share = counts.get(name, 0) / self.total if self.total else 0.0
        if share >= COMMON_SHARE:
            return COMMON
        if share >= RARE_SHARE:
            return MIDDLE
        return RARE

    def buckets(self, surname_first: str | None, given_first: str | None) -> tuple[int | None, int | None]:
        """The buckets of a mention's first surname part and first given name (`surname_freq`,
        `given_freq`)."""
        return self.bucket(self.surname, surname_first), self.bucket(self.given, given_first)

    def apply(self, features: MentionFeatures) -> MentionFeatures:
        """The features with this table's buckets (the same object when they carry them already)."""
        surname_freq, given_freq = self.buckets(features.surname_first, features.given_first)
        if features.surname_freq == surname_freq and features.given_freq == given_freq:
            return features
        return replace(features, surname_freq=surname_freq, given_freq=given_freq)

    def apply_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """`apply` for features as a row (`MentionFeatures.as_row`): the buckets set in the row itself,
        which is returned."""
        row["surname_freq"], row["given_freq"] = self.buckets(row["surname_first"], row["given_first"])
        return row


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


def normalise_columns(
    unique_ids: Sequence[str],
    columns: Mapping[str, Sequence[str | None]],
    *,
    shared_lists: bool = False,
    arrays: bool = False,
    processes: int = 1,
) -> dict[str, Any]:
    """The features of many mentions as columns (`FEATURE_COLUMNS`, each a list in the order of
    `unique_ids`): for mention i, exactly the values `normalise_mention(unique_ids[i], **{name:
    columns[name][i]})` gives (tests/linking/test_normalise.py holds the two together). `columns` holds
    the keyword arguments of `normalise_mention` (a missing one is None throughout). Group by group
    (`_GROUPS`): each distinct value as written (a surname with its prefix, a postcode with its house
    number, a BSN, ...) is normalised once, and each column is gathered from the distinct values' results
    by numpy, so that a million mentions cost no normalisation and no object each (the batch). The
    memoisation of the normalisations alone held only the last 131,072 values of each kind, fewer than a
    register's distinct BSNs, addresses and phone numbers.
    `shared_lists`: the list columns (surname and given-name keys) hold the normalisation's cached tuple,
    one object for every mention of the same name, instead of a list of each mention's own (three lists
    per mention, some 300 MB at a million mentions); for a holder that makes lists as it hands out a
    mention (`FeatureColumns`).
    `arrays`: each column a numpy array of objects instead of a list (a frame takes the array as it is;
    from a list it would first copy every value into such an array).
    `processes`: 2 normalises the names in a second process (forked) while this one does the rest
    (`_IN_SECOND_PROCESS`); `processes_for` says when that pays."""
    count = len(unique_ids)

    def values(name: str) -> Sequence[str | None]:
        found = columns.get(name)
        if found is None:
            return [None] * count
        if len(found) != count:
            raise ValueError(f"column {name!r} has {len(found)} values for {count} mentions")
        return found

    result: dict[str, Any] = {"unique_id": _objects(unique_ids)}
    inputs = [[values(f) for f in fields] for _, fields, _ in _GROUPS]
    for (names, _, _), (codes, groups) in zip(_GROUPS, _normalised_groups(inputs, processes), strict=True):
        for index, name in enumerate(names):
            column = _gathered([group[index] for group in groups], codes)
            if name in _LIST_COLUMNS and not shared_lists:
                column = np.fromiter(map(list, column), dtype=object, count=count)
            result[name] = column
    for name in FEATURE_COLUMNS:
        result.setdefault(name, np.full(count, None, dtype=object))
    return {name: result[name] if arrays else result[name].tolist() for name in FEATURE_COLUMNS}


# Normalising a million mentions takes about 15 s in one process, half of it the names (surnames and given
# names, each distinct one by one in Python), the other half the BSNs, dates, addresses and phone numbers.
# With two processes the names go to the second (forked: it reads the columns without a copy, and sends
# back only each row's number and the distinct names' results) while the first does the rest.
_IN_SECOND_PROCESS = tuple(
    g for g, (names, _, _) in enumerate(_GROUPS) if names[0] in ("surname", "given_first")
)
_SECOND_PROCESS_FROM = 100_000  # mentions: below, the fork costs more than it saves


def _can_fork() -> bool:
    """Whether this process can fork a second: the machine has the fork start method, and this process
    may have children (a daemonic worker may not)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def processes_for(count: int) -> int:
    """How many processes `normalise_columns` should use for `count` mentions: 2 for a large batch on a
    machine that has a second core, when this process can fork (`_can_fork`), else 1."""
    return 2 if count >= _SECOND_PROCESS_FROM and (os.cpu_count() or 1) > 1 and _can_fork() else 1


Normalised = tuple[np.ndarray, list[tuple[Any, ...]]]


def _normalised(group: int, columns: Sequence[Sequence[str | None]]) -> Normalised:
    """Group `group` of `_GROUPS` over the columns of its fields: each row's number, and the normalisation
    of each distinct row in the order of the numbers."""
    codes, distinct = _distinct(columns)
    normalise = _GROUPS[group][2]
    return codes, [normalise(*written) for written in distinct]


def _normalised_groups(inputs: list[list[Sequence[str | None]]], processes: int) -> list[Normalised]:
    """`_normalised` of every group (`inputs[g]`: the columns of group g's fields), in one process or, with
    `processes` 2 where this process can fork, the groups of `_IN_SECOND_PROCESS` in a second one. When
    the second process dies without an answer (killed, out of memory), its groups are done here; when
    this one fails, the second is stopped."""
    everything = range(len(_GROUPS))
    if processes < 2 or not _can_fork():
        return [_normalised(group, inputs[group]) for group in everything]
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    second = context.Process(target=_send_normalised, args=(sending, receiving, inputs), daemon=True)
    second.start()
    sending.close()
    try:
        done = {g: _normalised(g, inputs[g]) for g in everything if g not in _IN_SECOND_PROCESS}
        try:
            answer = receiving.recv()
        except EOFError:
            answer = [_normalised(g, inputs[g]) for g in _IN_SECOND_PROCESS]
    except BaseException:  # failed here (or interrupted): the second's answer is no longer wanted
        second.kill()
        raise
    finally:
        receiving.close()
        second.join()
    if isinstance(answer, str):
        raise RuntimeError(f"normalising the names in the second process failed:\n{answer}")
    done.update(zip(_IN_SECOND_PROCESS, answer, strict=True))
    return [done[group] for group in everything]


def _send_normalised(
    sending: Connection, receiving: Connection, inputs: list[list[Sequence[str | None]]]
) -> None:
    """The second process: the groups of `_IN_SECOND_PROCESS`, sent back (or the error, as text). It
    closes its copy of the receiving end first: else, with the first process failed and gone from the
    pipe, a large answer would wait for a reader forever."""
    receiving.close()
    try:
        answer: list[Normalised] | str = [_normalised(g, inputs[g]) for g in _IN_SECOND_PROCESS]
    except Exception:
        answer = traceback.format_exc()
    with suppress(BrokenPipeError):  # the first process failed in its own groups and no longer listens
        sending.send(answer)
    sending.close()


def _objects(values: Sequence[Any]) -> np.ndarray:
    """The values as a one-dimensional numpy array of objects (a tuple stays one item)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    return np.fromiter(values, dtype=object, count=len(values))


def _distinct(columns: Sequence[Sequence[str | None]]) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Each row's number (an array, in the order of the rows) and the distinct rows of the columns as
    tuples, in the order of their numbers (first seen first)."""
    numbers: dict[tuple[Any, ...], int] = {}
    codes = np.fromiter(
        (numbers.setdefault(row, len(numbers)) for row in zip(*columns, strict=True)),
        dtype=np.intp,
        count=len(columns[0]),
    )
    return codes, list(numbers)


def _gathered(distinct: list[Any], codes: np.ndarray) -> np.ndarray:
    """The column whose row i is `distinct[codes[i]]`: the very objects (a tuple too), gathered by numpy."""
    held = np.fromiter(distinct, dtype=object, count=len(distinct))  # a tuple stays one item
    gathered: np.ndarray = held[codes]
    return gathered


class FeatureColumns(Sequence[MentionFeatures]):
    """The features of many mentions held as the columns `normalise_columns` gives, in the order of the
    mentions: a MentionFeatures is made only for the mention read (by index, by its unique id with `of`,
    or one at a time when iterating), so that a rebuild of a million mentions holds no object per mention
    (`columns` also makes the batch's frame without one). The unique ids must be integers, ascending (a
    rebuild's mention ids), for `of`. A column is any sequence (a list, or a frame's array: `of_frame`);
    a list column may hold tuples (`normalise_columns(shared_lists=True)`): each mention read gets lists
    of its own, never the column's objects."""

    def __init__(self, columns: Mapping[str, Sequence[Any]]) -> None:
        self.columns = {name: columns[name] for name in FEATURE_COLUMNS}
        self._in_order = tuple(self.columns.values())
        self._lists = tuple(i for i, name in enumerate(FEATURE_COLUMNS) if name in _LIST_COLUMNS)
        self._numbers = [int(u) for u in self.columns["unique_id"]]
        if any(a >= b for a, b in pairwise(self._numbers)):
            raise ValueError("the unique ids of FeatureColumns must be ascending integers")

    @classmethod
    def of_frame(cls, frame: Any) -> FeatureColumns:
        """The columns of a frame of the features (`batch.frame.columns_frame`), its own arrays: no second
        copy of each column beside the frame."""
        return cls({name: frame[name].to_numpy() for name in FEATURE_COLUMNS})

    def _values(self, row: Iterable[Any]) -> list[Any]:
        """One mention's values in the order of FEATURE_COLUMNS, each list column a list of its own."""
        values = list(row)
        for index in self._lists:
            values[index] = list(values[index])
        return values

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> MentionFeatures: ...

    @overload
    def __getitem__(self, index: slice) -> list[MentionFeatures]: ...

    def __getitem__(self, index: int | slice) -> MentionFeatures | list[MentionFeatures]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return MentionFeatures(*self._values(column[index] for column in self._in_order))

    def __iter__(self) -> Iterator[MentionFeatures]:
        for row in zip(*self._in_order, strict=True):
            yield MentionFeatures(*self._values(row))

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each mention's features as a row, as its `MentionFeatures.as_row()` (lists of its own), in
        order, without making the MentionFeatures (a rebuild compares a million with what is stored)."""
        for row in zip(*self._in_order, strict=True):
            yield dict(zip(FEATURE_COLUMNS, self._values(row), strict=True))

    def of(self, unique_id: str) -> MentionFeatures:
        """The features of the mention with this unique id (KeyError when there is none)."""
        number = int(unique_id)
        index = bisect_left(self._numbers, number)
        if index == len(self._numbers) or self._numbers[index] != number:
            raise KeyError(unique_id)
        return self[index]


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
