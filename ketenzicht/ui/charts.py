"""Bar charts as accessible inline SVG, drawn on the server: per period one bar, stacked from its parts (or
the parts side by side). Every chart has a title and a description, each bar segment a tooltip with its
label and value, and the legend names every colour; the page shows the same figures in a table beside it,
which is what a screen reader reads. A value None is a suppressed count: it is not drawn, and its tooltip
says "<5"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colours with at least 4.5:1 contrast on white, so a bar reads for everyone; never the only cue (legend).
PALETTE = ("#1e6b34", "#a15c00", "#b3261e", "#1d4ed8", "#6b21a8", "#374151", "#0f766e", "#9d174d")
INK = "#111827"


@dataclass(frozen=True)
class Part:
    code: str
    label: str
    colour: str = ""


def bars_svg(
    rows: Sequence[tuple[str, Mapping[str, int | None]]],
    *,
    parts: Sequence[Part],
    title: str,
    description: str,
    chart_id: str,
    stacked: bool = True,
    width: int = 760,
    height: int = 260,
    ticks: Sequence[str] | None = None,
) -> SafeString:
    """`rows`: (period label, {part code: value}) in order; `ticks`: what is written under each bar (by
    default the label's last three characters; the table has it whole)."""
    colours = {p.code: p.colour or PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}
    left, right, top, bottom = 44, 10, 12, 56
    plot_w, plot_h = width - left - right, height - top - bottom

    def total(values: Mapping[str, int | None]) -> int:
        found = [values.get(p.code) or 0 for p in parts]
        return sum(found) if stacked else max(found, default=0)

    highest = max([total(values) for _, values in rows] + [1])
    step = plot_w / max(len(rows), 1)
    bar_w = max(step * 0.7, 2)
    base = top + plot_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="kz-chart" data-testid="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#4b5563"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11" fill="{INK}">{highest}</text>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end" font-size="11" fill="{INK}">0</text>',
    ]
    every = max(1, -(-len(rows) // 16))  # at most 16 labels under the bars
    for index, (label, values) in enumerate(rows):
        x = left + index * step + (step - bar_w) / 2
        y: float = base
        width_each = bar_w / (1 if stacked else max(len(parts), 1))
        for number, part in enumerate(parts):
            value = values.get(part.code)
            shown = "<5" if value is None else str(value)
            tip = f"<title>{escape(label)}: {escape(part.label)} {escape(shown)}</title>"
            if not value:
                continue
            h = plot_h * value / highest
            if stacked:
                y -= h
                out.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{colours[part.code]}">{tip}</rect>'
                )
            else:
                out.append(
                    f'<rect x="{x + number * width_each:.1f}" y="{base - h:.1f}" width="{width_each:.1f}" '
                    f'height="{h:.1f}" fill="{colours[part.code]}">{tip}</rect>'
                )
        if index % every == 0:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
                f'fill="{INK}">{escape(ticks[index] if ticks is not None else label[-3:])}</text>'
            )
    x = left
    for part in parts:
        out.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{colours[part.code]}"/>')
        out.append(
            f'<text x="{x + 16}" y="{height - 12}" font-size="12" fill="{INK}">{escape(part.label)}</text>'
        )
        x += 16 + int(6.5 * len(part.label)) + 18
    out.append("</svg>")
    return mark_safe("".join(out))
