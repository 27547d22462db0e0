"""What one page reads more than once, read once for that page.

A page's view opens the memo on the objects it loaded for its request (the case it shows, the request's
user) with `page_reads(...)`; a read the page makes from several places asks `once(holder, key, read)`,
which reads on the first ask and answers the same on the next ones while the view's block runs. Without an
open memo (a service, a command, another page) `once` simply reads. The memo lives on those objects only
while the block runs and is dropped after it: nothing is kept across requests or users. Keys on a user are
that user's own reads (e.g. names under the registrations they may see); an access decision (a selector
that refuses) is never memoised here."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_ATTRIBUTE = "_kz_page_reads"


@contextmanager
def page_reads(*holders: Any) -> Iterator[None]:
    """Open a memo on each of `holders` for the block (one already open stays, the outer block owns it)."""
    opened = [h for h in holders if getattr(h, _ATTRIBUTE, None) is None]
    for holder in opened:
        setattr(holder, _ATTRIBUTE, {})
    try:
        yield
    finally:
        for holder in opened:
            setattr(holder, _ATTRIBUTE, None)


def once(holder: Any, key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, remembered under `key` on `holder` while a page's memo is open on it; else read each time."""
    memo: dict[Hashable, Any] | None = getattr(holder, _ATTRIBUTE, None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    found: T = memo[key]
    return found
