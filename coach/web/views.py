"""Pages and JSON endpoints of the trainee web app.

Every chat action works both as a JSON call from chat.js (``X-CSRF-Token`` header) and
as a plain form post (hidden ``csrf_token``), so the page also works without script.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any
from urllib.parse import urlparse

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from coach.scenarios import ScenarioError, load_all
from coach.storage import repository
from coach.text import is_blank, storable
from coach.web import accounts, rasa, security, store
from coach.web.chat import (
    DIMENSION_LABELS,
    MOOD_LABELS,
    NOTICE_STATUS,
    OUTCOME_LABELS,
    TEXT_KEPT_NOTICES,
    build_transcript,
    mood_state,
    practice_note,
)
from coach.web.scorecard import curve_svg, mood_curve, reply_cards

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__)

MODES = ("practice", "assessment")
# What a browser's form sends; chat.js sends JSON.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
MODE_LABELS = {"practice": "Practice", "assessment": "Assessment"}


class ChatError(Exception):
    """Something the trainee must be told; the text they typed stays where it is."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def _db() -> str:
    return current_app.config["DATABASE_URL"]


def _client() -> rasa.RasaClient:
    return current_app.config["RASA_CLIENT"]


def _metadata(kind: str = "command") -> dict[str, str]:
    """Always the signed-in user: nothing the browser sends can change who is playing.

    ``kind`` tells the bot whether this is the trainee's own text ("reply") or one of
    the web app's control commands ("command"), so a reply is never run as a command.
    """
    return {"trainee": g.user.username, "source": "web", "kind": kind}


def _scenarios() -> dict:
    try:
        return load_all()
    except ScenarioError as exc:
        log.error("scenarios could not be loaded: %s", exc)
        return {}


def _owned_conversation(conversation_id: str) -> dict:
    conv = store.get_conversation(conversation_id, url=_db())
    if conv is None or conv["user_id"] != g.user.id or not conv.get("session_id"):
        abort(404)
    return conv


