"""The models of risk screening."""

from __future__ import annotations

from ketenzicht.screening.case_models import ScreeningCase

__all__ = ["ScreeningCase"]
