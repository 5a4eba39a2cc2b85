"""The web app's own tables: accounts and the browser's conversations with the bot.

Kept on their own metadata (same naming convention as ``coach.storage.models``) so the
coach's storage layer does not depend on the web app; migration 0003 creates them.

* ``users``: who may sign in, with a werkzeug password hash and a role.
* ``web_conversations``: one row per scenario a user starts in the browser. It binds the
  Rasa conversation id (the REST ``sender``, generated here, never chosen by the browser)
  to its owner, and keeps what the coach's tables do not have before the first reply:
  the customer's opening line, the persona and the mode. That is what lets a reload
  rebuild the chat from the database alone. ``pending_*`` remember a reply that was sent
  but whose answer never arrived (timeout), so a retry does not send it twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declarative_base

from coach.storage.models import JSON, NAMING_CONVENTION, UTCDateTime, utcnow

WebBase: Any = declarative_base(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))

ROLES: tuple[str, ...] = ("trainee", "trainer")
CONVERSATION_STATUSES: tuple[str, ...] = ("active", "over")


def new_conversation_id() -> str:
    """The Rasa sender id: random, so it can be neither guessed nor chosen by a client."""
    return f"web-{uuid.uuid4().hex}"


class User(WebBase):
    __tablename__ = "users"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    username: Mapped[str] = sa.Column(sa.String(40), nullable=False, unique=True)
    password_hash: Mapped[str] = sa.Column(sa.String(255), nullable=False)
    role: Mapped[str] = sa.Column(
        sa.String(20), nullable=False, default="trainee", server_default="trainee"
    )
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, default=utcnow)


class WebConversation(WebBase):
    __tablename__ = "web_conversations"

    id: Mapped[str] = sa.Column(sa.String(64), primary_key=True, default=new_conversation_id)
    user_id: Mapped[int] = sa.Column(
        sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scenario_id: Mapped[str] = sa.Column(sa.String(100), nullable=False)
    mode: Mapped[str] = sa.Column(sa.String(20), nullable=False)
    # The coach's session (sessions.id); null until the bot has answered the start.
    session_id: Mapped[str | None] = sa.Column(sa.String(36), nullable=True, index=True)
    status: Mapped[str] = sa.Column(
        sa.String(20), nullable=False, default="active", server_default="active"
    )
    title: Mapped[str | None] = sa.Column(sa.String(300), nullable=True)
    customer_name: Mapped[str | None] = sa.Column(sa.String(200), nullable=True)
    situation: Mapped[str | None] = sa.Column(sa.Text, nullable=True)
    opening_line: Mapped[str | None] = sa.Column(sa.Text, nullable=True)
    start_payload: Mapped[dict[str, Any] | None] = sa.Column(JSON, nullable=True)
    pending_text: Mapped[str | None] = sa.Column(sa.Text, nullable=True)
    pending_since: Mapped[datetime | None] = sa.Column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


WEB_TABLES: frozenset[str] = frozenset(WebBase.metadata.tables)
