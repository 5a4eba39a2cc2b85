"""The trainee web app's routes: sign-in, forwarding to the bot, escaping, CSRF, errors.

The bot is a fake (tests/browser/fakebot.py) injected through the app config: it runs
the real coach.service against the test database, so stored turns, resume and the
scorecard are exercised for real without starting Rasa.
"""

from __future__ import annotations

import io
import os
import re
import stat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Blueprint
from markupsafe import escape

from coach.storage import repository
from coach.storage.db import get_engine
from coach.web import accounts, create_app, security
from coach.web.models import WEB_TABLES, WebBase
from coach.web.rasa import NEUTRALISER, display_text, neutralise
from tests.browser.fakebot import PASSWORD, csrf, login

SCENARIO = "late-express-delivery"

GOOD_REPLY = (
    "I'm so sorry. You paid for express delivery, the laptop is three days late and you've "
    "had to contact us three times. That's exhausting, and you have every right to be angry."
)
BAD_REPLY = "Calm down, it's only a laptop."


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def ana(app):
    client = app.test_client()
    assert login(client, "ana").status_code == 303
    return client


def start(client, scenario: str = SCENARIO, mode: str = "practice") -> str:
    response = client.post(
        "/start", data={"scenario": scenario, "mode": mode, "csrf_token": csrf(client)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.match(r"^/chat/([\w-]+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def say(client, conversation: str, text: str, **extra):
    return client.post(
        f"/chat/{conversation}/send",
        json={"text": text, **extra},
        headers={"X-CSRF-Token": csrf(client)},
    )


def post_json(client, url: str, body: dict | None = None):
    return client.post(url, json=body or {}, headers={"X-CSRF-Token": csrf(client)})


def session_of(app, conversation: str) -> str:
    from coach.web import store

    return store.get_conversation(conversation, url=app.config["DATABASE_URL"])["session_id"]


# --------------------------------------------------------------------------- accounts


def test_pages_need_sign_in(app):
    client = app.test_client()
    for path in ("/scenarios", "/history", "/chat/web-x", "/scorecard/x"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").headers["Location"].endswith("/login")


def test_bad_password_and_unknown_user_are_refused_alike(app):
    client = app.test_client()
    wrong = login(client, "ana", "not the password")
    nobody = login(client, "nobody", PASSWORD)
    for response in (wrong, nobody):
        assert response.status_code == 401
        assert "do not match" in response.get_data(as_text=True)
    assert client.get("/scenarios").status_code == 302
    assert login(client, "ANA ").status_code == 303  # usernames are case-insensitive


def test_repeated_failures_are_throttled(app):
    client = app.test_client()
    for _ in range(10):
        assert login(client, "ana", "wrong password").status_code == 401
    assert login(client, "ana").status_code == 429


def test_guessing_across_many_usernames_from_one_client_is_throttled_too(app):
    client = app.test_client()
    for i in range(10):
        assert login(client, f"guess{i}", "wrong password").status_code == 401
    blocked = login(client, "ben")
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.get_data(True)
    assert login(app.test_client(), "ben").status_code == 429  # same address, new cookie


def test_passwords_are_stored_hashed(app, db_url):
    with get_engine(db_url).connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    assert len(stored) == 3
    assert all(PASSWORD not in h and h.startswith(("scrypt:", "pbkdf2:")) for h in stored)
    assert accounts.authenticate("ana", PASSWORD, url=db_url).role == "trainee"
    assert accounts.authenticate("ana", PASSWORD[:-1], url=db_url) is None


def test_account_rules(app, db_url):
    with pytest.raises(accounts.DuplicateUser):
        accounts.create_user("Ana", PASSWORD, url=db_url)
    with pytest.raises(accounts.AccountError, match="at least"):
        accounts.create_user("carl", "short", url=db_url)
    with pytest.raises(accounts.AccountError, match="role"):
        accounts.create_user("carl", PASSWORD, "admin", url=db_url)
    with pytest.raises(accounts.AccountError, match="username"):
        accounts.create_user("<b>x</b>", PASSWORD, url=db_url)


def test_password_change_signs_the_old_session_out(app, ana, db_url):
    assert ana.get("/scenarios").status_code == 200
    accounts.set_password("ana", "a brand new password", url=db_url)
    assert ana.get("/scenarios").status_code == 302


def test_users_add_command(app, db_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-password\n"))
    assert accounts.add_user_cli(["add", "Carla", "--role", "trainer", "--password-stdin"]) == 0
    assert "created trainer 'carla'" in capsys.readouterr().out
    assert accounts.authenticate("carla", "s3cret-password", url=db_url).is_trainer
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
    assert accounts.add_user_cli(["add", "carla", "--password-stdin"]) == 1
    assert "already exists" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert accounts.add_user_cli(["dave", "--password-stdin"]) == 1  # "add" is implied
    assert accounts.add_user_cli(["list"]) == 0
    assert "carla\ttrainer" in capsys.readouterr().out


def test_roles_are_checked_by_a_reusable_decorator(app):
    extra = Blueprint("trainer_only", __name__)

    @extra.get("/trainer-only")
    @security.role_required("trainer")
    def trainer_page():
        return "for trainers"

    app.register_blueprint(extra)
    trainee, trainer, anonymous = app.test_client(), app.test_client(), app.test_client()
    login(trainee, "ana")
    login(trainer, "tina")
    assert trainee.get("/trainer-only").status_code == 404
    assert trainer.get("/trainer-only").get_data(as_text=True) == "for trainers"
    assert anonymous.get("/trainer-only").status_code == 302


def test_session_cookie_flags(app, monkeypatch, db_url, bot):
    client = app.test_client()
    response = login(client, "ana")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setenv("COACH_COOKIE_SECURE", "1")
    secure_app = create_app({"DATABASE_URL": db_url, "RASA_CLIENT": bot, "SECRET_KEY": "k" * 40})
    assert secure_app.config["SESSION_COOKIE_SECURE"] is True
    behind_tls = secure_app.test_client()
    behind_tls.environ_base["wsgi.url_scheme"] = "https"  # as a TLS proxy would pass it on
    signed_in = login(behind_tls, "ana")
    assert signed_in.status_code == 303
    flags = [f.strip() for f in signed_in.headers["Set-Cookie"].split(";")]
    assert flags[0].startswith("coach_session=")
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set(flags)
    page = client.get("/scenarios")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_login_never_redirects_off_site(app):
    client = app.test_client()
    client.get("/login")
    for target, expected in (("//evil.example/x", "/scenarios"), ("/history", "/history")):
        response = client.post(
            "/login",
            data={
                "username": "ana",
                "password": PASSWORD,
                "next": target,
                "csrf_token": csrf(client),
            },
        )
        assert response.headers["Location"] == expected
        client.post("/logout", data={"csrf_token": csrf(client)})


def test_secret_key_is_generated_once_and_kept_out_of_git(tmp_path, monkeypatch):
    monkeypatch.delenv("COACH_SECRET_KEY", raising=False)
    first = security.load_secret_key(tmp_path / "instance")
    assert security.load_secret_key(tmp_path / "instance") == first and len(first) >= 32
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert (tmp_path / "instance" / ".gitignore").read_text().strip().endswith("*")
    monkeypatch.setenv("COACH_SECRET_KEY", "from-the-environment")
    assert security.load_secret_key(tmp_path / "instance") == "from-the-environment"


# --------------------------------------------------------------------------- CSRF


def test_posts_without_a_valid_csrf_token_are_rejected(app, ana, bot):
    conversation = start(ana)
    calls = len(bot.calls)
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = ana.post(f"/chat/{conversation}/send", json={"text": "hi"}, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    form = ana.post("/start", data={"scenario": SCENARIO, "mode": "practice"})
    assert form.status_code == 400
    anonymous = app.test_client()
    assert (
        anonymous.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 400
    )
    assert len(bot.calls) == calls


# --------------------------------------------------------------------------- forwarding


def test_the_signed_in_trainee_goes_to_the_bot_whatever_the_browser_says(app, ana, bot):
    conversation = start(ana)
    sender, message, metadata = bot.calls[-1]
    assert sender == conversation and message.startswith("/start_scenario")
    assert metadata == {"trainee": "ana", "source": "web", "kind": "command"}
    response = say(ana, conversation, GOOD_REPLY, trainee="mallory", metadata={"trainee": "x"})
    assert response.status_code == 200, response.get_json()
    assert bot.calls[-1] == (
        conversation,
        GOOD_REPLY,
        {"trainee": "ana", "source": "web", "kind": "reply"},
    )
    stored = repository.get_session(session_of(app, conversation), url=app.config["DATABASE_URL"])
    assert stored["trainee"] == "ana" and stored["mode"] == "practice"


def test_text_starting_with_a_slash_is_never_a_command(app, ana, bot):
    assert neutralise("  /end_session ") == NEUTRALISER + "/end_session"
    assert neutralise("hello /x") == "hello /x"
    assert display_text(neutralise("/rewind")) == "/rewind"
    conversation = start(ana)
    for text in ("/end_session", '/start_scenario{"scenario": "broken-replacement"}', "/rewind"):
        response = say(ana, conversation, text)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["trainee_text"] == text
        assert bot.calls[-1][1] == NEUTRALISER + text
    sid = session_of(app, conversation)
    turns = repository.list_turns(sid, url=app.config["DATABASE_URL"])
    assert len(turns) == 3 and all(t["acknowledgment"] is not None for t in turns)
    assert repository.get_session(sid, url=app.config["DATABASE_URL"])["outcome"] is None
    page = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    assert "/end_session</p>" in page and NEUTRALISER not in page


def test_script_in_a_reply_is_shown_as_text(app, ana):
    conversation = start(ana)
    nasty = "<script>alert('x')</script> I hear you, the laptop is late <b>again</b>."
    assert say(ana, conversation, nasty).status_code == 200
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    page = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    assert escaped in page and "<script>alert" not in page and "<b>again" not in page
    post_json(ana, f"/chat/{conversation}/end")
    card = ana.get(f"/scorecard/{session_of(app, conversation)}").get_data(as_text=True)
    assert "&lt;/script&gt;" in card and "<script>alert" not in card and "<b>again" not in card


# --------------------------------------------------------------------------- errors


def test_empty_and_too_long_replies_get_a_clear_error_and_are_not_sent(app, ana, bot):
    app.config["MAX_MESSAGE_CHARS"] = 40
    conversation = start(ana)
    calls = len(bot.calls)
    empty = say(ana, conversation, "   \n ")
    assert empty.status_code == 400 and empty.get_json()["error"] == "empty_message"
    long_text = "I am so sorry about the laptop, " * 3
    too_long = say(ana, conversation, long_text)
    body = too_long.get_json()
    assert too_long.status_code == 400 and body["error"] == "message_too_long"
    assert "limit is 40" in body["message"] and "still in the box" in body["message"]
    # Without script the form comes back with the text still in the box.
    page = ana.post(f"/chat/{conversation}/send", data={"text": long_text, "csrf_token": csrf(ana)})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "limit is 40" in html and f">{long_text}</textarea>" in html
    assert len(bot.calls) == calls


def test_a_trainee_over_the_rate_limit_gets_429_and_keeps_the_text(app, ana, monkeypatch):
    monkeypatch.setenv("COACH_RATE_LIMIT", "2")
    conversation = start(ana)
    for _ in range(2):
        assert say(ana, conversation, GOOD_REPLY).status_code == 200
    response = say(ana, conversation, BAD_REPLY)
    body = response.get_json()
    assert response.status_code == 429 and body["error"] == "rate_limited"
    assert "slow down" in body["message"] and "still in the box" in body["message"]
    page = ana.post(f"/chat/{conversation}/send", data={"text": BAD_REPLY, "csrf_token": csrf(ana)})
    assert page.status_code == 429
    html = page.get_data(as_text=True)
    assert "slow down" in html and f">{escape(BAD_REPLY)}</textarea>" in html
    turns = repository.list_turns(session_of(app, conversation), url=app.config["DATABASE_URL"])
    assert [t["trainee_text"] for t in turns] == [GOOD_REPLY, GOOD_REPLY, BAD_REPLY, BAD_REPLY]
    for refused in turns[2:]:
        assert refused["acknowledgment"] is None and refused["error"].startswith("rate limited")


def test_bot_down_keeps_the_text_and_a_retry_works(app, ana, bot):
    conversation = start(ana)
    bot.down = True
    response = say(ana, conversation, GOOD_REPLY)
    body = response.get_json()
    assert response.status_code == 503 and body["error"] == "bot_unavailable"
    assert "still in the box" in body["message"]
    page = ana.post(
        f"/chat/{conversation}/send", data={"text": GOOD_REPLY, "csrf_token": csrf(ana)}
    )
    assert page.status_code == 503
    assert "not available right now" in page.get_data(as_text=True)
    assert "you&#39;ve had to contact us three times" in page.get_data(as_text=True)  # in the box
    bot.down = False
    retry = say(ana, conversation, GOOD_REPLY)
    assert retry.status_code == 200 and retry.get_json()["customer"]
    turns = repository.list_turns(session_of(app, conversation), url=app.config["DATABASE_URL"])
    assert [t["trainee_text"] for t in turns] == [GOOD_REPLY]


def test_bot_not_ready_at_start_is_explained_on_the_picker(app, ana, bot):
    bot.down = True
    response = ana.post(
        "/start", data={"scenario": SCENARIO, "mode": "assessment", "csrf_token": csrf(ana)}
    )
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "not available right now" in html
    assert 'value="assessment" checked' in html  # the choice is kept


def test_a_timed_out_reply_is_not_sent_twice_on_retry(app, ana, bot):
    conversation = start(ana)
    bot.time_out_after_processing = True
    response = say(ana, conversation, GOOD_REPLY)
    assert response.status_code == 504 and response.get_json()["error"] == "bot_timeout"
    bot.time_out_after_processing = False
    retry = say(ana, conversation, GOOD_REPLY)
    body = retry.get_json()
    assert retry.status_code == 200 and body["resent"] is True and body["customer"]
    assert bot.replies(conversation) == [GOOD_REPLY]
    turns = repository.list_turns(session_of(app, conversation), url=app.config["DATABASE_URL"])
    assert len(turns) == 1


def test_signed_out_json_call_says_so(app, ana):
    conversation = start(ana)
    token = csrf(ana)
    with ana.session_transaction() as s:
        s.pop("uid")
    response = ana.post(
        f"/chat/{conversation}/send", json={"text": "hi"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 401 and response.get_json()["error"] == "signed_out"


# --------------------------------------------------------------------------- chat


def test_practice_reply_gets_scores_and_a_tip(app, ana):
    conversation = start(ana)
    body = say(ana, conversation, GOOD_REPLY).get_json()
    assert body["ok"] and body["customer"] and body["can_rewind"]
    assert [s["dim"] for s in body["note"]["scores"]] == [
        "acknowledgment",
        "validation",
        "calm_tone",
    ]
    assert body["note"]["tip"]
    assert body["state"]["mood"] in ("furious", "angry", "annoyed", "calming", "satisfied")
    assert 0 <= body["state"]["frustration"] <= 10


def test_assessment_shows_no_scores_and_cannot_rewind(app, ana, bot):
    conversation = start(ana, mode="assessment")
    assert (
        bot.calls[-1][1] == '/start_scenario{"scenario": "late-express-delivery", "mode": '
        '"assessment"}'
    )
    body = say(ana, conversation, GOOD_REPLY).get_json()
    assert body["note"] is None and "scores" not in body and body["can_rewind"] is False
    page = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    assert "rewind-button" not in page and 'class="note' not in page
    calls = len(bot.calls)
    rewind = post_json(ana, f"/chat/{conversation}/rewind")
    assert rewind.status_code == 400 and rewind.get_json()["error"] == "rewind_unavailable"
    assert len(bot.calls) == calls
    card = ana.get(f"/scorecard/{session_of(app, conversation)}").get_data(as_text=True)
    assert "still in progress" in card and "Why these scores" not in card


def test_rewind_keeps_both_attempts(app, ana):
    conversation = start(ana)
    opening = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    assert say(ana, conversation, BAD_REPLY).status_code == 200
    rewind = post_json(ana, f"/chat/{conversation}/rewind").get_json()
    assert rewind["ok"] and rewind["rewound"] and rewind["customer_line"]
    assert rewind["state"]["frustration"] == 8.0
    assert rewind["customer_line"].split("'")[0] in opening
    assert say(ana, conversation, GOOD_REPLY).status_code == 200
    turns = repository.list_turns(session_of(app, conversation), url=app.config["DATABASE_URL"])
    assert [(t["turn_index"], t["attempt"], t["rewound"]) for t in turns] == [
        (1, 0, True),
        (1, 1, False),
    ]
    page = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    assert "rewound, not counted" in page and "asks again" in page
    assert "Calm down, it&#39;s only a laptop." in page
    post_json(ana, f"/chat/{conversation}/end")
    card = ana.get(f"/scorecard/{session_of(app, conversation)}").get_data(as_text=True)
    assert "Rewound · not counted" in card and "pt-rewound" in card


def test_reload_resumes_the_conversation_from_the_database(app, ana):
    conversation = start(ana)
    first = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    opening = re.search(r'class="bubble">([^<]+)</p>', first).group(1)
    assert "Right, this is the third time" in opening  # shown before any reply
    replies = [GOOD_REPLY, "You shouldn't have had to chase us like this, that's on us."]
    answers = [say(ana, conversation, r).get_json()["customer"][0] for r in replies]
    again = app.test_client()  # a new browser: same account, nothing in memory
    login(again, "ana")
    page = again.get(f"/chat/{conversation}").get_data(as_text=True)
    positions = [page.index(opening)]
    for reply, answer in zip(replies, answers, strict=True):
        positions += [
            page.index(reply.replace("'", "&#39;")),
            page.index(answer.replace("'", "&#39;")),
        ]
    assert positions == sorted(positions)
    assert page.count('class="note') == 2
    picker = again.get("/scenarios").get_data(as_text=True)
    assert f"/chat/{conversation}" in picker and "Continue where you left off" in picker


def test_resolved_session_links_its_scorecard_and_history(app, ana):
    from tests.test_e2e import CALM

    conversation = start(ana)
    body = {}
    for reply in CALM:
        body = say(ana, conversation, reply).get_json()
        if body["over"]:
            break
    assert body["state"]["outcome"] == "resolved", body
    sid = session_of(app, conversation)
    assert body["scorecard_url"] == f"/scorecard/{sid}"
    late = say(ana, conversation, "Anything else?")
    assert late.status_code == 409 and late.get_json()["error"] == "session_over"
    card = ana.get(body["scorecard_url"]).get_data(as_text=True)
    assert "Resolved" in card and '<svg class="curve"' in card
    assert "Formulaic empathy" in card and "Over-apologising" in card
    assert '<mark class="ev ev-' in card and "ev-tag-validation" in card
    picker = ana.get("/scenarios").get_data(as_text=True)
    assert f"/scorecard/{sid}" in picker
    assert f"/scorecard/{sid}" in ana.get("/history").get_data(as_text=True)


def test_end_session_gives_the_scorecard(app, ana):
    conversation = start(ana)
    say(ana, conversation, GOOD_REPLY)
    response = post_json(ana, f"/chat/{conversation}/end").get_json()
    assert response["ok"] and response["scorecard_url"]
    card = ana.get(response["scorecard_url"]).get_data(as_text=True)
    assert "Ended early" in card and "Reply 1" in card
    page = ana.get(f"/chat/{conversation}").get_data(as_text=True)
    assert 'id="composer"' in page and "This session is over" in page


def test_other_trainees_cannot_see_or_use_a_conversation(app, ana):
    conversation = start(ana)
    say(ana, conversation, GOOD_REPLY)
    post_json(ana, f"/chat/{conversation}/end")
    sid = session_of(app, conversation)
    ben = app.test_client()
    login(ben, "ben")
    assert ben.get(f"/scorecard/{sid}").status_code == 404
    assert ben.get(f"/chat/{conversation}").status_code == 404
    assert say(ben, conversation, "hello").status_code == 404
    assert post_json(ben, f"/chat/{conversation}/rewind").status_code == 404
    assert sid not in ben.get("/history").get_data(as_text=True)
    trainer = app.test_client()
    login(trainer, "tina")
    assert trainer.get(f"/scorecard/{sid}").status_code == 200


def test_unknown_scenario_or_mode_is_refused(app, ana, bot):
    calls = len(bot.calls)
    for data in ({"scenario": "nope", "mode": "practice"}, {"scenario": SCENARIO, "mode": "x"}):
        response = ana.post("/start", data={**data, "csrf_token": csrf(ana)})
        assert response.status_code == 400
    assert len(bot.calls) == calls


def test_picker_lists_scenarios_with_what_to_expect(app, ana):
    html = ana.get("/scenarios").get_data(as_text=True)
    assert "Late express delivery, third contact" in html
    assert "Expect: anger (high)" in html and "Medium" in html
    assert 'name="mode" value="assessment"' in html and "Not tried yet." in html


# --------------------------------------------------------------------------- schema


def test_web_tables_match_their_migration(app, db_url):
    with get_engine(db_url).connect() as conn:
        assert WEB_TABLES <= set(sa.inspect(conn).get_table_names())

        def only_web(obj, name, type_, reflected, compare_to):
            table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
            return table in WEB_TABLES if table else True

        ctx = MigrationContext.configure(
            conn, opts={"include_object": only_web, "compare_type": True}
        )
        assert compare_metadata(ctx, WebBase.metadata) == []


def test_chat_works_without_script(app, ana):
    conversation = start(ana, "broken-replacement")
    form = {"csrf_token": csrf(ana)}
    sent = ana.post(f"/chat/{conversation}/send", data={**form, "text": BAD_REPLY})
    assert sent.status_code == 303 and sent.headers["Location"].startswith(f"/chat/{conversation}")
    rewound = ana.post(f"/chat/{conversation}/rewind", data=form)
    assert rewound.status_code == 303
    assert "asks again" in ana.get(f"/chat/{conversation}").get_data(as_text=True)
    ended = ana.post(f"/chat/{conversation}/end", data=form)
    assert ended.status_code == 303 and ended.headers["Location"].startswith("/scorecard/")
    assert ana.get(ended.headers["Location"]).status_code == 200


def test_highlights_follow_each_spans_own_effect():
    from coach.web.scorecard import evidence_view

    text = "Well, it's not a big deal, it will arrive eventually."
    evidence = {
        "acknowledgment": [{"start": 35, "end": 41, "text": "arrive", "why": "x", "effect": 1}],
        "validation": [
            {"start": 11, "end": 25, "text": "not a big deal", "why": "y", "effect": -1}
        ],
    }
    view = evidence_view(text, evidence, {"acknowledgment": 0.1, "validation": 0.0})
    marks = {seg["text"]: seg["marks"] for seg in view["segments"] if seg["marks"]}
    assert marks["arrive"] == [{"dim": "acknowledgment", "positive": True}]
    assert marks["not a big deal"] == [{"dim": "validation", "positive": False}]
