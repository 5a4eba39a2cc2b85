"""What the rest of the coach calls to store and read sessions and turns.

Each function is one short transaction, and each migrates the database on first
use in the process (:func:`coach.storage.db.ensure_schema`), so the Rasa server and
the action server need no separate setup step. Values are checked here, not left
to the database, so SQLite (which ignores string lengths) and PostgreSQL (which
does not) accept and refuse exactly the same things.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from coach.scenarios.model import ENDINGS
from coach.storage.db import ensure_schema, session_scope
from coach.storage.models import MODES, CoachSession, ScenarioVersion, Trainee, Turn, utcnow
from coach.text import storable as storable_text

EXPORT_BATCH_SIZE = 500

# Keys of an exported session and of each of its turns (contract §1), in output order.
SESSION_EXPORT_KEYS: tuple[str, ...] = (
    "session_id",
    "trainee",
    "scenario",
    "scenario_version",
    "scorer_version",
    "mode",
    "started_at",
    "ended_at",
    "outcome",
    "final_frustration",
)
TURN_EXPORT_KEYS: tuple[str, ...] = (
    "turn_index",
    "attempt",
    "move",
    "customer_text",
    "trainee_text",
    "acknowledgment",
    "validation",
    "calm_tone",
    "evidence",
    "tips",
    "frustration_before",
    "frustration_after",
    "customer_reply",
    "latency_ms",
    "error",
    "rewound",
    "created_at",
)


class UnknownSession(LookupError):
    """The session id names no stored session."""


class DuplicateTurn(ValueError):
    """A turn with this (session, turn_index, attempt) is already stored.

    Distinct from a retried message (same ``message_id``), which is not an error.
    """


@dataclass
class TurnRecord:
    """One trainee reply and what came of it, as the action server hands it over.

    Scores are None when scoring failed; ``error`` then says what failed. The reply
    text is required so that it is stored whatever else went wrong.
    """

    session_id: str
    turn_index: int
    trainee_text: str
    customer_text: str
    frustration_before: float
    # None: the next free attempt at this turn. Every message sent at a turn is kept,
    # including ones refused before scoring (too long) and, later, rewound replies.
    attempt: int | None = None
    message_id: str | None = None
    move: str | None = None
    move_confidence: float | None = None
    acknowledgment: float | None = None
    validation: float | None = None
    calm_tone: float | None = None
    evidence: dict[str, Any] | None = None
    tips: list[str] | None = None
    remedy_offered: bool = False
    frustration_after: float | None = None
    customer_reply: str | None = None
    latency_ms: float | None = None
    error: str | None = None
    created_at: datetime | None = None


# --------------------------------------------------------------------------- helpers


@contextmanager
def _write(url: str | None) -> Iterator[Session]:
    ensure_schema(url)
    with session_scope(url) as session:
        yield session


@contextmanager
def _read(url: str | None) -> Iterator[Session]:
    ensure_schema(url)
    with session_scope(url, readonly=True) as session:
        yield session


def _check_str(name: str, value: object, limit: int, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {limit}")


def _check_number(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _text(value: str | None) -> str | None:
    """Text as both databases can store it (see :func:`coach.text.storable`)."""
    return None if value is None else storable_text(value)


def _jsonable(value: Any) -> Any:
    """Plain JSON data from what callers have at hand (e.g. ``Span`` dataclasses)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, str):
        return storable_text(value)
    return value


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else _aware_utc(value).isoformat()


def _get_or_create(session: Session, stmt: Any, factory: Any) -> Any:
    """Select, else insert; if another process inserted first, select its row."""
    row = session.execute(stmt).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = factory()
            session.add(row)
        return row
    except IntegrityError:
        return session.execute(stmt).scalar_one()


# --------------------------------------------------------------------------- writes


