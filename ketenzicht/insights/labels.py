"""The figures' sections as the page and the export show them: which figure, which parts in which order,
in words (English msgids, Dutch in the catalog)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ketenzicht.measures.models import BreachKind, MeasureKind

AREA_KINDS: tuple[tuple[str, Promise], ...] = (
    ("national", _("the Netherlands")),
    ("police_unit", _("police unit")),
    ("vt_region", _("Veilig Thuis region")),
    ("district_office", _("district office")),
)
COMPARE_KINDS = AREA_KINDS[1:]
BY_CHOICES: tuple[tuple[str, Promise], ...] = (
    ("week", _("per week")),
    ("month", _("per month")),
    ("year", _("per year")),
)
TIMELINESS = ("in_time", "late", "overdue_now", "waiting")
TIMELINESS_LABELS = {
    "in_time": _("in time"),
    "late": _("late"),
    "overdue_now": _("overdue now"),
    "waiting": _("within the term"),
    "closed_unscreened": _("closed without screening"),
    "taken_over": _("taken over by a new notification"),
}
RADAR_GROUPS = (
    ("first", _("first notification")),
    ("re", _("re-notification")),
    ("during", _("during involvement")),
)
URGENCIES = (
    ("acute", _("acute")),
    ("high", _("high")),
    ("normal", _("normal")),
    ("low", _("low")),
    ("none", _("not set yet")),
)


@dataclass(frozen=True)
class Section:
    key: str  # also the figure counted, except for "vt_notifications" (parts summed over radar groups)
    title: Promise
    explanation: Promise
    parts: tuple[tuple[str, Promise], ...]
    stacked: bool = True  # the parts add up to a whole (False: persons, counted once per part)
    median: tuple[str, Promise] | None = None  # (part whose median is shown, what the median measures)
    # Parts counted per group as "group:part" (urgency, radar group): the chart sums the groups, a table
    # per group beside it: (its caption, the group column's head, the groups).
    groups: tuple[Promise, Promise, tuple[tuple[str, Promise], ...]] | None = None


SECTIONS: tuple[Section, ...] = (
    Section(
        "registrations",
        _("Domestic violence and stalking registrations"),
        _(
            "Registrations of every source on the day they were registered: domestic violence is an offence "
            "of the domestic-violence list between persons of the domestic circle; stalking is art. 285b Sr."
        ),
        (("dv_only", _("domestic violence (without stalking)")), ("stalking", _("stalking (art. 285b Sr)"))),
    ),
    Section(
        "stalking_signals",
        _("Stalking seen by the pattern signals"),
        _(
            "Possible-stalking signals on the day they first fired: before the pair's first art. 285b "
            "registration (with the lead time), without any, or after one."
        ),
        (
            ("before", _("before art. 285b")),
            ("without", _("without art. 285b")),
            ("after", _("after art. 285b")),
        ),
        median=("before", _("median lead time in days")),
    ),
    Section(
        "screening_timeliness",
        _("Police screening: cases opened and screened within the deadline"),
        _(
            "Screening cases on the day they opened: screened before any deadline passed, screened late, "
            "overdue now, still within the deadline, or closed without a screening."
        ),
        tuple((code, TIMELINESS_LABELS[code]) for code in (*TIMELINESS, "closed_unscreened")),
        groups=(_("Per urgency"), _("urgency"), URGENCIES),
    ),
    Section(
        "vt_notifications",
        _("Veilig Thuis: notifications assessed within the term"),
        _(
            "Notifications on the day they were received, at the region that assessed them: assessed within "
            "the term, late, overdue now or still within it, or taken over by a new notification when the "
            "police handed the registration over again after the term (the new one carries the term); per "
            "radar group in the table."
        ),
        tuple((code, TIMELINESS_LABELS[code]) for code in (*TIMELINESS, "taken_over")),
        groups=(_("Per radar group"), _("radar group"), RADAR_GROUPS),
    ),
    Section(
        "zsm_decided",
        _("ZSM table: decisions per route, and the time to decide"),
        _(
            "Decisions on the day they were taken, per route: settled at the ZSM table, regular route, "
            "Zorg- en Veiligheidshuis; with the median hours from receipt of the file to the decision."
        ),
        (
            ("zsm", _("settled at the ZSM table")),
            ("regular", _("regular route")),
            ("zvh", _("Zorg- en Veiligheidshuis")),
            ("undetermined", _("route not recorded")),
        ),
        median=("all", _("median hours to a decision")),
    ),
    Section(
        "measures",
        _("Protective measures imposed"),
        _("Measures on their first day, per kind."),
        tuple((code, label) for code, label in MeasureKind.choices),
    ),
    Section(
        "breaches",
        _("Breaches of protective measures"),
        _("Breaches on the day they happened, per kind."),
        tuple((code, label) for code, label in BreachKind.choices),
    ),
    Section(
        "persons",
        _("Repeat victims and serial suspects"),
        _(
            "Persons, each counted once per period and area: victims of a DV or stalking registration who "
            "were so before; suspects of such registrations against two or more victims."
        ),
        (("repeat_victims", _("repeat victims")), ("serial_suspects", _("serial suspects"))),
        stacked=False,
    ),
)
