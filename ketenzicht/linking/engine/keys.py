"""Blocking keys for online candidate retrieval: the batch blocking rules as indexable strings.

The keys are derived from `splink_settings.BLOCKING_RULES` themselves, so the two cannot drift apart: each
rule is a conjunction of `l.<a> = r.<b>` (or `substr(l.<a>, 1, 1) = substr(r.<b>, 1, 1)`); a mention emits
one key from the left-hand columns of a rule and one from the right-hand columns. When a rule holds for a
pair, the left key of one equals the right key of the other, so they share a key; a rule the parser does
not understand fails at import.

A key names the *kind* of each value (`CODES`), not the rule or the column, so that rules share keys:
the columns of one name family (first surname part, last surname key, first given name) have one code.
A rule across two columns of the family (`surname_first = given_first`) then gives the same key on both
sides, and rules that differ only in the family member they use (`surname_first` or `surname_last` with
the birth year) give one key where the values coincide (a surname of one part). Within one code the
values are sorted, so `surname_first = given_first AND given_first = surname_first` is one key too. A key
is `codes:values`, e.g. `n.y:jansen|1985`; a mention has about 14 instead of about 21 keys. Sharing keys
only adds candidates (e.g. one person's last surname key equal to another's first part with the same birth
year), which scoring then sorts out: every pair that a rule joins still shares a key (tests/linking/
test_keys.py). Stored keys change when this scheme does: `manage.py link_persons --rebuild` rewrites them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ketenzicht.linking.engine.mention_features import MentionFeatures
from ketenzicht.linking.engine.splink_settings import BLOCKING_RULES

_PLAIN = re.compile(r"^l\.(\w+) = r\.(\w+)$")
_FIRST = re.compile(r"^substr\(l\.(\w+), 1, 1\) = substr\(r\.(\w+), 1, 1\)$")

# The code of each column in a key. Columns with one code are one family: their values are compared with
# each other. A term `l.a = r.b` needs a and b in one family; a column without a code fails at import.
CODES: dict[str, str] = {
    "bsn_written": "b",
    "surname_first": "n",
    "surname_last": "n",
    "given_first": "n",
    "surname_sound": "s",
    "surname_head": "h",
    "surname_tail": "t",
    "given_full": "g",
    "initials": "i",
    "birth_year": "y",
    "birth_month": "m",
    "birth_day": "d",
    "birth_date": "D",
    "sex": "x",
    "pc6": "p",
    "pc4": "q",
    "house_number": "a",
    "street": "r",
    "city": "c",
    "phone": "f",
}


@dataclass(frozen=True)
class _Term:
    left: str
    right: str
    first_letter: bool

    @property
    def code(self) -> str:
        return CODES[self.left] + ("1" if self.first_letter else "")


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
            if column not in CODES:
                raise ValueError(f"blocking rule {rule!r}: column {column!r} has no key code")
        if CODES[term.left] != CODES[term.right]:
            raise ValueError(f"blocking rule {rule!r}: {term.left} and {term.right} are not one family")
    # Terms in a fixed order of their codes, so that rules with the same codes give the same keys.
    return tuple(sorted(terms, key=lambda t: t.code))


@dataclass(frozen=True)
class _Side:
    """One side of a rule: the columns a mention's key is made of, grouped by code."""

    label: str  # "n.y"
    groups: tuple[tuple[tuple[str, bool], ...], ...]  # per code: (column, first letter) of its terms


def _sides(rules: tuple[str, ...]) -> tuple[_Side, ...]:
    sides: dict[_Side, None] = {}
    for rule in rules:
        terms = _parse(rule)
        codes = list(dict.fromkeys(t.code for t in terms))
        label = ".".join(codes)
        for side in ("l", "r"):
            groups = tuple(
                tuple((t.left if side == "l" else t.right, t.first_letter) for t in terms if t.code == code)
                for code in codes
            )
            sides.setdefault(_Side(label, groups), None)
    return tuple(sides)


_SIDES = _sides(BLOCKING_RULES)


def _key(features: MentionFeatures, side: _Side) -> str | None:
    values: list[str] = []
    for group in side.groups:
        found = []
        for column, first_letter in group:
            value = getattr(features, column)
            if value is None or value == "":
                return None  # SQL: a comparison with NULL is never true
            text = str(value)
            found.append(text[:1] if first_letter else text)
        values.extend(sorted(found) if len(found) > 1 else found)
    return f"{side.label}:" + "|".join(values)


