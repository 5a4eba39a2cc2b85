"""Locust: every simulated user is one trainee playing scripted sessions over contract §2.

Runs in the load tool's own venv (.venv-load, `make load`); it needs nothing from the
project but the plain-Python reply lists in benchmarks/scripted.py.

Each session has its own trainee name and Rasa sender: start a random scenario, send
5-8 distinct replies (good, mixed and bad) with 2-5 s of thinking before each, send
/end_session, start the next session. Every message carries its own client id
(metadata.message_id); on a connection error, a timeout or an HTTP 5xx the same message
is sent again with the same id, up to 5 tries with a short backoff, as a trainee's
browser does. The server must store such a message once.

Every message is written to a JSON Lines log (``--message-log`` or LOAD_MESSAGE_LOG),
flushed line by line so a crash loses nothing: a ``send`` record before the first try,
an ``attempt`` record after each try and a ``message`` record with the final outcome.
benchmarks/load/check_load.py compares that log with the database.

    locust -f benchmarks/load/locustfile.py --headless -u 20 -r 5 -t 1m \
        --host http://127.0.0.1:<lb port> --message-log results/load/messages.jsonl
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import gevent
import requests
from locust import HttpUser, between, events, task
from locust.exception import StopUser
from locust.user.task import LOCUST_STATE_STOPPING

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.scripted import BAD, GOOD, MIXED  # noqa: E402

WEBHOOK = "/webhooks/rest/webhook"
MAX_TRIES = 5
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)  # before tries 2..5
TIMEOUT_S = float(os.environ.get("LOAD_TIMEOUT") or 30)
RUN = os.environ.get("LOAD_RUN") or time.strftime("%Y%m%d%H%M%S")
REPLIES_PER_SESSION = (5, 8)
# Mostly good replies, as a trainee learning would write; a few mixed and bad ones.
POOLS = ((GOOD, 0.55), (MIXED, 0.3), (BAD, 0.15))


def scenarios() -> list[str]:
    """LOAD_SCENARIOS (comma-separated; run_load.py passes `coach scenarios list`)."""
    listed = [s.strip() for s in (os.environ.get("LOAD_SCENARIOS") or "").split(",")]
    scenarios = [s for s in listed if s]
    if not scenarios:
        raise SystemExit(
            "LOAD_SCENARIOS is empty: run the load through benchmarks/load/run_load.py"
        )
    return scenarios


def script(rng: random.Random) -> list[str]:
    """5-8 distinct replies: distinct so a reply stored twice is visible by its text."""
    length = rng.randint(*REPLIES_PER_SESSION)
    chosen: list[str] = []
    while len(chosen) < length:
        pool = rng.choices([p for p, _ in POOLS], weights=[w for _, w in POOLS])[0]
        text = rng.choice(pool)
        if text not in chosen:
            chosen.append(text)
    return chosen


class MessageLog:
    """Append-only JSON Lines, one line per write, flushed at once."""

    def __init__(self) -> None:
        self.file = None

    def open(self, path: str) -> None:
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        if self.file is not None:
            self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


LOG = MessageLog()


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument(
        "--message-log",
        default="",
        env_var="LOAD_MESSAGE_LOG",
        help="JSON Lines file every message sent is appended to (for check_load.py)",
    )


@events.init.add_listener
def _open_log(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    LOG.open(getattr(options, "message_log", "") if options else "")


@events.quitting.add_listener
def _close_log(**_: Any) -> None:
    LOG.close()


def classify(response: Any) -> tuple[str, bool, Any]:
    """(status, retry?, decoded body) of one HTTP attempt."""
    error = getattr(response, "error", None)
    code = getattr(response, "status_code", 0) or 0
    if code == 0 or (error is not None and not code):
        if isinstance(error, requests.exceptions.Timeout):
            return "timeout", True, None
        if isinstance(error, requests.exceptions.ConnectionError):
            return "connection_error", True, None
        return f"request_error:{type(error).__name__}", True, None
    if code >= 500:
        return f"http_{code}", True, None
    if code != 200:
        return f"http_{code}", False, None
    try:
        body = response.json()
    except ValueError:
        return "bad_json", False, None
    if not isinstance(body, list) or not body:
        return "empty_answer", False, body
    return "ok", False, body


def custom_of(body: list[dict]) -> dict:
    """The `custom` payload of contract §2: it rides on the last bot message."""
    for message in reversed(body):
        if isinstance(message, dict) and isinstance(message.get("custom"), dict):
            return message["custom"]
    return {}


class Trainee(HttpUser):
    wait_time = between(2, 5)
    numbers = itertools.count(1)

    def on_start(self) -> None:
        self.number = next(Trainee.numbers)
        self.rng = random.Random(f"{RUN}-{self.number}")
        self.sessions = 0
        self.scenarios = scenarios()

    @task
    def play(self) -> None:
        # Sessions one after the other inside one task, so locust's own wait between
        # tasks (during which it kills a stopping user at once) is never used: locust
        # can kill a user whose sleep ends in the same instant, in the middle of the
        # message it then sends. think() stops the user between messages instead.
        while True:
            self.play_session()
            self.think()

    def think(self) -> None:
        """Think time; a test that is stopping ends the user here, never mid-request."""
        gevent.sleep(self.wait_time())
        if self._state == LOCUST_STATE_STOPPING:
            raise StopUser()

    def play_session(self) -> None:
        self.sessions += 1
        tag = f"{RUN}-u{self.number:03d}-s{self.sessions:03d}"
        sender = f"load-{tag}-{uuid.uuid4().hex[:8]}"
        trainee = f"load-trainee-{tag}"
        scenario = self.rng.choice(self.scenarios)
        session = {"sender": sender, "trainee": trainee, "scenario": scenario}
        start = "/start_scenario" + json.dumps({"scenario": scenario})
        custom = self.send(session, 0, "start", start)
        if custom is None or not custom.get("session_id"):
            return  # no session: the next one starts after some thinking
        session["session_id"] = custom["session_id"]
        index = 0
        for text in script(self.rng):
            self.think()
            index += 1
            custom = self.send(session, index, "reply", text)
            if custom and custom.get("outcome"):
                break  # resolved or escalated: the trainee reads the summary
        self.think()
        self.send(session, index + 1, "end", "/end_session")

    def send(self, session: dict, index: int, kind: str, text: str) -> dict | None:
        """One message, resent with the same id after a network error or a 5xx.

        Returns the answer's `custom` payload ({} if it had none), None if no answer came.
        """
        client_id = uuid.uuid4().hex
        payload = {
            "sender": session["sender"],
            "message": text,
            "metadata": {"trainee": session["trainee"], "message_id": client_id},
        }
        base = {
            **session,
            "message_id": client_id,
            "kind": kind,
            "index": index,
            "text": text,
        }
        LOG.write({"type": "send", **base, "ts": time.time()})
        first = time.perf_counter()
        status, body, latency_ms = "not_sent", None, None
        tries = 0
        for tries in range(1, MAX_TRIES + 1):
            started = time.perf_counter()
            with self.client.post(
                WEBHOOK, json=payload, name=kind, timeout=TIMEOUT_S, catch_response=True
            ) as response:
                latency_ms = (time.perf_counter() - started) * 1000.0
                status, retry, body = classify(response)
                custom = custom_of(body) if body else {}
                notice = custom.get("notice") if custom.get("system") else None
                if status != "ok":
                    response.failure(status)
                elif notice:
                    response.failure(f"notice:{notice}")
                elif kind == "reply" and not custom.get("scores"):
                    response.failure("reply answered without scores")
                else:
                    response.success()
            LOG.write(
                {
                    "type": "attempt",
                    "sender": session["sender"],
                    "message_id": client_id,
                    "kind": kind,
                    "try": tries,
                    "status": status,
                    "latency_ms": round(latency_ms, 1),
                    "ts": time.time(),
                }
            )
            if not retry or tries == MAX_TRIES:
                break
            gevent.sleep(BACKOFF_S[tries - 1])  # not self.wait(): a resend is never dropped
        custom = custom_of(body) if body else {}
        LOG.write(
            {
                "type": "message",
                **base,
                "status": status,
                "tries": tries,
                "latency_ms": None if latency_ms is None else round(latency_ms, 1),
                "total_ms": round((time.perf_counter() - first) * 1000.0, 1),
                "scored": bool(custom.get("scores")),
                "system": bool(custom.get("system")),
                "notice": custom.get("notice") if custom.get("system") else None,
                "turn": custom.get("turn"),
                "answer_session_id": custom.get("session_id"),
                "outcome": custom.get("outcome"),
                "error": custom.get("error") or custom.get("storage_error"),
                "ts": time.time(),
            }
        )
        return custom if status == "ok" else None
