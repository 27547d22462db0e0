"""Dutch names as written, normalised: text folded to lower case without diacritics, `ij` as `y` (`fold`,
`unify_ij`); a surname split into its prefix (tussenvoegsel), its parts (double and married names) and
extra keys (a glued prefix or an Arabic article taken off, a birth name in parentheses;
`normalise_surname`); given names as the first, all in full and the initials (`normalise_given_names`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

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
_PARENTHESES = re.compile(r"\(([^)]*)\)?")
_BIRTH_NAME_MARKERS = frozenset({"geb", "geboren", "ev", "echtg", "wed"})
_GENERATION = re.compile(r"\b(?:jr|sr|junior|senior)\b\.?")
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


# Names, dates, BSNs and addresses repeat a great deal in a register: the pure functions below, and those of
# fields.py and normalise.py, are memoised (their results are immutable), which makes normalising a million
# mentions several times faster.
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
