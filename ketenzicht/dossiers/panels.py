"""Panels a desk adds to a person's dossier, without the dossier importing the desk (imports point down): a
desk registers a function under one of the dossier's slots (dossiers.views.DOSSIER_SLOTS) in its
AppConfig.ready(); the dossier shows what it returns for the person (None: the slot's own text)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from ketenzicht.persons.models import Person

DossierPanel = Callable[[HttpRequest, Person], SafeString | None]

_PANELS: dict[str, DossierPanel] = {}


def register_dossier_panel(slot: str, panel: DossierPanel) -> None:
    """Fill (or replace the filling of) the dossier's slot `slot` with `panel`."""
    _PANELS[slot] = panel


def dossier_panel(slot: str, request: HttpRequest, person: Person) -> SafeString | None:
    panel = _PANELS.get(slot)
    return panel(request, person) if panel is not None else None
