"""Rasa's Redis lock store, fixed for a server that dies holding a conversation's lock.

Rasa serialises the messages of one conversation with a ticket lock kept in Redis;
every ticket expires after ``TICKET_LOCK_LIFETIME`` seconds. When a Rasa server is
killed mid-message, its ticket stays until it expires, and the message that nginx
passes on to the other server takes the next ticket, a few milliseconds later. Both
tickets then expire within the same second, and Rasa 3.6's wait loop (it checks once a
second) usually finds *neither* alive: its own ticket is gone, so it is never served,
and the trainee waits until their client gives up (measured: 60 s, tests/test_faults.py).

This subclass, named in endpoints.yml by module path (Rasa's documented way to plug in
a lock store; no Rasa code is changed), keeps Rasa's ticket order and storage format
and differs in two places: a waiter whose ticket expired, or whose lock was deleted,
takes a new ticket instead of waiting forever, and waiters look every 0.2 s instead of
every second, so a conversation freed by an expiring stale ticket moves on at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

POLL_SECONDS = 0.2


class CoachRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if lock is not None and not lock.is_locked(ticket):
                    break
                if lock is None or lock._ticket_for_ticket_number(ticket) is None:
                    # Expired while waiting (or the lock was cleaned up under us):
                    # queue again rather than wait for a ticket nobody will serve.
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                await asyncio.sleep(min(wait_time_in_seconds, POLL_SECONDS))
                self.update_lock(conversation_id)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)
