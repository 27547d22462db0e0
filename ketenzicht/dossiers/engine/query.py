"""Person search without Django: read a search box as people type it, and score a candidate against it.

`parse_query` splits the box into a name, a date of birth (whole or partial), a postcode and a BSN, and
reads the name with the linking engine's normalisation, so that `Berg, van der`, `J. vd Berg` and
`jan vanderberg` all become the surname key `berg`. `score_entry` gives one index entry (one name variant
of one mention) a score from 0 to 100; a person scores as their best entry. See docs/search-and-dossier.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from ketenzicht.linking.engine.fields import normalise_bsn
from ketenzicht.linking.engine.names import ARTICLES, PREFIX_WORDS, normalise_given_names, normalise_surname
from ketenzicht.linking.engine.phonetic import dutch_phonetic

MAX_QUERY_LENGTH = 200

_DATE_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")
_DATE_YMD = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})[-/](\d{4})(?!\d)")
_POSTCODE = re.compile(r"(?<![\w])(\d{4})\s?([A-Za-z]{2})(?![\w])")
_BSN = re.compile(r"(?<!\d)(\d{8,9})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_DIGITS = re.compile(r"\d")


class QueryError(ValueError):
    """The search box cannot be read; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class NameReading:
    """One way to read the name: which words are the surname, which the given names."""

    surname_keys: tuple[str, ...]
    given_first: str | None
    initials: str | None


@dataclass(frozen=True)
class SearchQuery:
    readings: tuple[NameReading, ...]  # the most likely reading first; empty when no name was given
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    pc6: str | None = None
    pc4: str | None = None
    bsn: str | None = None  # a BSN that passes the 11-check

    @property
    def surname_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for r in self.readings for k in r.surname_keys))

    @property
    def phonetic_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for k in self.surname_keys if (p := dutch_phonetic(k))))

    @property
    def initials(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.initials[0] for r in self.readings if r.initials))


def deletion_keys(key: str) -> tuple[str, ...]:
    """`key` and every form of it with one letter left out (keys of three letters or more)."""
    if len(key) < 3:
        return (key,)
    return tuple(dict.fromkeys((key, *(key[:i] + key[i + 1 :] for i in range(len(key))))))


def sound_key(key: str) -> str:
    """The index key that finds surnames sounding like `key` ("~" keeps it apart from spelled keys)."""
    return "~" + (dutch_phonetic(key) or key)


def mask_bsn(text: str) -> str:
    """The search box as it may be logged: every run of eight or more digits hidden."""
    return re.sub(r"\d{8,}", lambda m: "*" * len(m.group(0)), text)


def _is_prefix(word: str) -> bool:
    return word.lower().replace(".", "") in PREFIX_WORDS or word.lower() in PREFIX_WORDS


def _reading(surname: str, given: str) -> NameReading | None:
    parts = normalise_surname(surname)
    if not parts.keys:
        return None
    names = normalise_given_names(given)
    return NameReading(parts.keys, names.first, names.initials)


