"""Bar charts as accessible inline SVG, drawn on the server: per period one bar, stacked from its parts (or
the parts side by side). Every chart has a title and a description, each bar segment a tooltip with its
label and value, and the legend (wrapped onto as many rows as it needs) names every colour; the page shows
the same figures in a table, which is what a screen reader reads. A value None is a suppressed count (1 to
4): it is drawn as a small hatched block whose tooltip says "<5", so a period with only small counts is not
mistaken for an empty one."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colours with at least 4.5:1 contrast on white, so a bar reads for everyone; never the only cue (legend).
PALETTE = ("#1e6b34", "#a15c00", "#b3261e", "#1d4ed8", "#6b21a8", "#374151", "#0f766e", "#9d174d")
INK = "#111827"
SUPPRESSED = "<5"
LEGEND_ROW = 18  # pixels per legend row
CHAR = 6.5  # pixels per character of a 12px legend label (an estimate; labels are short)


@dataclass(frozen=True)
class Part:
    code: str
    label: str
    colour: str = ""


def _legend(
    parts: Sequence[Part],
    colours: Mapping[str, str],
    width: int,
    left: int,
    suppressed: tuple[str, str] | None,
) -> list[list[tuple[str, str]]]:
    """The legend's entries (label, colour) in rows that fit `width`."""
    entries = [(p.label, colours[p.code]) for p in parts] + ([suppressed] if suppressed else [])
    rows: list[list[tuple[str, str]]] = [[]]
    x = left
    for label, colour in entries:
        need = 16 + int(CHAR * len(label)) + 18
        if rows[-1] and x + need > width:
            rows.append([])
            x = left
        rows[-1].append((label, colour))
        x += need
    return rows


def bars_svg(
    rows: Sequence[tuple[str, Mapping[str, int | None]]],
    *,
    parts: Sequence[Part],
    title: str,
    description: str,
    chart_id: str,
    stacked: bool = True,
    width: int = 760,
    plot_height: int = 200,
    ticks: Sequence[str] | None = None,
    suppressed_label: str = "",
    suppressed_texts: Mapping[tuple[str, str], str] | None = None,
) -> SafeString:
    """`rows`: (period label, {part code: value, None when suppressed}) in order; `ticks`: what is written
    under each bar (by default the label's last three characters; the table has it whole);
    `suppressed_label`: the legend's words for the hatched block (none: no legend entry);
    `suppressed_texts`: (period label, part code) -> what a suppressed block's tip says, if not "<5"."""
    colours = {p.code: p.colour or PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}
    left, right, top = 44, 10, 12
    plot_w = width - left - right
    any_suppressed = any(values.get(p.code, 0) is None for _, values in rows for p in parts)
    hatch = f"url(#{chart_id}-hatch)"
    legend = _legend(
        parts,
        colours,
        width - right,
        left,
        (suppressed_label, hatch) if any_suppressed and suppressed_label else None,
    )
    height = top + plot_height + 24 + LEGEND_ROW * len(legend)

    def shown(value: int | None) -> float:
        return 2.5 if value is None else value  # a suppressed count stands as half of the smallest shown

    def total(values: Mapping[str, int | None]) -> float:
        found = [shown(values.get(p.code, 0)) for p in parts]
        return sum(found) if stacked else max(found, default=0)

    # The scale: at least 5 where a count is suppressed (its block stands for half of that), whole numbers.
    highest = math.ceil(max([total(values) for _, values in rows] + [5 if any_suppressed else 1]))
    step = plot_w / max(len(rows), 1)
    bar_w = max(step * 0.7, 2)
    base = top + plot_height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="kz-chart" data-testid="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#374151" stroke-width="3"/></pattern></defs>',
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
            value = values.get(part.code, 0)
            if value == 0:
                continue
            text = (
                (suppressed_texts or {}).get((label, part.code), SUPPRESSED) if value is None else str(value)
            )
            tip = f"<title>{escape(label)}: {escape(part.label)} {escape(text)}</title>"
            h = max(plot_height * shown(value) / highest, 3.0)
            fill = hatch if value is None else colours[part.code]
            edge = f' stroke="{colours[part.code]}" stroke-width="1.5"' if value is None else ""
            if stacked:
                y -= h
                rect_x, rect_w, rect_y = x, bar_w, y
            else:
                rect_x, rect_w, rect_y = x + number * width_each, width_each, base - h
            out.append(
                f'<rect x="{rect_x:.1f}" y="{rect_y:.1f}" width="{rect_w:.1f}" height="{h:.1f}" '
                f'fill="{fill}"{edge}>{tip}</rect>'
            )
        if index % every == 0:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
                f'fill="{INK}">{escape(ticks[index] if ticks is not None else label[-3:])}</text>'
            )
    y_legend = base + 24
    for row in legend:
        x = left
        for label, colour in row:
            out.append(
                f'<rect x="{x}" y="{y_legend}" width="12" height="12" fill="{colour}" stroke="#374151" '
                'stroke-width="0.5"/>'
            )
            out.append(
                f'<text x="{x + 16}" y="{y_legend + 10}" font-size="12" fill="{INK}">{escape(label)}</text>'
            )
            x += 16 + int(CHAR * len(label)) + 18
        y_legend += LEGEND_ROW
    out.append("</svg>")
    return mark_safe("".join(out))
