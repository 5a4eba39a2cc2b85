"""Every custom action, driven the way Rasa drives it: a Tracker in, events and messages out.

Slots returned by one action are fed into the next tracker, as the Rasa server would,
and every turn is then looked up in the (temporary) database.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionCustomerTurn,
    ActionEndSession,
    ActionStartScenario,
    history_of,
)
from coach.storage import repository

CALM_REPLIES = [
    (
        "acknowledge_feelings",
        "I'm so sorry, you paid for express delivery and the laptop is "
        "three days late, and this is the third time you've had to contact us. That's really "
        "frustrating, and you have every right to be annoyed.",
    ),
    (
        "apologise",
        "I'm sorry you've had to chase us over and over for a laptop you needed "
        "this week. That's not the service you should get from us.",
    ),
    (
        "offer_remedy",
        "I understand how much you need it, so I've refunded the express "
        "delivery fee and booked a courier to bring a replacement laptop tomorrow before noon.",
    ),
    (
        "offer_remedy",
        "I'll also call you tomorrow at 10am to confirm the courier is on its way, "
        "and I've refunded the express fee to your card today.",
    ),
]


class Conversation:
    """One Rasa conversation: keeps slots and events between action calls."""

    def __init__(self, sender: str | None = None) -> None:
        self.sender = sender or f"test-{uuid.uuid4().hex[:8]}"
        self.slots: dict = {}
        self.events: list[dict] = []

    def run(self, action, text: str, intent: str, *, entities=None, metadata=None):
        message_id = uuid.uuid4().hex
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.93},
            "entities": entities or [],
            "message_id": message_id,
            "metadata": metadata or {"trainee": "tess"},
        }
        self.events.append({"event": "user", "text": text, "parse_data": latest})
        tracker = Tracker(
            self.sender,
            dict(self.slots),
            latest,
            list(self.events),
            False,
            None,
            {},
            "action_listen",
        )
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        # as Rasa stores them: the action's messages first, then the events it returned
        for message in dispatcher.messages:
            self.events.append(
                {
                    "event": "bot",
                    "text": message.get("text"),
                    "data": {"custom": message.get("custom")},
                }
            )
        for event in events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
            self.events.append(event)
        return dispatcher.messages

    def start(self, scenario: str = "late-express-delivery", **kw):
        return self.run(
            ActionStartScenario(),
            f'/start_scenario{{"scenario": "{scenario}"}}',
            "start_scenario",
            entities=[{"entity": "scenario", "value": scenario}],
            **kw,
        )

    def say(self, text: str, intent: str):
        return self.run(ActionCustomerTurn(), text, intent)

    def end(self):
        return self.run(ActionEndSession(), "/end_session", "end_session")


@pytest.fixture(autouse=True)
def _db(db_url, monkeypatch):
    monkeypatch.setenv("COACH_DATABASE_URL", db_url)
    monkeypatch.setenv("COACH_SEED", "11")
    return db_url


def custom_of(messages):
    assert messages, "the action said nothing"
    assert "custom" in messages[-1], "contract §2: custom payload rides on the last message"
    return messages[-1]["custom"]


def test_start_opens_the_scenario_in_character_and_stores_the_session():
    conv = Conversation()
    messages = conv.start(metadata={"trainee": "Tess Ray"})
    custom = custom_of(messages)
    assert messages[0]["text"]
    assert custom["scenario"] == "late-express-delivery"
    assert custom["turn"] == 0 and custom["outcome"] is None and custom["scores"] is None
    assert 0 <= custom["frustration"] <= 10
    stored = repository.get_session(conv.slots["session_id"])
    assert stored["trainee"] == "Tess Ray"
    assert stored["scenario"] == "late-express-delivery"


def test_calm_session_is_scored_calms_the_customer_and_resolves():
    conv = Conversation()
    start_frustration = custom_of(conv.start())["frustration"]
    custom = None
    for intent, text in CALM_REPLIES:
        custom = custom_of(conv.say(text, intent))
        assert set(custom["scores"]) == {"acknowledgment", "validation", "calm_tone"}
        if custom["outcome"]:
            break
    assert custom["outcome"] == "resolved"
    assert custom["frustration"] < start_frustration
    assert custom["summary"]["outcome"] == "resolved"
    turns = repository.list_turns(conv.slots["session_id"])
    assert [t["turn_index"] for t in turns] == list(range(1, custom["turn"] + 1))
    first = turns[0]
    assert first["trainee_text"] == CALM_REPLIES[0][1]
    assert first["acknowledgment"] >= 0.5 and first["validation"] >= 0.5
    assert first["customer_reply"] and first["frustration_after"] < first["frustration_before"]
    assert repository.get_session(conv.slots["session_id"])["outcome"] == "resolved"


def test_hostile_session_escalates():
    conv = Conversation()
    conv.start("double-charge-overdrawn")
    hostile = [
        ("dismiss", "It's only a few pounds, it's not a big deal."),
        ("blame_customer", "You should have checked your statement before it went overdrawn."),
        ("tell_to_calm_down", "CALM DOWN. Shouting at me won't fix anything!!"),
        ("dismiss", "Obviously there's nothing I can do about it."),
    ]
    custom = None
    for intent, text in hostile * 2:
        custom = custom_of(conv.say(text, intent))
        if custom["outcome"]:
            break
    assert custom["outcome"] == "escalated"
    assert custom["frustration"] == 10
    assert repository.get_session(conv.slots["session_id"])["outcome"] == "escalated"


def test_message_before_any_scenario_gets_a_clear_answer():
    messages = Conversation().say("hello, how can I help?", "greet")
    custom = custom_of(messages)
    assert custom["system"] and custom["notice"] == "no_session"
    assert "start_scenario" in messages[-1]["text"]


def test_unknown_scenario_lists_the_real_ones():
    conv = Conversation()
    messages = conv.start("no-such-scenario")
    assert custom_of(messages)["notice"] == "unknown_scenario"
    assert "late-express-delivery" in messages[-1]["text"]
    assert "session_id" not in conv.slots


def test_empty_reply_is_refused_and_nothing_changes():
    conv = Conversation()
    conv.start()
    before = dict(conv.slots)
    custom = custom_of(conv.say("   ", "greet"))
    assert custom["notice"] == "empty_message"
    assert conv.slots == before
    assert repository.list_turns(conv.slots["session_id"]) == []


def test_invisible_reply_is_empty_and_an_unstorable_character_costs_nothing():
    conv = Conversation()
    conv.start()
    invisible = custom_of(conv.say("\u200b\u200d\ufeff\u2060 \u202e", "nlu_fallback"))
    assert invisible["notice"] == "empty_message" and invisible["turn"] == 0
    # A JSON "\\ud800" escape arrives as an unpaired surrogate: scored and kept anyway.
    custom = custom_of(conv.say("I'm so sorry \ud800 the laptop is late.", "apologise"))
    assert custom["scores"] is not None and "error" not in custom and "storage_error" not in custom
    (turn,) = repository.list_turns(conv.slots["session_id"])
    assert turn["trainee_text"] == "I'm so sorry \ufffd the laptop is late."
    assert turn["acknowledgment"] is not None


def test_oversized_reply_is_kept_but_not_scored(monkeypatch):
    monkeypatch.setenv("COACH_MAX_MESSAGE_CHARS", "200")
    conv = Conversation()
    conv.start()
    text = "I am so sorry. " * 40
    custom = custom_of(conv.say(text, "apologise"))
    assert custom["notice"] == "message_too_long"
    (turn,) = repository.list_turns(conv.slots["session_id"])
    assert turn["trainee_text"] == text and turn["acknowledgment"] is None
    assert "too long" in turn["error"]
    # The next real reply is still turn 1 of the conversation.
    custom = custom_of(conv.say("I'm sorry your laptop is late again.", "apologise"))
    assert custom["turn"] == 1 and custom["scores"]


def test_scorer_failure_keeps_the_turn_and_the_conversation(monkeypatch):
    import coach.scoring

    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(coach.scoring, "score", broken)
    conv = Conversation()
    conv.start()
    messages = conv.say("Could you give me the order number?", "ask_details")
    custom = custom_of(messages)
    assert custom["scores"] is None and custom["error"] == "your reply could not be scored"
    assert messages[-1]["text"], "the customer still answers"
    (turn,) = repository.list_turns(conv.slots["session_id"])
    assert turn["trainee_text"] == "Could you give me the order number?"
    assert "model exploded" in turn["error"]


def test_end_session_gives_a_summary_and_closes_the_session():
    conv = Conversation()
    conv.start("broken-replacement")
    conv.say("I'm so sorry the replacement arrived cracked as well.", "apologise")
    messages = conv.end()
    custom = custom_of(messages)
    assert custom["outcome"] == "ended"
    summary = custom["summary"]
    assert summary["turns"] == 1 and summary["averages"]["acknowledgment"] is not None
    assert len(summary["frustration_curve"]) == 2
    stored = repository.get_session(conv.slots["session_id"])
    assert stored["outcome"] == "ended" and stored["ended_at"]


def test_starting_a_new_scenario_ends_the_running_one():
    conv = Conversation()
    conv.start()
    first = conv.slots["session_id"]
    conv.start("missed-technician")
    assert conv.slots["session_id"] != first
    assert repository.get_session(first)["outcome"] == "ended"


def test_same_message_delivered_twice_is_stored_once():
    conv = Conversation()
    conv.start()
    latest = {
        "text": "Sorry about that.",
        "intent": {"name": "apologise", "confidence": 0.9},
        "entities": [],
        "message_id": "fixed-id",
        "metadata": {},
    }
    for _ in range(2):
        tracker = Tracker(
            conv.sender, dict(conv.slots), latest, [], False, None, {}, "action_listen"
        )
        asyncio.run(ActionCustomerTurn().run(CollectingDispatcher(), tracker, {}))
    assert len(repository.list_turns(conv.slots["session_id"])) == 1


def test_practice_rewind_restores_the_customer_and_keeps_both_attempts():
    from actions.actions import ActionRewind

    conv = Conversation()
    opening = conv.start()[0]["text"]
    start_frustration = conv.slots["frustration"]
    bad = custom_of(conv.say("Calm down, it's only a laptop.", "tell_to_calm_down"))
    assert bad["frustration"] > start_frustration

    rewound = custom_of(conv.run(ActionRewind(), "/rewind", "rewind"))
    assert rewound["notice"] == "rewound" and rewound["customer_line"] == opening
    assert rewound["turn"] == 0 and rewound["frustration"] == start_frustration
    assert conv.slots["frustration"] == start_frustration

    good = custom_of(conv.say(CALM_REPLIES[0][1], CALM_REPLIES[0][0]))
    assert good["turn"] == 1 and good["frustration"] < start_frustration
    turns = repository.list_turns(conv.slots["session_id"])
    assert [(t["turn_index"], t["attempt"], t["rewound"]) for t in turns] == [
        (1, 0, True),
        (1, 1, False),
    ]
    assert turns[0]["trainee_text"] == "Calm down, it's only a laptop."
    # One level of undo: a second rewind goes back to before the good reply, not further.
    again = custom_of(conv.run(ActionRewind(), "/rewind", "rewind"))
    assert again["notice"] == "rewound" and again["turn"] == 0
    assert custom_of(conv.run(ActionRewind(), "/rewind", "rewind"))["notice"] == (
        "rewind_unavailable"
    )


def test_assessment_mode_has_no_rewind():
    from actions.actions import ActionRewind

    conv = Conversation()
    conv.run(
        ActionStartScenario(),
        '/start_scenario{"scenario": "broken-replacement", "mode": "assessment"}',
        "start_scenario",
        entities=[
            {"entity": "scenario", "value": "broken-replacement"},
            {"entity": "mode", "value": "assessment"},
        ],
    )
    assert conv.slots["mode"] == "assessment"
    conv.say("Sorry about that.", "apologise")
    custom = custom_of(conv.run(ActionRewind(), "/rewind", "rewind"))
    assert custom["notice"] == "rewind_unavailable" and custom["turn"] == 1


def test_words_that_sound_like_commands_are_replies_inside_a_session():
    conv = Conversation()
    conv.start()
    session_id = conv.slots["session_id"]
    for action, text, intent in [
        (
            ActionEndSession(),
            "I'm done with the excuses, let me finish sorting this for you.",
            "end_session",
        ),
        (
            ActionStartScenario(),
            "Let's start again from the beginning: what happened?",
            "start_scenario",
        ),
    ]:
        latest_ranking = [
            {"name": intent, "confidence": 0.6},
            {"name": "ask_details", "confidence": 0.3},
        ]
        conv.events.append({"event": "user", "text": text})
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.6},
            "intent_ranking": latest_ranking,
            "entities": [],
            "message_id": uuid.uuid4().hex,
            "metadata": {"trainee": "tess"},
        }
        tracker = Tracker(
            conv.sender,
            dict(conv.slots),
            latest,
            list(conv.events),
            False,
            None,
            {},
            "action_listen",
        )
        dispatcher = CollectingDispatcher()
        for event in asyncio.run(action.run(dispatcher, tracker, {})):
            if event["event"] == "slot":
                conv.slots[event["name"]] = event["value"]
        custom = custom_of(dispatcher.messages)
        assert custom["outcome"] is None and custom["scores"] is not None
        assert custom["move"] == "ask_details"
    assert conv.slots["session_id"] == session_id
    assert [t["trainee_text"][:10] for t in repository.list_turns(session_id)] == [
        "I'm done w",
        "Let's star",
    ]


def test_web_replies_are_never_commands_even_with_a_slash():
    from actions.actions import ActionRewind

    conv = Conversation()
    conv.start()
    conv.say("Sorry about that.", "apologise")
    messages = conv.run(
        ActionRewind(), "/rewind", "rewind", metadata={"trainee": "tess", "kind": "reply"}
    )
    custom = custom_of(messages)
    assert custom.get("notice") != "rewound" and custom["turn"] == 2


def test_a_refused_new_start_leaves_the_running_session_alone(monkeypatch):
    from coach.storage.db import StorageUnavailable

    conv = Conversation()
    conv.start()
    first = conv.slots["session_id"]

    def down(**kwargs):
        raise StorageUnavailable("database at sqlite:///x is unreachable")

    monkeypatch.setattr(repository, "start_session", down)
    custom = custom_of(conv.start("missed-technician"))
    assert custom["notice"] == "storage_error"
    assert conv.slots["session_id"] == first and conv.slots.get("outcome") is None
    assert repository.get_session(first)["outcome"] is None, "the old session is still open"


def test_a_failed_customer_answer_keeps_the_turn_and_the_state(monkeypatch):
    from coach import lines

    conv = Conversation()
    conv.start()
    before = dict(conv.slots)

    def broken_say(*args, **kwargs):
        raise KeyError("moods.angry")

    monkeypatch.setattr(lines, "say", broken_say)
    custom = custom_of(conv.say("I'm sorry your laptop is late.", "apologise"))
    assert custom["notice"] == "reply_failed" and custom["turn"] == 0
    assert conv.slots == before
    (turn,) = repository.list_turns(conv.slots["session_id"])
    assert turn["turn_index"] == 1 and "customer reply failed" in turn["error"]
    assert turn["trainee_text"] == "I'm sorry your laptop is late."


def test_a_resent_message_is_stored_once_and_moves_the_customer_once(db_url):
    """A client resends under its own id after losing the answer (server failover)."""
    conv = Conversation()
    conv.start()
    text = "I'm so sorry, three days late on a laptop you need for work is awful."
    meta = {"trainee": "tess", "message_id": "reply-1"}
    first = custom_of(conv.run(ActionCustomerTurn(), text, "acknowledge", metadata=meta))
    slots_after_first = dict(conv.slots)
    again = custom_of(conv.run(ActionCustomerTurn(), text, "acknowledge", metadata=meta))
    assert again["replayed"] is True
    assert again["turn"] == first["turn"] == 1
    assert again["scores"] == first["scores"]
    assert again["frustration"] == first["frustration"]
    assert conv.slots == slots_after_first  # the customer did not react twice
    turns = repository.list_turns(first["session_id"], url=db_url)
    assert [t["turn_index"] for t in turns] == [1]
    # The next new message is turn 2, stored under its own id.
    later = conv.run(
        ActionCustomerTurn(),
        "I've refunded the express fee.",
        "offer_remedy",
        metadata={"trainee": "tess", "message_id": "reply-2"},
    )
    assert custom_of(later)["turn"] == 2
    assert len(repository.list_turns(first["session_id"], url=db_url)) == 2


def test_the_same_client_id_in_another_conversation_is_another_message(db_url):
    meta = {"trainee": "tess", "message_id": "reply-1"}
    for _ in range(2):
        conv = Conversation()
        conv.start()
        answer = custom_of(conv.run(ActionCustomerTurn(), "So sorry.", "apologise", metadata=meta))
        assert answer["turn"] == 1 and "replayed" not in answer


def test_a_reply_the_database_cannot_store_is_not_answered_and_changes_nothing(monkeypatch):
    """Answering an unsaved reply would lose the turn: the trainee is asked to resend."""
    from coach import service
    from coach.storage.db import StorageUnavailable

    conv = Conversation()
    conv.start()
    before = dict(conv.slots)

    def down(record, url=None):
        raise StorageUnavailable("database restarting")

    monkeypatch.setattr(service, "STORE_RETRY_SECONDS", 0.3)
    monkeypatch.setattr(repository, "record_turn", down)
    custom = custom_of(conv.say("I'm so sorry, that sounds exhausting.", "acknowledge"))
    assert custom["system"] and custom["notice"] == "storage_error"
    assert conv.slots == before


def test_a_database_restart_during_the_write_only_delays_the_turn(monkeypatch, db_url):
    from coach.storage.db import StorageUnavailable

    conv = Conversation()
    conv.start()
    real = repository.record_turn
    calls = {"n": 0}

    def flaky(record, url=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise StorageUnavailable("database restarting")
        return real(record, url)

    monkeypatch.setattr(repository, "record_turn", flaky)
    custom = custom_of(conv.say("I'm so sorry, that sounds exhausting.", "acknowledge"))
    assert custom["turn"] == 1 and custom["scores"] and "storage_error" not in custom
    assert len(repository.list_turns(custom["session_id"], url=db_url)) == 1


def test_the_scoring_action_judges_the_reply_against_the_scenario_brief(monkeypatch):
    """What the trainee was told about the customer counts as their story: a reply that
    names it is scored with the scenario's brief, not only the customer's last line."""
    from coach import scoring, service
    from coach.scenarios import get_scenario

    seen = []
    real = scoring.score

    def spy(customer, reply, history=None, context=None):
        seen.append(context)
        return real(customer, reply, history, context)

    monkeypatch.setattr(service.scoring, "score", spy)
    conv = Conversation()
    conv.start("missed-technician")
    custom = custom_of(conv.say("Two unpaid days off and still no engineer.", "acknowledge"))
    assert seen == [get_scenario("missed-technician").background()]
    assert custom["scores"]["acknowledgment"] >= 0.5


def test_the_opening_line_is_part_of_the_story_later_replies_are_scored_against():
    """The customer's opening complaint is said by the action that sets the session id, so
    it is stored before that slot event; later turns must still count it as what they
    told you (a reply picking up its words is not scored as if it had never been said)."""
    conv = Conversation()
    conv.start()
    conv.end()
    opening = conv.start()[0]["text"]
    conv.say(CALM_REPLIES[0][1], CALM_REPLIES[0][0])
    reply = "I'm sorry, that must be so stressful."
    conv.events.append({"event": "user", "text": reply})
    tracker = Tracker(conv.sender, dict(conv.slots), {}, list(conv.events), False, None, {}, "")
    history = history_of(tracker)
    assert history[0] == {"role": "customer", "text": opening}
    assert [h["role"] for h in history] == ["customer", "trainee", "customer"]
    assert reply not in [h["text"] for h in history]