def _readings(name: str) -> tuple[NameReading, ...]:
    name = " ".join(name.split())
    if not name:
        return ()
    if "," in name:
        # "Berg, van der", "Berg, J. van der", "Berg, Jan": surname first, the rest after the comma.
        surname, _, after = name.partition(",")
        words = after.split()
        prefix = " ".join(w for w in words if _is_prefix(w))
        given = " ".join(w for w in words if not _is_prefix(w))
        before = surname.split()
        if len(before) > 1 and not any(_is_prefix(w) for w in before):
            # "Johannes Pieter Bruijn, de": given names, then the surname with its prefix after the comma.
            given = " ".join([*before[:-1], given]).strip()
            surname = before[-1]
        found = _reading(f"{surname}, {prefix}" if prefix else surname, given)
        return (found,) if found else ()
    words = name.split()
    # The surname starts at the first prefix word or hyphenated word that has a word after it, else it is
    # the last word: "J. vd Berg", "Jan Jansen-de Vries", "jan vanderberg".
    start = len(words) - 1
    for index, word in enumerate(words[:-1]):
        if word.lower() in ARTICLES:  # "El Amrani", "Mohammed el Amrani"
            start = index
            break
        if index > 0 and (_is_prefix(word) or "-" in word.strip("-")):
            start = index
            break
        if index == 0 and len(words) > 1 and _is_prefix(word) and all(_is_prefix(w) for w in words[:-1]):
            start = 0
            break
    readings: list[NameReading] = []
    main = _reading(" ".join(words[start:]), " ".join(words[:start]))
    if main:
        readings.append(main)
    if start == 1 and len(words) == 2 and not _is_prefix(words[0]):
        # Also "Berg Jan": the surname typed first, without a comma.
        swapped = _reading(words[0], " ".join(words[1:]))
        if swapped and swapped != main:
            readings.append(swapped)
    if main and start > 0 and _is_prefix(words[0]) and (main.given_first or main.initials):
        # "van ser Meer": a box that starts with a prefix starts with the surname; the words taken for given
        # names are more likely a mistyped part of it. Also read it without given names.
        readings.append(NameReading(main.surname_keys, None, None))
    return tuple(readings)


