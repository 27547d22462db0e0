"""A case's reference: its desk's letters, the year it opened and its number ("Z2026-000075").

Every case is numbered in one series (its primary key), but a reader tells a police screening case, a
Veilig Thuis notification and a ZSM file apart by their letters: a desk registers the letters of its
process (`register_reference_prefix`, from its AppConfig.ready); a process without any is a case, "Z".
A reference once given is never changed: a case opened before its desk registered letters keeps "Z".
"""

from __future__ import annotations

import re
from datetime import datetime

CASE_PREFIX = "Z"
# Letters only, so that a reference never reads as another series' (registrations "PL0600-2026-000012",
# measures "MR2026-000001"): upper case, one to three.
_PREFIX = re.compile(r"[A-Z]{1,3}")
_RESERVED = frozenset({"MR", "PL"})

_PREFIXES: dict[str, str] = {}


def register_reference_prefix(process: str, prefix: str) -> None:
    """Give the cases of `process` the letters `prefix`. Refused (ValueError) for letters that are not
    one to three capitals, that another series uses, or that another process has."""
    if not _PREFIX.fullmatch(prefix) or prefix in _RESERVED:
        raise ValueError(f"reference prefix {prefix!r} of {process!r}: one to three capitals, not MR or PL")
    taken = {other for other, letters in _PREFIXES.items() if letters == prefix and other != process}
    if taken or (prefix == CASE_PREFIX):
        raise ValueError(f"reference prefix {prefix!r} of {process!r} is already used")
    _PREFIXES[process] = prefix


def case_reference(process: str, opened_at: datetime, number: int) -> str:
    """The reference of case `number` of `process`, opened at `opened_at`."""
    return f"{_PREFIXES.get(process, CASE_PREFIX)}{opened_at:%Y}-{number:06d}"
