"""Text the database can store. PostgreSQL refuses a NUL character in text and JSON; neither PostgreSQL
nor SQLite can encode a lone surrogate (a JSON body may carry one as the escape `\\ud800`)."""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_REASON = "must not contain a NUL character"
SURROGATE_REASON = "must not contain a lone surrogate (invalid Unicode)"


def unstorable(text: str) -> str | None:
    """Why `text` cannot be stored (English, for the API), or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL_REASON if found.group() == "\x00" else SURROGATE_REASON


def storable(value: Any) -> Any:
    """`value` with every NUL and lone surrogate in its strings (nested in dicts and lists too) replaced
    by U+FFFD, so that a log entry can always be written, whatever a caller typed."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value
