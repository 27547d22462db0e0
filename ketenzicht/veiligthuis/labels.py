"""What the Veilig Thuis desk shows for its codes."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .engine.radar import RadarClass
from .models import Origin
from .rules import chain_rules

RADAR_LABELS = {
    RadarClass.FIRST: _("First notification"),
    RadarClass.RE_ONE: _("Re-notification: one person known"),
    RadarClass.RE_SEVERAL: _("Re-notification: several persons known"),
    RadarClass.DURING_ASSESSMENT: _("During involvement: during the safety assessment"),
    RadarClass.DURING_INVESTIGATION: _("During involvement: during an investigation"),
    RadarClass.DURING_MONITORING: _("During involvement: during monitoring"),
}
RADAR_GROUPS = {
    "first": _("First notification"),
    "re": _("Re-notification"),
    "during": _("During involvement"),
}
RADAR_BADGES = {"first": "", "re": "utrecht-status-badge--warning", "during": "utrecht-status-badge--danger"}
ORIGIN_LABELS = dict(Origin.choices)


def radar_label(code: str) -> str:
    try:
        return str(RADAR_LABELS[RadarClass(code)])
    except ValueError:
        return code


def radar_group(code: str) -> str:
    try:
        return RadarClass(code).group
    except ValueError:
        return ""


def reason_label(code: str) -> str:
    """A routing reason in the page's language (the rule file's own words); its code when the rules lack
    it."""
    reason = chain_rules().reason(code)
    if reason is None:
        return code
    return reason.label.en if (get_language() or "nl").startswith("en") else reason.label.nl
