"""Statistical disclosure control for every figure a user can see or export (pure, no Django).

Two rules, applied to the exact counts at the last moment (totals are summed exactly first, then published):

- a count from 1 to 4 is published as "<5" (suppressed); 0 stays 0;
- every other count is rounded to the nearest multiple of 5 (halves up).

Rounding is what protects a suppressed cell against differencing: two filters whose exact counts differ by
1 to 4 (a year against the sum of its shown months, the country against its shown units) are published as
multiples of 5, so their difference is a multiple of 5 too and never tells the suppressed count. Shares are
computed from the published counts, and a median only where at least 5 items stand behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5  # counts below this (and above 0) are suppressed
BASE = 5  # counts from the threshold on are rounded to a multiple of this


@dataclass(frozen=True)
class Shown:
    """A published count: `value` is what may be shown (None when suppressed)."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        """As shown and exported: "<5", or the rounded count."""
        return f"<{THRESHOLD}" if self.value is None else str(self.value)

    def __str__(self) -> str:
        return self.text


def published(exact: int) -> Shown:
    if exact < 0:
        raise ValueError(f"a count cannot be negative: {exact}")
    if exact == 0:
        return Shown(0)
    if exact < THRESHOLD:
        return Shown(None)
    return Shown(BASE * ((exact + BASE // 2) // BASE))


def share(part: Shown, whole: Shown) -> int | None:
    """Whole percent of `part` in `whole`, from the published counts; None where either is suppressed or
    the whole is 0 (a share of a suppressed count would tell it)."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return round(100 * part.value / whole.value)


def median_shown(median: float | None, n: int) -> float | None:
    """A median is shown only where at least THRESHOLD items stand behind it."""
    return median if median is not None and n >= THRESHOLD else None
