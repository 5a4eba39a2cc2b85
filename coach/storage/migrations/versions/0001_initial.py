"""Initial schema: trainees, scenario_versions, sessions, turns.

Written out by hand (not imported from models.py) so this revision stays what it
was when later model changes ship as new revisions. Creates only the coach's own
tables; Rasa's ``events`` table in the same database is never touched.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trainees"),
        sa.UniqueConstraint("name", name="uq_trainees_name"),
    )
    op.create_table(
        "scenario_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scenario_versions"),
        sa.UniqueConstraint(
            "scenario_id", "version", name="uq_scenario_versions_scenario_id_version"
        ),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("scenario_version_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("scenario_version", sa.String(length=64), nullable=False),
        sa.Column("scorer_version", sa.String(length=50), nullable=False),
        sa.Column("mode", sa.String(length=20), server_default="practice", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("starting_frustration", sa.Float(), nullable=False),
        sa.Column("final_frustration", sa.Float(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["trainees.id"], name="fk_sessions_trainee_id_trainees"
        ),
        sa.ForeignKeyConstraint(
            ["scenario_version_id"],
            ["scenario_versions.id"],
            name="fk_sessions_scenario_version_id_scenario_versions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    for column in (
        "conversation_id",
        "trainee_id",
        "scenario_version_id",
        "scenario_id",
        "started_at",
        "outcome",
    ):
        op.create_index(f"ix_sessions_{column}", "sessions", [column])

    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("move", sa.String(length=50), nullable=True),
        sa.Column("move_confidence", sa.Float(), nullable=True),
        sa.Column("customer_text", sa.Text(), nullable=False),
        sa.Column("trainee_text", sa.Text(), nullable=False),
        sa.Column("acknowledgment", sa.Float(), nullable=True),
        sa.Column("validation", sa.Float(), nullable=True),
        sa.Column("calm_tone", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("tips", sa.JSON(), nullable=True),
        sa.Column("remedy_offered", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("frustration_before", sa.Float(), nullable=False),
        sa.Column("frustration_after", sa.Float(), nullable=True),
        sa.Column("customer_reply", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_turns_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        sa.UniqueConstraint("message_id", name="uq_turns_message_id"),
        sa.UniqueConstraint(
            "session_id", "turn_index", "attempt", name="uq_turns_session_id_turn_index_attempt"
        ),
    )
    op.create_index("ix_turns_session_id", "turns", ["session_id"])


def downgrade() -> None:
    op.drop_table("turns")
    op.drop_table("sessions")
    op.drop_table("scenario_versions")
    op.drop_table("trainees")
