"""Hostile input through both front doors of a real running stack.

One Rasa server, one action server and a SQLite file for the whole module; every input
goes (a) straight to Rasa's REST channel, as any client of contract §2 could send it, and
(b) through the web app, pointed at that same Rasa. For each one the client gets a clear
answer (never a 500, never a traceback or an exception's class name), nothing is stored
wrongly (an injected command does not end the session; a refused message is kept as
refused; an oversized reply is kept, not scored), the session goes on afterwards with a
normal scored reply, and the trainer pages show what was stored escaped.
"""

from __future__ import annotations

import http.client
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest
import sqlalchemy as sa
from markupsafe import escape

from coach import config
from coach.serve import running_stack
from coach.storage import repository
from coach.storage.db import get_engine
from coach.web import accounts, create_app, store
from tests.browser.fakebot import PASSWORD, csrf, login

pytestmark = pytest.mark.e2e

MODEL = config.PROJECT_ROOT / "models" / "coach.tar.gz"
SCENARIO = "late-express-delivery"
START = f'/start_scenario{{"scenario": "{SCENARIO}"}}'
NORMAL = (
    "I'm so sorry the laptop is three days late after you paid for express delivery, "
    "that's really frustrating."
)
RATE_LIMIT = 25  # per trainee per minute in this stack; no test but the flood gets near it

# What must never reach a client: a traceback, a source path, an exception's class name.
LEAK = re.compile(
    r"Traceback \(most recent call last\)|File \"/|\b[A-Z][A-Za-z]*(?:Error|Exception)\b"
    r"|sqlalchemy|psycopg2|sqlite3"
)
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(document.cookie)>"


@dataclass
class Running:
    webhook: str
    url: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Running:
    if not MODEL.exists():
        pytest.skip("no trained model (make test trains it first)")
    folder = tmp_path_factory.mktemp("bad-input")
    url = f"sqlite:///{folder / 'coach.db'}"
    env = {"COACH_SEED": "3", "COACH_RATE_LIMIT": str(RATE_LIMIT), "COACH_RATE_WINDOW": "60"}
    with running_stack(database_url=url, log_dir=Path(folder) / "logs", extra_env=env) as s:
        yield Running(s.webhook, url)


# --------------------------------------------------------------------------- REST helpers


def raw_post(stack: Running, body: bytes, content_type: str | None = "application/json"):
    """POST exactly these bytes to the REST webhook; (status, content type, text)."""
    parts = urlparse(stack.webhook)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Content-Type": content_type} if content_type else {}
    try:
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def rest(stack: Running, sender: str, message: str, trainee: str) -> list[dict]:
    """One message over REST; asserts a clean 200 and returns the bot's messages."""
    body = json.dumps({"sender": sender, "message": message, "metadata": {"trainee": trainee}})
    status, _, raw = raw_post(stack, body.encode())
    text = raw.decode("utf-8", "replace")
    assert status == 200, (status, text[:500])
    assert_no_leak(text)
    messages = json.loads(raw)
    assert messages, f"the bot said nothing to {message[:80]!r}"
    return messages


def custom(messages: list[dict]) -> dict:
    assert "custom" in messages[-1], messages
    return messages[-1]["custom"]


def assert_no_leak(text: str) -> None:
    found = LEAK.search(text)
    assert found is None, f"internal detail sent to the client: {found.group(0)!r} in {text[:300]}"


def new_rest_session(stack: Running, trainee: str) -> tuple[str, dict]:
    sender = f"bad-{uuid.uuid4().hex[:10]}"
    opening = custom(rest(stack, sender, START, trainee))
    assert opening["session_id"] and opening["turn"] == 0
    return sender, opening


def continue_normally(stack: Running, sender: str, trainee: str) -> dict:
    """The conversation goes on: a normal reply is answered in character and scored."""
    answer = rest(stack, sender, NORMAL, trainee)
    c = custom(answer)
    assert not c.get("system"), answer
    assert c["scores"] is not None and answer[0]["text"]
    return c


def turns_of(stack: Running, session_id: str) -> list[dict]:
    return repository.list_turns(session_id, url=stack.url)