# Refined keys. A key held by more mentions than the cap (KETENZICHT_LINK_MAX_CANDIDATES_PER_KEY,
# batch.blocking.MAX_KEY_MENTIONS) is skipped; for the keys made of names alone ("jansen" + initial "j") that
# would drop the only key two mentions without a birth date share. So each such key is also emitted combined
# with a second field, a rarer key that is counted and capped on its own: `i1.n+q:jansen|j|1234`. The refined
# keys are emitted always (whether a key is common is not known when a mention's keys are stored, and it
# changes as the register grows), online and batch alike; where the plain key is under the cap they only
# find candidates it finds already.
_NAME_CODES = {"n", "s", "h", "t", "g", "i", "i1"}
REFINEMENTS: tuple[tuple[str, str, int], ...] = (  # (code, column, minimum length of the value)
    ("i", "initials", 2),  # all initials: "jp" (a second given name); one initial is in the key already
    ("q", "pc4", 1),
    ("c", "city", 1),
)
_REFINED = tuple(side for side in _SIDES if set(side.label.split(".")) <= _NAME_CODES)
# The feature columns the keys are made of: a table of these alone gives every key (`blocking_keys_sql`).
KEY_INPUTS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [column for side in _SIDES for group in side.groups for column, _ in group]
        + [column for _, column, _ in REFINEMENTS]
    )
)


# Candidates share two keys. At a million mentions nine in ten of the mentions one key under the cap
# brings share no second key with the new mention ("jansen" with initial "j" and nothing else in common),
# and almost none of them scores high enough to decide anything (bench/linking/candidate_kinds.py; docs/
# linking.md, "Two keys"). So a pair is a candidate only when the keys under the cap it shares are enough
# (`PairRule`), online and batch alike (settings `KETENZICHT_LINK_MIN_SHARED_KEYS`, `..._RARE_KEY_MENTIONS`).
BSN_KEY_PREFIX = CODES["bsn_written"] + ":"
PHONE_KEY_PREFIX = CODES["phone"] + ":"
# Keys of one number that names about one person: each is enough on its own to compare a pair.
ENOUGH_ALONE_PREFIXES = (BSN_KEY_PREFIX, PHONE_KEY_PREFIX)


@dataclass(frozen=True)
class PairRule:
    """When two mentions that share keys under the cap are a candidate pair: when they share at least
    `minimum` of them, or one that is enough on its own: a BSN or personal phone key (one number the
    person was registered under says more than any two name keys), or a key held by at most `rare`
    mentions (the pair's own two included): comparing the few mentions of a rare key costs little, and in
    a small register (or one with typos in every name, FEBRL) that is where the pairs sharing one key are.
    `minimum` 1: every pair that shares a key."""

    minimum: int = 2
    rare: int = 5

    def weight(self, key: str, count: int) -> int:
        """What one shared key, held by `count` mentions, counts towards `minimum`."""
        return self.minimum if key.startswith(ENOUGH_ALONE_PREFIXES) or count <= self.rare else 1

    def enough(self, shared: Mapping[str, int]) -> bool:
        """Whether a pair that shares these keys (each with the number of mentions holding it) is a
        candidate pair."""
        return sum(self.weight(key, count) for key, count in shared.items()) >= self.minimum

    def weight_sql(self, key: str, count: str) -> str:
        """`weight` as a SQL expression over a key column and a count column (DuckDB and PostgreSQL)."""
        enough_alone = f"{_starts_with_sql(key, ENOUGH_ALONE_PREFIXES)} OR {count} <= {int(self.rare)}"
        return f"CASE WHEN {enough_alone} THEN {int(self.minimum)} ELSE 1 END"

    def pairs_sql(self, held: str, key: str, *, packed: bool = False) -> str:
        """SQL (DuckDB and Spark): the candidate pairs (a, b; a < b) of the mentions in table `held` (n: a
        mention; `key`: a key it holds under the cap; w: the key's `weight_sql`). A key counts `minimum`
        (enough alone) or 1, so with a minimum of 2 or less a pair is a candidate when it shares a key that
        is enough alone, or (minimum 2) a pair of keys that are not, each mention's pairs of common keys
        joined as keys of their own: the (pair, key) rows of the many pairs that share one common key only
        are never listed (half the time at 1,000,000 mentions, bench/README.md, "Keys joined by number").
        Above 2, every (pair, key) row grouped.
        `packed`: each pair as one number, p = a * 2^32 + b (mentions numbered from 0 to below 2^31):
        DuckDB makes the 35 million (pair, key) rows of a million mentions distinct in four fifths of
        the time as one 64-bit column (bench/README.md, "Key rows by kind")."""
        minimum = int(self.minimum)
        pair = "CAST(a AS BIGINT) * 4294967296 + b AS p" if packed else "a, b"
        if minimum > 2:
            return (
                f"SELECT {pair} FROM (SELECT l.n AS a, r.n AS b FROM {held} l JOIN {held} r "
                f"ON r.{key} = l.{key} AND l.n < r.n GROUP BY l.n, r.n HAVING sum(l.w) >= {minimum})"
            )
        found = [
            f"SELECT l.n AS a, r.n AS b FROM {held} l JOIN {held} r "
            f"ON r.{key} = l.{key} AND l.n < r.n AND l.w >= {minimum}"
        ]
        common = ""
        if minimum == 2:
            common = (
                f"WITH combos AS (SELECT x.n, x.{key} AS k1, y.{key} AS k2 FROM {held} x JOIN {held} y "
                f"ON x.n = y.n AND x.{key} < y.{key} AND x.w < 2 AND y.w < 2) "
            )
            found.append(
                "SELECT l.n, r.n FROM combos l JOIN combos r ON r.k1 = l.k1 AND r.k2 = l.k2 AND l.n < r.n"
            )
        return f"{common}SELECT DISTINCT {pair} FROM ({' UNION ALL '.join(found)})"


