"""A stand-in for Rasa's REST channel, in-process, for the web app's route tests.

It speaks the conversation protocol (contract §2) with the real ``coach.service``
(real scorer, real storage in the test database), so what the web app reads back
from the database is what the real bot would have written. Like Rasa, it reads any
message whose stripped text starts with "/" as a command; that is what the web app's
neutralising must defeat. Switches simulate a bot that is down or times out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from coach import service
from coach.session import SessionState
from coach.web.rasa import BotTimeout, BotUnavailable

PASSWORD = "correct horse battery"  # every test account's password


def csrf(client) -> str:
    """The CSRF token of a Flask test client's session (seeded if the app set none yet)."""
    with client.session_transaction() as s:
        if "csrf" not in s:
            s["csrf"] = "seeded-token-for-tests"
        return s["csrf"]


def login(client, username: str, password: str = PASSWORD):
    client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(client)},
    )


@dataclass
class Conversation:
    state: SessionState | None = None
    previous: dict | None = None


@dataclass
class FakeBot:
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    down: bool = False
    # Process the message, then fail as if the answer never came back.
    time_out_after_processing: bool = False

    def send(self, sender: str, message: str, metadata: dict) -> list[dict]:
        self.calls.append((sender, message, dict(metadata)))
        if self.down:
            raise BotUnavailable("cannot reach the bot: [Errno 111] Connection refused")
        conv = self.conversations.setdefault(sender, Conversation())
        reply = self._handle(conv, sender, message, metadata)
        if reply.changed:
            conv.state = reply.state
            conv.previous = reply.previous
        messages = [{"recipient_id": sender, "text": t} for t in reply.extra_messages]
        messages.insert(0, {"recipient_id": sender, "text": reply.text})
        messages.append({"recipient_id": sender, "custom": reply.custom})
        if self.time_out_after_processing:
            raise BotTimeout("no answer within 60s")
        return messages

    def _handle(self, conv: Conversation, sender: str, message: str, metadata: dict):
        text = message.strip()
        trainee = metadata.get("trainee") or sender
        if text.startswith("/start_scenario"):
            entities = json.loads(text[len("/start_scenario") :] or "{}")
            return service.start(
                scenario_id=entities.get("scenario"),
                trainee=trainee,
                conversation_id=sender,
                mode=entities.get("mode"),
                current=conv.state,
            )
        if text.startswith("/end_session"):
            return service.end(conv.state)
        if text.startswith("/rewind"):
            return service.rewind(conv.state, conv.previous)
        if text.startswith("/"):
            raise AssertionError(f"unknown command {text!r}")
        return service.turn(state=conv.state, text=message, move=self.move_for(message))

    @staticmethod
    def move_for(text: str) -> str:
        """A crude stand-in for Rasa's NLU: enough to tell remedies from empathy."""
        lowered = text.lower()
        for words, move in (
            (("refund", "booked", "credit", "courier", "track"), "offer_remedy"),
            (("calm down", "relax"), "tell_to_calm_down"),
            (("sorry", "apolog"), "apologise"),
            (("understand", "right to be", "on us", "shouldn't have"), "acknowledge_feelings"),
            (("hi ", "hello"), "greet"),
        ):
            if any(w in lowered for w in words):
                return move
        return "other"

    def replies(self, sender: str | None = None) -> list[str]:
        """The non-command messages the bot received (optionally for one sender)."""
        return [
            m
            for s, m, md in self.calls
            if md.get("kind") == "reply" and (sender is None or s == sender)
        ]
