"""What the chat page shows, built from the database, and how bot answers are read.

The transcript is rebuilt from stored turns on every page load (so a reload resumes
exactly where the trainee was); the opening line, which the coach's tables only get
with turn 1, comes from the web app's own conversation row.
"""

from __future__ import annotations

from typing import Any

from coach.scenarios import mood_for
from coach.web.rasa import display_text

DIMENSIONS: tuple[str, ...] = ("acknowledgment", "validation", "calm_tone")
DIMENSION_LABELS: dict[str, str] = {
    "acknowledgment": "Acknowledgment",
    "validation": "Validation",
    "calm_tone": "Calm tone",
}
MOOD_LABELS: dict[str, str] = {
    "furious": "Furious",
    "angry": "Angry",
    "annoyed": "Annoyed",
    "calming": "Calming down",
    "satisfied": "Satisfied",
}
OUTCOME_LABELS: dict[str, str] = {
    "resolved": "Resolved",
    "escalated": "Escalated",
    "ended": "Ended early",
}
THRESHOLD = 0.5

# Notices (custom.notice) that mean "your text was not taken": it stays in the box.
TEXT_KEPT_NOTICES = frozenset(
    {
        "empty_message",
        "message_too_long",
        "storage_error",
        "storage_unavailable",
        "reply_failed",
        "bad_request",
        "rate_limited",
    }
)
# The HTTP status the web app answers each of them with (400 when not listed): a client
# that backs off on 429 and retries on 503 then does the right thing without reading text.
NOTICE_STATUS: dict[str, int] = {
    "storage_error": 503,
    "storage_unavailable": 503,
    "rate_limited": 429,
}


def mood_state(frustration: float | None, outcome: str | None = None) -> dict[str, Any]:
    value = 10.0 if frustration is None else max(0.0, min(10.0, float(frustration)))
    mood = mood_for(value)
    return {
        "frustration": round(value, 1),
        "mood": mood,
        "mood_label": MOOD_LABELS.get(mood, mood.title()),
        "outcome": outcome,
        "outcome_label": OUTCOME_LABELS.get(outcome or "", None),
    }


def score_items(scores: dict | None) -> list[dict[str, Any]]:
    if not scores:
        return []
    items = []
    for dim in DIMENSIONS:
        value = scores.get(dim)
        if value is None:
            continue
        items.append(
            {
                "dim": dim,
                "label": DIMENSION_LABELS[dim],
                "value": round(float(value), 2),
                "percent": round(float(value) * 100),
                "present": float(value) >= THRESHOLD,
            }
        )
    return items


def practice_note(scores: dict | None, tips: list[str] | None) -> dict[str, Any] | None:
    """The inline note after a practice reply: three scores and the one most useful tip.

    The scorer orders its tips by what would help most, so the first is the one shown;
    with no tip, the note names the weakest dimension or says all three were there.
    """
    items = score_items(scores)
    if not items:
        return None
    tip = next((t for t in (tips or []) if isinstance(t, str) and t.strip()), None)
    if tip is None:
        weakest = min(items, key=lambda i: i["value"])
        tip = (
            f"{weakest['label']} was missing: work on that next."
            if not weakest["present"]
            else "All three were there: keep naming their problem and moving it forward."
        )
    return {"scores": items, "tip": tip}


def _turn_state(turns: list[dict], starting: float | None) -> float | None:
    state = starting
    for t in turns:
        if t.get("error") or t.get("frustration_after") is None:
            continue
        state = t["frustration_before"] if t.get("rewound") else t["frustration_after"]
    return state


def build_transcript(
    conversation: dict, session: dict | None, turns: list[dict]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Items to show, oldest first, and the current state (mood, turn, rewind allowed).

    Item kinds: ``customer`` (``again`` when a rewind asks the same line again),
    ``trainee``, ``note`` (practice scores and tip), ``system`` (a reply that was stored
    but not answered, e.g. too long). Rewound attempts are kept and flagged.
    """
    practice = conversation["mode"] == "practice"
    items: list[dict[str, Any]] = []
    opening = conversation.get("opening_line")
    if not opening and turns:
        opening = turns[0]["customer_text"]
    if opening:
        items.append({"kind": "customer", "text": opening, "turn": 0})
    prev_rewound = False
    last_answered: dict | None = None
    for t in turns:
        text = display_text(t["trainee_text"])
        if t.get("error") and t.get("customer_reply") is None:
            items.append(
                {"kind": "trainee", "text": text, "turn": t["turn_index"], "unanswered": True}
            )
            items.append({"kind": "system", "text": _error_text(t["error"])})
            continue
        if prev_rewound:
            items.append(
                {
                    "kind": "customer",
                    "text": t["customer_text"],
                    "turn": t["turn_index"] - 1,
                    "again": True,
                }
            )
        rewound = bool(t.get("rewound"))
        items.append(
            {
                "kind": "trainee",
                "text": text,
                "turn": t["turn_index"],
                "rewound": rewound,
                "attempt": t.get("attempt", 0),
            }
        )
        if practice:
            scores = (
                {d: t.get(d) for d in DIMENSIONS} if t.get("acknowledgment") is not None else None
            )
            note = practice_note(scores, t.get("tips"))
            if note:
                items.append({"kind": "note", "rewound": rewound, **note})
        if t.get("customer_reply"):
            items.append(
                {
                    "kind": "customer",
                    "text": t["customer_reply"],
                    "turn": t["turn_index"],
                    "rewound": rewound,
                }
            )
        prev_rewound = rewound
        last_answered = t
    if prev_rewound and last_answered is not None:
        items.append(
            {
                "kind": "customer",
                "text": last_answered["customer_text"],
                "turn": last_answered["turn_index"] - 1,
                "again": True,
            }
        )
    starting = session["starting_frustration"] if session else None
    if starting is None and conversation.get("start_payload"):
        starting = conversation["start_payload"].get("frustration")
    outcome = session["outcome"] if session else None
    frustration = _turn_state(turns, starting)
    if session and session.get("final_frustration") is not None and outcome:
        frustration = session["final_frustration"]
    state = mood_state(frustration, outcome)
    over = bool(outcome) or conversation.get("status") == "over"
    state["over"] = over
    state["can_rewind"] = practice and not over and last_answered is not None and not prev_rewound
    state["turn"] = max((t["turn_index"] for t in turns), default=0)
    return items, state


def _error_text(error: str) -> str:
    if "too long" in error:
        return "That reply was too long to score; it was saved but the customer did not answer."
    if "after the session ended" in error:
        return "Sent after the session had ended; saved, not answered."
    return "The customer could not answer this reply (it was saved)."