def _starts_with_sql(key: str, prefixes: tuple[str, ...]) -> str:
    """SQL (DuckDB, PostgreSQL, SQLite): the key column `key` starts with one of `prefixes`
    (`str.startswith`)."""
    return " OR ".join(f"substr({key}, 1, {len(p)}) = '{p}'" for p in prefixes)


# A BSN key is one person's (a valid BSN names one citizen; a personal phone number about one), so a BSN
# (or phone) key held by more mentions than the cap is not "common": it is a person registered very often,
# the suspect of a stalking case with a report every week. Skipping it (and his name and date keys, over
# the cap for the same reason) made each next registration of him a new person. Two more kinds of key
# name a handful of people at most, so that held by more than the cap they too are a person registered
# very often:
# - a whole date of birth with a name or a place (`D.n`, `D.i1`, `D.h`, `D.c`: "1985-03-02" with "jan",
#   "j", "jansen" or Utrecht): at a million persons some forty share a date of birth, one or two of them
#   its initial;
# - a name with a postcode area (the refined `...+q` keys: "jansen" + "j" + 5616): a PC4 area has some ten
#   thousand inhabitants, so even a common surname with an initial is a few people there.
# They find him by his date of birth or his home when his registration has no BSN. All three kinds are
# capped at PERSON_KEY_CAP_FACTOR times the cap, online and batch alike; past that (a thousand mentions at
# the default cap) they are skipped too. A name alone, or with a place or a birth year, is not one of them.
PERSON_KEY_CAP_FACTOR = 10
_DATE_KEY_PREFIX = CODES["birth_date"] + "."  # the codes of a label are sorted: "D" comes first
_NAME_AREA_KEY_PREFIXES = tuple(
    dict.fromkeys(
        f"{side.label}+{code}:" for code, column, _ in REFINEMENTS if column == "pc4" for side in _REFINED
    )
)
_PERSON_KEY_PREFIXES = (*ENOUGH_ALONE_PREFIXES, _DATE_KEY_PREFIX, *_NAME_AREA_KEY_PREFIXES)
if any(side.label.startswith(_DATE_KEY_PREFIX) != ("D" in side.label.split(".")) for side in _SIDES):
    raise ValueError("a key with a whole date of birth must combine it with another field")  # at import


def key_cap(key: str, cap: int) -> int:
    """The most mentions a key may be held by and still be looked up (the cap; for a key that names
    about one person, a BSN, a date of birth with a name or place, or a name with a postcode area, more)."""
    return cap * PERSON_KEY_CAP_FACTOR if key.startswith(_PERSON_KEY_PREFIXES) else cap


def key_cap_sql(key: str, cap: int) -> str:
    """`key_cap` as a SQL expression over a key column (DuckDB, PostgreSQL and SQLite)."""
    names_a_person = _starts_with_sql(key, _PERSON_KEY_PREFIXES)
    return f"(CASE WHEN {names_a_person} THEN {int(cap) * PERSON_KEY_CAP_FACTOR} ELSE {int(cap)} END)"


