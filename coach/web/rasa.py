"""The web app's side of the conversation protocol (contract §2): Rasa's REST channel.

Only the server talks to Rasa; the browser never does. Every message carries the
signed-in trainee in its metadata, whatever the browser sent. Control commands
(start, end, rewind) are built here; text a trainee typed can never become one
(:func:`neutralise`).

Tests inject any object with the same ``send`` method through the app config
(``RASA_CLIENT``) instead of an HTTP server.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any, Protocol

# Rasa's RegexMessageHandler reads any message whose stripped text starts with "/" as an
# intent (with entities). Rasa strips whitespace first, so a leading space does not help.
# A ZERO WIDTH SPACE (U+200B) is not whitespace to Python's str.strip(), so it survives
# and the text no longer starts with "/"; it is invisible when shown, and the web app
# removes it again before display (:func:`display_text`).
NEUTRALISER = "\u200b"
COMMAND_PREFIX = "/"


def neutralise(text: str) -> str:
    """The trainee's text, made safe to forward: never read by Rasa as a command."""
    stripped = text.strip()
    if stripped.startswith(COMMAND_PREFIX):
        return NEUTRALISER + stripped
    return stripped


def display_text(text: str) -> str:
    """The stored text as the trainee typed it (the neutraliser removed)."""
    if text and text.startswith(NEUTRALISER):
        return text[len(NEUTRALISER) :]
    return text


def start_command(scenario_id: str, mode: str) -> str:
    return "/start_scenario" + json.dumps({"scenario": scenario_id, "mode": mode})


END_COMMAND = "/end_session"
REWIND_COMMAND = "/rewind"


class BotError(RuntimeError):
    """The bot could not be asked or did not answer properly. ``code`` says how."""

    code = "bot_error"


class BotUnavailable(BotError):
    """Nothing listens at the webhook (the bot is starting, stopped or restarting)."""

    code = "bot_unavailable"


class BotTimeout(BotError):
    """The bot took too long; the message may still have been processed."""

    code = "bot_timeout"


class RasaClient(Protocol):
    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]: ...


class RestClient:
    """POSTs to Rasa's REST webhook with the standard library (no extra dependency)."""

    def __init__(self, webhook: str, timeout: float = 60.0) -> None:
        self.webhook = webhook
        self.timeout = timeout

    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        body = json.dumps({"sender": sender, "message": message, "metadata": metadata}).encode()
        request = urllib.request.Request(
            self.webhook, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            if e.code in (502, 503, 504):
                raise BotUnavailable(f"the bot answered HTTP {e.code}") from e
            raise BotError(f"the bot answered HTTP {e.code}") from e
        except TimeoutError as e:
            raise BotTimeout(f"no answer within {self.timeout:.0f}s") from e
        except urllib.error.URLError as e:
            if isinstance(e.reason, (TimeoutError, socket.timeout)):
                raise BotTimeout(f"no answer within {self.timeout:.0f}s") from e
            raise BotUnavailable(f"cannot reach the bot: {e.reason}") from e
        except (ConnectionError, OSError) as e:
            raise BotUnavailable(f"cannot reach the bot: {e}") from e
        try:
            data = json.loads(raw or b"[]")
        except ValueError as e:
            raise BotError("the bot's answer is not JSON") from e
        if not isinstance(data, list):
            raise BotError("the bot's answer is not a list of messages")
        return [m for m in data if isinstance(m, dict)]


def last_custom(messages: list[dict]) -> dict | None:
    """The `custom` payload of contract §2 (on the last message that has one)."""
    for message in reversed(messages):
        custom = message.get("custom")
        if isinstance(custom, dict):
            return custom
    return None


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if isinstance(m.get("text"), str) and m["text"]]
