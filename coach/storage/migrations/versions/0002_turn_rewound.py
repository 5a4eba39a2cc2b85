"""Turns remember whether the trainee rewound them (practice mode).

A rewound reply stays stored, as the trainee wrote it and as it was scored; the next
reply at the same turn is stored as the next attempt. Trainers see both as branches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.add_column(
            sa.Column("rewound", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("rewound")