# Stored keys are numbers. The register holds each key (`MentionKey`, and `KeyCount` where kept) as a 64-bit
# integer, not as its text: half the index of text keys, compared as integers rather than by the
# database's collation, so that an import's look-ups and key writes touch half the pages as the register
# grows (bench/README.md, "Keys stored as numbers"). The number is the key's class (two bits: what the
# look-up must know of a key without its text, `key_cap` and `PairRule.weight`) above the first 60 bits of
# the MD5 of its text. Two different keys get one number only when those 60 bits collide: about once in
# fifty registers of 200 million distinct keys (n^2 / 2^61); the two then count as one key, which gives a
# few more candidates to score or a key over the cap, never a link on its own. Python, DuckDB and
# PostgreSQL compute the same number (tests/linking/test_key_counts.py).
KEY_CLASS_SHIFT = 60
KEY_CLASS_ORDINARY, KEY_CLASS_PERSON, KEY_CLASS_ALONE = 0, 1, 2  # `key_cap` higher; also enough alone
_KEY_HASH_HEX = KEY_CLASS_SHIFT // 4  # hex digits of the MD5 taken


def key_class(key: str) -> int:
    """Enough alone (a BSN or phone key, `PairRule.weight`), naming a person (`key_cap` higher), or
    ordinary."""
    if key.startswith(ENOUGH_ALONE_PREFIXES):
        return KEY_CLASS_ALONE
    return KEY_CLASS_PERSON if key.startswith(_PERSON_KEY_PREFIXES) else KEY_CLASS_ORDINARY


# The class of the keys of each label ("n.y", "i1.n+q"), shifted into place, as `key_class` gives it: every
# prefix it tests is a label with its colon ("b:", "i1.n+q:") or the start of a label ("D."), so that keys of
# one label are of one class.
_LABEL_CLASS: dict[str, int] = {}


def key_number(key: str) -> int:
    """The key as the register stores it: its class above the first 60 bits of the MD5 of its text. A
    batch's keys are numbered once (`keys_numbered`), for its look-up and for storing them: no cache here
    (an LRU cache of 65,536 keys, thrashed by the 20,000 distinct keys of each bulk batch, took twice the
    time of the hash itself, bench/README.md)."""
    label, colon, _ = key.partition(":")
    shifted = _LABEL_CLASS.get(label) if colon else None
    if shifted is None:
        shifted = key_class(key) << KEY_CLASS_SHIFT
        if colon:
            _LABEL_CLASS[label] = shifted
    first = int.from_bytes(hashlib.md5(key.encode(), usedforsecurity=False).digest()[:8], "big")
    return shifted | first >> (64 - KEY_CLASS_SHIFT)


def keys_numbered(holders: Iterable[Iterable[str]]) -> list[list[int]]:
    """`key_number` of each key of each collection of keys (a batch's mentions' keys), in their order; a
    key held by several of them numbered once."""
    known: dict[str, int] = {}
    numbered: list[list[int]] = []
    for held in holders:
        its: list[int] = []
        for key in held:
            number = known.get(key)
            if number is None:
                number = known[key] = key_number(key)
            its.append(number)
        numbered.append(its)
    return numbered


def key_number_sql(key: str, dialect: str = "duckdb") -> str:
    """`key_number` as an expression over a key column of text (`dialect` "duckdb" or "postgresql")."""
    cases = (
        (KEY_CLASS_ALONE, ENOUGH_ALONE_PREFIXES),
        (KEY_CLASS_PERSON, _PERSON_KEY_PREFIXES),
    )
    klass = " ".join(f"WHEN {_starts_with_sql(key, prefixes)} THEN {number}" for number, prefixes in cases)
    hexdigits = f"substr(md5({key}), 1, {_KEY_HASH_HEX})"
    if dialect == "postgresql":
        hashed = f"CAST(CAST('x' || {hexdigits} AS bit({KEY_CLASS_SHIFT})) AS bigint)"
    elif dialect == "duckdb":
        hashed = f"CAST('0x' || {hexdigits} AS BIGINT)"
    else:
        raise ValueError(f"no key numbers in SQL for {dialect!r}")
    return f"((CAST(CASE {klass} ELSE 0 END AS BIGINT) << {KEY_CLASS_SHIFT}) | {hashed})"


def stored_key_cap_sql(number: str, cap: int) -> str:
    """`key_cap` as a SQL expression over a stored key's number (PostgreSQL and SQLite)."""
    person = KEY_CLASS_PERSON << KEY_CLASS_SHIFT
    return f"(CASE WHEN {number} >= {person} THEN {int(cap) * PERSON_KEY_CAP_FACTOR} ELSE {int(cap)} END)"


