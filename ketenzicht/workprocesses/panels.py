"""Panels a desk adds to the kernel's case page, without the kernel importing the desk (imports point
down): a desk registers a function in its AppConfig.ready(); the case page renders what each returns for
the case (None: nothing to add, e.g. a case of another desk's process)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from .models import Case

CasePanel = Callable[[HttpRequest, Case], SafeString | None]

_PANELS: dict[str, CasePanel] = {}


def register_case_panel(name: str, panel: CasePanel) -> None:
    """Add (or replace) the panel called `name`: shown on every case page it returns HTML for."""
    _PANELS[name] = panel


def case_panels(request: HttpRequest, case: Case) -> list[SafeString]:
    found = (panel(request, case) for panel in _PANELS.values())
    return [html for html in found if html]