def start_session(
    *,
    trainee: str,
    scenario_id: str,
    scenario_version: str,
    scenario_title: str,
    scenario_content: dict,
    scorer_version: str,
    mode: str,
    conversation_id: str,
    starting_frustration: float,
    url: str | None = None,
) -> str:
    """Store a new session (creating the trainee and scenario-version rows as needed).

    Returns the new session's id (a uuid4 string).
    """
    if isinstance(trainee, str):
        trainee = storable_text(trainee)
    if isinstance(conversation_id, str):
        conversation_id = storable_text(conversation_id)
    _check_str("trainee", trainee, 200)
    _check_str("scenario_id", scenario_id, 100)
    _check_str("scenario_version", scenario_version, 64)
    _check_str("scenario_title", scenario_title, 300)
    _check_str("scorer_version", scorer_version, 50)
    _check_str("conversation_id", conversation_id, 255)
    _check_number("starting_frustration", starting_frustration)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not isinstance(scenario_content, dict):
        raise ValueError(f"scenario_content must be a dict, got {type(scenario_content).__name__}")
    content = _jsonable(scenario_content)

    with _write(url) as s:
        trainee_row = _get_or_create(
            s, select(Trainee).where(Trainee.name == trainee), lambda: Trainee(name=trainee)
        )
        version_row = _get_or_create(
            s,
            select(ScenarioVersion).where(
                ScenarioVersion.scenario_id == scenario_id,
                ScenarioVersion.version == scenario_version,
            ),
            lambda: ScenarioVersion(
                scenario_id=scenario_id,
                version=scenario_version,
                title=scenario_title,
                content=content,
            ),
        )
        row = CoachSession(
            conversation_id=conversation_id,
            trainee=trainee_row,
            scenario_version_row=version_row,
            scenario_id=scenario_id,
            scenario_version=scenario_version,
            scorer_version=scorer_version,
            mode=mode,
            started_at=utcnow(),
            starting_frustration=float(starting_frustration),
        )
        s.add(row)
        s.flush()
        return row.id


def _validate_turn(rec: TurnRecord) -> None:
    _check_str("session_id", rec.session_id, 36)
    if (
        isinstance(rec.turn_index, bool)
        or not isinstance(rec.turn_index, int)
        or rec.turn_index < 1
    ):
        raise ValueError(f"turn_index must be an int >= 1 (1-based), got {rec.turn_index!r}")
    if rec.attempt is not None and (
        isinstance(rec.attempt, bool) or not isinstance(rec.attempt, int) or rec.attempt < 0
    ):
        raise ValueError(f"attempt must be an int >= 0, got {rec.attempt!r}")
    if not isinstance(rec.trainee_text, str):
        raise ValueError(f"trainee_text must be a string, got {type(rec.trainee_text).__name__}")
    if not isinstance(rec.customer_text, str):
        raise ValueError(f"customer_text must be a string, got {type(rec.customer_text).__name__}")
    _check_str("message_id", rec.message_id, 255, optional=True)
    _check_str("move", rec.move, 50, optional=True)
    _check_number("frustration_before", rec.frustration_before)
    for name in (
        "move_confidence",
        "acknowledgment",
        "validation",
        "calm_tone",
        "frustration_after",
        "latency_ms",
    ):
        _check_number(name, getattr(rec, name), optional=True)


