"""The demo generator's register as linking tests read it."""

from __future__ import annotations

import json
from pathlib import Path


def true_persons(directory: Path) -> dict[str, str]:
    """The true person of each generated mention ("source/reference/ref" -> person), from truth.jsonl."""
    truth: dict[str, str] = {}
    for line in (directory / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if "mention" in entry:
            truth["/".join(entry["mention"])] = entry["person"]
    return truth