def parse_query(text: str) -> SearchQuery:
    """Read a search box. Raises QueryError naming the field `q` when there is nothing to search by."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("q", "at most 200 characters")  # MAX_QUERY_LENGTH
    rest = text
    year = month = day = None
    for pattern, order in ((_DATE_YMD, "ymd"), (_DATE_DMY, "dmy")):
        match = pattern.search(rest)
        if match:
            numbers = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            year, month, day = numbers["y"], numbers["m"], numbers["d"]
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                raise QueryError("q", "the date of birth is not a date")
            rest = rest[: match.start()] + " " + rest[match.end() :]
            break
    pc6 = pc4 = None
    match = _POSTCODE.search(rest)
    if match:
        pc4, pc6 = match.group(1), match.group(1) + match.group(2).upper()
        rest = rest[: match.start()] + " " + rest[match.end() :]
    bsn = None
    match = _BSN.search(rest)
    if match:
        bsn, _written = normalise_bsn(match.group(1))
        if bsn is None:
            raise QueryError("q", "the BSN does not pass the 11-check")
        rest = rest[: match.start()] + " " + rest[match.end() :]
    if year is None:
        match = _MONTH_YEAR.search(rest) or None
        if match and 1 <= int(match.group(1)) <= 12:
            month, year = int(match.group(1)), int(match.group(2))
            rest = rest[: match.start()] + " " + rest[match.end() :]
        else:
            match = _YEAR.search(rest)
            if match:
                year = int(match.group(1))
                rest = rest[: match.start()] + " " + rest[match.end() :]
    if _DIGITS.search(rest):
        raise QueryError("q", "numbers other than a date of birth, a postcode or a BSN are not understood")
    readings = _readings(rest)
    if not readings and bsn is None:
        raise QueryError("q", "type a surname (at least two letters) or a BSN")
    return SearchQuery(readings, year, month, day, pc6, pc4, bsn)


@dataclass(frozen=True)
class Entry:
    """One name variant of one mention, as kept in the search index."""

    surname_key: str
    phonetic: str
    given_first: str
    initials: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    pc6: str
    bsn: str = ""


# How much each part of the query weighs; a part the query leaves out does not count.
WEIGHTS = {"surname": 50.0, "given": 20.0, "birth": 20.0, "postcode": 10.0}


def _surname_similarity(keys: tuple[tuple[str, str], ...], entry: Entry) -> float:
    best = 0.0
    for key, sound in keys:
        similarity = JaroWinkler.similarity(key, entry.surname_key)
        if sound == entry.phonetic:
            similarity = max(similarity, 0.92)
        best = max(best, similarity)
    return best


def _given_similarity(reading: NameReading, entry: Entry) -> float | None:
    if reading.given_first and entry.given_first:
        return JaroWinkler.similarity(reading.given_first, entry.given_first)
    if reading.initials:
        if not entry.initials:
            return 0.5
        # A whole first name typed against only initials known agrees less than the same name written
        # out: "Marloes Zijlmans" is more likely Marloes Zijlmans than any M. Zijlmans.
        written_out = 1.0 if not reading.given_first else 0.85
        if entry.initials.startswith(reading.initials):
            return written_out
        return 0.8 * written_out if entry.initials[0] == reading.initials[0] else 0.0
    return None


def _birth_similarity(query: SearchQuery, entry: Entry) -> float | None:
    if query.birth_year is None:
        return None
    if entry.birth_year is None:
        return 0.4
    if entry.birth_year != query.birth_year:
        return 0.5 if abs(entry.birth_year - query.birth_year) == 1 else 0.0
    for asked, known in ((query.birth_month, entry.birth_month), (query.birth_day, entry.birth_day)):
        if asked is not None and known is not None and asked != known:
            # Day and month swapped, or one digit off: a typing error, weaker evidence.
            return 0.6
    return 1.0


class Scorer:
    """`score_entry` for many entries of one query: each part's similarity is computed once per distinct
    value (a common surname, a birth date, a first name), which is most of the work for thousands of rows.
    """

    def __init__(self, query: SearchQuery):
        self.query = query
        self.readings = query.readings or (NameReading((), None, None),)
        self._keys = tuple(
            tuple((key, dutch_phonetic(key) or key) for key in reading.surname_keys)
            for reading in self.readings
        )
        self._surname: dict[tuple[int, str, str], float] = {}
        self._given: dict[tuple[int, str, str], float | None] = {}
        self._birth: dict[tuple[int | None, int | None, int | None], float | None] = {}

    def surname(self, index: int, entry: Entry) -> float:
        """The surname similarity of reading `index` (0-1), cached per surname key."""
        cache_key = (index, entry.surname_key, entry.phonetic)
        found = self._surname.get(cache_key)
        if found is None:
            found = self._surname[cache_key] = _surname_similarity(self._keys[index], entry)
        return found

    def score(self, entry: Entry) -> float:
        """0-100: the weighted similarity over the parts the query names, best over the name readings."""
        query = self.query
        if query.bsn and entry.bsn == query.bsn:
            return 100.0
        birth_key = (entry.birth_year, entry.birth_month, entry.birth_day)
        if birth_key in self._birth:
            birth = self._birth[birth_key]
        else:
            birth = self._birth[birth_key] = _birth_similarity(query, entry)
        postcode: float | None = None
        if query.pc4:
            postcode = 1.0 if entry.pc6 == query.pc6 else 0.5 if entry.pc6[:4] == query.pc4 else 0.0
        best = 0.0
        for index, reading in enumerate(self.readings):
            total = weight = 0.0
            if reading.surname_keys:
                total += WEIGHTS["surname"] * self.surname(index, entry)
                weight += WEIGHTS["surname"]
            given_key = (index, entry.given_first, entry.initials)
            if given_key in self._given:
                given = self._given[given_key]
            else:
                given = self._given[given_key] = _given_similarity(reading, entry)
            for part, similarity in (("given", given), ("birth", birth), ("postcode", postcode)):
                if similarity is not None:
                    total += WEIGHTS[part] * similarity
                    weight += WEIGHTS[part]
            if weight:
                best = max(best, 100.0 * total / weight)
        if query.bsn and entry.bsn and entry.bsn != query.bsn:
            best *= 0.5  # a different valid BSN: most likely someone else
        return round(best, 2)


def score_entry(query: SearchQuery, entry: Entry) -> float:
    """0-100: the weighted similarity over the parts the query names, best over the name readings."""
    return Scorer(query).score(entry)
