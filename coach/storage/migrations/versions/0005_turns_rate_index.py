"""Turns indexed by (session_id, created_at) for the per-trainee rate limit.

The rate limit (coach.service) counts the turns a trainee stored within the last
minute across all their sessions, on every reply and from every action server; the
index keeps that one seek per session instead of a scan of the session's history.
Written out by hand, like 0001, so it stays what it was when the models change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_turns_session_id_created_at", "turns", ["session_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_turns_session_id_created_at", table_name="turns")
