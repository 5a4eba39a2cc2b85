"""The coach's use cases: start a scenario, answer a trainee reply, end the session.

This is what the Rasa custom actions call (they only translate to slots and messages),
so every rule about scoring, storing and answering lives here, testable without Rasa.
Nothing a trainee typed is dropped: a reply is stored even when scoring, the scenario
or the customer's answer fails, with the error recorded next to it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import InterfaceError, OperationalError

from coach import config, scoring
from coach import session as engine
from coach.scenarios import ScenarioError, UnknownScenario, get_scenario, load_all
from coach.scoring.types import DIMENSIONS, Score
from coach.session import SessionState
from coach.storage import repository
from coach.storage.db import StorageUnavailable, connect
from coach.text import is_blank, storable

log = logging.getLogger(__name__)

MODES = ("practice", "assessment")
# How long a turn's write waits for a database that went away (a restart, a failover).
STORE_RETRY_SECONDS = 10.0


@dataclass
class Reply:
    """What the bot says and the state to keep. `state` None means "no session"."""

    text: str
    custom: dict
    state: SessionState | None
    changed: bool = True  # False: keep the stored state as it is
    extra_messages: list[str] = field(default_factory=list)
    # The state before this reply, kept so practice mode can rewind it (None: no undo).
    previous: dict | None = None


def _payload(state: SessionState | None, **extra) -> dict:
    """The `custom` object of contract §2, from the current state plus extras."""
    base = {
        "scenario": state.scenario_id if state else None,
        "session_id": state.session_id if state else None,
        "turn": state.turn if state else 0,
        "frustration": round(state.frustration, 1) if state else None,
        "mood": state.mood if state else None,
        "outcome": state.outcome if state else None,
        "mode": state.mode if state else None,
        "scores": None,
    }
    base.update(extra)
    return base


def _notice(state: SessionState | None, text: str, kind: str) -> Reply:
    """A system message (not the customer speaking); the session state is unchanged."""
    return Reply(
        text=text,
        custom=_payload(state, system=True, notice=kind),
        state=state,
        changed=False,
    )


def scenario_menu() -> str:
    try:
        ids = sorted(load_all())
    except ScenarioError as exc:
        return f"Scenarios could not be loaded: {exc}"
    listing = ", ".join(ids)
    return f'Available scenarios: {listing}. Start one with /start_scenario{{"scenario": "<id>"}}.'


def find_scenario_id(text: str) -> str | None:
    """A scenario id typed in plain words ("start broken-replacement"), for shell users."""
    lowered = text.lower()
    try:
        ids = load_all()
    except ScenarioError:
        return None
    matches = [sid for sid in ids if sid in lowered]
    return max(matches, key=len) if matches else None


def start(
    *,
    scenario_id: str | None,
    trainee: str,
    conversation_id: str,
    mode: str | None = None,
    current: SessionState | None = None,
) -> Reply:
    """Open a scenario; a session still running in this conversation is ended first."""
    if not scenario_id:
        return _notice(current, f"Which scenario? {scenario_menu()}", "no_scenario")
    mode = (mode or "practice").strip().lower()
    if mode not in MODES:
        return _notice(
            current, f"Unknown mode {mode!r}: use one of {', '.join(MODES)}.", "bad_mode"
        )
    try:
        scenario = get_scenario(scenario_id)
    except UnknownScenario:
        return _notice(
            current, f"Unknown scenario {scenario_id!r}. {scenario_menu()}", "unknown_scenario"
        )
    except ScenarioError as exc:
        return _notice(current, f"Scenario {scenario_id!r} is broken: {exc}", "broken_scenario")

    try:
        session_id = repository.start_session(
            trainee=trainee,
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            scenario_title=scenario.title,
            scenario_content=scenario.raw,
            scorer_version=scoring.SCORER_VERSION,
            mode=mode,
            conversation_id=conversation_id,
            starting_frustration=scenario.starting_frustration,
        )
    except ValueError as exc:
        return _notice(current, f"The session could not be started: {exc}", "bad_request")
    except StorageUnavailable as exc:
        log.error("cannot start session: %s", exc)
        return _notice(
            current,
            "The practice session could not be started because the database is "
            "unavailable. Please try again in a moment.",
            "storage_error",
        )
    if current and not current.over:
        end(current)  # only once the new session exists: a refused start changes nothing
    state = engine.open_session(scenario, session_id=session_id, trainee=trainee, mode=mode)
    persona = scenario.persona
    return Reply(
        text=state.customer_line,
        custom=_payload(
            state,
            title=scenario.title,
            customer=persona.name,
            situation=persona.situation,
            difficulty=scenario.difficulty,
            emotion=scenario.emotion,
            calmed_threshold=scenario.calmed_threshold,
        ),
        state=state,
    )


def turn(
    *,
    state: SessionState | None,
    text: str,
    move: str,
    move_confidence: float | None = None,
    message_id: str | None = None,
    history: list[dict] | None = None,
) -> Reply:
    """Score a trainee reply, let the customer react, store the turn."""
    if state is None:
        if not _storage_reachable():
            # Rasa falls back to an empty conversation when its tracker store (the same
            # database) is down, so "no session" may only mean "database down".
            return _notice(
                None,
                "The training database cannot be reached right now, so your reply was "
                "not saved. Send it again in a moment.",
                "storage_unavailable",
            )
        return _notice(None, f"No scenario is running yet. {scenario_menu()}", "no_session")
    replayed = _replay(state, message_id)
    if replayed is not None:
        return replayed
    # Scored and stored as it will read back: a character no database can hold (an
    # unpaired surrogate, NUL) would otherwise fail the scorer and the write, and the
    # trainee would lose the turn.
    text = storable(text)
    if is_blank(text):
        return _notice(
            state, "Your reply was empty: type what you would say to the customer.", "empty_message"
        )
    refusal = None
    limit = config.max_message_chars()
    if state.over:
        refusal = (
            f"sent after the session ended ({state.outcome})",
            f"This session is over ({state.outcome}). Start a new scenario "
            "or send /end_session for the summary.",
            "session_over",
        )
    elif len(text) > limit:
        refusal = (
            f"message too long ({len(text)} characters, limit {limit}); not scored",
            f"That reply is {len(text)} characters long; the limit is {limit}. It was saved "
            "but not scored: please send a shorter reply.",
            "message_too_long",
        )
    else:
        refusal = _rate_refusal(state)
    if refusal:
        # Kept, with why it was refused, as another attempt at the next turn.
        error, message, kind = refusal
        storage_error = _store(
            state,
            text=text,
            move=move,
            move_confidence=move_confidence,
            message_id=message_id,
            error=error,
            turn_index=state.turn + 1,
        )
        reply = _notice(state, message, kind)
        if storage_error:  # "it was kept" would then be untrue: say so
            reply.custom["storage_error"] = storage_error
        return reply

    started = time.perf_counter()
    snapshot = state.to_dict()
    before = state.frustration
    customer_text = state.customer_line
    errors: list[str] = []  # stored with the turn, for trainers and the logs
    said: list[str] = []  # what the client is told: no exception details
    score: Score | None = None
    if history:
        # A refused oversized reply is still in Rasa's history; the customer never
        # answered it, and the scorer must not spend seconds on 100 KB of it.
        history = [h for h in history if len(str(h.get("text") or "")) <= limit]
    scenario = None
    scenario_error: Exception | None = None
    try:
        scenario = get_scenario(state.scenario_id)
    except Exception as exc:  # noqa: BLE001 - reported below, with the customer's answer
        scenario_error = exc
    try:
        # the brief is what the trainee knows of the story: naming it is acknowledgment
        background = scenario.background() if scenario else None
        score = scoring.score(customer_text, text, history, background)
    except Exception as exc:  # noqa: BLE001 - any scorer failure must not lose the turn
        log.exception("scoring failed")
        errors.append(f"scoring failed: {exc!r}")
        said.append("your reply could not be scored")

    result = None
    try:
        if scenario_error is not None:
            raise scenario_error
        result = engine.take_turn(state, scenario, move=move, score=score)
    except Exception as exc:  # noqa: BLE001 - the reply is stored whatever happens
        log.exception("customer reply failed")
        errors.append(f"customer reply failed: {exc!r}")
        said.append("the customer could not answer")
        state = SessionState.from_dict(snapshot)  # undo a half-applied turn
    evidence = score.to_dict()["evidence"] if score else None
    latency_ms = (time.perf_counter() - started) * 1000.0
    turn_index = state.turn if result else state.turn + 1
    storage_error = _store(
        state,
        text=text,
        move=move,
        move_confidence=move_confidence,
        message_id=message_id,
        error="; ".join(errors) or None,
        turn_index=turn_index,
        customer_text=customer_text,
        score=score,
        evidence=evidence,
        before=before,
        after=state.frustration if result else None,
        reply=result.customer_text if result else None,
        remedy=result.remedy_now if result else False,
        latency_ms=latency_ms,
    )

    if storage_error and result is not None:
        # An answered reply that is not stored would be a lost turn: the customer does
        # not react, the state stays as it was, and the trainee sends it again.
        return Reply(
            text="Your reply could not be saved just now (the training database did not "
            "answer), so the customer has not heard it yet. Please send it again.",
            custom=_payload(SessionState.from_dict(snapshot), system=True, notice="storage_error"),
            state=SessionState.from_dict(snapshot),
            changed=False,
        )
    if result is None:
        return Reply(
            text="The customer could not answer because of an error on our side; your "
            "reply was saved. Please try again or start a new scenario.",
            custom=_payload(
                state, system=True, notice="reply_failed", scores=_scores(score), error=said[-1]
            ),
            state=state,
            changed=False,
        )
    extra = {
        "move": move,
        "scores": _scores(score),
        "evidence": evidence,
        "tips": score.tips if score else [],
        "remedy_offered": state.remedy_offered,
        "frustration_before": round(before, 1),
        "latency_ms": round(latency_ms, 1),
    }
    if said:
        extra["error"] = "; ".join(said)
    if storage_error:
        extra["storage_error"] = storage_error
    if state.over:
        extra["summary"] = _finish(state)
    return Reply(
        text=result.customer_text,
        custom=_payload(state, **extra),
        state=state,
        previous=snapshot if state.mode == "practice" and not state.over else None,
    )


def _rate_refusal(state: SessionState) -> tuple[str, str, str] | None:
    """A refusal when this trainee already sent COACH_RATE_LIMIT messages within
    COACH_RATE_WINDOW seconds, else None.

    Counted from the database (the trainee's stored turns in every session), not in
    process memory, so the limit holds when several Rasa and action servers share the
    work. It fails open: a broken setting or an unreadable database must not turn every
    reply away (storing the turn reports its own error).
    """
    try:
        limit, window = config.rate_limit(), config.rate_window()
    except ValueError as exc:
        log.error("rate limit not applied: %s", exc)
        return None
    if limit <= 0:
        return None
    since = datetime.now(UTC) - timedelta(seconds=window)
    try:
        sent = repository.count_trainee_turns_since(state.session_id, since)
    except Exception:  # noqa: BLE001 - the reply still goes through
        log.exception("rate limit not applied: could not count recent turns")
        return None
    if sent < limit:
        return None
    return (
        f"rate limited ({sent} messages in the last {window} s, limit {limit}); not scored",
        f"You are sending messages too fast (more than {limit} in {window} seconds). Please "
        "slow down: your message was kept but not answered. Wait a moment, then send "
        "your reply again.",
        "rate_limited",
    )


def _storage_reachable() -> bool:
    try:
        with connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not reachable" here
        return False
    return True


def _replay(state: SessionState, message_id: str | None) -> Reply | None:
    """The answer already given, when this message was stored *and* applied before.

    A client that lost the answer (a server died after saving the conversation, a
    timeout) resends the message under the same id. Scoring it again would move the
    customer twice for one reply; instead the stored answer comes back and nothing
    changes. A message stored but never applied to the state (the server died before
    saving the conversation) is not a replay: it is played again and stored once.
    """
    if not message_id:
        return None
    try:
        stored = repository.turn_by_message_id(message_id)
    except Exception:  # noqa: BLE001 - without the check the turn is still stored once
        log.exception("could not look up message %s", message_id)
        return None
    if (
        stored is None
        or stored["session_id"] != state.session_id
        or stored["turn_index"] > state.turn
        or stored["customer_reply"] is None
    ):
        return None
    scored = stored["acknowledgment"] is not None
    custom = _payload(
        state,
        turn=stored["turn_index"],
        move=stored["move"],
        scores={d: round(stored[d], 3) for d in DIMENSIONS} if scored else None,
        evidence=stored["evidence"],
        tips=stored["tips"] or [],
        frustration_before=round(stored["frustration_before"], 1),
        replayed=True,
    )
    return Reply(text=stored["customer_reply"], custom=custom, state=state, changed=False)


def rewind(state: SessionState | None, previous: dict | None) -> Reply:
    """Practice mode: take the last reply back and answer the same customer line again.

    The rewound turn stays stored (flagged), so trainers see both attempts; the next
    reply is stored as another attempt at the same turn. One level of undo only.
    """
    if state is None:
        return _notice(None, f"No scenario is running yet. {scenario_menu()}", "no_session")
    if state.mode != "practice":
        return _notice(state, "Rewind is only available in practice mode.", "rewind_unavailable")
    if state.over:
        return _notice(
            state,
            f"This session is over ({state.outcome}); it cannot be rewound.",
            "rewind_unavailable",
        )
    restored = SessionState.from_dict(previous or {})
    if restored is None or restored.session_id != state.session_id or restored.turn >= state.turn:
        return _notice(state, "There is no reply to rewind yet.", "rewind_unavailable")
    try:
        repository.mark_rewound(state.session_id, state.turn)
    except Exception:  # noqa: BLE001 - the rewind itself still works
        log.exception("could not flag turn %s of %s as rewound", state.turn, state.session_id)
        storage_error = "the rewound reply could not be flagged in the database"
    else:
        storage_error = None
    extra = {"system": True, "notice": "rewound", "customer_line": restored.customer_line}
    if storage_error:
        extra["storage_error"] = storage_error
    return Reply(
        text="Rewound your last reply. The customer is still waiting for your answer to: "
        f"\u201c{restored.customer_line}\u201d",
        custom=_payload(restored, **extra),
        state=restored,
    )


def _scores(score: Score | None) -> dict | None:
    if score is None:
        return None
    return {dim: round(getattr(score, dim), 3) for dim in DIMENSIONS}


def _store(
    state: SessionState,
    *,
    text: str,
    move: str,
    move_confidence: float | None,
    message_id: str | None,
    error: str | None,
    turn_index: int,
    customer_text: str | None = None,
    score: Score | None = None,
    evidence: dict | None = None,
    before: float | None = None,
    after: float | None = None,
    reply: str | None = None,
    remedy: bool = False,
    latency_ms: float | None = None,
) -> str | None:
    """Write one turn; returns a message for the trainee if the database refused it."""
    record = repository.TurnRecord(
        session_id=state.session_id,
        turn_index=turn_index,
        trainee_text=text,
        customer_text=customer_text if customer_text is not None else state.customer_line,
        frustration_before=before if before is not None else state.frustration,
        frustration_after=after,
        message_id=message_id,
        move=move,
        move_confidence=move_confidence,
        acknowledgment=score.acknowledgment if score else None,
        validation=score.validation if score else None,
        calm_tone=score.calm_tone if score else None,
        evidence=evidence,
        tips=score.tips if score else None,
        remedy_offered=remedy,
        customer_reply=reply,
        latency_ms=latency_ms,
        error=error,
    )
    deadline = time.monotonic() + STORE_RETRY_SECONDS
    while True:
        try:
            repository.record_turn(record)
        except (StorageUnavailable, OperationalError, InterfaceError):
            if time.monotonic() < deadline:  # a database restart takes a second or two
                time.sleep(0.5)
                continue
            log.exception("could not store turn %s of session %s", turn_index, state.session_id)
        except Exception:  # noqa: BLE001 - tell the trainee, keep the conversation going
            log.exception("could not store turn %s of session %s", turn_index, state.session_id)
        else:
            return None
        return "your reply could not be saved in the database (the server log says why)"


def end(state: SessionState | None) -> Reply:
    """The trainee ends the session: the customer's parting line and the summary."""
    if state is None:
        return _notice(None, f"There is no session to end. {scenario_menu()}", "no_session")
    already_over = state.over
    text = None
    if not already_over:
        try:
            text = engine.end_session(state, get_scenario(state.scenario_id))
        except (UnknownScenario, ScenarioError) as exc:
            state.outcome = "ended"
            text = f"(The session ended; the scenario could not be loaded: {exc})"
    summary = _finish(state)
    if text is None:
        text = f"Session summary: {summary['headline']}"
    return Reply(
        text=text,
        custom=_payload(state, summary=summary),
        state=state,
        extra_messages=[] if already_over else [f"Session summary: {summary['headline']}"],
    )


def _finish(state: SessionState) -> dict:
    """Close the stored session and build the summary the trainee sees."""
    summary = build_summary(state)
    try:
        repository.finish_session(
            state.session_id,
            outcome=state.outcome or "ended",
            final_frustration=state.frustration,
            summary=summary,
            signals=summary.get("signals"),
        )
    except Exception:  # noqa: BLE001
        log.exception("could not close session %s", state.session_id)
        summary["storage_error"] = "the session could not be closed in the database"
    return summary


def build_summary(state: SessionState) -> dict:
    """Outcome, average scores, the mood curve and the session-level signals.

    Rewound and refused replies are left out: the customer never reacted to them.
    """
    try:
        turns = [
            t
            for t in repository.list_turns(state.session_id)
            if t.get("error") is None and not t.get("rewound")
        ]
    except Exception:  # noqa: BLE001 - a summary without history is still a summary
        log.exception("could not read turns of %s", state.session_id)
        turns = []
    signals = scoring.session_signals([t["trainee_text"] for t in turns]) if turns else {}
    return summarise(state, turns, signals)


def summarise(state: SessionState, turns: list[dict], signals: dict) -> dict:
    """The summary of a session from its counted turns (stored rows or in-memory dicts).

    Separate from the database read so bulk writers (coach demo-data) build the very
    same summary without reading every session back.
    """
    averages = {}
    for dim in DIMENSIONS:
        values = [t[dim] for t in turns if t.get(dim) is not None]
        averages[dim] = round(sum(values) / len(values), 3) if values else None
    curve = [turns[0]["frustration_before"]] if turns else [round(state.frustration, 2)]
    curve += [t["frustration_after"] for t in turns if t.get("frustration_after") is not None]
    tips: list[str] = []
    for t in turns:
        for tip in t.get("tips") or []:
            if tip not in tips:
                tips.append(tip)
    scored = [d for d in DIMENSIONS if averages[d] is not None]
    weakest = min(scored, key=lambda d: averages[d]) if scored else None
    outcome = state.outcome or "ended"
    headline = f"{outcome} after {state.turn} turn(s); final frustration {state.frustration:.1f}/10"
    if weakest:
        headline += f"; weakest dimension: {weakest.replace('_', ' ')}"
    return {
        "outcome": outcome,
        "turns": state.turn,
        "final_frustration": round(state.frustration, 1),
        "frustration_curve": curve,
        "averages": averages,
        "weakest": weakest,
        "remedy_offered": state.remedy_offered,
        "signals": signals,
        "tips": tips[:3],
        "headline": headline,
    }
