"""Trainer review pages: the sessions table, transcripts with overrides, agreement, exports.

Every route is for trainers only: a signed-out visitor is sent to sign in, a trainee
gets 403. Queries live in ``review_queries`` and ``overrides``; the transcript reuses
the scorecard's evidence highlighting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from coach.scenarios import ScenarioError, load_all
from coach.storage import repository
from coach.storage.db import session_scope
from coach.storage.export import export as export_sessions
from coach.storage.models import Turn
from coach.storage.repository import SESSION_EXPORT_KEYS, sessions_for_export
from coach.web import overrides, review_queries, security
from coach.web.chat import DIMENSION_LABELS, DIMENSIONS, OUTCOME_LABELS, mood_state
from coach.web.review_charts import trend_svg
from coach.web.scorecard import curve_svg, mood_curve, reply_cards

bp = Blueprint("review", __name__, url_prefix="/review")

MODE_LABELS = {"practice": "Practice", "assessment": "Assessment"}


def _db() -> str:
    return current_app.config["DATABASE_URL"]


def trainer_only(view: Callable) -> Callable:
    """Signed-out: redirect to sign in. Signed in without the trainer role: 403."""

    @wraps(view)
    @security.login_required
    def wrapped(*args: Any, **kwargs: Any):
        if g.user.role != "trainer":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --------------------------------------------------------------------------- sessions


@bp.get("/sessions")
@trainer_only
def sessions():
    f = review_queries.Filters.from_args(request.args)
    result = review_queries.list_sessions(f, url=_db())
    for row in result["rows"]:
        row["mood"] = mood_state(row["final"], row["outcome"])
    return render_template(
        "review_sessions.html",
        f=f,
        result=result,
        options=review_queries.filter_options(url=_db()),
        outcome_labels={**OUTCOME_LABELS, "open": "In progress"},
        mode_labels=MODE_LABELS,
        dimension_labels=DIMENSION_LABELS,
    )


# --------------------------------------------------------------------------- transcript


def _branches(turns: list[dict], cards: list[dict], judged: dict[int, dict]) -> list[dict]:
    """Replies grouped by turn: the counted attempt, with rewound attempts as branches."""
    groups: dict[int, dict] = {}
    for t, card in zip(turns, cards, strict=True):
        card["id"] = t["id"]
        card["judged"] = judged.get(t["id"], {})
        card["comment"] = next(
            (j["comment"] for j in card["judged"].values() if j.get("comment")), ""
        )
        group = groups.setdefault(
            t["turn_index"], {"turn": t["turn_index"], "main": None, "branches": []}
        )
        if card["rewound"] or card["error"]:
            group["branches"].append(card)
        else:
            group["main"] = card
    return [groups[k] for k in sorted(groups)]


@bp.get("/sessions/<session_id>")
@trainer_only
def transcript(session_id: str):
    session = repository.get_session(session_id, url=_db())
    if session is None:
        abort(404)
    turns = repository.list_turns(session_id, url=_db())
    judged = overrides.overrides_for_turns([t["id"] for t in turns], url=_db())
    cards = reply_cards(turns)
    curve = mood_curve(turns, session["starting_frustration"])
    try:
        scenario = load_all().get(session["scenario"])
    except ScenarioError:
        scenario = None
    threshold = scenario.calmed_threshold if scenario else None
    summary = session.get("summary") or {}
    final = session.get("final_frustration")
    return render_template(
        "review_transcript.html",
        session=session,
        groups=_branches(turns, cards, judged),
        chart=curve_svg(curve, threshold, title_id="mood"),
        curve=curve,
        signals=session.get("signals") or summary.get("signals") or {},
        summary=summary,
        final=mood_state(
            final if final is not None else curve["points"][-1]["value"], session.get("outcome")
        ),
        outcome_labels=OUTCOME_LABELS,
        mode_label=MODE_LABELS.get(session["mode"], session["mode"]),
        dimension_labels=DIMENSION_LABELS,
        customer=scenario.persona.name if scenario else "Customer",
        back=request.args.get("back") or "",
    )


@bp.post("/turns/<int:turn_id>/judge")
@trainer_only
def judge(turn_id: int):
    labels: dict[str, int] = {}
    for dim in DIMENSIONS:
        value = request.form.get(dim)
        if value in ("1", "0"):
            labels[dim] = int(value)
        elif value not in (None, ""):
            abort(400)
    session_id = request.form.get("session_id") or ""
    turn_session = _session_of_turn(turn_id)
    if turn_session is None or (session_id and session_id != turn_session):
        abort(404)
    if not labels:
        flash("Choose present or absent for at least one dimension.")
    else:
        try:
            overrides.save_judgements(
                turn_id,
                labels,
                comment=request.form.get("comment"),
                trainer_id=g.user.id,
                url=_db(),
            )
        except LookupError:
            abort(404)
        except ValueError as exc:
            flash(str(exc))
        else:
            flash(f"Saved your judgement on {len(labels)} dimension(s) of this reply.")
    return redirect(
        url_for("review.transcript", session_id=turn_session) + f"#turn-{turn_id}", code=303
    )


def _session_of_turn(turn_id: int) -> str | None:
    with session_scope(_db(), readonly=True) as s:
        return s.execute(sa.select(Turn.session_id).where(Turn.id == turn_id)).scalar()


# --------------------------------------------------------------------------- progress, team


@bp.get("/trainees/<name>")
@trainer_only
def progress(name: str):
    data = review_queries.trainee_progress(name, url=_db())
    if data is None:
        abort(404)
    return render_template(
        "review_progress.html",
        p=data,
        chart=trend_svg(data["weekly"], title_id="trend") if data["weekly"] else None,
        dimension_labels=DIMENSION_LABELS,
    )


@bp.get("/team")
@trainer_only
def team():
    return render_template(
        "review_team.html",
        t=review_queries.team_overview(url=_db()),
        dimension_labels=DIMENSION_LABELS,
    )


# --------------------------------------------------------------------------- agreement


@bp.get("/agreement")
@trainer_only
def agreement():
    rows = overrides.agreement(url=_db())
    return render_template("review_agreement.html", rows=rows, dimension_labels=DIMENSION_LABELS)


# --------------------------------------------------------------------------- exports


def _csv_response(body: str, name: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/export/turns.csv")
@trainer_only
def export_turns():
    """One row per reply, the session's columns repeated: exactly `coach export --format csv`."""
    out = io.StringIO()
    export_sessions("csv", out, url=_db())
    return _csv_response(out.getvalue(), "coach-turns.csv")


@bp.get("/export/sessions.csv")
@trainer_only
def export_session_rows():
    """One row per session: the session columns of `coach export` (no turns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SESSION_EXPORT_KEYS)
    for session in sessions_for_export(None, url=_db()):
        writer.writerow(["" if session[k] is None else session[k] for k in SESSION_EXPORT_KEYS])
    return _csv_response(out.getvalue(), "coach-sessions.csv")
