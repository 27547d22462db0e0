"""Words for the codes of the instrument engine, for pages (English msgids, translated)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .engine.instrument import Level
from .engine.scoring import Override

# The Dutch translations equal the engine's Level.label (a test keeps them equal).
LEVELS = {
    Level.NONE: _("no concerns"),
    Level.STANDARD: _("standard concern"),
    Level.MEDIUM: _("elevated concern"),
    Level.HIGH: _("high concern"),
}

OVERRIDES = {
    Override.NONE: _("as computed"),
    Override.SAME: _("computed level confirmed"),
    Override.RAISED: _("raised by the professional"),
    Override.LOWERED: _("lowered by the professional, to be confirmed by a second person"),
    Override.CHOSEN: _("chosen by the professional"),
}

# A lowered level once the second person answered (OVERRIDES says it waits until then).
LOWERED_CONFIRMED = _("lowered by the professional, confirmed by a second person")
LOWERED_DECLINED = _("the lowering to %(level)s was declined: the computed level counts")