def table_counts(stack: Running) -> tuple[int, int]:
    with get_engine(stack.url).connect() as conn:
        sessions = conn.execute(sa.text("SELECT count(*) FROM sessions")).scalar_one()
        turns = conn.execute(sa.text("SELECT count(*) FROM turns")).scalar_one()
    return sessions, turns


# --------------------------------------------------------------------------- web helpers


@pytest.fixture(scope="module")
def app(stack: Running):
    for name, role in (("owen", "trainee"), ("walt", "trainee"), ("tara", "trainer")):
        accounts.create_user(name, PASSWORD, role, url=stack.url)
    return create_app(
        {
            "DATABASE_URL": stack.url,
            "RASA_WEBHOOK": stack.webhook,
            "RASA_TIMEOUT": 120,
            "SECRET_KEY": "bad-input-secret-" + "x" * 40,
        }
    )


@pytest.fixture(scope="module")
def trainer(app):
    client = app.test_client()
    assert login(client, "tara").status_code == 303
    return client


def web_user(app, stack: Running, name: str):
    """A signed-in trainee of their own (each test's messages count to its own limit)."""
    accounts.create_user(name, PASSWORD, "trainee", url=stack.url)
    client = app.test_client()
    assert login(client, name).status_code == 303
    return client


def web_start(client, mode: str = "practice") -> str:
    response = client.post(
        "/start", data={"scenario": SCENARIO, "mode": mode, "csrf_token": csrf(client)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.match(r"^/chat/([\w-]+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def web_say(client, conversation: str, text: Any):
    return client.post(
        f"/chat/{conversation}/send", json={"text": text}, headers={"X-CSRF-Token": csrf(client)}
    )


def web_post_raw(client, conversation: str, data: bytes | dict, content_type: str | None):
    headers = {"X-CSRF-Token": csrf(client)}
    if content_type:
        headers["Content-Type"] = content_type
    return client.post(f"/chat/{conversation}/send", data=data, headers=headers)


def session_of(stack: Running, conversation: str) -> str:
    return store.get_conversation(conversation, url=stack.url)["session_id"]


def assert_clean_page(response, *, allowed: tuple[int, ...]) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code in allowed, (response.status_code, body[:500])
    assert_no_leak(body)
    return body


def assert_escaped(html: str, hostile: str, *, shown: bool = True) -> None:
    """The hostile text is on the page only as text (escaped), never as markup."""
    for raw in (SCRIPT, IMG, "<script>", "<img src=x"):
        if raw in hostile:
            assert raw not in html, f"unescaped {raw!r} on the page"
            if shown:
                assert str(escape(raw)) in html, f"{raw!r} is missing from the page"
    if shown and "<" in hostile:
        assert "&lt;" in html, "the stored text is missing from the page"


def trainer_sees(trainer, session_id: str, hostile: str, *, shown: bool = True) -> str:
    page = trainer.get(f"/review/sessions/{session_id}")
    html = assert_clean_page(page, allowed=(200,))
    assert_escaped(html, hostile, shown=shown)
    return html


# =========================================================================== (a) REST

# name, body bytes, content type, expected status, expected error code
RAW_BODIES: list[tuple[str, bytes, str | None, int, str]] = [
    ("malformed JSON", b'{"sender": "x", "message": ', "application/json", 400, "bad_json"),
    ("empty body", b"", "application/json", 400, "bad_request"),
    ("JSON array", b'[{"sender": "x", "message": "hi"}]', "application/json", 400, "bad_request"),
    ("JSON string", b'"hello"', "application/json", 400, "bad_request"),
    ("JSON number", b"42", "application/json", 400, "bad_request"),
    ("JSON null", b"null", "application/json", 400, "bad_request"),
    ("invalid UTF-8 bytes", b'{"sender": "v", "message": "\xff\xfe sorry"}', None, 400, "bad_json"),
    ("form-encoded", b"sender=x&message=hi", "application/x-www-form-urlencoded", 400, "bad_json"),
    (
        "multipart",
        b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
        400,
        "bad_json",
    ),
    ("missing sender", b'{"message": "I am sorry"}', "application/json", 400, "bad_sender"),
    (
        "number sender",
        b'{"sender": 7, "message": "I am sorry"}',
        "application/json",
        400,
        "bad_sender",
    ),
    (
        "object sender",
        b'{"sender": {"$ne": 1}, "message": "x"}',
        "application/json",
        400,
        "bad_sender",
    ),
    (
        "huge sender",
        json.dumps({"sender": "s" * 100_000, "message": "I am sorry"}).encode(),
        "application/json",
        400,
        "bad_sender",
    ),
    ("missing message", b'{"sender": "VICTIM"}', "application/json", 400, "bad_message"),
    (
        "null message",
        b'{"sender": "VICTIM", "message": null}',
        "application/json",
        400,
        "bad_message",
    ),
    (
        "number message",
        b'{"sender": "VICTIM", "message": 3}',
        "application/json",
        400,
        "bad_message",
    ),
    (
        "array message",
        b'{"sender": "VICTIM", "message": ["a"]}',
        "application/json",
        400,
        "bad_message",
    ),
    (
        "string metadata",
        b'{"sender": "VICTIM", "message": "hi", "metadata": "trainee=mallory"}',
        "application/json",
        400,
        "bad_metadata",
    ),
    (
        "body over 256 KiB",
        json.dumps({"sender": "VICTIM", "message": "a" * 300_000}).encode(),
        "application/json",
        413,
        "too_large",
    ),
    ("/restart", b'{"sender": "VICTIM", "message": "/restart"}', None, 400, "unsupported_command"),
    (
        "/session_start",
        b'{"sender": "VICTIM", "message": " /session_start"}',
        "application/json",
        400,
        "unsupported_command",
    ),
    (
        "/back",
        b'{"sender": "VICTIM", "message": "/back@1.0"}',
        "text/plain",
        400,
        "unsupported_command",
    ),
    (
        "intent with huge JSON",
        json.dumps(
            {"sender": "VICTIM", "message": '/end_session{"x": "' + "a " * 30_000 + '"}'}
        ).encode(),
        "application/json",
        400,
        "command_too_long",
    ),
    (
        "/out_of_scope",
        b'{"sender": "VICTIM", "message": "/out_of_scope{\\"a\\": 1}"}',
        "application/json",
        400,
        "unsupported_command",
    ),
]


@pytest.fixture(scope="module")
def victim(stack: Running) -> dict:
    """A REST conversation in progress that every malformed request is aimed at."""
    sender, opening = new_rest_session(stack, "rest-victim")
    return {"sender": sender, "session_id": opening["session_id"]}


@pytest.mark.parametrize(
    "name, body, content_type, status, code", RAW_BODIES, ids=[c[0] for c in RAW_BODIES]
)
def test_rest_malformed_request_gets_a_json_error_and_changes_nothing(
    stack, victim, name, body, content_type, status, code
):
    before = table_counts(stack)
    body = body.replace(b"VICTIM", victim["sender"].encode())
    got, kind, raw = raw_post(stack, body, content_type)
    text = raw.decode("utf-8", "replace")
    assert got == status, (got, text[:300])
    assert kind.startswith("application/json"), kind
    answer = json.loads(raw)
    assert answer["error"] == code and len(answer["message"]) > 20, answer
    assert_no_leak(text)
    assert table_counts(stack) == before, "a refused request stored something"
    session = repository.get_session(victim["session_id"], url=stack.url)
    assert session["outcome"] is None, "a refused request ended the session"


def test_rest_conversation_goes_on_after_every_malformed_request(stack, victim):
    c = continue_normally(stack, victim["sender"], "rest-victim")
    assert c["session_id"] == victim["session_id"] and c["turn"] == 1
    turns = turns_of(stack, victim["session_id"])
    assert [t["trainee_text"] for t in turns] == [NORMAL]


def test_rest_plain_text_content_type_with_a_json_body_is_understood(stack):
    """Rasa reads the body whatever the header says; so does the check in front of it."""
    sender = f"bad-{uuid.uuid4().hex[:10]}"
    body = json.dumps({"sender": sender, "message": START, "metadata": {"trainee": "rest-tp"}})
    status, _, raw = raw_post(stack, body.encode(), "text/plain")
    assert status == 200 and custom(json.loads(raw))["turn"] == 0
    continue_normally(stack, sender, "rest-tp")


# A hostile reply sent mid-session: what is stored (None: nothing), and how it is answered.
ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"
RTL = "مرحبا، أنا آسف جدا \u202egnirb ot yrros\u202c שלום, אני מצטער על העיכוב"
REST_TEXTS: list[tuple[str, str, str, str | None]] = [
    # name, message, expected answer kind, expected stored text
    ("empty string", "", "empty_message", None),
    ("whitespace only", " \t\r\n \u3000 ", "empty_message", None),
    ("zero-width characters only", ZERO_WIDTH, "empty_message", None),
    ("100 KB reply", "I am sorry. " * 8600, "message_too_long", ("I am sorry. " * 8600).strip()),
    ("NUL byte", "I'm sorry\x00 about the delay", "scored", "I'm sorry\ufffd about the delay"),
    ("ANSI escape", "\x1b[31mI'm sorry\x1b[0m about the laptop", "scored", None),
    ("CR/LF mix", "I'm sorry.\r\nThat's awful.\rReally.\n\r", "scored", None),
    ("RTL override, Arabic and Hebrew", RTL, "scored", None),
    ("emoji only", "😡😭🙏💻📦", "scored", None),
    ("lone surrogate", "I'm sorry \ud800 truly", "scored", "I'm sorry \ufffd truly"),
    ("script tag", f"{SCRIPT} I'm sorry about the laptop", "scored", None),
    ("img onerror", f"{IMG} I hear you", "scored", None),
    ("SQL meta-characters", "'; DROP TABLE turns;-- \" OR 1=1 --", "scored", None),
    ("unknown scenario", '/start_scenario{"scenario": "nope"}', "unknown_scenario", None),
    ("path traversal", '/start_scenario{"scenario": "../../etc/passwd"}', "unknown_scenario", None),
    ("script scenario id", '/start_scenario{"scenario": "<script>"}', "unknown_scenario", None),
    (
        "intent with big JSON",
        '/start_scenario{"scenario": "' + "a " * 900 + '"}',
        "unknown_scenario",
        None,
    ),
    ("intent with broken JSON", '/start_scenario{"scenario": ', "no_scenario", None),
    ("unknown intent", "/drop_all_tables", "scored", None),
]


@pytest.mark.parametrize("name, message, kind, stored", REST_TEXTS, ids=[c[0] for c in REST_TEXTS])
def test_rest_hostile_reply_mid_session(stack, trainer, name, message, kind, stored):
    trainee = f"rest-{uuid.uuid4().hex[:8]}"
    sender, opening = new_rest_session(stack, trainee)
    session_id = opening["session_id"]
    answer = rest(stack, sender, message, trainee)
    c = custom(answer)
    assert answer[0]["text"], "no clear answer"
    assert c["session_id"] == session_id, "the session changed under the trainee"
    turns = turns_of(stack, session_id)
    if kind == "scored":
        assert not c.get("system") and c["scores"] is not None and c["turn"] == 1, answer
        assert len(turns) == 1 and turns[0]["error"] is None
        # Rasa strips the text it receives; nothing else changes it.
        assert turns[0]["trainee_text"] == (stored if stored is not None else message.strip())
    else:
        assert c.get("system") is True and c["notice"] == kind, answer
        assert c["turn"] == 0 and c["outcome"] is None
        if stored is None:
            assert turns == [], "a refused command or empty message was stored as a turn"
        else:  # kept, with why, and not scored
            assert len(turns) == 1 and turns[0]["trainee_text"] == stored
            assert turns[0]["acknowledgment"] is None and "too long" in turns[0]["error"]
    after = continue_normally(stack, sender, trainee)
    assert after["session_id"] == session_id and after["outcome"] is None
    trainer_sees(trainer, session_id, message, shown=bool(turns))


def test_rest_explicit_commands_do_what_they_say_and_nothing_else(stack):
    """The trainee's own commands over REST are allowed (contract §2), with their effect only."""
    trainee = "rest-commands"
    sender, opening = new_rest_session(stack, trainee)
    continue_normally(stack, sender, trainee)
    # Another scenario start as a reply, in assessment mode: the running session ends first.
    command = f'/start_scenario{{"mode": "assessment", "scenario": "{SCENARIO}"}}'
    switched = custom(rest(stack, sender, command, trainee))
    assert switched["mode"] == "assessment" and switched["session_id"] != opening["session_id"]
    first = repository.get_session(opening["session_id"], url=stack.url)
    assert first["outcome"] == "ended" and len(turns_of(stack, opening["session_id"])) == 1
    # /rewind in assessment mode: refused, nothing changes.
    refused = custom(rest(stack, sender, "/rewind", trainee))
    assert refused["notice"] == "rewind_unavailable" and refused["turn"] == 0
    continue_normally(stack, sender, trainee)
    # /end_session with a pile of junk entities still just ends the session, once.
    junk = '/end_session{"outcome": "resolved", "x": "' + "z " * 800 + '"}'
    ended = custom(rest(stack, sender, junk, trainee))
    assert ended["outcome"] == "ended" and ended["summary"]["turns"] == 1
    stored = repository.get_session(switched["session_id"], url=stack.url)
    assert stored["outcome"] == "ended" and stored["mode"] == "assessment"
    late = custom(rest(stack, sender, NORMAL, trainee))
    assert late["notice"] == "session_over"
    kept = turns_of(stack, switched["session_id"])[-1]
    assert kept["trainee_text"] == NORMAL and "after the session ended" in kept["error"]


def test_rest_hostile_trainee_name_and_message_before_any_scenario(stack, trainer):
    trainee = IMG
    sender = f"bad-{uuid.uuid4().hex[:10]}"
    early = custom(rest(stack, sender, SCRIPT, trainee))
    assert early["notice"] == "no_session"
    opening = custom(rest(stack, sender, START, trainee))
    continue_normally(stack, sender, trainee)
    assert repository.get_session(opening["session_id"], url=stack.url)["trainee"] == IMG
    listing = trainer.get("/review/sessions", query_string={"trainee": IMG})
    html = assert_clean_page(listing, allowed=(200,))
    assert_escaped(html, IMG)
    assert "&lt;img src=x onerror=alert(document.cookie)&gt;" in html
    progress = trainer.get(f"/review/trainees/{quote(IMG, safe='')}")
    assert_escaped(assert_clean_page(progress, allowed=(200,)), IMG)


# =========================================================================== (b) web app

WEB_TEXTS: list[tuple[str, str]] = [
    ("control characters", "I'm sorry\x00 \x1b[31mreally\x1b[0m\r\nsorry"),
    ("RTL override, Arabic and Hebrew", RTL),
    ("emoji only", "😡😭🙏💻📦"),
    ("lone surrogate", "I'm sorry \ud800 truly"),
    ("script tag", f"{SCRIPT} I'm sorry about the laptop"),
    ("img onerror", f"{IMG} I hear you"),
    ("SQL meta-characters", "'; DROP TABLE turns;-- \" OR 1=1 --"),
    ("/end_session injection", "/end_session"),
    ("unknown scenario injection", '/start_scenario{"scenario": "nope"}'),
    ("path traversal injection", '/start_scenario{"scenario": "../../etc/passwd"}'),
    ("script scenario injection", '/start_scenario{"scenario": "<script>"}'),
    (
        "assessment start injection",
        f'/start_scenario{{"mode": "assessment", "scenario": "{SCENARIO}"}}',
    ),
    ("/restart injection", "/restart"),
    ("/session_start injection", "/session_start"),
    ("/rewind injection", "/rewind"),
    ("intent with huge JSON", '/end_session{"x": "' + "y" * 1500 + '"}'),
]


@pytest.mark.parametrize("name, text", WEB_TEXTS, ids=[c[0] for c in WEB_TEXTS])
def test_web_hostile_reply_is_just_a_reply(app, stack, trainer, name, text):
    """Whatever the trainee types is their reply to the customer: scored, stored, shown as
    text; it never runs as a command, and the session carries on."""
    client = web_user(app, stack, f"w{uuid.uuid4().hex[:8]}")
    conversation = web_start(client)
    session_id = session_of(stack, conversation)
    response = web_say(client, conversation, text)
    body = response.get_json()
    assert response.status_code == 200, body
    assert_no_leak(response.get_data(as_text=True))
    assert body["ok"] and body["customer"] and body["over"] is False
    assert body["note"] is not None  # practice mode: scored
    session = repository.get_session(session_id, url=stack.url)
    assert session["outcome"] is None and session["mode"] == "practice"
    turns = turns_of(stack, session_id)
    assert len(turns) == 1 and turns[0]["error"] is None
    assert turns[0]["acknowledgment"] is not None
    shown = text.strip().replace("\x00", "\ufffd").replace("\ud800", "\ufffd")
    assert turns[0]["trainee_text"].lstrip("\u200b") == shown
    again = web_say(client, conversation, NORMAL)
    assert again.status_code == 200 and again.get_json()["turn"] == 2, again.get_json()
    page = assert_clean_page(client.get(f"/chat/{conversation}"), allowed=(200,))
    assert_escaped(page, text)
    trainer_sees(trainer, session_id, text)


# name, body, content type, expected status, expected error code
WEB_BODIES: list[tuple[str, bytes | dict, str | None, int, str]] = [
    ("empty text", {"text": ""}, None, 400, "empty_message"),
    ("whitespace text", {"text": " \r\n\t "}, None, 400, "empty_message"),
    ("zero-width text", {"text": ZERO_WIDTH}, None, 400, "empty_message"),
    ("100 KB text", {"text": "I am sorry. " * 8600}, None, 400, "message_too_long"),
    ("number text", {"text": 42}, None, 400, "bad_request"),
    ("null text", {"text": None}, None, 400, "bad_request"),
    ("missing text", {"message": NORMAL}, None, 400, "empty_message"),
    ("malformed JSON", b'{"text": "I am so', "application/json", 400, "bad_request"),
    ("JSON array", b'["I am sorry"]', "application/json", 400, "bad_request"),
    ("JSON string", b'"I am sorry"', "application/json", 400, "bad_request"),
    ("JSON number", b"7", "application/json", 400, "bad_request"),
    ("invalid UTF-8 JSON", b'{"text": "\xff\xfe"}', "application/json", 400, "bad_request"),
    ("text/plain body", b"I am sorry", "text/plain", 415, "unsupported_media_type"),
    ("body over 256 KiB", {"text": "a" * 300_000}, None, 413, "request_entity_too_large"),
]


@pytest.fixture(scope="module")
def web_victim(app, stack):
    client = web_user(app, stack, "wendy")
    conversation = web_start(client)
    return client, conversation


@pytest.mark.parametrize(
    "name, body, content_type, status, code", WEB_BODIES, ids=[c[0] for c in WEB_BODIES]
)
def test_web_bad_request_gets_a_clear_error_and_nothing_is_sent(
    stack, web_victim, name, body, content_type, status, code
):
    client, conversation = web_victim
    before = table_counts(stack)
    if isinstance(body, dict):
        response = client.post(
            f"/chat/{conversation}/send", json=body, headers={"X-CSRF-Token": csrf(client)}
        )
    else:
        response = web_post_raw(client, conversation, body, content_type)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    answer = response.get_json()
    assert answer is not None and answer["error"] == code, answer
    assert answer["ok"] is False and len(answer["message"]) > 15
    assert_no_leak(response.get_data(as_text=True))
    assert table_counts(stack) == before, "a refused reply was sent to the bot and stored"


def test_web_form_and_multipart_posts_work_and_keep_the_text_on_errors(stack, web_victim):
    client, conversation = web_victim
    form = {"csrf_token": csrf(client)}
    empty = client.post(f"/chat/{conversation}/send", data={**form, "text": "   "})
    assert_clean_page(empty, allowed=(400,))
    long_text = "<b>sorry</b> " * 200
    too_long = client.post(f"/chat/{conversation}/send", data={**form, "text": long_text})
    html = assert_clean_page(too_long, allowed=(400,))
    assert "&lt;b&gt;sorry&lt;/b&gt;" in html and "<b>sorry" not in html
    sent = client.post(
        f"/chat/{conversation}/send",
        data={**form, "text": NORMAL},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
    turns = turns_of(stack, session_of(stack, conversation))
    assert [t["trainee_text"] for t in turns] == [NORMAL] and turns[0]["error"] is None
    again = web_say(client, conversation, "I've booked a courier for tomorrow morning.")
    assert again.status_code == 200 and again.get_json()["turn"] == 2


def test_web_assessment_cannot_be_rewound_by_button_or_by_text(app, stack):
    client = web_user(app, stack, "ada")
    conversation = web_start(client, "assessment")
    web_say(client, conversation, NORMAL)
    button = client.post(
        f"/chat/{conversation}/rewind", json={}, headers={"X-CSRF-Token": csrf(client)}
    )
    assert button.status_code == 400 and button.get_json()["error"] == "rewind_unavailable"
    typed = web_say(client, conversation, "/rewind")
    assert typed.status_code == 200 and typed.get_json()["turn"] == 2
    turns = turns_of(stack, session_of(stack, conversation))
    assert len(turns) == 2 and not any(t["rewound"] for t in turns)


START_FORMS: list[tuple[str, dict]] = [
    ("unknown scenario", {"scenario": "nope", "mode": "practice"}),
    ("path traversal scenario", {"scenario": "../../etc/passwd", "mode": "practice"}),
    ("script scenario", {"scenario": SCRIPT, "mode": "practice"}),
    ("empty scenario", {"scenario": "", "mode": "practice"}),
    ("huge scenario", {"scenario": "a" * 50_000, "mode": "practice"}),
    ("NUL in scenario", {"scenario": SCENARIO + "\x00", "mode": "practice"}),
    ("script mode", {"scenario": SCENARIO, "mode": SCRIPT}),
    ("no fields", {}),
]


@pytest.mark.parametrize("name, form", START_FORMS, ids=[c[0] for c in START_FORMS])
def test_web_start_form_with_a_bad_scenario_is_refused(app, stack, name, form):
    client = web_user(app, stack, f"s{uuid.uuid4().hex[:8]}")
    before = table_counts(stack)
    response = client.post("/start", data={**form, "csrf_token": csrf(client)})
    html = assert_clean_page(response, allowed=(400,))
    assert "does not exist" in html or "practice or assessment" in html
    assert "<script>alert" not in html
    assert table_counts(stack) == before


def test_web_another_trainees_conversation_is_invisible_and_untouched(app, stack, trainer):
    owner = web_user(app, stack, "olga")
    conversation = web_start(owner)
    assert web_say(owner, conversation, NORMAL).status_code == 200
    session_id = session_of(stack, conversation)
    intruder = app.test_client()
    assert login(intruder, "walt").status_code == 303
    token = {"X-CSRF-Token": csrf(intruder)}
    attempts = {
        "chat page": intruder.get(f"/chat/{conversation}"),
        "send (JSON)": intruder.post(
            f"/chat/{conversation}/send", json={"text": "/end_session"}, headers=token
        ),
        "send (form)": intruder.post(
            f"/chat/{conversation}/send", data={"text": "hi", "csrf_token": csrf(intruder)}
        ),
        "rewind": intruder.post(f"/chat/{conversation}/rewind", json={}, headers=token),
        "end": intruder.post(f"/chat/{conversation}/end", json={}, headers=token),
        "scorecard": intruder.get(f"/scorecard/{session_id}"),
        "session id as conversation": intruder.get(f"/chat/{session_id}"),
        "traversal id": intruder.get("/chat/..%2F..%2Fetc%2Fpasswd"),
        "huge id": intruder.get("/chat/" + "x" * 5000),
        "script id": intruder.get(f"/scorecard/{quote(SCRIPT, safe='')}"),
    }
    for what, response in attempts.items():
        body = response.get_data(as_text=True)
        assert response.status_code == 404, (what, response.status_code, body[:300])
        assert_no_leak(body)
        assert "<script>alert" not in body, what
    assert session_id not in intruder.get("/history").get_data(as_text=True)
    session = repository.get_session(session_id, url=stack.url)
    assert session["outcome"] is None and session["trainee"] == "olga"
    assert len(turns_of(stack, session_id)) == 1
    assert web_say(owner, conversation, "I've booked a courier for tomorrow.").status_code == 200
    trainer_sees(trainer, session_id, "")


TRAINER_PAGES = [
    ("GET", "/review/sessions"),
    ("GET", "/review/sessions/{sid}"),
    ("GET", "/review/trainees/olga"),
    ("GET", "/review/team"),
    ("GET", "/review/agreement"),
    ("GET", "/review/export/turns.csv"),
    ("GET", "/review/export/sessions.csv"),
    ("POST", "/review/turns/{tid}/judge"),
]


def test_web_trainer_pages_refuse_a_trainee(app, stack):
    client = web_user(app, stack, "tom")
    conversation = web_start(client)
    web_say(client, conversation, NORMAL)
    sid = session_of(stack, conversation)
    tid = turns_of(stack, sid)[0]["id"]
    for method, path in TRAINER_PAGES:
        url = path.format(sid=sid, tid=tid)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"acknowledgment": "1", "csrf_token": csrf(client)})
        body = assert_clean_page(response, allowed=(403,))
        assert "Traceback" not in body and sid not in body, url


def test_trainer_filters_with_hostile_values_are_escaped(trainer):
    page = trainer.get(
        "/review/sessions",
        query_string={
            "trainee": SCRIPT,
            "scenario": IMG,
            "date_from": SCRIPT,
            "sort": "'; DROP TABLE turns;--",
            "page": "-1e9",
            "mode": "<b>",
        },
    )
    html = assert_clean_page(page, allowed=(200,))
    assert SCRIPT not in html and "<img src=x" not in html
    assert "is not a date" in html


# =========================================================================== rate limit


def test_flooding_trainee_is_slowed_down_over_rest_and_in_the_web_app(app, stack):
    """The limit is counted from the database, so a trainee flooding over REST is slowed
    down in the web app too; every refused message is kept, none is lost."""
    trainee = "flo"
    client = web_user(app, stack, trainee)
    flood_sender, flood_session = new_rest_session(stack, trainee)
    rest(stack, flood_sender, "/end_session", trainee)
    for i in range(RATE_LIMIT):  # after the end: stored as refused, cheap to send
        assert (
            custom(rest(stack, flood_sender, f"message {i}", trainee))["notice"] == "session_over"
        )
    sender, opening = new_rest_session(stack, trainee)
    limited = rest(stack, sender, NORMAL, trainee)
    c = custom(limited)
    assert c["system"] is True and c["notice"] == "rate_limited" and c["turn"] == 0
    assert "slow down" in limited[0]["text"] and "was kept" in limited[0]["text"]
    kept = turns_of(stack, opening["session_id"])
    assert [t["trainee_text"] for t in kept] == [NORMAL] and kept[0]["acknowledgment"] is None
    assert kept[0]["error"].startswith("rate limited")

    conversation = web_start(client)
    response = web_say(client, conversation, "I hear you, I'm sorry.")
    body = response.get_json()
    assert response.status_code == 429 and body["error"] == "rate_limited", body
    assert "slow down" in body["message"] and "still in the box" in body["message"]
    page = client.post(
        f"/chat/{conversation}/send",
        data={"text": "Sorry <again>", "csrf_token": csrf(client)},
    )
    html = assert_clean_page(page, allowed=(429,))
    assert ">Sorry &lt;again&gt;</textarea>" in html
    stored = turns_of(stack, session_of(stack, conversation))
    assert [t["trainee_text"] for t in stored] == ["I hear you, I'm sorry.", "Sorry <again>"]
    assert all(t["error"].startswith("rate limited") for t in stored)
    assert len(turns_of(stack, flood_session["session_id"])) == RATE_LIMIT
