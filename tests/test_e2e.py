"""End to end over the REST channel: real Rasa server, real action server, real database.

Plays a calm session to *resolved* and a hostile one to *escalated* exactly as a client
of contract §2 would, then finds every trainee message as a stored, scored turn.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from coach import config
from coach.serve import running_stack
from coach.storage import repository

pytestmark = pytest.mark.e2e

MODEL = config.PROJECT_ROOT / "models" / "coach.tar.gz"

CALM = [
    "Hi Dana, thanks for bearing with me, I'm Sam and I'll sort this out with you.",
    "I'm so sorry. You paid for express delivery, the laptop is three days late and you've had "
    "to contact us three times. That's exhausting, and you have every right to be angry.",
    "You shouldn't have had to chase us like this, that's on us.",
    "I've refunded the express delivery fee today and booked a courier to bring the laptop "
    "tomorrow before noon. I'll call you at 10am to confirm it's on the van.",
    "I've also added a £20 credit to your account for the trouble, and I'll personally track "
    "the courier tomorrow morning.",
    "I completely understand how stressful this has been, and I'll stay on it until the laptop "
    "is in your hands tomorrow.",
]
HOSTILE = [
    "It's only a small fee, it's not a big deal.",
    "You should have checked your statement before it went overdrawn.",
    "CALM DOWN. Shouting won't fix anything!!",
    "Obviously there's nothing I can do, that's the policy.",
    "As I ALREADY said, it's not my fault.",
    "Listen to me, you clearly didn't read the terms.",
]


def post(url: str, payload: dict) -> list[dict]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def last_custom(messages: list[dict]) -> dict:
    assert messages, "the bot did not answer"
    assert "custom" in messages[-1], f"no custom payload on the last message: {messages}"
    return messages[-1]["custom"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.skip("no trained model (make test trains it first)")
    db = tmp_path_factory.mktemp("e2e") / "coach.db"
    url = f"sqlite:///{db}"
    with running_stack(
        database_url=url, log_dir=Path(db.parent) / "logs", extra_env={"COACH_SEED": "3"}
    ) as running:
        yield running, url


def play(stack, scenario: str, replies: list[str]) -> tuple[str, list[dict], list[float]]:
    running, _ = stack
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    start = post(
        running.webhook,
        {
            "sender": sender,
            "message": f'/start_scenario{{"scenario": "{scenario}"}}',
            "metadata": {"trainee": "e2e-trainee"},
        },
    )
    customs = [last_custom(start)]
    assert customs[0]["scenario"] == scenario and customs[0]["turn"] == 0
    timings = []
    for text in replies:
        began = time.perf_counter()
        answer = post(
            running.webhook,
            {"sender": sender, "message": text, "metadata": {"trainee": "e2e-trainee"}},
        )
        timings.append(time.perf_counter() - began)
        custom = last_custom(answer)
        assert custom["scores"] is not None, f"reply not scored: {answer}"
        assert answer[0]["text"], "the customer said nothing"
        customs.append(custom)
        if custom["outcome"]:
            break
    return sender, customs, timings


def test_calm_session_resolves_and_every_turn_is_stored(stack):
    sender, customs, timings = play(stack, "late-express-delivery", CALM)
    assert customs[-1]["outcome"] == "resolved", [c["frustration"] for c in customs]
    assert customs[-1]["frustration"] < customs[0]["frustration"]
    _assert_stored(stack, customs, CALM, "resolved")
    print(f"\nmedian scored turn over REST: {statistics.median(timings) * 1000:.0f} ms")


def test_hostile_session_escalates_and_every_turn_is_stored(stack):
    sender, customs, _ = play(stack, "double-charge-overdrawn", HOSTILE)
    assert customs[-1]["outcome"] == "escalated", [c["frustration"] for c in customs]
    assert customs[-1]["frustration"] == 10
    _assert_stored(stack, customs, HOSTILE, "escalated")


def test_end_session_and_bad_input_over_rest(stack):
    running, _ = stack
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    early = last_custom(post(running.webhook, {"sender": sender, "message": "hello there"}))
    assert early["system"] and early["notice"] == "no_session"
    unknown = post(
        running.webhook, {"sender": sender, "message": '/start_scenario{"scenario": "nope"}'}
    )
    assert last_custom(unknown)["notice"] == "unknown_scenario"
    post(
        running.webhook,
        {"sender": sender, "message": '/start_scenario{"scenario": "broken-replacement"}'},
    )
    empty = post(running.webhook, {"sender": sender, "message": " "})
    assert empty == [] or last_custom(empty)["notice"] == "empty_message"
    post(running.webhook, {"sender": sender, "message": "I'm sorry it arrived cracked again."})
    end = last_custom(post(running.webhook, {"sender": sender, "message": "/end_session"}))
    assert end["outcome"] == "ended" and end["summary"]["turns"] == 1


def test_rasas_http_api_demands_the_token_and_listens_only_on_loopback(stack):
    """The REST channel is the open protocol; Rasa's admin API (trackers) is not."""
    import shutil
    import subprocess

    from coach.secrets import rasa_token

    running, _ = stack
    status = f"http://127.0.0.1:{running.rasa_port}/status"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(status, timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{status}?token={rasa_token()}", timeout=10) as ok:
        assert ok.status == 200
    if not shutil.which("ss"):
        return  # iproute2 missing: the address check needs it
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    for port in (running.rasa_port, running.actions_port):
        sockets = [line for line in listening.splitlines() if f":{port} " in line]
        assert sockets and all("127.0.0.1:" in line for line in sockets), sockets


def test_calm_session_on_postgresql(postgres_url, tmp_path):
    """The same stack on PostgreSQL: coach tables and Rasa's tracker store in one database."""
    if not MODEL.exists():
        pytest.skip("no trained model (make test trains it first)")
    with running_stack(
        database_url=postgres_url, log_dir=tmp_path / "logs", extra_env={"COACH_SEED": "3"}
    ) as running:
        stack = (running, postgres_url)
        _, customs, _ = play(stack, "late-express-delivery", CALM)
        assert customs[-1]["outcome"] == "resolved"
        _assert_stored(stack, customs, CALM, "resolved")
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url, future=True)
    with engine.connect() as conn:
        events = conn.exec_driver_sql("SELECT count(*) FROM events").scalar()
    engine.dispose()
    assert events > 0, "Rasa's tracker store did not write to the same database"


def _assert_stored(stack, customs, replies, outcome):
    _, url = stack
    session_id = customs[0]["session_id"]
    session = repository.get_session(session_id, url=url)
    assert session["outcome"] == outcome and session["trainee"] == "e2e-trainee"
    turns = repository.list_turns(session_id, url=url)
    played = len(customs) - 1
    assert [t["trainee_text"] for t in turns] == replies[:played]
    for turn, custom in zip(turns, customs[1:], strict=True):
        assert turn["error"] is None
        assert turn["acknowledgment"] == pytest.approx(custom["scores"]["acknowledgment"], abs=1e-3)
        assert turn["frustration_after"] == pytest.approx(custom["frustration"], abs=0.06)
