"""The dossier's timeline as an accessible inline SVG: one row per role, one dot per registration,
markers for stalking (art. 285b), a breach of a measure and violence. The page shows the same data as a
table next to it; the SVG has a title and a description."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

ROLE_ROWS = ("suspect", "victim", "other")
ROLE_COLOURS = {"suspect": "#b3261e", "victim": "#1d4ed8", "other": "#4b5563"}  # AA contrast on white
MARKER_COLOUR = "#111827"


@dataclass(frozen=True)
class TimelinePoint:
    when: dt.date
    role: str  # suspect, victim, or any other role (drawn on the "other" row)
    label: str
    stalking: bool = False
    breach: bool = False
    violence: bool = False


def timeline_svg(
    points: Sequence[TimelinePoint],
    *,
    title: str,
    description: str,
    role_labels: Mapping[str, str],
    legend: Mapping[str, str],
    width: int = 760,
) -> SafeString:
    label_w, right_pad, row_h, top = 110, 20, 44, 10
    axis_y = top + row_h * len(ROLE_ROWS)
    height = axis_y + 70
    first = min(p.when for p in points)
    last = max(p.when for p in points)
    start = dt.date(first.year, 1, 1)
    end = dt.date(last.year + 1, 1, 1)
    span = (end - start).days or 1
    chart_w = width - label_w - right_pad

    def x(day: dt.date) -> float:
        return label_w + (day - start).days / span * chart_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="kz-timeline" aria-labelledby="tl-title tl-desc" '
        'data-testid="timeline">',
        f'<title id="tl-title">{escape(title)}</title><desc id="tl-desc">{escape(description)}</desc>',
    ]
    for index, role in enumerate(ROLE_ROWS):
        y = top + index * row_h + row_h / 2
        parts.append(
            f'<text x="0" y="{y + 4:.0f}" font-size="13" fill="{ROLE_COLOURS[role]}">'
            f"{escape(role_labels.get(role, role))}</text>"
            f'<line x1="{label_w}" y1="{y:.0f}" x2="{width - right_pad}" y2="{y:.0f}" stroke="#d1d5db"/>'
        )
    parts.append(
        f'<line x1="{label_w}" y1="{axis_y}" x2="{width - right_pad}" y2="{axis_y}" stroke="#6b7280"/>'
    )
    # A tick at every year's start and at the end; each year's label centred under its own stretch, so the
    # last one stays inside the chart (written after the end tick, it was clipped to "202").
    years = list(range(start.year, end.year))
    step = max(1, len(years) // 10)
    for year in [*years, end.year]:
        tick = x(dt.date(year, 1, 1))
        parts.append(
            f'<line x1="{tick:.1f}" y1="{axis_y}" x2="{tick:.1f}" y2="{axis_y + 5}" stroke="#6b7280"/>'
        )
    for year in years[::-step]:  # counted back from the last year, which always has its label
        middle = (x(dt.date(year, 1, 1)) + x(dt.date(year + 1, 1, 1))) / 2
        parts.append(
            f'<text x="{middle:.1f}" y="{axis_y + 18}" font-size="12" fill="#374151" '
            f'text-anchor="middle" data-year="{year}">{year}</text>'
        )
    for point in points:
        row = point.role if point.role in ROLE_COLOURS else "other"
        cx = x(point.when)
        cy = top + ROLE_ROWS.index(row) * row_h + row_h / 2
        colour = ROLE_COLOURS[row]
        parts.append(f'<g class="kz-timeline__point"><title>{escape(point.label)}</title>')
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{colour}" fill-opacity="0.85"/>')
        if point.stalking:
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="9" fill="none" stroke="{MARKER_COLOUR}" '
                'stroke-width="1.5" data-marker="stalking"/>'
            )
        if point.breach:
            parts.append(
                f'<rect x="{cx - 11:.1f}" y="{cy - 11:.1f}" width="22" height="22" fill="none" '
                f'stroke="{MARKER_COLOUR}" stroke-dasharray="3 2" data-marker="breach"/>'
            )
        if point.violence:
            parts.append(
                f'<path d="M {cx:.1f} {cy - 19:.1f} l 5 8 l -10 0 z" fill="{MARKER_COLOUR}" '
                'data-marker="violence"/>'
            )
        parts.append("</g>")
    # The legend: the markers the points carry (none other), drawn the same way as on the points.
    ly = axis_y + 45
    lx = float(label_w)
    for key, shape in (
        ("stalking", '<circle cx="{x}" cy="{y}" r="7" fill="none" stroke="#111827" stroke-width="1.5"/>'),
        (
            "breach",
            '<rect x="{x0}" y="{y0}" width="14" height="14" fill="none" stroke="#111827" '
            'stroke-dasharray="3 2"/>',
        ),
        ("violence", '<path d="M {x} {y0} l 5 8 l -10 0 z" fill="#111827"/>'),
    ):
        if not any(getattr(point, key) for point in points):
            continue
        parts.append(shape.format(x=f"{lx:.0f}", y=ly, x0=f"{lx - 7:.0f}", y0=ly - 7))
        parts.append(
            f'<text x="{lx + 12:.0f}" y="{ly + 4}" font-size="12" fill="#111827">{escape(legend[key])}</text>'
        )
        lx += 40 + 7 * len(legend[key])
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above