def record_turn(rec: TurnRecord, url: str | None = None) -> int:
    """Store one turn and return its id.

    A turn whose ``message_id`` is already stored is not stored again: the existing
    row's id comes back (Rasa retries actions). Raises :class:`DuplicateTurn` when
    the (session, turn_index, attempt) slot is taken by another message, and
    :class:`UnknownSession` when the session does not exist.
    """
    _validate_turn(rec)
    by_message = select(Turn.id).where(Turn.message_id == rec.message_id)
    with _write(url) as s:
        if rec.message_id is not None:
            existing = s.execute(by_message).scalar_one_or_none()
            if existing is not None:
                return existing
        attempt = rec.attempt
        if attempt is None:
            taken = s.execute(
                select(func.max(Turn.attempt)).where(
                    Turn.session_id == rec.session_id, Turn.turn_index == rec.turn_index
                )
            ).scalar_one_or_none()
            attempt = 0 if taken is None else taken + 1
        turn = Turn(
            session_id=rec.session_id,
            turn_index=rec.turn_index,
            attempt=attempt,
            message_id=rec.message_id,
            move=rec.move,
            move_confidence=rec.move_confidence,
            customer_text=_text(rec.customer_text),
            trainee_text=_text(rec.trainee_text),
            acknowledgment=rec.acknowledgment,
            validation=rec.validation,
            calm_tone=rec.calm_tone,
            evidence=_jsonable(rec.evidence),
            tips=_jsonable(rec.tips),
            remedy_offered=bool(rec.remedy_offered),
            frustration_before=float(rec.frustration_before),
            frustration_after=rec.frustration_after,
            customer_reply=_text(rec.customer_reply),
            latency_ms=rec.latency_ms,
            error=_text(rec.error),
            created_at=rec.created_at or utcnow(),
        )
        try:
            with s.begin_nested():
                s.add(turn)
        except IntegrityError as e:
            if rec.message_id is not None:
                existing = s.execute(by_message).scalar_one_or_none()
                if existing is not None:  # another process stored the same message first
                    return existing
            if s.get(CoachSession, rec.session_id) is None:
                raise UnknownSession(f"no stored session {rec.session_id!r}") from e
            raise DuplicateTurn(
                f"session {rec.session_id} already has turn {rec.turn_index} attempt "
                f"{attempt} (from another message); use a new attempt number"
            ) from e
        return turn.id


