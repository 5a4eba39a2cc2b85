"""Storage of practice sessions and scored turns in SQL, for trainers to review.

One database (``COACH_DATABASE_URL``, SQLite or PostgreSQL) holds these tables and
Rasa's tracker store; schema changes ship as Alembic migrations in ``migrations/``.
Import from here; the submodules are implementation detail.
"""

from __future__ import annotations

from coach.storage.db import (
    StorageUnavailable,
    dispose_engine,
    ensure_schema,
    get_engine,
    session_scope,
    upgrade,
)
from coach.storage.export import export, parse_since
from coach.storage.repository import (
    DuplicateTurn,
    TurnRecord,
    UnknownSession,
    finish_session,
    get_session,
    list_turns,
    record_turn,
    sessions_for_export,
    start_session,
)

__all__ = [
    "DuplicateTurn",
    "StorageUnavailable",
    "TurnRecord",
    "UnknownSession",
    "dispose_engine",
    "ensure_schema",
    "export",
    "finish_session",
    "get_engine",
    "get_session",
    "list_turns",
    "parse_since",
    "record_turn",
    "session_scope",
    "sessions_for_export",
    "start_session",
    "upgrade",
]
