"""The coach's own tables: trainees, scenario versions, sessions and scored turns.

Written for SQLAlchemy 1.4 in the 2.0 style (``Mapped[...]`` annotations on classic
``Column`` objects, because ``mapped_column`` only exists from 2.0 on). Every type
here behaves the same on SQLite and PostgreSQL, so a trainer's export does not
depend on which database a deployment picked.

Rasa's SQL tracker store keeps its ``events`` table in the same database; it is not
ours, so :func:`include_object` keeps Alembic from ever proposing to drop or alter it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, declarative_base, relationship
from sqlalchemy.types import TypeDecorator

# Explicit constraint names: the same on both databases, so later migrations can
# refer to them by name (SQLite's batch mode needs that to drop or alter one).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))

MODES: tuple[str, ...] = ("practice", "assessment")

# Python None becomes SQL NULL (not the JSON value null), so "IS NULL" means "absent"
# on both databases.
JSON = sa.JSON(none_as_null=True)


def utcnow() -> datetime:
    """Timezone-aware now; a Python-side default so both databases store the same value."""
    return datetime.now(UTC)


def new_session_id() -> str:
    """Session ids are uuid4 strings so two processes never need to agree on a counter."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """A datetime that always comes back timezone-aware in UTC.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored there as naive UTC. Converting on the way in and out hides the
    difference: callers always get aware UTC datetimes, and comparisons (such as
    the export's ``since``) see the same values on both databases. A naive value
    passed in is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Trainee(Base):
    """A person practising; identified by the name the chat front end sends."""

    __tablename__ = "trainees"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    name: Mapped[str] = sa.Column(sa.String(200), nullable=False, unique=True)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    sessions: Mapped[list[CoachSession]] = relationship("CoachSession", back_populates="trainee")


class ScenarioVersion(Base):
    """The exact scenario content a session was played against.

    Scenario files change; keeping each version's raw content means a trainer can
    still see what the customer was told to say in an old session.
    """

    __tablename__ = "scenario_versions"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "version"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    scenario_id: Mapped[str] = sa.Column(sa.String(100), nullable=False)
    version: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    title: Mapped[str] = sa.Column(sa.String(300), nullable=False)
    content: Mapped[dict[str, Any]] = sa.Column(JSON, nullable=False)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    sessions: Mapped[list[CoachSession]] = relationship(
        "CoachSession", back_populates="scenario_version_row"
    )


class CoachSession(Base):
    """One practice conversation: who, which scenario, how it ended.

    ``scenario_id``/``scenario_version`` repeat what the scenario_versions row holds
    so trainers' filters and the export need no join.
    """

    __tablename__ = "sessions"

    id: Mapped[str] = sa.Column(sa.String(36), primary_key=True, default=new_session_id)
    conversation_id: Mapped[str] = sa.Column(sa.String(255), nullable=False, index=True)
    trainee_id: Mapped[int] = sa.Column(
        sa.Integer, sa.ForeignKey("trainees.id"), nullable=False, index=True
    )
    scenario_version_id: Mapped[int] = sa.Column(
        sa.Integer, sa.ForeignKey("scenario_versions.id"), nullable=False, index=True
    )
    scenario_id: Mapped[str] = sa.Column(sa.String(100), nullable=False, index=True)
    scenario_version: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    scorer_version: Mapped[str] = sa.Column(sa.String(50), nullable=False)
    mode: Mapped[str] = sa.Column(
        sa.String(20), nullable=False, default="practice", server_default="practice"
    )
    started_at: Mapped[datetime] = sa.Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    ended_at: Mapped[datetime | None] = sa.Column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = sa.Column(sa.String(20), nullable=True, index=True)
    starting_frustration: Mapped[float] = sa.Column(sa.Float, nullable=False)
    final_frustration: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    summary: Mapped[dict[str, Any] | None] = sa.Column(JSON, nullable=True)
    signals: Mapped[dict[str, Any] | None] = sa.Column(JSON, nullable=True)

    trainee: Mapped[Trainee] = relationship("Trainee", back_populates="sessions")
    scenario_version_row: Mapped[ScenarioVersion] = relationship(
        "ScenarioVersion", back_populates="sessions"
    )
    turns: Mapped[list[Turn]] = relationship(
        "Turn",
        back_populates="session",
        order_by=lambda: [Turn.turn_index, Turn.attempt],
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Turn(Base):
    """One trainee reply, its scores and the customer's answer.

    ``trainee_text`` is required and everything about scoring is nullable: a
    reply is stored even when scoring or the customer's answer failed (``error``
    says what failed), so nothing a trainee typed is lost. ``message_id`` is the
    Rasa user message id; its unique constraint makes a retried action a no-op
    (NULLs do not collide, on SQLite or PostgreSQL).
    """

    __tablename__ = "turns"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "turn_index", "attempt"),
        # The per-trainee rate limit counts a trainee's recent turns session by session:
        # with this index each session is one range seek, however long its history.
        sa.Index("ix_turns_session_id_created_at", "session_id", "created_at"),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    session_id: Mapped[str] = sa.Column(
        sa.String(36),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    turn_index: Mapped[int] = sa.Column(sa.Integer, nullable=False)
    attempt: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    message_id: Mapped[str | None] = sa.Column(sa.String(255), nullable=True, unique=True)
    move: Mapped[str | None] = sa.Column(sa.String(50), nullable=True)
    move_confidence: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    customer_text: Mapped[str] = sa.Column(sa.Text, nullable=False)
    trainee_text: Mapped[str] = sa.Column(sa.Text, nullable=False)
    acknowledgment: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    validation: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    calm_tone: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    evidence: Mapped[dict[str, Any] | None] = sa.Column(JSON, nullable=True)
    tips: Mapped[list[str] | None] = sa.Column(JSON, nullable=True)
    remedy_offered: Mapped[bool] = sa.Column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    # Practice mode: the trainee took this reply back and tried another wording.
    rewound: Mapped[bool] = sa.Column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    frustration_before: Mapped[float] = sa.Column(sa.Float, nullable=False)
    frustration_after: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    customer_reply: Mapped[str | None] = sa.Column(sa.Text, nullable=True)
    latency_ms: Mapped[float | None] = sa.Column(sa.Float, nullable=True)
    error: Mapped[str | None] = sa.Column(sa.Text, nullable=True)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    session: Mapped[CoachSession] = relationship("CoachSession", back_populates="turns")


OWNED_TABLES: frozenset[str] = frozenset(Base.metadata.tables)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: only manage our own tables (never Rasa's ``events``)."""
    if type_ == "table":
        return name in OWNED_TABLES
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name in OWNED_TABLES
    return True
