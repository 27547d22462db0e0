"""The timeliness chart: per week one stacked bar of notifications assessed in time, assessed late, overdue
now, within the term and taken over by a new notification (ketenzicht/ui/charts.py draws it). The page shows
the same figures in a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.safestring import SafeString

from ketenzicht.ui.charts import Part, bars_svg

# Colours with AA contrast on white; the legend names each, so colour is never the only cue.
PARTS = (
    ("in_time", "#1e6b34"),
    ("late", "#a15c00"),
    ("overdue_now", "#b3261e"),
    ("waiting", "#1d4ed8"),
    ("taken_over", "#5b5b66"),
)


def weekly_bars_svg(
    weeks: Sequence[tuple[str, Mapping[str, int | None]]],
    *,
    title: str,
    description: str,
    legend: Mapping[str, str],
    suppressed_label: str = "",
    suppressed_texts: Mapping[tuple[str, str], str] | None = None,
) -> SafeString:
    """`weeks`: (label, {part: count, None where suppressed}) oldest first; `legend`: part -> its name;
    `suppressed_label`: the legend's words for a suppressed block; `suppressed_texts`: (label, part) -> its
    tip where that is not "<5"."""
    return bars_svg(
        list(weeks),
        parts=[Part(code, legend.get(code, code), colour) for code, colour in PARTS],
        title=title,
        description=description,
        chart_id="timeliness-chart",
        suppressed_label=suppressed_label,
        suppressed_texts=suppressed_texts,
    )
