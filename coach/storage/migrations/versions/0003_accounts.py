"""Web app: user accounts and the browser's conversations with the bot.

``users`` holds who may sign in (werkzeug password hash, role trainee|trainer);
``web_conversations`` binds each Rasa conversation id the web app generated to its
owner and keeps the customer's opening line, so a reloaded chat page resumes.
Written out by hand, like 0001, so it stays what it was when the models change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), server_default="trainee", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "web_conversations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("situation", sa.Text(), nullable=True),
        sa.Column("opening_line", sa.Text(), nullable=True),
        sa.Column("start_payload", sa.JSON(), nullable=True),
        sa.Column("pending_text", sa.Text(), nullable=True),
        sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_web_conversations_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_conversations"),
    )
    op.create_index("ix_web_conversations_user_id", "web_conversations", ["user_id"])
    op.create_index("ix_web_conversations_session_id", "web_conversations", ["session_id"])


def downgrade() -> None:
    op.drop_table("web_conversations")
    op.drop_table("users")
