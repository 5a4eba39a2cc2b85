"""Fault tests against the cluster: servers die, PostgreSQL restarts, a lock goes stale.

Simulated trainees keep playing through the load balancer while the fault happens,
resending a message with the same client id when they get an error (as the web app's
kept draft lets a trainee do). Afterwards every message a trainee sent must be stored
exactly once, as a scored turn, in its own session, in the order sent, and the turn
number the bot reported must be the stored one. What the trainees saw (retries,
errors, the longest wait) is written to results/faults.json.

`make test` runs short versions; `make faults` (COACH_FAULTS_FULL=1) runs more
trainees for longer. Needs nginx, PostgreSQL (COACH_TEST_POSTGRES_URL) and Redis
(COACH_TEST_REDIS_URL); restarting PostgreSQL also needs pg_ctlcluster and root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.scripted import script_for
from coach import config
from coach.message_ids import client_message_key
from coach.scenarios import load_all

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

FULL = os.environ.get("COACH_FAULTS_FULL") == "1"
TRAINEES = 12 if FULL else 4
FAULT_SECONDS = 20.0 if FULL else 6.0
MAX_TRIES = 40
# System notices that mean "the server could not take it now": a trainee sends again.
RESEND_NOTICES = frozenset({"storage_unavailable", "storage_error", "reply_failed"})
RESULTS = config.PROJECT_ROOT / "results" / "faults.json"
SCENARIOS = sorted(load_all())


# --------------------------------------------------------------------------- trainees


@dataclass
class Sent:
    sender: str
    client_id: str
    text: str
    attempts: int = 0
    ok: bool = False
    turn: int | None = None
    seconds: float = 0.0
    outcome: str | None = None
    errors: list[str] = field(default_factory=list)


def _post(url: str, payload: dict, timeout: float = 60.0) -> list[dict]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class Trainee(threading.Thread):
    """Plays sessions until told to stop; resends a failed message with the same id."""

    def __init__(self, webhook: str, number: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.webhook = webhook
        self.number = number
        self.stop_event = stop
        self.sent: list[Sent] = []
        self.senders: list[str] = []
        self.failure: str | None = None

    def _send(self, sender: str, text: str, client_id: str) -> tuple[Sent, list[dict]]:
        record = Sent(sender, client_id, text)
        started = time.monotonic()
        payload = {
            "sender": sender,
            "message": text,
            "metadata": {"trainee": f"fault-{self.number}", "message_id": client_id},
        }
        for _ in range(MAX_TRIES):
            record.attempts += 1
            try:
                messages = _post(self.webhook, payload)
            except urllib.error.HTTPError as exc:
                record.errors.append(f"HTTP {exc.code}")
            except (urllib.error.URLError, OSError) as exc:
                record.errors.append(type(getattr(exc, "reason", exc)).__name__)
            else:
                custom = (messages[-1].get("custom") if messages else None) or {}
                if custom and not custom.get("system"):
                    record.ok = True
                    record.turn = custom.get("turn")
                    record.outcome = custom.get("outcome")
                    break
                notice = custom.get("notice")
                record.errors.append(f"notice {notice}")
                if notice not in RESEND_NOTICES:
                    break  # an answer, not a failure: resending would not change it
            time.sleep(0.5)
        record.seconds = time.monotonic() - started
        return record, []

    def run(self) -> None:
        try:
            session = 0
            while not self.stop_event.is_set():
                sender = f"fault-{self.number}-{uuid.uuid4().hex[:8]}"
                self.senders.append(sender)
                scenario = SCENARIOS[(self.number + session) % len(SCENARIOS)]
                start = "/start_scenario" + json.dumps({"scenario": scenario})
                record, _ = self._send(sender, start, f"start-{session}")
                if not record.ok:
                    self.failure = f"could not start a session: {record.errors[-3:]}"
                    return
                for i, reply in enumerate(script_for(self.number + session, 6)):
                    if self.stop_event.is_set():
                        break
                    record, _ = self._send(sender, reply, f"reply-{session}-{i}")
                    self.sent.append(record)
                    if record.outcome:  # resolved or escalated: on to the next session
                        break
                    time.sleep(0.2)
                session += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.failure = repr(exc)


def play_through(webhook: str, fault, seconds: float = FAULT_SECONDS) -> list[Trainee]:
    """Trainees play; ``fault()`` runs once every trainee has had a turn; then more play."""
    stop = threading.Event()
    trainees = [Trainee(webhook, n, stop) for n in range(TRAINEES)]
    for t in trainees:
        t.start()
    deadline = time.monotonic() + 120
    while not all(any(s.ok for s in t.sent) for t in trainees):
        assert time.monotonic() < deadline, "trainees could not play before the fault"
        time.sleep(0.2)
    fault()
    time.sleep(seconds)
    stop.set()
    for t in trainees:
        t.join(180)
        assert not t.is_alive(), "a trainee is stuck"
    return trainees


# --------------------------------------------------------------------------- checks


def check_stored(db_url: str, trainees: list[Trainee]) -> dict:
    """Every message sent is one stored, scored turn in its session, in order."""
    from coach.storage.models import CoachSession, Turn

    engine = sa.create_engine(db_url, future=True)
    sent = [s for t in trainees for s in t.sent]
    senders = [x for t in trainees for x in t.senders]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                CoachSession.conversation_id,
                Turn.message_id,
                Turn.turn_index,
                Turn.acknowledgment,
                Turn.error,
            )
            .join(Turn, Turn.session_id == CoachSession.id)
            .where(CoachSession.conversation_id.in_(senders))
        ).all()
    engine.dispose()
    by_key = Counter(r.message_id for r in rows)
    stored = {r.message_id: r for r in rows}
    keys = {client_message_key(s.sender, s.client_id) for s in sent}
    report = {
        "messages": len(sent),
        "answered": sum(s.ok for s in sent),
        "stored": sum(1 for s in sent if by_key[client_message_key(s.sender, s.client_id)]),
        "lost": [],
        "duplicated": [k for k, n in by_key.items() if n > 1],
        "unexpected_rows": [r.message_id for r in rows if r.message_id not in keys],
        "unscored": [],
        "wrong_session": [],
        "turn_mismatch": [],
        "out_of_order": [],
        "resent": sum(1 for s in sent if s.attempts > 1),
        "errors_seen": dict(Counter(e for s in sent for e in s.errors)),
        "longest_wait_s": round(max((s.seconds for s in sent), default=0.0), 2),
    }
    last_turn: dict[str, int] = {}
    for s in sent:
        row = stored.get(client_message_key(s.sender, s.client_id))
        if row is None:
            report["lost"].append(s.text)
            continue
        if row.conversation_id != s.sender:
            report["wrong_session"].append(s.text)
        if row.acknowledgment is None:
            report["unscored"].append(f"{s.text} ({row.error})")
        if s.ok and s.turn != row.turn_index:
            report["turn_mismatch"].append(f"bot said turn {s.turn}, stored {row.turn_index}")
        if row.turn_index <= last_turn.get(s.sender, 0):
            report["out_of_order"].append(s.text)
        last_turn[s.sender] = row.turn_index
    return report


def record(fault: str, what_happened: str, report: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[fault] = {
        "mode": "full" if FULL else "short",
        "trainees": TRAINEES,
        "what_happened": what_happened,
        **{k: (len(v) if isinstance(v, list) else v) for k, v in report.items()},
    }
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")


def assert_nothing_lost(report: dict) -> None:
    problems = {
        k: report[k]
        for k in (
            "lost",
            "duplicated",
            "unexpected_rows",
            "unscored",
            "wrong_session",
            "turn_mismatch",
            "out_of_order",
        )
        if report[k]
    }
    assert not problems, f"{problems} (report: {report})"
    assert report["answered"] == report["messages"], report


# --------------------------------------------------------------------------- cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from coach.cluster import (
        ClusterError,
        ClusterPorts,
        drop_database,
        redis_reachable,
        run_database,
        running_cluster,
    )

    model = config.PROJECT_ROOT / "models" / "coach.tar.gz"
    if not model.exists():
        pytest.skip("no trained model (make test trains it first)")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.skip("nginx is not installed (make cluster-deps); cluster fault tests skipped")
    base = os.environ.get("COACH_TEST_POSTGRES_URL")
    redis_url = os.environ.get("COACH_TEST_REDIS_URL")
    if not base or not redis_url:
        pytest.skip("COACH_TEST_POSTGRES_URL and COACH_TEST_REDIS_URL are needed for the cluster")
    if not redis_reachable(redis_url):
        pytest.skip(f"Redis at {redis_url} is unreachable")
    try:
        url = run_database(base, "coach_faults")
    except ClusterError as exc:
        pytest.skip(f"PostgreSQL is unreachable: {exc}")
    run_dir = tmp_path_factory.mktemp("cluster")
    try:
        with running_cluster(
            ports=ClusterPorts.free(),
            database_url=url,
            redis_url=redis_url,
            run_dir=run_dir,
            web=False,
            extra_env={
                "COACH_SEED": "5",
                "COACH_RATE_LIMIT": "0",
                "COACH_LOCK_PREFIX": "faults" + uuid.uuid4().hex[:8],
            },
        ) as running:
            yield running
    except ClusterError as exc:
        pytest.skip(f"the cluster could not start: {exc}")
    finally:
        drop_database(url)


def _restart_later(cluster, name: str, delay: float) -> None:
    def later() -> None:
        time.sleep(delay)
        cluster.start(name)

    threading.Thread(target=later, daemon=True).start()


def _wait_all_up(cluster) -> None:
    for name in cluster.servers:
        cluster.start(name)


def _fault_test(cluster, name: str, what: str, fault) -> None:
    _wait_all_up(cluster)
    trainees = play_through(cluster.webhook, fault)
    failures = [t.failure for t in trainees if t.failure]
    assert not failures, failures
    report = check_stored(cluster.database_url, trainees)
    record(name, what, report)
    assert_nothing_lost(report)


def test_action_server_killed_mid_session(cluster):
    """nginx passes the action call to the other action server; the dead one restarts."""

    def fault() -> None:
        cluster.kill("actions-1")
        _restart_later(cluster, "actions-1", FAULT_SECONDS / 2)

    _fault_test(
        cluster,
        "action server killed",
        "actions-1 SIGKILLed while trainees played; restarted halfway through",
        fault,
    )


def test_rasa_server_killed_mid_session(cluster):
    """The other Rasa server takes the conversations (tracker store and lock are shared)."""

    def fault() -> None:
        cluster.kill("rasa-1")
        _restart_later(cluster, "rasa-1", 1.0)

    _fault_test(
        cluster,
        "Rasa server killed",
        "rasa-1 SIGKILLed while trainees played (its tickets left in Redis); restarted",
        fault,
    )


def test_postgresql_restarted_under_load(cluster):
    """Messages during the restart fail; resent with the same id they are stored once."""
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
    if not versions or not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        pytest.skip("restarting PostgreSQL needs pg_ctlcluster and root on this machine")

    def fault() -> None:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]
        if FULL:  # down for a few seconds, not just a quick restart
            subprocess.run([*command, "stop", "-m", "fast"], check=True)
            time.sleep(5)
            subprocess.run([*command, "start"], check=True)
        else:
            subprocess.run([*command, "restart", "-m", "fast"], check=True)

    _fault_test(
        cluster,
        "PostgreSQL restarted",
        "PostgreSQL restarted (fast shutdown) while trainees played"
        + (" and kept down for 5 s" if FULL else ""),
        fault,
    )


def test_stale_lock_in_redis(cluster):
    """A lock left by a dead server delays that conversation until it expires, no more."""
    import redis
    from rasa.core.lock import TicketLock

    _wait_all_up(cluster)
    sender = f"stale-{uuid.uuid4().hex[:8]}"
    trainee = Trainee(cluster.webhook, 99, threading.Event())
    start = "/start_scenario" + json.dumps({"scenario": SCENARIOS[0]})
    first, _ = trainee._send(sender, start, "start")
    assert first.ok
    lifetime = float(cluster.env["TICKET_LOCK_LIFETIME"])
    lock = TicketLock(sender)
    lock.issue_ticket(lifetime)  # as if a server had taken the lock and died
    client = redis.Redis.from_url(cluster.redis_url)
    prefix = cluster.env["COACH_LOCK_PREFIX"] + ":lock:"
    client.set(prefix + sender, lock.dumps())
    reply, _ = trainee._send(sender, "I'm so sorry this happened, that sounds awful.", "r1")
    trainee.senders.append(sender)
    trainee.sent.append(reply)
    assert reply.ok, reply.errors
    assert reply.seconds < lifetime + 5, "the stale lock held the conversation too long"
    report = check_stored(cluster.database_url, [trainee])
    record(
        "stale lock in Redis",
        f"a ticket that expires in {lifetime:.0f} s was planted on the conversation; "
        f"the trainee's reply waited {reply.seconds:.1f} s, then was answered",
        report,
    )
    assert_nothing_lost(report)
