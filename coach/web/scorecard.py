"""The scorecard: each reply with its evidence highlighted, and the mood curve as SVG.

Everything here returns plain data (or SVG markup built only from numbers and fixed
labels); the trainee's text is escaped by the templates, never pasted into markup here.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from coach.scenarios import MOOD_BANDS
from coach.web.chat import DIMENSION_LABELS, DIMENSIONS, THRESHOLD, score_items
from coach.web.rasa import NEUTRALISER

# A span covering (almost) the whole reply explains the score as a whole ("composed
# wording", "nothing names their problem"); it is listed, not highlighted.
WHOLE_REPLY = 0.9

MOOD_COLOURS: dict[str, str] = {
    "furious": "#fde2e2",
    "angry": "#feecdc",
    "annoyed": "#fef6d8",
    "calming": "#e6f4ea",
    "satisfied": "#d8f0e3",
}


def evidence_view(text: str, evidence: dict | None, scores: dict | None) -> dict[str, Any]:
    """The reply split into segments, each with the dimensions whose evidence covers it.

    Returns ``segments`` (``text``, ``marks``: list of ``{dim, positive}``, ``tags``:
    labels of spans ending after this segment), ``reasons`` per dimension (``text``,
    ``why``, ``whole``, ``positive``). Offsets in stored evidence point into the stored
    text; a neutraliser the web app added in front is removed and offsets shifted.
    """
    shift = 0
    if text.startswith(NEUTRALISER):
        text = text[len(NEUTRALISER) :]
        shift = len(NEUTRALISER)
    n = len(text)
    spans: list[dict[str, Any]] = []
    reasons: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
    core = len(text.strip()) or 1
    for dim in DIMENSIONS:
        value = (scores or {}).get(dim)
        positive = value is not None and value >= THRESHOLD
        for item in (evidence or {}).get(dim) or []:
            try:
                start = max(0, min(n, int(item.get("start", 0)) - shift))
                end = max(start, min(n, int(item.get("end", 0)) - shift))
            except (TypeError, ValueError):
                continue
            why = str(item.get("why") or "")
            whole = (end - start) >= WHOLE_REPLY * core
            # The scorer says which way each span points; turns stored before it did
            # fall back to the dimension's overall result.
            effect = item.get("effect")
            good = effect > 0 if isinstance(effect, int) and effect else positive
            reasons[dim].append(
                {"text": text[start:end], "why": why, "whole": whole, "positive": good}
            )
            if end > start and not whole:
                spans.append({"start": start, "end": end, "dim": dim, "positive": good})
    cuts = sorted({0, n, *(s["start"] for s in spans), *(s["end"] for s in spans)})
    segments: list[dict[str, Any]] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        covering = [s for s in spans if s["start"] <= a and s["end"] >= b]
        marks: list[dict[str, Any]] = []
        for s in covering:
            mark = {"dim": s["dim"], "positive": s["positive"]}
            if mark not in marks:
                marks.append(mark)
        tags: list[dict[str, Any]] = []
        for s in spans:
            if s["end"] == b:
                tag = {
                    "dim": s["dim"],
                    "positive": s["positive"],
                    "label": DIMENSION_LABELS[s["dim"]],
                }
                if tag not in tags:
                    tags.append(tag)
        segments.append({"text": text[a:b], "marks": marks, "tags": tags})
    return {"segments": segments, "reasons": reasons, "text": text}


def reply_cards(turns: list[dict]) -> list[dict[str, Any]]:
    """One card per stored reply (rewound attempts included), in the order played."""
    cards = []
    for t in turns:
        scores = {d: t.get(d) for d in DIMENSIONS} if t.get("acknowledgment") is not None else None
        view = evidence_view(t["trainee_text"], t.get("evidence"), scores)
        cards.append(
            {
                "turn": t["turn_index"],
                "attempt": t.get("attempt") or 0,
                "rewound": bool(t.get("rewound")),
                "error": t.get("error"),
                "customer_text": t["customer_text"],
                "customer_reply": t.get("customer_reply"),
                "scores": score_items(scores),
                "view": view,
                "tips": [x for x in (t.get("tips") or []) if isinstance(x, str)],
                "before": t.get("frustration_before"),
                "after": t.get("frustration_after"),
                "move": t.get("move"),
            }
        )
    return cards


def mood_curve(turns: list[dict], starting: float) -> dict[str, Any]:
    """The frustration after each counted reply, plus rewound attempts on the side."""
    points = [{"turn": 0, "value": round(float(starting), 1)}]
    rewound = []
    for t in turns:
        if t.get("error") or t.get("frustration_after") is None:
            continue
        point = {"turn": t["turn_index"], "value": round(float(t["frustration_after"]), 1)}
        (rewound if t.get("rewound") else points).append(point)
    return {"points": points, "rewound": rewound}


def curve_svg(curve: dict[str, Any], threshold: float | None = None, title_id: str = "c") -> Markup:
    """The mood curve as an inline SVG chart (no script, no external resources).

    Only numbers and fixed words go into the markup; mood bands are shaded and
    labelled, the calmed threshold is a dashed line, and every point has a tooltip.
    """
    width, height = 640, 260
    left, right, top, bottom = 44, 92, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    points = curve["points"]
    last_turn = max([p["turn"] for p in points] + [p["turn"] for p in curve["rewound"]] + [1])

    def x(turn: float) -> float:
        return left + plot_w * (turn / last_turn)

    def y(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(10.0, value)) / 10)

    parts: list[str] = []
    desc = ", ".join(
        f"{'start' if p['turn'] == 0 else 'after reply ' + str(p['turn'])}: {p['value']}"
        for p in points
    )
    parts.append(
        f'<svg class="curve" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{title_id}-t {title_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}-t">Customer frustration over the conversation (0 calm, 10 '
        f'furious)</title><desc id="{title_id}-d">{escape(desc)}</desc>'
    )
    upper = 10.0
    for name, floor in MOOD_BANDS:
        y0, y1 = y(upper), y(floor)
        parts.append(
            f'<rect x="{left}" y="{y0:.1f}" width="{plot_w}" height="{y1 - y0:.1f}" '
            f'fill="{MOOD_COLOURS[name]}"/>'
            f'<text x="{left + plot_w + 6}" y="{(y0 + y1) / 2 + 4:.1f}" class="band">{name}</text>'
        )
        upper = floor
    for v in (0, 2, 4, 6, 8, 10):
        parts.append(
            f'<line x1="{left - 4}" x2="{left}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="tick"/>'
            f'<text x="{left - 8}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{v}</text>'
        )
    step = max(1, last_turn // 12)
    for t in range(0, last_turn + 1, step):
        label = "start" if t == 0 else str(t)
        parts.append(
            f'<text x="{x(t):.1f}" y="{height - bottom + 18}" class="axis" '
            f'text-anchor="middle">{label}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" class="axis" '
        f'text-anchor="middle">reply</text>'
    )
    if threshold is not None:
        ty = y(float(threshold))
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'class="threshold"/><text x="{left + 4}" y="{ty - 4:.1f}" class="axis">'
            f"calm enough ({float(threshold):g})</text>"
        )
    if len(points) > 1:
        path = " ".join(f"{x(p['turn']):.1f},{y(p['value']):.1f}" for p in points)
        parts.append(f'<polyline points="{path}" class="line"/>')
    for p in curve["rewound"]:
        parts.append(
            f'<circle cx="{x(p["turn"]):.1f}" cy="{y(p["value"]):.1f}" r="5" class="pt-rewound">'
            f"<title>rewound reply {p['turn']}: {p['value']}</title></circle>"
        )
    for p in points:
        label = "start" if p["turn"] == 0 else f"after reply {p['turn']}"
        parts.append(
            f'<circle cx="{x(p["turn"]):.1f}" cy="{y(p["value"]):.1f}" r="4.5" class="pt">'
            f"<title>{label}: {p['value']}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