def mark_rewound(session_id: str, turn_index: int, url: str | None = None) -> bool:
    """Flag the latest scored attempt at `turn_index` as rewound; False if there is none.

    The row is kept as it was (text, scores); the flag only says the trainee took it back.
    """
    with _write(url) as s:
        row = s.execute(
            select(Turn)
            .where(
                Turn.session_id == session_id,
                Turn.turn_index == turn_index,
                Turn.error.is_(None),
            )
            .order_by(Turn.attempt.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            return False
        row.rewound = True
        return True


def finish_session(
    session_id: str,
    *,
    outcome: str,
    final_frustration: float,
    summary: dict | None = None,
    signals: dict | None = None,
    url: str | None = None,
) -> None:
    """Mark a session ended. Only the first call counts: a session that has already
    ended keeps its outcome (an "escalated" is not overwritten by a later /end_session).
    """
    if outcome not in ENDINGS:
        raise ValueError(f"outcome must be one of {', '.join(ENDINGS)}, got {outcome!r}")
    _check_number("final_frustration", final_frustration)
    with _write(url) as s:
        result = s.execute(
            update(CoachSession)
            .where(CoachSession.id == session_id, CoachSession.ended_at.is_(None))
            .values(
                ended_at=utcnow(),
                outcome=outcome,
                final_frustration=float(final_frustration),
                summary=_jsonable(summary),
                signals=_jsonable(signals),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0 and s.get(CoachSession, session_id) is None:
            raise UnknownSession(f"no stored session {session_id!r}")


# --------------------------------------------------------------------------- reads


def _session_dict(row: CoachSession) -> dict[str, Any]:
    return {
        "session_id": row.id,
        "conversation_id": row.conversation_id,
        "trainee": row.trainee.name,
        "scenario": row.scenario_id,
        "scenario_title": row.scenario_version_row.title,
        "scenario_version": row.scenario_version,
        "scorer_version": row.scorer_version,
        "mode": row.mode,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "outcome": row.outcome,
        "starting_frustration": row.starting_frustration,
        "final_frustration": row.final_frustration,
        "summary": row.summary,
        "signals": row.signals,
    }


_TURN_COLUMNS: tuple[str, ...] = tuple(c.key for c in Turn.__table__.columns)


def _turn_dict(row: Turn) -> dict[str, Any]:
    return {key: getattr(row, key) for key in _TURN_COLUMNS}


def get_session(session_id: str, url: str | None = None) -> dict[str, Any] | None:
    """The stored session (datetimes as aware UTC ``datetime``), or None."""
    with _read(url) as s:
        row = s.execute(
            select(CoachSession)
            .options(
                joinedload(CoachSession.trainee), joinedload(CoachSession.scenario_version_row)
            )
            .where(CoachSession.id == session_id)
        ).scalar_one_or_none()
        return None if row is None else _session_dict(row)


def turn_by_message_id(message_id: str, url: str | None = None) -> dict[str, Any] | None:
    """The turn stored for this message id (unique), or None."""
    with _read(url) as s:
        row = s.execute(select(Turn).where(Turn.message_id == message_id)).scalar_one_or_none()
        return None if row is None else _turn_dict(row)


def list_turns(session_id: str, url: str | None = None) -> list[dict[str, Any]]:
    """Every stored column of the session's turns, by turn_index then attempt."""
    with _read(url) as s:
        rows = s.execute(
            select(Turn)
            .where(Turn.session_id == session_id)
            .order_by(Turn.turn_index, Turn.attempt)
        ).scalars()
        return [_turn_dict(r) for r in rows]


def count_trainee_turns_since(session_id: str, since: datetime, url: str | None = None) -> int:
    """How many turns the trainee who owns ``session_id`` stored at or after ``since``,
    over all their sessions (refused attempts included: every message sent counts).

    The rate limit asks this on every reply; it is one query, answered from the
    sessions' trainee index and the turns' (session_id, created_at) index, and it reads
    the shared database, so it holds across several Rasa and action servers. 0 when the
    session is unknown.
    """
    _check_str("session_id", session_id, 36)
    if not isinstance(since, datetime):
        raise ValueError(f"since must be a datetime, got {since!r}")
    owner = select(CoachSession.trainee_id).where(CoachSession.id == session_id)
    stmt = (
        select(func.count(Turn.id))
        .join(CoachSession, Turn.session_id == CoachSession.id)
        .where(
            CoachSession.trainee_id == owner.scalar_subquery(),
            Turn.created_at >= _aware_utc(since),
        )
    )
    with _read(url) as s:
        return int(s.execute(stmt).scalar_one())


def _export_dict(row: CoachSession) -> dict[str, Any]:
    out: dict[str, Any] = {
        "session_id": row.id,
        "trainee": row.trainee.name,
        "scenario": row.scenario_id,
        "scenario_version": row.scenario_version,
        "scorer_version": row.scorer_version,
        "mode": row.mode,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "outcome": row.outcome,
        "final_frustration": row.final_frustration,
    }
    out["turns"] = [
        {
            key: _iso(t.created_at) if key == "created_at" else getattr(t, key)
            for key in TURN_EXPORT_KEYS
        }
        for t in row.turns
    ]
    return out


def sessions_for_export(
    since: datetime | None = None,
    url: str | None = None,
    *,
    batch_size: int = EXPORT_BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """Every session started at or after ``since`` (all when None), oldest first,
    with its turns, as JSON-ready dicts (contract §1; datetimes as ISO 8601 strings).

    Reads ``batch_size`` sessions per short transaction, paging on
    (started_at, id), so a large database is never held in memory or in one long
    read; each batch costs two queries (sessions with trainee, then all their turns).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    since_utc = None if since is None else _aware_utc(since)
    after: tuple[datetime, str] | None = None
    while True:
        stmt = (
            select(CoachSession)
            .options(joinedload(CoachSession.trainee), selectinload(CoachSession.turns))
            .order_by(CoachSession.started_at, CoachSession.id)
            .limit(batch_size)
        )
        if since_utc is not None:
            stmt = stmt.where(CoachSession.started_at >= since_utc)
        if after is not None:
            started, sid = after
            stmt = stmt.where(
                or_(
                    CoachSession.started_at > started,
                    and_(CoachSession.started_at == started, CoachSession.id > sid),
                )
            )
        with _read(url) as s:
            rows = s.execute(stmt).unique().scalars().all()
            batch = [_export_dict(r) for r in rows]
            if rows:
                after = (rows[-1].started_at, rows[-1].id)
        yield from batch
        if len(rows) < batch_size:
            return
