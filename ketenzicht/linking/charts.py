"""The waterfall of a pair's match weight, as an accessible inline SVG: which fields pushed which way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from ketenzicht.ui.formats import decimal


@dataclass(frozen=True)
class Step:
    label: str
    weight: float


def waterfall_svg(
    prior: float, steps: Sequence[Step], *, title: str, prior_label: str = "prior", total_label: str = "total"
) -> SafeString:
    """Bars from the prior weight through each comparison's weight to the total; green pushes towards
    'same person', red away. Every value is in the bar's title and in the table next to the chart."""
    bars = [Step(prior_label, prior), *steps]
    running, starts = 0.0, []
    for bar in bars:
        starts.append(running)
        running += bar.weight
    total = running
    values = [0.0, total, *starts, *(s + b.weight for s, b in zip(starts, bars, strict=True))]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    row, label_w, chart_w = 22, 150, 320  # the values right of the bars: up to "+12,34" in the 60 beside
    height = row * (len(bars) + 1) + 10

    def x(value: float) -> float:
        return label_w + (value - low) / span * chart_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + chart_w + 60}" '
        f'height="{height}" class="kz-waterfall" aria-labelledby="wf-title">',
        f'<title id="wf-title">{escape(title)}</title>',
        f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height}" class="kz-waterfall__zero"/>',
    ]
    for index, (bar, start) in enumerate(zip(bars, starts, strict=True)):
        y = index * row + 5
        left, right = sorted((x(start), x(start + bar.weight)))
        kind = "up" if bar.weight >= 0 else "down"
        exact = rounded = decimal(bar.weight, 2, signed=True)  # as the table beside it
        parts.append(
            f'<text x="0" y="{y + 15}" class="kz-waterfall__label">{escape(bar.label)}</text>'
            f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 1):.1f}" height="{row - 6}" '
            f'class="kz-waterfall__bar kz-waterfall__bar--{kind}"><title>{escape(bar.label)}: '
            f"{exact}</title></rect>"
            f'<text x="{right + 4:.1f}" y="{y + 15}" class="kz-waterfall__value">{rounded}</text>'
        )
    y = len(bars) * row + 5
    left, right = sorted((x(0), x(total)))
    total_text = escape(total_label)
    exact = rounded = decimal(total, 2, signed=True)
    parts.append(
        f'<text x="0" y="{y + 15}" class="kz-waterfall__label kz-waterfall__label--total">{total_text}</text>'
        f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 1):.1f}" height="{row - 6}" '
        f'class="kz-waterfall__bar kz-waterfall__bar--total"><title>{total_text}: {exact}</title></rect>'
        f'<text x="{right + 4:.1f}" y="{y + 15}" class="kz-waterfall__value">{rounded}</text></svg>'
    )
    return mark_safe("".join(parts))  # every text in it is escaped above
