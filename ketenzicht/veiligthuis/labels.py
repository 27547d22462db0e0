"""What the Veilig Thuis desk shows for its codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .engine.radar import RadarClass
from .models import Origin

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
