"""Trainer review: a trainer's judgement (present/absent) on each scored dimension of a
reply, with the machine score it corrects or confirms kept next to it.

One row per (turn, dimension); a later edit updates the row. Written out by hand, like
0001 and 0003, so it stays what it was when the models change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("machine_score", sa.Float(), nullable=False),
        sa.Column("trainer_label", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("trainer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["turn_id"], ["turns.id"], name="fk_overrides_turn_id_turns", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"], ["users.id"], name="fk_overrides_trainer_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_overrides"),
        sa.UniqueConstraint("turn_id", "dimension", name="uq_overrides_turn_id_dimension"),
    )
    op.create_index("ix_overrides_trainer_id", "overrides", ["trainer_id"])


def downgrade() -> None:
    op.drop_table("overrides")
