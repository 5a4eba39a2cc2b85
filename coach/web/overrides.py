"""Trainer judgements on the scorer's output, and how far trainers agree with it.

A trainer reviews a reply and says, for each of the three dimensions, whether the
quality was *present* (1) or *absent* (0). The machine's score at that moment is copied
next to the judgement, so the comparison survives later changes to the turn. One row
per (turn, dimension): a later edit updates it. Leaving the machine's call as it was
("confirm") is stored the same way and counts for the agreement figures.

The table lives on its own metadata (migration 0004), like the web app's accounts, so
the coach's storage layer does not depend on the review pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declarative_base

from coach.storage.db import ensure_schema, session_scope
from coach.storage.models import NAMING_CONVENTION, CoachSession, Turn, UTCDateTime, utcnow
from coach.web.chat import DIMENSIONS, THRESHOLD
from coach.web.models import User

ReviewBase: Any = declarative_base(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))

MAX_COMMENT = 2000


class Override(ReviewBase):
    __tablename__ = "overrides"
    __table_args__ = (sa.UniqueConstraint("turn_id", "dimension"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    turn_id: Mapped[int] = sa.Column(
        sa.Integer, sa.ForeignKey(Turn.id, ondelete="CASCADE"), nullable=False
    )
    dimension: Mapped[str] = sa.Column(sa.String(20), nullable=False)
    machine_score: Mapped[float] = sa.Column(sa.Float, nullable=False)
    trainer_label: Mapped[int] = sa.Column(sa.Integer, nullable=False)
    comment: Mapped[str | None] = sa.Column(sa.Text, nullable=True)
    trainer_id: Mapped[int | None] = sa.Column(
        sa.Integer, sa.ForeignKey(User.id, ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, default=utcnow)


REVIEW_TABLES: frozenset[str] = frozenset(ReviewBase.metadata.tables)


def machine_label(score: float) -> int:
    """The scorer's own call: present when the score is at or above the 0.5 line."""
    return 1 if float(score) >= THRESHOLD else 0


# --------------------------------------------------------------------------- writes


def save_judgements(
    turn_id: int,
    labels: dict[str, int],
    *,
    comment: str | None,
    trainer_id: int | None,
    url: str | None = None,
) -> int:
    """Store the trainer's label for each dimension in ``labels`` (0 or 1) on a reply.

    The machine score is read from the turn and kept next to the label. Returns how
    many judgements were written. Raises LookupError for an unknown turn and ValueError
    for a turn that was never scored, an unknown dimension or a label other than 0/1.
    """
    for dim, label in labels.items():
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
        if label not in (0, 1):
            raise ValueError(f"label must be 0 or 1, got {label!r}")
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    ensure_schema(url)
    with session_scope(url) as s:
        turn = s.get(Turn, turn_id)
        if turn is None:
            raise LookupError(f"no reply {turn_id}")
        existing = {o.dimension: o for o in s.execute(select_overrides([turn_id])).scalars()}
        for dim, label in labels.items():
            score = getattr(turn, dim)
            if score is None:
                raise ValueError("this reply was not scored, so there is nothing to judge")
            row = existing.get(dim)
            if row is None:
                row = Override(turn_id=turn_id, dimension=dim)
                s.add(row)
            row.machine_score = float(score)
            row.trainer_label = int(label)
            row.comment = comment
            row.trainer_id = trainer_id
            row.created_at = utcnow()
        return len(labels)


# --------------------------------------------------------------------------- reads


def select_overrides(turn_ids: Iterable[int]) -> Any:
    return sa.select(Override).where(Override.turn_id.in_(list(turn_ids)))


def overrides_for_turns(turn_ids: Iterable[int], *, url: str | None = None) -> dict[int, dict]:
    """{turn_id: {dimension: {...judgement..., "trainer": name}}} for the given replies."""
    ids = list(turn_ids)
    if not ids:
        return {}
    ensure_schema(url)
    out: dict[int, dict] = {}
    with session_scope(url, readonly=True) as s:
        rows = s.execute(
            sa.select(Override, User.username)
            .outerjoin(User, User.id == Override.trainer_id)
            .where(Override.turn_id.in_(ids))
        ).all()
        for o, trainer in rows:
            out.setdefault(o.turn_id, {})[o.dimension] = {
                "machine_score": o.machine_score,
                "machine_label": machine_label(o.machine_score),
                "trainer_label": o.trainer_label,
                "agrees": machine_label(o.machine_score) == o.trainer_label,
                "comment": o.comment,
                "trainer": trainer,
                "created_at": o.created_at,
            }
    return out


def cohen_kappa(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Cohen's kappa for two raters' binary labels; None when it is undefined.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the observed agreement and p_e the
    agreement expected by chance from each rater's own rate of 1s. Undefined (None)
    with no pairs, or when both raters always gave the same single label (p_e = 1).
    """
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return None
    agree = sum(1 for a, b in pairs if a == b)
    p_o = agree / n
    a1 = sum(1 for a, _ in pairs if a == 1) / n
    b1 = sum(1 for _, b in pairs if b == 1) / n
    p_e = a1 * b1 + (1 - a1) * (1 - b1)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1 - p_e)


def agreement(*, url: str | None = None) -> list[dict[str, Any]]:
    """Per scorer version and dimension: n, accuracy and kappa (machine vs trainer).

    Over every reply a trainer judged (corrected or confirmed); the machine's label is
    its stored score >= 0.5. Rows are ordered by scorer version, then dimension order.
    """
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        rows = s.execute(
            sa.select(
                CoachSession.scorer_version,
                Override.dimension,
                Override.machine_score,
                Override.trainer_label,
            )
            .join(Turn, Turn.id == Override.turn_id)
            .join(CoachSession, CoachSession.id == Turn.session_id)
        ).all()
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for version, dim, score, label in rows:
        groups.setdefault((version, dim), []).append((machine_label(score), int(label)))
    out = []
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    for (version, dim), pairs in sorted(
        groups.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))
    ):
        n = len(pairs)
        out.append(
            {
                "scorer_version": version,
                "dimension": dim,
                "n": n,
                "agree": sum(1 for a, b in pairs if a == b),
                "accuracy": sum(1 for a, b in pairs if a == b) / n,
                "kappa": cohen_kappa(pairs),
                "machine_present": sum(a for a, _ in pairs),
                "trainer_present": sum(b for _, b in pairs),
            }
        )
    return out