class _Locks:
    """One request at a time per conversation (a double click must not send twice)."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def get(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks[key]


def _lock_for(conversation_id: str) -> threading.Lock:
    locks = current_app.extensions.setdefault("coach_conversation_lock_table", _Locks())
    return locks.get(conversation_id)


# --------------------------------------------------------------------------- sign in / out


@bp.get("/")
def index():
    if g.user is None:
        return redirect(url_for("web.login"))
    return redirect(url_for("web.scenarios"))


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("web.scenarios")
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.scenarios")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.user is not None:
            return redirect(url_for("web.scenarios"))
        return render_template("login.html", next=request.args.get("next", ""), username="")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    throttle: security.LoginThrottle = current_app.extensions["coach_login_throttle"]
    keys = (f"user:{accounts.normalise_username(username)}", f"ip:{request.remote_addr}")
    if throttle.blocked(*keys):
        return (
            render_template(
                "login.html",
                error="Too many failed attempts. Wait a few minutes, then try again.",
                username=username,
                next=target,
            ),
            429,
        )
    account = accounts.authenticate(username, password, url=_db())
    if account is None:
        throttle.fail(*keys)
        return (
            render_template(
                "login.html",
                error="That username and password do not match. Check both and try again.",
                username=username,
                next=target,
            ),
            401,
        )
    throttle.reset(keys[0])
    security.login_user(account)
    return redirect(_safe_next(target), code=303)


@bp.post("/logout")
def logout():
    security.logout_user()
    flash("You are signed out.")
    return redirect(url_for("web.login"), code=303)


@bp.get("/healthz")
def healthz():
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- picker


@bp.get("/scenarios")
@security.login_required
def scenarios():
    return _render_picker()


def _render_picker(error: str | None = None, status: int = 200, chosen: dict | None = None):
    catalogue = _scenarios()
    sessions = store.trainee_sessions(g.user.username, url=_db())
    by_scenario: dict[str, list[dict]] = defaultdict(list)
    for s in sessions:
        by_scenario[s["scenario"]].append(s)
    active = store.active_conversations(g.user.id, url=_db())
    active_by_session = {c["session_id"]: c for c in active}
    cards = []
    for sid, sc in catalogue.items():
        attempts = by_scenario.get(sid, [])
        cards.append(
            {
                "id": sid,
                "title": sc.title,
                "summary": sc.summary,
                "difficulty": sc.difficulty,
                "emotion": sc.emotion,
                "emotion_level": sc.emotion_level,
                "customer": sc.persona.name,
                "business": sc.business,
                "attempts": attempts[:5],
                "attempt_count": len(attempts),
                "active": [
                    active_by_session[a["session_id"]]
                    for a in attempts
                    if a["session_id"] in active_by_session and not a["outcome"]
                ],
            }
        )
    order = {"easy": 0, "medium": 1, "hard": 2}
    cards.sort(key=lambda c: (order.get(c["difficulty"], 9), c["title"]))
    return (
        render_template(
            "scenarios.html",
            cards=cards,
            error=error,
            chosen=chosen or {},
            outcome_labels=OUTCOME_LABELS,
            mode_labels=MODE_LABELS,
        ),
        status,
    )


@bp.post("/start")
@security.login_required
def start():
    scenario_id = request.form.get("scenario", "")
    mode = request.form.get("mode", "practice")
    chosen = {"scenario": scenario_id, "mode": mode}
    catalogue = _scenarios()
    if scenario_id not in catalogue:
        return _render_picker("That scenario does not exist (any more). Pick another.", 400)
    if mode not in MODES:
        return _render_picker("Choose practice or assessment mode.", 400, chosen)
    conv = store.create_conversation(g.user.id, scenario_id, mode, url=_db())
    try:
        messages = _client().send(conv["id"], rasa.start_command(scenario_id, mode), _metadata())
        custom = rasa.last_custom(messages)
        lines = rasa.texts(messages)
        if custom is None or not lines:
            raise ChatError(502, "no_answer", "The bot answered without the customer speaking.")
        if custom.get("system") or not custom.get("session_id"):
            raise ChatError(
                502,
                custom.get("notice") or "start_failed",
                f"The scenario could not be started: {lines[-1]}",
            )
    except rasa.BotError as exc:
        store.delete_conversation(conv["id"], url=_db())
        return _render_picker(_bot_error(exc, "start").message, 503, chosen)
    except ChatError as exc:
        store.delete_conversation(conv["id"], url=_db())
        return _render_picker(exc.message, 503, chosen)
    store.record_start(conv["id"], custom, lines[0], url=_db())
    return redirect(url_for("web.chat", conversation_id=conv["id"]), code=303)


# --------------------------------------------------------------------------- chat


def _chat_context(conv: dict, *, error: str | None = None, draft: str = "") -> dict:
    session = repository.get_session(conv["session_id"], url=_db())
    turns = repository.list_turns(conv["session_id"], url=_db())
    items, state = build_transcript(conv, session, turns)
    catalogue = _scenarios()
    sc = catalogue.get(conv["scenario_id"])
    payload = conv.get("start_payload") or {}
    return {
        "conv": conv,
        "items": items,
        "state": state,
        "practice": conv["mode"] == "practice",
        "mode_label": MODE_LABELS.get(conv["mode"], conv["mode"]),
        "title": conv.get("title") or (sc.title if sc else conv["scenario_id"]),
        "customer": conv.get("customer_name") or (sc.persona.name if sc else "The customer"),
        "situation": conv.get("situation") or (sc.persona.situation if sc else ""),
        "difficulty": payload.get("difficulty") or (sc.difficulty if sc else ""),
        "emotion": payload.get("emotion") or (sc.emotion if sc else ""),
        "threshold": payload.get("calmed_threshold") or (sc.calmed_threshold if sc else None),
        "session_id": conv["session_id"],
        "max_chars": current_app.config["MAX_MESSAGE_CHARS"],
        "error": error,
        "draft": draft,
        "mood_labels": MOOD_LABELS,
    }


@bp.get("/chat/<conversation_id>")
@security.login_required
def chat(conversation_id: str):
    conv = _owned_conversation(conversation_id)
    return render_template("chat.html", **_chat_context(conv))


_AFTER_BOT_ERROR = {
    "reply": "Your reply is still in the box: try again in a moment.",
    "start": "Try again in a moment.",
    "rewind": "Nothing was changed: try again in a moment.",
    "end": "The session was not ended: try again in a moment.",
}


def _bot_error(exc: rasa.BotError, action: str = "reply") -> ChatError:
    """What to tell the trainee when the bot cannot be asked; ``action`` is what failed."""
    then = _AFTER_BOT_ERROR[action]
    if isinstance(exc, rasa.BotTimeout):
        if action == "reply":
            then = (
                "Your reply is still in the box: press Send to try again "
                "(it will not be sent twice)."
            )
        return ChatError(504, exc.code, f"The customer is taking too long to answer. {then}")
    if isinstance(exc, rasa.BotUnavailable):
        return ChatError(
            503,
            exc.code,
            "The customer bot is not available right now (it may be starting up or "
            f"restarting). {then}",
        )
    return ChatError(502, exc.code, f"The customer bot had a problem answering. {then}")


def _success(
    conv: dict, trainee_text: str, customer_lines: list[str], custom: dict, *, resent: bool = False
) -> dict:
    outcome = custom.get("outcome")
    over = bool(outcome)
    practice = conv["mode"] == "practice"
    result: dict[str, Any] = {
        "ok": True,
        "trainee_text": trainee_text,
        "customer": customer_lines,
        "state": mood_state(custom.get("frustration"), outcome),
        "turn": custom.get("turn"),
        "over": over,
        "can_rewind": practice and not over,
        "note": practice_note(custom.get("scores"), custom.get("tips")) if practice else None,
        "resent": resent,
    }
    if over:
        store.update_conversation(conv["id"], url=_db(), status="over")
        result["scorecard_url"] = url_for("web.scorecard", session_id=conv["session_id"])
    if custom.get("storage_error"):
        result["warning"] = (
            "Your reply could not be saved in the database; the conversation goes on, "
            "but this turn may be missing from your scorecard."
        )
    return result


def _delivered_earlier(conv: dict, sent: str) -> dict | None:
    """A reply sent before whose answer was lost (timeout) but which the bot stored."""
    if conv.get("pending_text") != sent or conv.get("pending_since") is None:
        return None
    turns = repository.list_turns(conv["session_id"], url=_db())
    for t in reversed(turns):
        if t["trainee_text"] != sent or t["created_at"] < conv["pending_since"]:
            continue
        if t.get("error") or t.get("customer_reply") is None:
            return None
        session = repository.get_session(conv["session_id"], url=_db()) or {}
        custom = {
            "frustration": t["frustration_after"],
            "outcome": session.get("outcome"),
            "turn": t["turn_index"],
            "scores": {d: t.get(d) for d in DIMENSION_LABELS if t.get("acknowledgment") is not None}
            or None,
            "tips": t.get("tips") or [],
        }
        return _success(conv, rasa.display_text(sent), [t["customer_reply"]], custom, resent=True)
    return None


def _send(conv: dict, text: str) -> dict:
    if conv.get("status") == "over":
        raise ChatError(
            409,
            "session_over",
            "This session is over. Open your scorecard, or start the scenario again.",
            scorecard_url=url_for("web.scorecard", session_id=conv["session_id"]),
        )
    stripped = (text or "").strip()
    if is_blank(stripped):
        raise ChatError(400, "empty_message", "Type your reply to the customer first.")
    limit = current_app.config["MAX_MESSAGE_CHARS"]
    if len(stripped) > limit:
        raise ChatError(
            400,
            "message_too_long",
            f"Your reply is {len(stripped)} characters long; the limit is {limit}. "
            "Shorten it and send again (it is still in the box).",
        )
    sent = rasa.neutralise(stripped)
    earlier = _delivered_earlier(conv, sent)
    if earlier is not None:
        store.set_pending(conv["id"], None, url=_db())
        return earlier
    pending = conv.get("pending_text")
    if pending is not None and pending != sent and _delivered_earlier(conv, pending):
        store.set_pending(conv["id"], None, url=_db())
        raise ChatError(
            409,
            "resync",
            "Your previous reply did reach the customer after all. The page will reload to "
            "show their answer; your new text is kept in the box.",
            reload=True,
        )
    store.set_pending(conv["id"], sent, url=_db())
    try:
        messages = _client().send(conv["id"], sent, _metadata("reply"))
    except rasa.BotUnavailable as exc:
        store.set_pending(conv["id"], None, url=_db())  # never arrived: nothing to dedupe
        raise _bot_error(exc) from exc
    except rasa.BotError as exc:
        raise _bot_error(exc) from exc
    store.set_pending(conv["id"], None, url=_db())
    custom = rasa.last_custom(messages)
    lines = rasa.texts(messages)
    if custom is None or not lines:
        raise ChatError(
            502,
            "no_answer",
            "The customer did not answer (the bot may still be loading). Your reply is "
            "still in the box: try again in a moment.",
        )
    if custom.get("system"):
        raise _notice_error(conv, custom, lines[-1])
    return _success(conv, stripped, lines, custom)


def _notice_error(conv: dict, custom: dict, text: str) -> ChatError:
    notice = custom.get("notice") or "system"
    if notice == "session_over":
        store.update_conversation(conv["id"], url=_db(), status="over")
        return ChatError(
            409,
            notice,
            "This session is already over. Open your scorecard to see how it went.",
            scorecard_url=url_for("web.scorecard", session_id=conv["session_id"]),
        )
    if notice == "no_session":
        return ChatError(
            409,
            notice,
            "The bot has no record of this conversation any more (its data may have been "
            "reset). Start the scenario again from the scenario list.",
        )
    if notice in TEXT_KEPT_NOTICES:
        return ChatError(
            NOTICE_STATUS.get(notice, 400),
            notice,
            f"{text} Your reply is still in the box.",
        )
    return ChatError(502, notice, text)


@bp.post("/chat/<conversation_id>/send")
@security.login_required
def send(conversation_id: str):
    conv = _owned_conversation(conversation_id)
    as_json = request.is_json
    if as_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):  # malformed, or a list/string/number
            return security.json_error(
                400, "bad_request", 'Send the reply as a JSON object: {"text": "<your reply>"}.'
            )
    elif request.mimetype in FORM_TYPES:
        data = request.form
    else:
        return security.json_error(
            415,
            "unsupported_media_type",
            "Send the reply as a form (text=...) or as JSON; "
            f"{request.mimetype or 'a body without a content type'} is not understood.",
        )
    text = data.get("text", "")
    if not isinstance(text, str):
        return security.json_error(400, "bad_request", "The reply must be text.")
    # What the database can store, as the bot will store it (an unpaired surrogate from a
    # JSON escape cannot be written, even as the pending text).
    text = storable(text)
    lock = _lock_for(conv["id"])
    if not lock.acquire(blocking=False):
        error = ChatError(
            409, "busy", "Still waiting for the customer's answer to your previous reply."
        )
        return _chat_error_response(conv, error, text, as_json)
    try:
        result = _send(conv, text)
    except ChatError as exc:
        return _chat_error_response(conv, exc, text, as_json)
    finally:
        lock.release()
    if as_json:
        return jsonify(result)
    if result.get("over"):
        return redirect(url_for("web.chat", conversation_id=conv["id"]) + "#end", code=303)
    return redirect(url_for("web.chat", conversation_id=conv["id"]) + "#composer", code=303)


def _chat_error_response(conv: dict, exc: ChatError, text: str, as_json: bool):
    if as_json:
        return security.json_error(exc.status, exc.code, exc.message, **exc.extra)
    conv = store.get_conversation(conv["id"], url=_db()) or conv
    ctx = _chat_context(conv, error=exc.message, draft=text)
    return render_template("chat.html", **ctx), exc.status


@bp.post("/chat/<conversation_id>/rewind")
@security.login_required
def rewind(conversation_id: str):
    conv = _owned_conversation(conversation_id)
    as_json = request.is_json
    lock = _lock_for(conv["id"])
    if not lock.acquire(blocking=False):
        error = ChatError(409, "busy", "Wait for the customer's answer before rewinding.")
        return _chat_error_response(conv, error, "", as_json)
    try:
        result = _rewind(conv)
    except ChatError as exc:
        return _chat_error_response(conv, exc, "", as_json)
    finally:
        lock.release()
    if as_json:
        return jsonify(result)
    return redirect(url_for("web.chat", conversation_id=conv["id"]) + "#composer", code=303)


def _rewind(conv: dict) -> dict:
    if conv["mode"] != "practice":
        raise ChatError(400, "rewind_unavailable", "Rewind is only available in practice mode.")
    if conv.get("status") == "over":
        raise ChatError(409, "session_over", "This session is over; it can't be rewound.")
    try:
        messages = _client().send(conv["id"], rasa.REWIND_COMMAND, _metadata())
    except rasa.BotError as exc:
        raise _bot_error(exc, "rewind") from exc
    custom = rasa.last_custom(messages) or {}
    lines = rasa.texts(messages)
    if custom.get("notice") != "rewound":
        if custom.get("notice") == "session_over":
            raise _notice_error(conv, custom, lines[-1] if lines else "")
        reason = lines[-1] if lines else "The bot did not confirm the rewind."
        raise ChatError(409, custom.get("notice") or "rewind_failed", reason)
    customer_line = custom.get("customer_line")
    if not customer_line:
        turns = repository.list_turns(conv["session_id"], url=_db())
        rewound = [t for t in turns if t.get("rewound")]
        customer_line = rewound[-1]["customer_text"] if rewound else ""
    return {
        "ok": True,
        "rewound": True,
        "customer_line": customer_line,
        "state": mood_state(custom.get("frustration"), custom.get("outcome")),
        "can_rewind": False,
    }


@bp.post("/chat/<conversation_id>/end")
@security.login_required
def end(conversation_id: str):
    conv = _owned_conversation(conversation_id)
    as_json = request.is_json
    scorecard_url = url_for("web.scorecard", session_id=conv["session_id"])
    lock = _lock_for(conv["id"])
    if not lock.acquire(blocking=False):
        error = ChatError(409, "busy", "Wait for the customer's answer before ending.")
        return _chat_error_response(conv, error, "", as_json)
    try:
        if conv.get("status") != "over":
            try:
                messages = _client().send(conv["id"], rasa.END_COMMAND, _metadata())
            except rasa.BotError as exc:
                error = _bot_error(exc, "end")
                return _chat_error_response(conv, error, "", as_json)
            custom = rasa.last_custom(messages) or {}
            if custom.get("system") and custom.get("notice") != "session_over":
                lines = rasa.texts(messages)
                error = ChatError(
                    502,
                    custom.get("notice") or "end_failed",
                    lines[-1] if lines else "The session could not be ended.",
                )
                return _chat_error_response(conv, error, "", as_json)
            store.update_conversation(conv["id"], url=_db(), status="over")
    finally:
        lock.release()
    if as_json:
        return jsonify({"ok": True, "over": True, "scorecard_url": scorecard_url})
    return redirect(scorecard_url, code=303)


# --------------------------------------------------------------------------- scorecard


@bp.get("/scorecard/<session_id>")
@security.login_required
def scorecard(session_id: str):
    session = repository.get_session(session_id, url=_db())
    if session is None:
        abort(404)
    if session["trainee"] != g.user.username and not g.user.is_trainer:
        abort(404)  # someone else's: not even its existence is confirmed
    turns = repository.list_turns(session_id, url=_db())
    conv = store.conversation_for_session(session_id, url=_db())
    catalogue = _scenarios()
    sc = catalogue.get(session["scenario"])
    content = (session.get("summary") or {}) if session.get("summary") else {}
    payload = (conv or {}).get("start_payload") or {}
    threshold = payload.get("calmed_threshold") or (sc.calmed_threshold if sc else None)
    over = session.get("ended_at") is not None or bool(session.get("outcome"))
    hide_details = not over and session["mode"] == "assessment"
    curve = mood_curve(turns, session["starting_frustration"])
    counted = [t for t in turns if not t.get("error") and not t.get("rewound")]
    averages = _averages(counted)
    return render_template(
        "scorecard.html",
        session=session,
        conv=conv,
        over=over,
        hide_details=hide_details,
        title=session.get("scenario_title") or (sc.title if sc else session["scenario"]),
        customer=(conv or {}).get("customer_name") or (sc.persona.name if sc else "Customer"),
        cards=[] if hide_details else reply_cards(turns),
        chart=None if hide_details else curve_svg(curve, threshold, title_id="mood"),
        curve=curve,
        summary=content,
        signals=session.get("signals") or content.get("signals") or {},
        outcome_label=OUTCOME_LABELS.get(session.get("outcome") or "", "In progress"),
        final=mood_state(
            session.get("final_frustration")
            if session.get("final_frustration") is not None
            else (curve["points"][-1]["value"]),
            session.get("outcome"),
        ),
        averages=averages,
        work_on=_work_on(counted),
        weakest=min(
            (a for a in averages if a["value"] is not None), key=lambda a: a["value"], default=None
        ),
        counted=len(counted),
        rewound_count=sum(1 for t in turns if t.get("rewound")),
        dimension_labels=DIMENSION_LABELS,
        mode_label=MODE_LABELS.get(session["mode"], session["mode"]),
    )


def _work_on(turns: list[dict], limit: int = 3) -> list[str]:
    """The session's tips, first seen first, from the replies that counted (not rewound)."""
    tips: list[str] = []
    for t in turns:
        for tip in t.get("tips") or []:
            if isinstance(tip, str) and tip not in tips:
                tips.append(tip)
    return tips[:limit]


def _averages(turns: list[dict]) -> list[dict]:
    out = []
    for dim, label in DIMENSION_LABELS.items():
        values = [t[dim] for t in turns if t.get(dim) is not None]
        avg = sum(values) / len(values) if values else None
        out.append(
            {
                "dim": dim,
                "label": label,
                "value": avg,
                "percent": None if avg is None else round(avg * 100),
                "present": avg is not None and avg >= 0.5,
            }
        )
    return out


@bp.get("/history")
@security.login_required
def history():
    sessions = store.trainee_sessions(g.user.username, url=_db())
    catalogue = _scenarios()
    for s in sessions:
        sc = catalogue.get(s["scenario"])
        s["title"] = sc.title if sc else s["scenario"]
    return render_template(
        "history.html", sessions=sessions, outcome_labels=OUTCOME_LABELS, mode_labels=MODE_LABELS
    )
