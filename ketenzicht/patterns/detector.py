"""The pattern detector for the current rule file (`KETENZICHT_PATTERN_RULES`, else data/rules.yaml), read
again when the file changes. Below services and labels, which both ask it for rules."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

from .engine.detect import Detector
from .engine.rules import load_rules

RULES_PATH = Path(__file__).resolve().parent / "data" / "rules.yaml"


def rules_path() -> Path:
    return Path(getattr(settings, "KETENZICHT_PATTERN_RULES", "") or RULES_PATH)


@functools.cache
def _detector(path: str, modified: float) -> Detector:
    return Detector(load_rules(Path(path)))


def detector() -> Detector:
    """The detector for the current rule file (read again when the file changes)."""
    path = rules_path()
    return _detector(str(path), path.stat().st_mtime)
