"""The timeliness chart as an accessible inline SVG: per week one stacked bar of notifications assessed in
time, assessed late and overdue now. The page shows the same figures in a table beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colours with AA contrast on white; the legend names each, so colour is never the only cue.
PARTS = (("in_time", "#1e6b34"), ("late", "#a15c00"), ("overdue_now", "#b3261e"), ("waiting", "#1d4ed8"))


def weekly_bars_svg(
    weeks: Sequence[tuple[str, Mapping[str, int]]],
    *,
    title: str,
    description: str,
    legend: Mapping[str, str],
    width: int = 760,
    height: int = 260,
) -> SafeString:
    """`weeks`: (label, {part: count}) oldest first; `legend`: part -> its name."""
    left, right, top, bottom = 40, 10, 30, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([sum(parts.get(p, 0) for p, _ in PARTS) for _, parts in weeks] + [1])
    step = plot_w / max(len(weeks), 1)
    bar_w = max(step * 0.7, 2)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="kz-tl-title kz-tl-desc" class="kz-chart" data-testid="timeliness-chart">',
        f'<title id="kz-tl-title">{escape(title)}</title><desc id="kz-tl-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#4b5563"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" fill="#111827">'
        f"{highest}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11" fill="#111827">0</text>',
    ]
    for index, (label, parts) in enumerate(weeks):
        x = left + index * step + (step - bar_w) / 2
        y: float = top + plot_h
        for part, colour in PARTS:
            count = parts.get(part, 0)
            if not count:
                continue
            h = plot_h * count / highest
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {escape(legend.get(part, part))} {count}</title></rect>"
            )
        if len(weeks) <= 16 or index % 2 == 0:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10" '
                f'fill="#111827">{escape(label[-3:])}</text>'
            )
    x = left
    for part, colour in PARTS:
        out.append(f'<rect x="{x}" y="{height - 18}" width="12" height="12" fill="{colour}"/>')
        out.append(
            f'<text x="{x + 16}" y="{height - 8}" font-size="12" fill="#111827">'
            f"{escape(legend.get(part, part))}</text>"
        )
        x += 16 + 7 * len(legend.get(part, part)) + 18
    out.append("</svg>")
    return mark_safe("".join(out))
