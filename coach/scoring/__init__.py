"""The reply scorer: acknowledgment, validation and calm tone of a trainee's reply,
judged in the context of the customer message it answers (shared/rubric.md).

Public API (other code calls exactly these):
    SCORER_VERSION
    score(customer, reply, history=None) -> Score
    score_many([(customer, reply, history), ...]) -> list[Score]
    session_signals(replies) -> dict
"""

from __future__ import annotations

from .core import SCORER_VERSION, score, score_many
from .signals import session_signals

__all__ = ["SCORER_VERSION", "score", "score_many", "session_signals"]