def stored_weight_sql(rule: PairRule, number: str, count: str) -> str:
    """`rule.weight` as a SQL expression over a stored key's number and a count (PostgreSQL and SQLite)."""
    alone = KEY_CLASS_ALONE << KEY_CLASS_SHIFT
    enough = f"{number} >= {alone} OR {count} <= {int(rule.rare)}"
    return f"CASE WHEN {enough} THEN {int(rule.minimum)} ELSE 1 END"


DEFAULT_PAIR_RULE = PairRule()
EVERY_SHARED_KEY = PairRule(minimum=1, rare=0)


def blocking_keys(features: MentionFeatures) -> list[str]:
    """The keys of one mention, sorted and without duplicates (with the refined keys, see REFINEMENTS)."""
    keys = {key for side in _SIDES if (key := _key(features, side)) is not None}
    extras = [
        (code, str(value))
        for code, column, length in REFINEMENTS
        if (value := getattr(features, column)) is not None and len(str(value)) >= length
    ]
    if extras:
        for side in _REFINED:
            if (key := _key(features, side)) is not None:
                label, values = key.split(":", 1)
                keys.update(f"{label}+{code}:{values}|{value}" for code, value in extras)
    return sorted(keys)


# The same keys as SQL (DuckDB), for the batch: a rebuild of a million mentions builds its keys in the
# database rather than mention by mention in Python. `blocking_keys_sql(types)` is an expression over the
# columns of a table of features giving the list of `blocking_keys` (sorted, without duplicates); tests/
# linking/test_keys.py holds the two against each other. `types` names each column's SQL type: integers are
# written as Python's str() writes them, text is compared as is ("" counts as missing, as above).


def _text_sql(column: str, integer: bool) -> str:
    return f"CAST({column} AS VARCHAR)" if integer else column


def _present_sql(column: str, integer: bool) -> str:
    return f"{column} IS NOT NULL" if integer else f"({column} IS NOT NULL AND {column} <> '')"


def _side_values(side: _Side, integers: frozenset[str]) -> tuple[str, list[list[str]]]:
    """(the condition under which the side has a key, the SQL values of each group of the key)."""
    present: list[str] = []
    groups: list[list[str]] = []
    for group in side.groups:
        values = []
        for column, first_letter in group:
            integer = column in integers
            present.append(_present_sql(column, integer))
            text = _text_sql(column, integer)
            values.append(f"substr({text}, 1, 1)" if first_letter else text)
        groups.append(values)
    return " AND ".join(dict.fromkeys(present)), groups


def _group_sql(values: list[str]) -> str:
    """One group's value: its column, or the sorted list of its columns (one code, any order)."""
    return f"list_sort([{', '.join(values)}])" if len(values) > 1 else values[0]


def _side_sql(side: _Side, integers: frozenset[str]) -> tuple[str, str]:
    """(the condition under which the side has a key, the key's values joined by "|")."""
    condition, groups = _side_values(side, integers)
    pieces = [f"array_to_string({_group_sql(v)}, '|')" if len(v) > 1 else v[0] for v in groups]
    return condition, " || '|' || ".join(pieces)


def blocking_keys_sql(integers: frozenset[str] | set[str] = frozenset(), *, ordered: bool = True) -> str:
    """A DuckDB expression: the list `blocking_keys` gives, from the feature columns of one row; the
    columns in `integers` are integer columns (the others text). `ordered=False`: the same keys in no
    particular order (cheaper, for a table of keys, where the order is lost anyway)."""
    integers = frozenset(integers)
    keys: list[str] = []
    for side in _SIDES:
        condition, values = _side_sql(side, integers)
        keys.append(f"CASE WHEN {condition} THEN '{side.label}:' || {values} END")
    for side in _REFINED:
        condition, values = _side_sql(side, integers)
        for code, column, length in REFINEMENTS:
            integer = column in integers
            text = _text_sql(column, integer)
            keys.append(
                f"CASE WHEN {condition} AND {column} IS NOT NULL AND length({text}) >= {length} "
                f"THEN '{side.label}+{code}:' || {values} || '|' || {text} END"
            )
    listed = ",\n ".join(keys)
    distinct = f"list_distinct(list_filter([{listed}], lambda k: k IS NOT NULL))"
    return f"list_sort({distinct})" if ordered else distinct


