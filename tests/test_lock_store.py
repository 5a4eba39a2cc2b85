"""The cluster's lock store serves a conversation whose lock a dead server left behind."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest

REDIS_URL = os.environ.get("COACH_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="COACH_TEST_REDIS_URL is not set; Redis lock store tests skipped"
)


def _stores():
    from rasa.core.lock_store import RedisLockStore
    from redis.connection import parse_url

    from coach.cluster import redis_reachable
    from coach.lock_store import CoachRedisLockStore

    if not redis_reachable(REDIS_URL):
        pytest.skip(f"Redis at {REDIS_URL} is unreachable")
    parts = parse_url(REDIS_URL)
    settings = {
        "host": parts.get("host", "127.0.0.1"),
        "port": parts.get("port", 6379),
        "db": parts.get("db", 0),
        "key_prefix": "locktest" + uuid.uuid4().hex[:8],
    }
    return RedisLockStore(**settings), CoachRedisLockStore(**settings)


async def _take(store, conversation: str, lifetime: float) -> float:
    started = time.monotonic()
    async with store.lock(conversation, lock_lifetime=lifetime):
        return time.monotonic() - started


def _plant_stale_ticket(store, conversation: str, lifetime: float) -> None:
    """What a Rasa server killed mid-message leaves in Redis."""
    store.issue_ticket(conversation, lifetime)


def test_a_stale_ticket_delays_the_next_message_only_until_it_expires():
    _, coach_store = _stores()
    conversation = "c" + uuid.uuid4().hex
    _plant_stale_ticket(coach_store, conversation, 1.0)
    waited = asyncio.run(asyncio.wait_for(_take(coach_store, conversation, 1.0), 10))
    assert 0.5 < waited < 3.0
    assert coach_store.get_lock(conversation) is None  # cleaned up afterwards


def test_rasas_own_store_never_serves_it_which_is_why_ours_exists():
    rasa_store, _ = _stores()
    conversation = "c" + uuid.uuid4().hex
    _plant_stale_ticket(rasa_store, conversation, 1.0)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(_take(rasa_store, conversation, 1.0), 4))
    rasa_store.delete_lock(conversation)


def test_messages_of_one_conversation_still_take_turns():
    _, coach_store = _stores()
    conversation = "c" + uuid.uuid4().hex
    order: list[str] = []

    async def message(name: str, hold: float) -> None:
        async with coach_store.lock(conversation, lock_lifetime=10):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def both() -> None:
        first = asyncio.create_task(message("a", 0.5))
        await asyncio.sleep(0.05)
        await message("b", 0.0)
        await first

    asyncio.run(both())
    assert order == ["a in", "a out", "b in", "b out"]
