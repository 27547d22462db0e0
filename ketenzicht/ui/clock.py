"""The time in seconds since the epoch, for what expires in a session (an idle login, a stated purpose).

Read it as `clock.now()`, so that a test can move the clock with `monkeypatch.setattr(clock, "now", ...)`.
"""

from __future__ import annotations

import time


def now() -> float:
    return time.time()