# How the keys are numbered (`key_number`), in a fingerprint's last part: a change of the classes or of the
# hash's width changes every mention's fingerprint, so that the next rebuild writes the keys anew. Change
# the word "md5" here when the hash changes.
KEY_NUMBERING = (
    f"md5>>{64 - KEY_CLASS_SHIFT}|{KEY_CLASS_ALONE}:{','.join(ENOUGH_ALONE_PREFIXES)}"
    f"|{KEY_CLASS_PERSON}:{','.join(_PERSON_KEY_PREFIXES)}"
)
if "'" in KEY_NUMBERING:
    raise ValueError("KEY_NUMBERING goes into SQL as a string literal")  # at import


def keys_digest(keys: list[str]) -> str:
    """A fingerprint of one mention's keys (`blocking_keys`, sorted) as the register stores them: the MD5
    of the keys joined by U+001F, then U+001E and how they are numbered (`KEY_NUMBERING`), stored with the
    mention's features, so that a rebuild rewrites only the mentions whose stored keys changed (a new key
    scheme or numbering changes the fingerprint even where the features did not). One MD5 per mention: a
    rebuild computes it for every mention (in DuckDB, `keys_digest_sql`; tests/linking/test_keys.py holds
    the two against each other)."""
    text = "\x1f".join(keys) + "\x1e" + KEY_NUMBERING
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def keys_digest_sql(integers: frozenset[str] | set[str] = frozenset()) -> str:
    """A DuckDB expression: `keys_digest` of the row's `blocking_keys`."""
    return f"md5(array_to_string({blocking_keys_sql(integers)}, chr(31)) || chr(30) || '{KEY_NUMBERING}')"


# The labels of the keys (`codes` of `codes:values`, a refined key's with `+code`), numbered: the kind of a
# hashed key (`blocking_key_hash_rows_sql`).
KEY_LABELS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [side.label for side in _SIDES]
        + [f"{side.label}+{code}" for side in _REFINED for code, _, _ in REFINEMENTS]
    )
)


def blocking_key_hash_rows_sql(
    table: str, mention: str, integers: frozenset[str] | set[str] = frozenset()
) -> str:
    """A DuckDB query over `table`: one row (n: the row's `mention` column, kind, h) for each of the keys
    `blocking_keys_sql` gives the row, each as its label's number in KEY_LABELS (`kind`, UTINYINT) and a
    64-bit hash of its values (`h`), without writing the key out. Two equal keys give the same (kind, h);
    two different keys the same only when the hashes of their values collide, about once in a thousand
    rebuilds of 30 million mentions with 15 keys each (n^2 / 2^65 for n distinct keys of one kind), and
    then the two keys count as one: a few more pairs to score, or a key over the cap. For the batch, where
    the keys are counted, capped and joined many million times and a key as text cost twice the time
    (bench/README.md, "The rebuild's time by stage").

    One SELECT per side of a key, all of them together (UNION ALL): a list of every row's keys, filtered
    and made distinct, then unnested, took twice the time (3.3 s against 1.5 s at a million mentions;
    bench/README.md, "Key rows by kind"). Sides of one label (the two sides of the swapped names, a surname's
    first and last part) can give a row the same key; a later side's key is left out where an earlier side
    of its label gave the same, as the list's distinct did."""
    integers = frozenset(integers)
    kind = {label: number for number, label in enumerate(KEY_LABELS)}
    by_kind: dict[int, list[tuple[str, str]]] = {}  # kind -> (condition, hash) of each of its sides
    for side in _SIDES:
        condition, groups = _side_values(side, integers)
        pieces = ", ".join(_group_sql(values) for values in groups)
        by_kind.setdefault(kind[side.label], []).append((condition, f"hash({pieces})"))
    for side in _REFINED:
        condition, groups = _side_values(side, integers)
        pieces = ", ".join(_group_sql(values) for values in groups)
        for code, column, length in REFINEMENTS:
            text = _text_sql(column, column in integers)
            by_kind.setdefault(kind[f"{side.label}+{code}"], []).append(
                (
                    f"{condition} AND {column} IS NOT NULL AND length({text}) >= {length}",
                    f"hash({pieces}, {text})",
                )
            )
    selects = []
    for number, sides in by_kind.items():
        for index, (condition, hashed) in enumerate(sides):
            earlier = "".join(
                f" AND NOT coalesce(({before}) AND {other} = {hashed}, false)"
                for before, other in sides[:index]
            )
            selects.append(
                f"SELECT {mention} AS n, CAST({number} AS UTINYINT) AS kind, {hashed} AS h FROM {table} "
                f"WHERE {condition}{earlier}"
            )
    return "\nUNION ALL ".join(selects)
