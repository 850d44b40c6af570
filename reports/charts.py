"""Bar charts as hand-built SVG, rendered on the server for the HTML page and the PDF alike.

Readable without colour: every bar carries its number as text, and when a chart has several series
(women / men / non-binary) each series has its own pattern — solid, diagonal lines, dots — repeated in
a legend, always in the same order. Only SVG presentation attributes (fill=, stroke=), no style
attributes, so the markup is allowed by the strict Content-Security-Policy when inlined in a page.
Accessible name and description: role="img", aria-label, <title> and <desc>; the table next to each
chart has the same numbers."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "DejaVu Sans, Verdana, sans-serif"
INK = "#1a1a1a"
SERIES_COLOURS = ("#1f4e79", "#8c3b00", "#2d5a17")  # dark enough for 3:1 against white (WCAG 1.4.11)
CHAR_WIDTH = 6.8  # average width of a 12 px character (DejaVu Sans), to size the label column
LABEL_CHARS = 30  # longer labels wrap onto more lines (at most three)
LINE_HEIGHT = 14
PLOT_WIDTH = 360
VALUE_WIDTH = 44
LEGEND_HEIGHT = 28
SINGLE_BAR = 16
GROUPED_BAR = 11
BAR_GAP = 2
GROUP_GAP = 9


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _patterns(chart_id: str) -> str:
    hatch_colour, dot_colour = SERIES_COLOURS[1], SERIES_COLOURS[2]
    return (
        f'<pattern id="{chart_id}-p1" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<path d="M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5" stroke="{hatch_colour}" stroke-width="2"/>'
        "</pattern>"
        f'<pattern id="{chart_id}-p2" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#ffffff"/>'
        f'<circle cx="2.5" cy="2.5" r="1.4" fill="{dot_colour}"/>'
        "</pattern>"
    )


def _lines(label: str) -> list[str]:
    lines = textwrap.wrap(str(label), LABEL_CHARS, break_long_words=True) or [""]
    if len(lines) > 3:
        lines = [*lines[:2], textwrap.shorten(" ".join(lines[2:]), LABEL_CHARS, placeholder="…")]
    return lines


def _fill(chart_id: str, series_index: int) -> str:
    if series_index == 0:
        return SERIES_COLOURS[0]
    return f"url(#{chart_id}-p{min(series_index, 2)})"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    groups: Sequence[tuple[str, Sequence[Any]]],
    series: Sequence[str],
) -> SafeString:
    """Horizontal bars: one group per (label, values), one bar per series in each group. A value that is
    not a number (a suppressed "<5") gets no bar, only its text."""
    chart_id = escape(chart_id)
    multi = len(series) > 1
    bar = GROUPED_BAR if multi else SINGLE_BAR
    numbers = [n for _label, values in groups for n in map(_number, values) if n is not None]
    top_value = max([*numbers, 0.0]) or 1.0
    labels = [_lines(label) for label, _values in groups]
    longest = max([len(line) for lines in labels for line in lines] or [4])
    label_width = int(max(64, longest * CHAR_WIDTH + 16))
    width = label_width + PLOT_WIDTH + VALUE_WIDTH
    bars_height = len(series) * bar + (len(series) - 1) * BAR_GAP
    heights = [max(bars_height, len(lines) * LINE_HEIGHT) for lines in labels]
    top = 8 + (LEGEND_HEIGHT if multi else 0)
    height = top + sum(heights) + len(groups) * GROUP_GAP + 8

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if multi:
        parts.append(f"<defs>{_patterns(chart_id)}</defs>")
        x = label_width
        for index, name in enumerate(series):
            parts.append(
                f'<rect x="{x}" y="8" width="14" height="14" fill="{_fill(chart_id, index)}" '
                f'stroke="{INK}" stroke-width="1"/>'
                f'<text x="{x + 20}" y="19" fill="{INK}">{escape(name)}</text>'
            )
            x += 20 + int(len(name) * CHAR_WIDTH) + 24
    parts.append(
        f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" y2="{height - 6}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    y = top
    for (label, values), lines, group_height in zip(groups, labels, heights, strict=True):
        first_baseline = y + (group_height - len(lines) * LINE_HEIGHT) / 2 + LINE_HEIGHT - 3
        tspans = "".join(
            f'<tspan x="{label_width - 8}" y="{first_baseline + n * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end" fill="{INK}">{tspans}</text>')
        bars_top = y + (group_height - bars_height) / 2
        for index, value in enumerate(values):
            bar_y = bars_top + index * (bar + BAR_GAP)
            number = _number(value)
            bar_width = 0.0 if number is None else PLOT_WIDTH * max(number, 0.0) / top_value
            name = series[index] if index < len(series) else ""
            if bar_width > 0:
                tooltip = f"{name}: {value}" if multi else f"{label}: {value}"
                parts.append(
                    f'<rect x="{label_width}" y="{bar_y:.1f}" width="{bar_width:.1f}" height="{bar}" '
                    f'fill="{_fill(chart_id, index)}" stroke="{INK}" stroke-width="0.75">'
                    f"<title>{escape(tooltip)}</title></rect>"
                )
            parts.append(
                f'<text x="{label_width + bar_width + 4:.1f}" y="{bar_y + bar - 2:.1f}" '
                f'font-size="{11 if multi else 12}" fill="{INK}">{escape(value)}</text>'
            )
        y += group_height + GROUP_GAP
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
