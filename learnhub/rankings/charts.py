"""Charts drawn on the server as accessible SVG: no JavaScript, readable by screen readers.

Each chart is an ``<svg role="img">`` with a title and a description; pages put the data
table with the same numbers next to it. Text is 1em: as large as the page's text (elder
mode, A+). Only presentation attributes are used (no inline styles), so the strict
Content-Security-Policy allows them.
"""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

BAR_COLOUR = "#1f6f8b"
LINE_COLOUR = "#b5462b"


def _number(value) -> str:
    value = Decimal(value)
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def bar_chart(items: list[tuple[str, Decimal]], title: str, description: str) -> Markup:
    """Horizontal bars, one per (label, value): the label above its bar, the value after it.

    One text per row, so elder mode's single column holds.
    """
    label_h, bar_h, gap, bar_width = 34, 26, 14, 520
    row = label_h + bar_h + gap
    height = row * max(len(items), 1) + 10
    largest = max((Decimal(v) for _l, v in items), default=Decimal(0)) or Decimal(1)
    parts = [
        f'<svg class="chart chart-bars" role="img" aria-labelledby="bars-title bars-desc" '
        f'viewBox="0 0 {bar_width + 160} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="bars-title">{escape(title)}</title>',
        f'<desc id="bars-desc">{escape(description)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        width = max(int(bar_width * Decimal(value) / largest), 1)
        parts.append(
            f'<g><text x="0" y="{y + label_h - 8}" font-size="1em" fill="currentColor">'
            f"{escape(label)}</text>"
            f'<rect x="0" y="{y + label_h}" width="{width}" height="{bar_h}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{width + 8}" y="{y + label_h + bar_h - 5}" font-size="1em" '
            f'fill="currentColor">{escape(_number(value))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part went through escape()


def line_chart(points: list[tuple[str, Decimal]], title: str, description: str) -> Markup:
    """A daily trend: one point per (day label, value), first and last day labelled."""
    width, height, left, bottom = 720, 290, 90, 70
    plot_w, plot_h = width - left - 10, height - bottom - 10
    largest = max((Decimal(v) for _d, v in points), default=Decimal(0)) or Decimal(1)
    step = plot_w / max(len(points) - 1, 1)
    coordinates = " ".join(
        f"{left + i * step:.1f},{10 + plot_h - float(Decimal(v) / largest) * plot_h:.1f}"
        for i, (_d, v) in enumerate(points)
    )
    parts = [
        f'<svg class="chart chart-trend" role="img" aria-labelledby="trend-title trend-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<desc id="trend-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" '
        f'stroke="currentColor" stroke-width="1"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end" font-size="1em" fill="currentColor">'
        f"{escape(_number(largest))}</text>",
        f'<text x="{left - 6}" y="{10 + plot_h}" text-anchor="end" font-size="1em" '
        f'fill="currentColor">0</text>',
    ]
    if points:
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{LINE_COLOUR}" '
            f'stroke-width="2"/>'
        )
        parts.append(
            f'<text x="0" y="{height - 4}" font-size="1em" fill="currentColor">'
            f"{escape(points[0][0])} – {escape(points[-1][0])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part went through escape()
