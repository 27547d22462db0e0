"""A small Dutch sound key for surnames, computed in Python (DuckDB 2.0 has no soundex or metaphone).

The key folds the spellings that sound alike in Dutch names: `ij`/`ei`/`y`, `dt`/`d`/`t` at the end,
`c`/`k`, `ch`/`g`, `sch`/`s`, `ph`/`f`, `z`/`s`, `v`/`f`, `w`/`v`, `ou`/`au`, doubled letters, `h` after
a consonant. It is a blocking and comparison key, not a pronunciation.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RULES: tuple[tuple[str, str], ...] = (
    (r"[^a-z]", ""),
    (r"uy", "ui"),
    (r"ij|ei|ey|y", "Y"),
    (r"auw|ouw|au|ou", "A"),
    (r"oe", "U"),
    (r"ue|uu", "u"),
    (r"ae|aa", "a"),
    (r"ee", "e"),
    (r"oo", "o"),
    (r"ie", "i"),
    (r"sch", "s"),
    (r"ch", "g"),
    (r"ph", "f"),
    (r"th", "t"),
    (r"qu|kw", "kw"),
    (r"x", "ks"),
    (r"c(?=[ei])", "s"),
    (r"ck|c", "k"),
    (r"dt$|d$", "t"),
    (r"z", "s"),
    (r"v", "f"),
    (r"w", "v"),
    (r"(?<=[bcdfgjklmnpqrstvwxz])h", ""),
    (r"(.)\1+", r"\1"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in _RULES)


@lru_cache(maxsize=1 << 17)
def dutch_phonetic(name: str) -> str:
    """The sound key of a normalised (lower-case, ASCII) name; "" for an empty name."""
    key = name.lower()
    for pattern, replacement in _COMPILED:
        key = pattern.sub(replacement, key)
    return key.lower()
