"""Rasa custom actions: thin adapters between the tracker and `coach.service`.

They read the session from slots and the trainee's message from the tracker, call the
service, and turn its reply into bot messages (text, then the `custom` payload of
contract §2) and slot events. No coaching logic lives here.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from coach import service
from coach.message_ids import client_message_key
from coach.scoring.nlp import get_nlp
from coach.session import SessionState

# Load the spaCy pipeline when the action server starts, not on a trainee's first reply.
get_nlp()

# Slot name -> SessionState field.
SLOT_FIELDS = {
    "scenario": "scenario_id",
    "session_id": "session_id",
    "trainee": "trainee",
    "mode": "mode",
    "frustration": "frustration",
    "turn": "turn",
    "outcome": "outcome",
    "remedy_offered": "remedy_offered",
    "heard": "heard",
    "turns_at_max": "turns_at_max",
    "used_lines": "used_lines",
    "customer_line": "customer_line",
}
PREVIOUS_SLOT = "previous_state"  # the state before the last reply, for practice rewind
CONTROL_INTENTS = {"start_scenario", "end_session", "rewind"}
HISTORY_TURNS = 6


def state_from(tracker: Tracker) -> SessionState | None:
    return SessionState.from_dict(
        {field: tracker.get_slot(slot) for slot, field in SLOT_FIELDS.items()}
    )


def slot_events(
    state: SessionState | None, previous: dict | None, tracker: Tracker
) -> list[EventType]:
    """SlotSet events for the slots whose value changes, and only those.

    Rasa stores every event, reads all of a conversation's events back on each message
    and validates each action answer event by event: setting all 14 slots every turn
    made the tracker grow four times faster than needed and was a large part of a
    scored turn's time in the Rasa server.
    """
    data = state.to_dict() if state else {}
    wanted = {slot: data.get(field) for slot, field in SLOT_FIELDS.items()}
    wanted[PREVIOUS_SLOT] = previous
    return [
        SlotSet(slot, value) for slot, value in wanted.items() if tracker.get_slot(slot) != value
    ]


def trainee_of(tracker: Tracker) -> str:
    """The web app puts the signed-in trainee in the metadata; a shell user is the sender."""
    metadata = tracker.latest_message.get("metadata") or {}
    name = metadata.get("trainee") if isinstance(metadata, dict) else None
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    return tracker.get_slot("trainee") or tracker.sender_id


def history_of(tracker: Tracker) -> list[dict]:
    """Recent customer/trainee lines of this session (the current message excluded).

    A new session starts its own history where its `session_id` is set. Rasa stores an
    action's messages before the events it returns, so the customer's opening line (said
    by the action that sets the id) comes just before that slot event: the lines since the
    last user message belong to the new session and are kept.
    """
    items: list[dict] = []
    since_user = 0  # how many of the last items came after the last user message
    for event in tracker.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "session_id":
            items = items[len(items) - since_user :]  # a new session: its opening lines only
        elif kind == "bot" and event.get("text"):
            custom = (event.get("data") or {}).get("custom") or {}
            if not custom.get("system"):
                items.append({"role": "customer", "text": event["text"]})
                since_user += 1
        elif kind == "user" and event.get("text"):
            items.append({"role": "trainee", "text": event["text"]})
            since_user = 0
    return items[:-1][-HISTORY_TURNS:] if items else []


def is_command(tracker: Tracker) -> bool:
    """Control intents act only on explicit commands ("/end_session"), never on a reply.

    The NLU also recognises "finish" or "let me try that again" as control intents, but
    inside a session those words are the trainee talking to the customer; the web app
    additionally marks what the trainee typed with metadata kind "reply".
    """
    metadata = tracker.latest_message.get("metadata") or {}
    if isinstance(metadata, dict) and metadata.get("kind") == "reply":
        return False
    return (tracker.latest_message.get("text") or "").lstrip().startswith("/")


def message_id_of(tracker: Tracker) -> str | None:
    """A client's own message id (metadata "message_id") makes a resend safe; see
    coach.message_ids. Without one, Rasa's id still makes Rasa's own retries safe."""
    metadata = tracker.latest_message.get("metadata") or {}
    client_id = metadata.get("message_id") if isinstance(metadata, dict) else None
    if isinstance(client_id, str) and client_id.strip():
        return client_message_key(tracker.sender_id, client_id)
    return tracker.latest_message.get("message_id")


def move_of(message: dict) -> str:
    """The trainee's move: the best-ranked intent that is not a control intent."""
    ranking = message.get("intent_ranking") or [message.get("intent") or {}]
    for candidate in ranking:
        name = (candidate or {}).get("name")
        if name and name not in CONTROL_INTENTS and name != "nlu_fallback":
            return name
    return "other"


def respond(
    dispatcher: CollectingDispatcher, reply: service.Reply, tracker: Tracker
) -> list[EventType]:
    """Customer text first, then any notes; the `custom` payload rides on the last message."""
    texts = [reply.text, *reply.extra_messages]
    for text in texts[:-1]:
        dispatcher.utter_message(text=text)
    dispatcher.utter_message(text=texts[-1], json_message=reply.custom)
    if not reply.changed:
        return []
    return slot_events(reply.state, reply.previous, tracker)


class ActionStartScenario(Action):
    def name(self) -> str:
        return "action_start_scenario"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not is_command(tracker) and state_from(tracker) is not None:
            return await ActionCustomerTurn().run(dispatcher, tracker, domain)
        scenario_id = next(tracker.get_latest_entity_values("scenario"), None)
        mode = next(tracker.get_latest_entity_values("mode"), None)
        if not scenario_id:
            scenario_id = service.find_scenario_id(tracker.latest_message.get("text") or "")
        reply = service.start(
            scenario_id=scenario_id,
            trainee=trainee_of(tracker),
            conversation_id=tracker.sender_id,
            mode=mode,
            current=state_from(tracker),
        )
        return respond(dispatcher, reply, tracker)


class ActionCustomerTurn(Action):
    def name(self) -> str:
        return "action_customer_turn"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        if intent in CONTROL_INTENTS:  # a reply that merely sounded like a command
            move = move_of(message)
        else:
            move = "other" if not intent or intent == "nlu_fallback" else intent
        reply = service.turn(
            state=state_from(tracker),
            text=message.get("text") or "",
            move=move,
            move_confidence=(message.get("intent") or {}).get("confidence"),
            message_id=message_id_of(tracker),
            history=history_of(tracker),
        )
        return respond(dispatcher, reply, tracker)


class ActionEndSession(Action):
    def name(self) -> str:
        return "action_end_session"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not is_command(tracker):
            return await ActionCustomerTurn().run(dispatcher, tracker, domain)
        return respond(dispatcher, service.end(state_from(tracker)), tracker)


class ActionRewind(Action):
    def name(self) -> str:
        return "action_rewind"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not is_command(tracker):
            return await ActionCustomerTurn().run(dispatcher, tracker, domain)
        reply = service.rewind(state_from(tracker), tracker.get_slot(PREVIOUS_SLOT))
        return respond(dispatcher, reply, tracker)
