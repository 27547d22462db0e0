"""The shipped triage rules (data/triage_rules.yaml), read once."""

from __future__ import annotations

import functools
from pathlib import Path

from .engine.triage import TriageRules, load_triage_rules

PATH = Path(__file__).resolve().parent / "data" / "triage_rules.yaml"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "triage.yaml"


@functools.cache
def triage_rules(path: Path = PATH) -> TriageRules:
    return load_triage_rules(path)
