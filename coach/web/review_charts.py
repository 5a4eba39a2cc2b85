"""Server-side SVG charts for the trainer pages (numbers and fixed words only, no script).

Like ``scorecard.curve_svg``: each series has a colour *and* a dash pattern and a text
label, the chart has a title and a description, and the pages show the same numbers as a
table, so nothing depends on colour alone.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from coach.web.chat import DIMENSION_LABELS, DIMENSIONS

SERIES_STYLE: dict[str, tuple[str, str]] = {
    "acknowledgment": ("#1d5fd0", ""),
    "validation": ("#13795b", "7 4"),
    "calm_tone": ("#6b3fc4", "2 4"),
}


def trend_svg(points: list[dict[str, Any]], title_id: str = "trend") -> Markup:
    """Each dimension's average per period (``label`` plus one value 0..1 per dimension)."""
    width, height = 680, 260
    left, right, top, bottom = 44, 160, 14, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(1.0, v)))

    desc = "; ".join(
        f"{p['label']}: "
        + ", ".join(
            f"{DIMENSION_LABELS[d]} {round(p[d] * 100)}%"
            for d in DIMENSIONS
            if p.get(d) is not None
        )
        for p in points
    )
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{title_id}-t {title_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}-t">Average score per week, by dimension (0-100%)</title>'
        f'<desc id="{title_id}-d">{escape(desc)}</desc>'
    ]
    for v in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v / 100):.1f}" y2="{y(v / 100):.1f}" '
            f'class="{"threshold" if v == 50 else "grid"}"/>'
            f'<text x="{left - 6}" y="{y(v / 100) + 4:.1f}" class="axis" text-anchor="end">{v}%'
            "</text>"
        )
    step = max(1, -(-n // 8))
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 18}" class="axis" '
            f'text-anchor="middle">{escape(points[i]["label"])}</text>'
        )
    for k, dim in enumerate(DIMENSIONS):
        colour, dash = SERIES_STYLE[dim]
        coords = [(x(i), y(p[dim])) for i, p in enumerate(points) if p.get(dim) is not None]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(coords) > 1:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dash_attr}/>"
            )
        for a, b in coords:
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>')
        ly = top + 16 + 22 * k
        lx = left + plot_w + 12
        parts.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}/>'
            f'<text x="{lx + 30}" y="{ly + 4}" class="axis">{DIMENSION_LABELS[dim]}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" class="axis" '
        f'text-anchor="middle">week starting</text></svg>'
    )
    return Markup("".join(parts))
