"""Rasa's SQL tracker store, waiting out a database restart instead of forgetting.

Rasa wraps every tracker store in a fail-safe one: when reading a conversation fails it
carries on with an *empty* conversation, and a later save writes a new session start
after the real events. After a PostgreSQL restart (every pooled connection is dead) the
trainee's running session would be wiped: the next reply finds no scenario. This
subclass, named in endpoints.yml by module path (Rasa's documented way to plug in a
tracker store; no Rasa code is changed), retries a failed read or write for up to
``COACH_DB_RETRY_SECONDS`` (default 30) so the message waits for the database instead.
Only when the database stays away longer does Rasa's own fallback apply.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import exc

log = logging.getLogger(__name__)
T = TypeVar("T")


def retry_seconds() -> float:
    return float(os.environ.get("COACH_DB_RETRY_SECONDS") or 30)


async def retrying(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """``call()`` again after connection-level errors, until the time budget runs out."""
    deadline = time.monotonic() + retry_seconds()
    delay = 0.2
    while True:
        try:
            return await call()
        except (exc.OperationalError, exc.InterfaceError) as error:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("tracker store %s failed (%s); retrying in %.1f s", what, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


class CoachSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A connection the restart killed is noticed before use, not by a failed query.
        self.engine.pool._pre_ping = True

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await retrying("read", lambda: super(CoachSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        parent = super()
        return await retrying("read", lambda: parent.retrieve_full_tracker(conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await retrying("write", lambda: super(CoachSQLTrackerStore, self).save(tracker))
