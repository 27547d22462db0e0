"""Statistical disclosure control for every figure a user can see or export (pure, no Django).

Two rules, applied to the exact counts at the last moment (totals are summed exactly first, then published):

- a count from 1 to 4 is published as "<5" (suppressed); 0 stays 0;
- every other count is rounded to the nearest multiple of 5 (halves up).

Rounding is what protects a suppressed cell against differencing: two filters whose exact counts differ by
1 to 4 (a year against the sum of its shown months, the country against its shown units) are published as
multiples of 5, so their difference is a multiple of 5 too and never tells the suppressed count.

A share is computed from the exact counts (from the published ones it could be far off: 5 in time of 7 due
is published as 5 of 5, "100%"), and then published by a rule of its own (`share`):

- no share where its part or the rest (the whole minus the part) is a count from 1 to 4: the share would
  tell it (a share of 71% beside a whole of "5" says 2 were not in time); 0 stays a share (0%, 100%);
- the share is rounded to a multiple of 5 percentage points, and a share that is neither 0 nor 100 is shown
  as at least 5 and at most 95: "100%" only when all were, "0%" only when none were. In whole percents a
  share and the rounded counts beside it often tell the exact counts (58% beside "5 of 10" fits only 7 of
  12), which would open the differencing the rounding closes; in steps of 5 that is rare.

A median is shown only where at least 5 items stand behind it.
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


SHARE_BASE = 5  # shares are rounded to a multiple of this many percentage points


def share(part: int, whole: int) -> int | None:
    """The published share, in percent, of `part` in `whole`, both exact counts; None where it cannot be
    shown: the whole is 0, or the part or the rest (whole - part) is a count from 1 to 4. Rounded to a
    multiple of SHARE_BASE; 0 and 100 only when exact."""
    if part < 0 or whole < part:
        raise ValueError(f"a part of {part} in a whole of {whole}")
    rest = whole - part
    if whole == 0 or 0 < part < THRESHOLD or 0 < rest < THRESHOLD:
        return None
    rounded = SHARE_BASE * ((200 * part + SHARE_BASE * whole) // (2 * SHARE_BASE * whole))  # halves up
    if 0 < part < whole:
        rounded = min(max(rounded, SHARE_BASE), 100 - SHARE_BASE)
    return rounded


def median_shown(median: float | None, n: int) -> float | None:
    """A median is shown only where at least THRESHOLD items stand behind it."""
    return median if median is not None and n >= THRESHOLD else None
