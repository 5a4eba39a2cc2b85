"""The per-trainee message rate limit (COACH_RATE_LIMIT per COACH_RATE_WINDOW seconds).

Driven through coach.service, where every client passes (REST clients and the web app
alike), against a real database: the limit is counted from stored turns, so it holds
across several Rasa and action servers, and a refused message is kept, never lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coach import config, service
from coach.storage import repository
from coach.storage.db import get_engine

SCENARIO = "late-express-delivery"
REPLY = "I'm so sorry the laptop is three days late, that's really frustrating."


@pytest.fixture(params=["sqlite", "postgresql"], autouse=True)
def url(request: pytest.FixtureRequest, monkeypatch) -> str:
    """Every test on SQLite, and on PostgreSQL when COACH_TEST_POSTGRES_URL names one."""
    chosen = request.getfixturevalue("db_url" if request.param == "sqlite" else "postgres_url")
    monkeypatch.setenv("COACH_DATABASE_URL", chosen)
    monkeypatch.setenv("COACH_SEED", "3")
    monkeypatch.setenv("COACH_RATE_LIMIT", "3")
    monkeypatch.setenv("COACH_RATE_WINDOW", "60")
    return chosen


def _start(trainee: str = "rita", conversation: str = "conv-1"):
    reply = service.start(scenario_id=SCENARIO, trainee=trainee, conversation_id=conversation)
    assert reply.state is not None, reply.text
    return reply.state


def _say(state, text: str = REPLY, message_id: str | None = None):
    return service.turn(state=state, text=text, move="apologise", message_id=message_id)


def _fill(session_id: str, count: int, *, age_seconds: float = 0.0) -> None:
    """Store ``count`` turns of a session as if sent ``age_seconds`` ago (no scoring)."""
    created = datetime.now(UTC) - timedelta(seconds=age_seconds)
    for _ in range(count):
        repository.record_turn(
            repository.TurnRecord(
                session_id=session_id,
                turn_index=1,
                trainee_text="earlier message",
                customer_text="earlier line",
                frustration_before=7.0,
                created_at=created,
            )
        )


def test_message_over_the_limit_is_refused_with_a_notice_and_kept_unscored(url):
    state = _start()
    for i in range(3):
        reply = _say(state, message_id=f"m{i}")
        assert reply.custom["scores"] is not None and not reply.custom.get("system")
        state = reply.state
    refused = _say(state, "Sorry, one more thing about the courier.", message_id="m3")
    assert refused.custom["system"] is True and refused.custom["notice"] == "rate_limited"
    assert "slow down" in refused.text and "was kept" in refused.text
    assert "3 in 60 seconds" in refused.text
    assert refused.changed is False and refused.custom["turn"] == 3  # the customer waits

    turns = repository.list_turns(state.session_id, url=url)
    assert len(turns) == 4
    kept = turns[-1]
    assert kept["trainee_text"] == "Sorry, one more thing about the courier."
    assert kept["message_id"] == "m3" and kept["turn_index"] == 4
    assert kept["acknowledgment"] is None and kept["customer_reply"] is None
    assert kept["error"].startswith("rate limited (3 messages in the last 60 s, limit 3)")
    # The summary counts the three answered replies only.
    assert service.end(state).custom["summary"]["turns"] == 3


def test_the_limit_counts_all_sessions_of_the_trainee_and_no_one_else(url):
    first = _start("rita", "server-a-conversation")
    second = _start("rita", "server-b-conversation")
    other = _start("omar", "server-c-conversation")
    _fill(first.session_id, 2)
    _fill(other.session_id, 5)
    assert _say(second).custom["scores"] is not None  # rita's third message
    assert _say(second).custom["notice"] == "rate_limited"  # her fourth, in another session
    omar = _say(other)
    assert omar.custom["notice"] == "rate_limited"  # his own five earlier ones
    assert _say(_start("tess", "server-d-conversation")).custom["scores"] is not None


def test_messages_older_than_the_window_no_longer_count(url):
    state = _start()
    _fill(state.session_id, 10, age_seconds=61)
    _fill(state.session_id, 2, age_seconds=30)
    assert _say(state).custom["scores"] is not None
    assert _say(state).custom["notice"] == "rate_limited"


def test_limit_zero_turns_it_off(monkeypatch):
    state = _start()
    _fill(state.session_id, 25)
    assert _say(state).custom["notice"] == "rate_limited"
    monkeypatch.setenv("COACH_RATE_LIMIT", "0")
    assert _say(state).custom["scores"] is not None


def test_defaults_and_a_bad_setting_is_named_and_does_not_block_replies(monkeypatch, caplog):
    monkeypatch.delenv("COACH_RATE_LIMIT")
    monkeypatch.delenv("COACH_RATE_WINDOW")
    assert (config.rate_limit(), config.rate_window()) == (20, 60)
    monkeypatch.setenv("COACH_RATE_LIMIT", "lots")
    with pytest.raises(ValueError, match="COACH_RATE_LIMIT must be a whole number, got 'lots'"):
        config.rate_limit()
    monkeypatch.setenv("COACH_RATE_LIMIT", "-1")
    with pytest.raises(ValueError, match="COACH_RATE_LIMIT must be 0 or more"):
        config.rate_limit()
    state = _start()
    _fill(state.session_id, 30)
    assert _say(state).custom["scores"] is not None
    assert "rate limit not applied: COACH_RATE_LIMIT must be 0 or more" in caplog.text


def test_refusals_after_the_session_ended_or_for_length_take_precedence(monkeypatch):
    monkeypatch.setenv("COACH_MAX_MESSAGE_CHARS", "50")
    state = _start()
    _fill(state.session_id, 3)
    assert _say(state, "x" * 60).custom["notice"] == "message_too_long"
    ended = service.end(state).state
    assert _say(ended).custom["notice"] == "session_over"


def test_the_count_is_one_indexed_query_on_sqlite(url):
    """The count runs on every reply: one statement that seeks the (session_id,
    created_at) index and never scans the turns table."""
    if not url.startswith("sqlite"):
        pytest.skip("the query plan is checked on SQLite; PostgreSQL plans by statistics")
    state = _start()
    _fill(state.session_id, 3)
    since = datetime.now(UTC) - timedelta(seconds=60)
    engine = get_engine(url)
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        assert repository.count_trainee_turns_since(state.session_id, since, url=url) == 3
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert repository.count_trainee_turns_since("no-such-session", since, url=url) == 0
    assert len(seen) == 1, seen
    statement, parameters = seen[0]
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    steps = " | ".join(str(row[-1]) for row in plan)
    assert "SCAN turns" not in steps and "ix_turns_session_id_created_at" in steps, steps
