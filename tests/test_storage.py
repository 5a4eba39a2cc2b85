"""Storage layer: schema, repository, export; on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from coach.scoring.types import Span
from coach.storage import (
    DuplicateTurn,
    StorageUnavailable,
    TurnRecord,
    UnknownSession,
    export,
    finish_session,
    get_engine,
    get_session,
    list_turns,
    record_turn,
    session_scope,
    sessions_for_export,
    start_session,
    upgrade,
)
from coach.storage.db import alembic_config, dispose_engine, ensure_schema
from coach.storage.export import CSV_COLUMNS
from coach.storage.models import Base, CoachSession, include_object
from coach.storage.repository import SESSION_EXPORT_KEYS, TURN_EXPORT_KEYS

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OWN_TABLES = {"trainees", "scenario_versions", "sessions", "turns"}
# The web app's accounts and conversations ship in the same migration chain.
WEB_TABLES = {"users", "web_conversations"}
REVIEW_TABLES = {"overrides"}  # trainer corrections of machine scores


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    """Each behaviour test runs on SQLite, and on PostgreSQL when one is configured."""
    return request.getfixturevalue("db_url" if request.param == "sqlite" else "postgres_url")


def _start(url: str, trainee: str = "Ann", scenario: str = "late_delivery", **kw: object) -> str:
    args: dict = {
        "trainee": trainee,
        "scenario_id": scenario,
        "scenario_version": "abc123",
        "scenario_title": "A late delivery",
        "scenario_content": {"id": scenario, "persona": {"name": "Pat"}},
        "scorer_version": "rules-1",
        "mode": "practice",
        "conversation_id": "sender-1",
        "starting_frustration": 7.5,
        "url": url,
    }
    args.update(kw)
    return start_session(**args)


def _turn(session_id: str, index: int, **kw: object) -> TurnRecord:
    fields: dict = {
        "session_id": session_id,
        "turn_index": index,
        "trainee_text": f"reply {index}",
        "customer_text": f"complaint {index}",
        "frustration_before": 8.0 - index,
        "message_id": f"{session_id}-m{index}",
        "move": "acknowledge_feelings",
        "move_confidence": 0.9,
        "acknowledgment": 0.8,
        "validation": 0.6,
        "calm_tone": 0.7,
        "evidence": {"acknowledgment": [{"start": 0, "end": 5, "text": "reply", "why": "x"}]},
        "tips": ["Name the feeling."],
        "frustration_after": 7.0 - index,
        "customer_reply": f"answer {index}",
        "latency_ms": 12.5,
    }
    fields.update(kw)
    return TurnRecord(**fields)


def _set_started(url: str, session_id: str, when: datetime) -> None:
    with session_scope(url) as s:
        s.execute(
            sa.update(CoachSession).where(CoachSession.id == session_id).values(started_at=when)
        )


def _export(url: str, fmt: str, since: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    n = export(fmt, out, since=since, url=url)
    return n, out.getvalue()


# --------------------------------------------------------------------------- schema


def test_migrating_a_fresh_sqlite_file_creates_the_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'dir' / 'coach.db'}"  # directory made on demand
    upgrade(url)
    upgrade(url)  # idempotent
    inspector = sa.inspect(get_engine(url))
    expected = OWN_TABLES | WEB_TABLES | REVIEW_TABLES | {"alembic_version"}
    assert expected == set(inspector.get_table_names())
    session_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("sessions")}
    for column in ("trainee_id", "scenario_version_id", "scenario_id", "started_at", "outcome"):
        assert (column,) in session_indexes
    assert ("session_id",) in {tuple(ix["column_names"]) for ix in inspector.get_indexes("turns")}
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD
    dispose_engine(url)


def test_models_and_migration_agree(url: str) -> None:
    with get_engine(url).connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        assert compare_metadata(ctx, Base.metadata) == []


def test_migration_leaves_rasa_events_table_alone(url: str) -> None:
    with get_engine(url).begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
            " type_name VARCHAR(255) NOT NULL, data TEXT)"
        )
        conn.exec_driver_sql(
            "INSERT INTO events (id, sender_id, type_name, data) VALUES (1, 's', 'user', '{}')"
        )
    cfg = alembic_config(url)
    command.downgrade(cfg, "base")
    tables = set(sa.inspect(get_engine(url)).get_table_names())
    assert "events" in tables and not tables & OWN_TABLES
    upgrade(url)
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT sender_id FROM events").all() == [("s",)]
        # Autogenerate would not propose anything for the foreign table either.
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(ctx, Base.metadata) == []


def test_events_table_made_before_the_first_migration_survives(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    with get_engine(url).begin() as conn:
        conn.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)")
        conn.exec_driver_sql("INSERT INTO events (data) VALUES ('kept')")
    upgrade(url)
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT data FROM events").scalar() == "kept"
    assert OWN_TABLES <= set(sa.inspect(get_engine(url)).get_table_names())
    dispose_engine(url)


# --------------------------------------------------------------------------- behaviour


def test_three_turns_come_back_in_order_in_jsonl_and_csv(url: str) -> None:
    sid = _start(url)
    for index in (3, 1, 2):  # stored out of order on purpose
        record_turn(_turn(sid, index), url=url)
    finish_session(sid, outcome="resolved", final_frustration=2.0, url=url)
    empty = _start(url, trainee="Bob")  # no turns yet

    n, text = _export(url, "jsonl")
    assert n == 2
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["session_id"] for r in rows] == [sid, empty]
    first = rows[0]
    assert list(first) == [*SESSION_EXPORT_KEYS, "turns"]
    assert first["trainee"] == "Ann" and first["scenario"] == "late_delivery"
    assert first["scenario_version"] == "abc123" and first["scorer_version"] == "rules-1"
    assert first["mode"] == "practice" and first["outcome"] == "resolved"
    assert first["final_frustration"] == 2.0
    for key in ("started_at", "ended_at"):
        assert datetime.fromisoformat(first[key]).utcoffset().total_seconds() == 0
    assert [t["turn_index"] for t in first["turns"]] == [1, 2, 3]
    assert all(list(t) == list(TURN_EXPORT_KEYS) for t in first["turns"])
    t1 = first["turns"][0]
    assert t1["trainee_text"] == "reply 1" and t1["customer_text"] == "complaint 1"
    assert t1["acknowledgment"] == 0.8 and t1["tips"] == ["Name the feeling."]
    assert t1["evidence"]["acknowledgment"][0]["text"] == "reply"
    assert rows[1]["turns"] == [] and rows[1]["ended_at"] is None

    n, text = _export(url, "csv")
    assert n == 2
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    csv_rows = list(reader)
    assert [(r["session_id"], r["turn_index"]) for r in csv_rows] == [
        (sid, "1"),
        (sid, "2"),
        (sid, "3"),
        (empty, ""),
    ]
    assert all(r["trainee"] == "Ann" and r["outcome"] == "resolved" for r in csv_rows[:3])
    assert json.loads(csv_rows[0]["evidence"])["acknowledgment"][0]["end"] == 5
    assert json.loads(csv_rows[0]["tips"]) == ["Name the feeling."]
    assert all(csv_rows[3][k] == "" for k in TURN_EXPORT_KEYS)
    assert csv_rows[3]["trainee"] == "Bob"


def test_turn_whose_scoring_failed_is_stored_and_exported(url: str) -> None:
    sid = _start(url)
    rec = TurnRecord(
        session_id=sid,
        turn_index=1,
        trainee_text="I hear you\x00 and I'm sorry",
        customer_text="Where is my parcel?",
        frustration_before=7.5,
        error="scorer crashed: boom",
    )
    turn_id = record_turn(rec, url=url)
    [stored] = list_turns(sid, url=url)
    assert stored["id"] == turn_id
    assert stored["acknowledgment"] is None and stored["validation"] is None
    assert stored["calm_tone"] is None and stored["evidence"] is None
    assert stored["error"] == "scorer crashed: boom"
    assert stored["trainee_text"] == "I hear you\ufffd and I'm sorry"  # NUL can't go in PG
    assert stored["remedy_offered"] is False and stored["attempt"] == 0
    [row] = [json.loads(line) for line in _export(url, "jsonl")[1].splitlines()]
    assert row["turns"][0]["error"] == "scorer crashed: boom"
    assert row["turns"][0]["calm_tone"] is None


def test_span_objects_in_evidence_are_stored_as_plain_json(url: str) -> None:
    sid = _start(url)
    evidence = {"acknowledgment": [Span(start=0, end=6, text="I hear", why="names it", effect=1)]}
    record_turn(_turn(sid, 1, evidence=evidence, remedy_offered=True), url=url)
    [stored] = list_turns(sid, url=url)
    assert stored["evidence"] == {
        "acknowledgment": [{"start": 0, "end": 6, "text": "I hear", "why": "names it", "effect": 1}]
    }
    assert stored["remedy_offered"] is True


def test_same_message_id_is_stored_once(url: str) -> None:
    sid = _start(url)
    first = record_turn(_turn(sid, 1, message_id="rasa-msg-1"), url=url)
    again = record_turn(_turn(sid, 1, message_id="rasa-msg-1"), url=url)
    assert first == again
    assert len(list_turns(sid, url=url)) == 1
    # Turns without a message id never collide with each other on that column.
    record_turn(_turn(sid, 2, message_id=None), url=url)
    record_turn(_turn(sid, 3, message_id=None), url=url)
    assert [t["turn_index"] for t in list_turns(sid, url=url)] == [1, 2, 3]


def test_characters_no_database_can_hold_never_cost_a_turn(url: str) -> None:
    """An unpaired surrogate (a JSON "\\ud800" escape) cannot be encoded by either
    driver, and PostgreSQL refuses NUL: both become U+FFFD, in names and texts alike."""
    sid = _start(url, trainee="Ann \ud800", conversation_id="conv-\udfff-1")
    record_turn(
        _turn(sid, 1, trainee_text="sorry \ud83d and \x00 more", tips=["tip \udc00"]), url=url
    )
    [stored] = list_turns(sid, url=url)
    assert stored["trainee_text"] == "sorry \ufffd and \ufffd more"
    assert stored["tips"] == ["tip \ufffd"]
    session = get_session(sid, url=url)
    assert session["trainee"] == "Ann \ufffd" and session["conversation_id"] == "conv-\ufffd-1"


def test_taken_attempt_raises_and_new_attempt_is_kept(url: str) -> None:
    sid = _start(url)
    record_turn(_turn(sid, 1), url=url)
    with pytest.raises(DuplicateTurn, match="already has turn 1 attempt 0"):
        record_turn(_turn(sid, 1, message_id="other", attempt=0), url=url)
    record_turn(_turn(sid, 1, message_id="other", attempt=1), url=url)
    # Without an explicit attempt, another message at the same turn takes the next one.
    record_turn(_turn(sid, 1, message_id="third"), url=url)
    assert [(t["turn_index"], t["attempt"]) for t in list_turns(sid, url=url)] == [
        (1, 0),
        (1, 1),
        (1, 2),
    ]
    with pytest.raises(UnknownSession):
        record_turn(_turn("no-such-session", 1), url=url)


def test_finish_session_twice_keeps_the_first_outcome(url: str) -> None:
    sid = _start(url)
    finish_session(
        sid,
        outcome="escalated",
        final_frustration=10.0,
        summary={"turns": 4},
        signals={"formulaic_empathy": True},
        url=url,
    )
    ended = get_session(sid, url=url)
    finish_session(sid, outcome="ended", final_frustration=5.0, url=url)
    again = get_session(sid, url=url)
    assert again == ended
    assert again is not None and again["outcome"] == "escalated"
    assert again["final_frustration"] == 10.0 and again["summary"] == {"turns": 4}
    assert again["signals"] == {"formulaic_empathy": True}
    assert again["ended_at"].tzinfo is not None
    with pytest.raises(UnknownSession):
        finish_session("no-such-session", outcome="ended", final_frustration=1.0, url=url)
    with pytest.raises(ValueError, match="outcome must be one of"):
        finish_session(sid, outcome="won", final_frustration=1.0, url=url)
    assert get_session("no-such-session", url=url) is None


def test_since_filters_sessions(url: str) -> None:
    jan, feb, mar = (_start(url, trainee=name) for name in ("Jan", "Feb", "Mar"))
    _set_started(url, jan, datetime(2024, 1, 1, 12, tzinfo=UTC))
    _set_started(url, feb, datetime(2024, 2, 1, 0, 0, tzinfo=UTC))
    _set_started(url, mar, datetime(2024, 3, 1, 9, 30, tzinfo=UTC))

    def ids(since: str | None) -> list[str]:
        return [
            json.loads(line)["session_id"] for line in _export(url, "jsonl", since)[1].splitlines()
        ]

    assert ids(None) == [jan, feb, mar]
    assert ids("2024-02-01") == [feb, mar]
    assert ids("2024-02-01T00:00:01Z") == [mar]
    assert ids("2024-02-01T01:00:00+02:00") == [feb, mar]  # = 2024-01-31T23:00Z
    assert ids("2030-01-01") == []
    assert _export(url, "csv", "2024-03-01")[0] == 1


@pytest.mark.parametrize("since", ["yesterday", "2024-13-01", "01/02/2024", ""])
def test_bad_since_raises_value_error(db_url: str, since: str) -> None:
    out = io.StringIO()
    with pytest.raises(ValueError, match="not an ISO 8601 date"):
        export("jsonl", out, since=since, url=db_url)
    assert out.getvalue() == ""


def test_unknown_format_raises_value_error(db_url: str) -> None:
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export("xml", io.StringIO(), url=db_url)


def test_export_reads_in_batches_without_a_query_per_session(url: str) -> None:
    ensure_schema(url)
    made = []
    for i in range(5):
        sid = _start(url, trainee=f"T{i}")
        _set_started(url, sid, datetime(2024, 1, 1 + i, tzinfo=UTC))
        for index in (1, 2):
            record_turn(_turn(sid, index), url=url)
        made.append(sid)
    selects: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    engine = get_engine(url)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        got = list(sessions_for_export(url=url, batch_size=2))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert [s["session_id"] for s in got] == made
    assert all([t["turn_index"] for t in s["turns"]] == [1, 2] for s in got)
    assert len(selects) == 6  # three batches, each: sessions+trainee, then their turns


def test_two_threads_writing_turns_lose_nothing(url: str) -> None:
    ensure_schema(url)
    shared = _start(url)
    errors: list[BaseException] = []
    per_thread = 30

    def writer(parity: int) -> None:
        try:
            own = _start(url, trainee=f"thread-{parity}", conversation_id=f"c{parity}")
            for i in range(per_thread):
                index = 2 * i + 1 + parity
                record_turn(_turn(shared, index), url=url)
                record_turn(_turn(own, i + 1), url=url)
                record_turn(_turn(shared, index), url=url)  # a retry: stored once
        except BaseException as e:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(p,)) for p in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [t["turn_index"] for t in list_turns(shared, url=url)] == list(
        range(1, 2 * per_thread + 1)
    )
    exported = list(sessions_for_export(url=url))
    assert sum(len(s["turns"]) for s in exported) == 4 * per_thread


def _upgrade_in_processes(url: str, cwd: Path, count: int = 4) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    code = "import sys; from coach.storage.db import upgrade; upgrade(sys.argv[1])"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, url], env=env, cwd=cwd, stderr=subprocess.PIPE
        )
        for _ in range(count)
    ]
    results = [(p.wait(timeout=120), p.stderr.read().decode() if p.stderr else "") for p in procs]
    assert [rc for rc, _ in results] == [0] * count, results
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [(HEAD,)]


def test_processes_migrating_a_fresh_sqlite_file_at_once_do_not_collide(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    _upgrade_in_processes(url, tmp_path)
    dispose_engine(url)


def test_processes_migrating_at_once_do_not_collide(url: str, tmp_path: Path) -> None:
    command.downgrade(alembic_config(url), "base")
    _upgrade_in_processes(url, tmp_path)
    assert OWN_TABLES <= set(sa.inspect(get_engine(url)).get_table_names())


def test_session_scope_rolls_back_on_error(url: str) -> None:
    sid = _start(url)
    with pytest.raises(RuntimeError), session_scope(url) as s:
        s.execute(sa.update(CoachSession).values(mode="assessment"))
        raise RuntimeError("boom")
    session = get_session(sid, url=url)
    assert session is not None and session["mode"] == "practice"


def test_bad_values_are_refused_the_same_way_on_every_database(url: str) -> None:
    with pytest.raises(ValueError, match="trainee is 201 characters long"):
        _start(url, trainee="x" * 201)
    with pytest.raises(ValueError, match="mode must be one of"):
        _start(url, mode="exam")
    sid = _start(url, mode="assessment")
    with pytest.raises(ValueError, match="turn_index must be an int >= 1"):
        record_turn(_turn(sid, 0), url=url)
    with pytest.raises(ValueError, match="calm_tone must be a finite number"):
        record_turn(_turn(sid, 1, calm_tone=float("nan")), url=url)
    session = get_session(sid, url=url)
    assert session is not None and session["mode"] == "assessment"


def test_same_trainee_and_scenario_version_are_reused(url: str) -> None:
    a = _start(url)
    b = _start(url, scenario_content={"changed": "but same version: first content kept"})
    with session_scope(url) as s:
        assert s.execute(sa.text("SELECT COUNT(*) FROM trainees")).scalar() == 1
        assert s.execute(sa.text("SELECT COUNT(*) FROM scenario_versions")).scalar() == 1
        assert s.execute(sa.text("SELECT COUNT(*) FROM sessions")).scalar() == 2
    assert a != b


# --------------------------------------------------------------------------- unreachable


def test_sqlite_file_under_a_regular_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    url = f"sqlite:///{blocker / 'coach.db'}"
    with pytest.raises(StorageUnavailable, match=r"^database at sqlite:///.*is unreachable: "):
        start_session(
            trainee="Ann",
            scenario_id="s",
            scenario_version="v",
            scenario_title="t",
            scenario_content={},
            scorer_version="1",
            mode="practice",
            conversation_id="c",
            starting_frustration=5.0,
            url=url,
        )


def test_sqlite_path_that_is_a_directory_is_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}"
    with pytest.raises(StorageUnavailable, match="unable to open database file"):
        upgrade(url)
    dispose_engine(url)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_postgres_on_a_closed_port_is_unavailable_with_password_masked() -> None:
    pytest.importorskip("psycopg2")
    url = f"postgresql+psycopg2://coach:s3cret@127.0.0.1:{_closed_port()}/coach"
    with pytest.raises(StorageUnavailable) as info:
        get_session("anything", url=url)
    message = str(info.value)
    assert message.startswith("database at postgresql+psycopg2://coach:***@127.0.0.1:")
    assert "is unreachable: " in message and "s3cret" not in message
    dispose_engine(url)
