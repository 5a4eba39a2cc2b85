"""The customer model and the session state machine, on the shipped scenarios."""

from __future__ import annotations

import dataclasses

import pytest

from coach import emotion
from coach import session as engine
from coach.scenarios import get_scenario, load_all
from coach.scoring.types import Score

GOOD = Score(acknowledgment=0.9, validation=0.9, calm_tone=0.95)
REMEDY = Score(acknowledgment=0.8, validation=0.7, calm_tone=0.95, remedy_offered=True)
BAD = Score(acknowledgment=0.1, validation=0.05, calm_tone=0.2)
NEUTRALISH = Score(acknowledgment=0.4, validation=0.4, calm_tone=0.9)


@pytest.fixture(autouse=True)
def _seed(monkeypatch):
    monkeypatch.setenv("COACH_SEED", "7")


def _open(scenario_id: str = "late-express-delivery"):
    scenario = get_scenario(scenario_id)
    return scenario, engine.open_session(scenario, session_id="s1", trainee="tess")


def test_opening_line_is_an_in_character_complaint():
    scenario, state = _open()
    assert state.customer_line
    assert state.frustration == scenario.starting_frustration
    assert state.turn == 0 and state.outcome is None


def test_empathy_then_remedy_resolves_the_session():
    scenario, state = _open()
    moves = [("acknowledge_feelings", GOOD), ("apologise", GOOD), ("offer_remedy", REMEDY)]
    curve = [state.frustration]
    for move, score in moves * 3:
        if state.over:
            break
        engine.take_turn(state, scenario, move=move, score=score)
        curve.append(state.frustration)
    assert state.outcome == "resolved"
    assert state.frustration <= scenario.calmed_threshold
    assert curve == sorted(curve, reverse=True), "good replies only ever calm the customer"


def test_calm_customer_without_a_remedy_is_not_resolved():
    scenario, state = _open("broken-replacement")
    for _ in range(8):
        engine.take_turn(state, scenario, move="acknowledge_feelings", score=GOOD)
    assert state.frustration <= scenario.calmed_threshold
    assert state.outcome is None, "calmed but no concrete remedy offered yet"


def test_dismissive_replies_escalate_and_customer_demands_a_manager_first():
    scenario, state = _open("late-express-delivery")  # medium: one turn of patience at max
    texts = []
    while not state.over and state.turn < 12:
        result = engine.take_turn(state, scenario, move="dismiss", score=BAD)
        texts.append(result.customer_text)
    assert state.outcome == "escalated"
    assert state.frustration == emotion.MAX_FRUSTRATION
    demand = {
        engine.lines.fill_placeholders(x, scenario.persona.facts)
        for x in scenario.lines.demand_manager
    }
    assert texts[-2] in demand, "the customer warns before walking away"


def test_harder_customers_calm_slower_and_escalate_faster():
    base = get_scenario("late-express-delivery")
    easy = dataclasses.replace(base, difficulty="easy")
    hard = dataclasses.replace(base, difficulty="hard")
    calm_easy = emotion.react(
        7.0,
        easy,
        move="acknowledge_feelings",
        acknowledgment=0.9,
        validation=0.9,
        calm_tone=0.9,
        remedy_offered=False,
    )
    calm_hard = emotion.react(
        7.0,
        hard,
        move="acknowledge_feelings",
        acknowledgment=0.9,
        validation=0.9,
        calm_tone=0.9,
        remedy_offered=False,
    )
    assert calm_easy.delta < calm_hard.delta < 0
    worse_easy = emotion.react(
        7.0,
        easy,
        move="dismiss",
        acknowledgment=0.1,
        validation=0.1,
        calm_tone=0.3,
        remedy_offered=False,
    )
    worse_hard = emotion.react(
        7.0,
        hard,
        move="dismiss",
        acknowledgment=0.1,
        validation=0.1,
        calm_tone=0.3,
        remedy_offered=False,
    )
    assert 0 < worse_easy.delta < worse_hard.delta
    assert not emotion.walks_away(2, easy) and emotion.walks_away(2, hard)


def test_harder_scenarios_start_angrier():
    scenarios = load_all().values()
    by = {
        d: [s.starting_frustration for s in scenarios if s.difficulty == d]
        for d in ("easy", "medium", "hard")
    }
    assert min(by["hard"]) > max(by["easy"])
    assert sum(by["hard"]) / len(by["hard"]) > sum(by["medium"]) / len(by["medium"])


def test_harsh_tone_makes_the_customer_angrier_than_a_neutral_reply():
    scenario = get_scenario("missed-technician")
    neutral = emotion.react(
        6.0,
        scenario,
        move="ask_details",
        acknowledgment=0.4,
        validation=0.4,
        calm_tone=0.95,
        remedy_offered=False,
    )
    harsh = emotion.react(
        6.0,
        scenario,
        move="ask_details",
        acknowledgment=0.4,
        validation=0.4,
        calm_tone=0.1,
        remedy_offered=False,
    )
    assert harsh.after > neutral.after + 1


def test_polite_boundary_calms_an_abusive_customer():
    scenario = get_scenario("abusive-billing-caller")
    boundary = emotion.react(
        8.0,
        scenario,
        move="set_boundary",
        acknowledgment=0.5,
        validation=0.5,
        calm_tone=0.95,
        remedy_offered=False,
    )
    snapped = emotion.react(
        8.0,
        scenario,
        move="tell_to_calm_down",
        acknowledgment=0.5,
        validation=0.3,
        calm_tone=0.2,
        remedy_offered=False,
    )
    assert boundary.after < 8.0 < snapped.after


@pytest.mark.parametrize("scenario_id", sorted(load_all()))
def test_ten_turn_session_never_repeats_a_customer_line(scenario_id):
    scenario, state = _open(scenario_id)
    said = [state.customer_line]
    moves = [
        "greet",
        "ask_details",
        "explain_policy",
        "other",
        "ask_details",
        "apologise",
        "explain_policy",
        "ask_details",
        "greet",
        "other",
    ]
    for move in moves:
        if state.over:
            break
        said.append(engine.take_turn(state, scenario, move=move, score=NEUTRALISH).customer_text)
    assert len(said) == len(set(said)), "the customer repeated a line within ten turns"


def test_seed_makes_sessions_repeatable(monkeypatch):
    runs = []
    for _ in range(2):
        scenario, state = _open()
        engine.take_turn(state, scenario, move="ask_details", score=NEUTRALISH)
        runs.append((state.customer_line, tuple(state.used_lines)))
    assert runs[0] == runs[1]


def test_state_round_trips_through_slots():
    scenario, state = _open()
    engine.take_turn(state, scenario, move="apologise", score=GOOD)
    again = engine.SessionState.from_dict(state.to_dict())
    assert again == state
    assert engine.SessionState.from_dict({"scenario_id": None}) is None


def test_scoring_failure_still_lets_the_customer_answer():
    scenario, state = _open()
    result = engine.take_turn(state, scenario, move="ask_details", score=None)
    assert result.customer_text and state.turn == 1


def test_ending_twice_is_harmless():
    scenario, state = _open()
    assert engine.end_session(state, scenario)
    assert state.outcome == "ended"
    assert engine.end_session(state, scenario) is None
    with pytest.raises(ValueError):
        engine.take_turn(state, scenario, move="greet", score=GOOD)
