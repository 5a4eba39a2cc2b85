"""Rasa's REST channel with the request checked before Rasa sees it (contract §2).

Rasa 3.6's own ``RestInput`` assumes a well-formed body. A body that is not a JSON
object (empty, a list, a string, ``null``) makes it answer 500; a ``message`` that is
missing or not a string, or ``metadata`` that is not an object, fails deep inside the
NLU pipeline and the client gets ``200 []``: the message silently disappears. A missing
``sender`` puts the message into the shared conversation ``"default"``, mixing strangers'
sessions. Rasa's built-in ``/restart``, ``/back`` and ``/session_start`` intents rewrite
the conversation behind the coach's back (the session's state is wiped or rolled back
while its stored turns stay) and answer with nothing; ``/out_of_scope`` makes one
message count as five scored turns.

This subclass keeps Rasa's handler, URL (``/webhooks/rest/webhook``: the channel is
still called ``rest``) and response format unchanged, and puts one blueprint middleware
in front of it that answers each of those cases with a 4xx JSON error saying what is
wrong: ``{"error": "<code>", "message": "<for a person>"}``. credentials.yml names it
in place of the built-in ``rest`` channel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from coach import config, schema_cache

# The Rasa server loads this module (credentials.yml), so this is where the Rasa
# process gets its one speed-up: jsonschema's schema check done once per schema.
schema_cache.install()

# The same cap as the web app and the load balancer (deploy/nginx.conf.template): far
# above any real reply (whose own limit is COACH_MAX_MESSAGE_CHARS), and small enough
# that one request cannot push megabytes into the database.
MAX_BODY_BYTES = 256 * 1024
# The tracker store's sender_id column and the coach's sessions.conversation_id.
MAX_SENDER_CHARS = 255
# Rasa's default intents that the coach's rules do not route: restart, back and
# session_start act on the tracker itself, and out_of_scope (never trained) sends the
# policies round in a loop that scores one message five times until Rasa's circuit
# breaker trips, escalating the customer. The coach has its own commands for what a
# trainee may want (/end_session, /start_scenario, /rewind).
BLOCKED_INTENTS = frozenset({"restart", "back", "session_start", "out_of_scope"})
# How Rasa's RegexMessageHandler reads "/intent@confidence{entities}".
_COMMAND = re.compile(r"^/(?P<intent>[^{@]+)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_KINDS = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


class RequestProblem(ValueError):
    """What is wrong with a request, as an HTTP status, a code and a sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(problem: RequestProblem) -> HTTPResponse:
    return response.json({"error": problem.code, "message": problem.message}, status=problem.status)


def blocked_command(message: str) -> str | None:
    """The Rasa built-in intent this message would trigger, if it is one we refuse."""
    match = _COMMAND.match(message.strip())
    if match is None:
        return None
    intent = match.group("intent").strip()
    return intent if intent in BLOCKED_INTENTS else None


def check_body(body: bytes) -> dict[str, Any]:
    """The request body as a dict Rasa's handler can use, or :class:`RequestProblem`.

    Only the shape is checked: what the message *says* (empty, too long, unknown
    scenario...) is the coach's to answer in the conversation, not an HTTP error.
    """
    if len(body) > MAX_BODY_BYTES:
        raise RequestProblem(
            413,
            "too_large",
            f"The request body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}.",
        )
    usage = 'Send a JSON object: {"sender": "<conversation id>", "message": "<text>"}.'
    if not body.strip():
        raise RequestProblem(400, "bad_request", f"The request body is empty. {usage}")
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise RequestProblem(400, "bad_json", f"The body is not valid UTF-8. {usage}") from None
    except ValueError as exc:
        raise RequestProblem(
            400, "bad_json", f"The body is not valid JSON ({exc}). {usage}"
        ) from None
    if not isinstance(data, dict):
        kind = _JSON_KINDS.get(type(data), "value")
        raise RequestProblem(
            400, "bad_request", f"The body is a JSON {kind}, not an object. {usage}"
        )
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise RequestProblem(
            400, "bad_sender", f'"sender" must be a non-empty string (the conversation id). {usage}'
        )
    if len(sender) > MAX_SENDER_CHARS:
        raise RequestProblem(
            400,
            "bad_sender",
            f'"sender" is {len(sender)} characters long; the limit is {MAX_SENDER_CHARS}.',
        )
    if _SURROGATE.search(sender):
        raise RequestProblem(
            400, "bad_sender", '"sender" contains an unpaired surrogate (\\ud800-\\udfff).'
        )
    message = data.get("message")
    if not isinstance(message, str):
        raise RequestProblem(
            400, "bad_message", f'"message" must be a string (the trainee\'s text). {usage}'
        )
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise RequestProblem(400, "bad_metadata", '"metadata" must be a JSON object if given.')
    channel = data.get("input_channel")
    if channel is not None and not isinstance(channel, str):
        raise RequestProblem(400, "bad_request", '"input_channel" must be a string if given.')
    limit = config.max_message_chars()
    if message.strip().startswith("/") and len(message) > limit:
        raise RequestProblem(
            400,
            "command_too_long",
            f"A command (a message starting with /) is {len(message)} characters long; "
            f"the limit is {limit}. No command of the coach needs more.",
        )
    intent = blocked_command(message)
    if intent is not None:
        raise RequestProblem(
            400,
            "unsupported_command",
            f"/{intent} is not a command of the coach. End a session with /end_session, "
            'start another with /start_scenario{"scenario": "<id>"}, or take your last '
            "practice reply back with /rewind.",
        )
    return data


def skip_nlu_if_too_long(message: UserMessage) -> UserMessage:
    """A reply longer than COACH_MAX_MESSAGE_CHARS, marked as already understood.

    The coach stores such a reply unscored whatever it says, so Rasa's NLU has nothing
    to decide; and it must not try: DIET's attention grows with the square of the
    token count, and one 100 KB reply (25,000 tokens) took the Rasa server past 20 GB
    until the kernel killed it. ``nlu_fallback`` routes it to the customer-turn action
    by the existing rule, which refuses it as too long and keeps it.
    """
    text = message.text
    if message.parse_data or not isinstance(text, str):
        return message
    if len(text) <= config.max_message_chars() or text.strip().startswith("/"):
        return message
    message.parse_data = {
        "text": text,
        "intent": {"name": "nlu_fallback", "confidence": 1.0},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 1.0}],
        "entities": [],
    }
    return message


class CoachRestInput(RestInput):
    """Rasa's REST channel (same name, URL and answers) that refuses malformed requests."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> None:
            await on_new_message(skip_nlu_if_too_long(message))

        bp = super().blueprint(handle)

        @bp.middleware("request")
        async def _check(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                request.parsed_json = check_body(request.body or b"")
            except RequestProblem as problem:
                return _error(problem)
            return None

        return bp
