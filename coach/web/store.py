"""Reads and writes of the web app's conversations, and the trainee's history.

``web_conversations`` is the web app's own table (see models.py). The trainee's
history is read from the coach's tables (sessions, turns) through SQL here and
``coach.storage.repository`` for a session's turns; nothing here writes to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from coach.storage.db import ensure_schema, session_scope
from coach.storage.models import CoachSession, Trainee, utcnow
from coach.web.models import WebConversation

_CONV_FIELDS = tuple(c.key for c in WebConversation.__table__.columns)


def _conv(row: WebConversation) -> dict[str, Any]:
    return {key: getattr(row, key) for key in _CONV_FIELDS}


def create_conversation(
    user_id: int, scenario_id: str, mode: str, *, url: str | None = None
) -> dict[str, Any]:
    ensure_schema(url)
    with session_scope(url) as s:
        row = WebConversation(user_id=user_id, scenario_id=scenario_id, mode=mode)
        s.add(row)
        s.flush()
        return _conv(row)


def get_conversation(conversation_id: str, *, url: str | None = None) -> dict[str, Any] | None:
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        row = s.get(WebConversation, conversation_id)
        return None if row is None else _conv(row)


def conversation_for_session(session_id: str, *, url: str | None = None) -> dict[str, Any] | None:
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        row = s.execute(
            select(WebConversation).where(WebConversation.session_id == session_id).limit(1)
        ).scalar_one_or_none()
        return None if row is None else _conv(row)


def delete_conversation(conversation_id: str, *, url: str | None = None) -> None:
    ensure_schema(url)
    with session_scope(url) as s:
        row = s.get(WebConversation, conversation_id)
        if row is not None:
            s.delete(row)


def update_conversation(conversation_id: str, *, url: str | None = None, **values: Any) -> None:
    unknown = set(values) - set(_CONV_FIELDS)
    if unknown:
        raise ValueError(f"unknown conversation fields: {sorted(unknown)}")
    ensure_schema(url)
    values["updated_at"] = utcnow()
    with session_scope(url) as s:
        s.execute(
            update(WebConversation)
            .where(WebConversation.id == conversation_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def record_start(
    conversation_id: str, custom: dict, opening_line: str, *, url: str | None = None
) -> None:
    """Keep what the start answer said: the coach's tables have none of it before turn 1."""
    update_conversation(
        conversation_id,
        url=url,
        session_id=custom.get("session_id"),
        title=_clip(custom.get("title"), 300),
        customer_name=_clip(custom.get("customer"), 200),
        situation=custom.get("situation"),
        opening_line=opening_line,
        start_payload={k: v for k, v in custom.items() if not isinstance(v, (dict, list))},
    )


def _clip(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def active_conversations(user_id: int, *, url: str | None = None) -> list[dict[str, Any]]:
    """The user's conversations still running, newest first."""
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        rows = s.execute(
            select(WebConversation)
            .where(
                WebConversation.user_id == user_id,
                WebConversation.status == "active",
                WebConversation.session_id.is_not(None),
            )
            .order_by(WebConversation.created_at.desc())
        ).scalars()
        return [_conv(r) for r in rows]


def trainee_sessions(
    username: str, *, scenario_id: str | None = None, url: str | None = None
) -> list[dict[str, Any]]:
    """Every session stored for this trainee name, newest first, with its conversation id."""
    ensure_schema(url)
    stmt = (
        select(CoachSession, WebConversation.id)
        .join(Trainee, CoachSession.trainee_id == Trainee.id)
        .outerjoin(WebConversation, WebConversation.session_id == CoachSession.id)
        .where(Trainee.name == username)
        .order_by(CoachSession.started_at.desc())
    )
    if scenario_id:
        stmt = stmt.where(CoachSession.scenario_id == scenario_id)
    with session_scope(url, readonly=True) as s:
        out = []
        for row, conversation_id in s.execute(stmt).all():
            out.append(
                {
                    "session_id": row.id,
                    "scenario": row.scenario_id,
                    "mode": row.mode,
                    "started_at": row.started_at,
                    "ended_at": row.ended_at,
                    "outcome": row.outcome,
                    "final_frustration": row.final_frustration,
                    "starting_frustration": row.starting_frustration,
                    "conversation_id": conversation_id,
                }
            )
        return out


def set_pending(conversation_id: str, text: str | None, *, url: str | None = None) -> None:
    """Remember (or forget, with None) a reply whose answer has not arrived yet."""
    since: datetime | None = utcnow() if text is not None else None
    update_conversation(conversation_id, url=url, pending_text=text, pending_since=since)
