"""One role-play session as a state machine: open, take a scored turn, end.

Pure logic with no I/O: the state is a small JSON-friendly object that the Rasa adapter
keeps in slots (so a restarted server resumes the session from its tracker store) and
that tests can drive directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from coach import emotion, lines
from coach.scenarios import Scenario, mood_for, register_for
from coach.scoring.types import Score

NEUTRAL = 0.5


@dataclass
class SessionState:
    scenario_id: str
    session_id: str
    trainee: str
    frustration: float
    mode: str = "practice"
    turn: int = 0
    outcome: str | None = None
    remedy_offered: bool = False
    heard: bool = False  # some reply already acknowledged and validated the customer
    turns_at_max: int = 0
    used_lines: list[str] = field(default_factory=list)
    customer_line: str = ""

    @property
    def over(self) -> bool:
        return self.outcome is not None

    @property
    def mood(self) -> str:
        return mood_for(self.frustration)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SessionState | None:
        """Rebuild from stored slots; None when no session was ever started."""
        if not data.get("scenario_id") or not data.get("session_id"):
            return None
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and v is not None}
        values["frustration"] = float(values.get("frustration", emotion.MAX_FRUSTRATION))
        values["turn"] = int(values.get("turn", 0))
        values["turns_at_max"] = int(values.get("turns_at_max", 0))
        values["used_lines"] = list(values.get("used_lines", []))
        values["remedy_offered"] = bool(values.get("remedy_offered", False))
        values["heard"] = bool(values.get("heard", False))
        return cls(**values)


@dataclass(frozen=True)
class TurnResult:
    customer_text: str
    reaction: emotion.Reaction
    outcome: str | None
    remedy_now: bool


def open_session(
    scenario: Scenario, *, session_id: str, trainee: str, mode: str = "practice"
) -> SessionState:
    """A fresh session with the customer's opening complaint already chosen."""
    state = SessionState(
        scenario_id=scenario.id,
        session_id=session_id,
        trainee=trainee,
        mode=mode,
        frustration=scenario.starting_frustration,
    )
    rng = lines.make_rng(scenario.id, 0, "opening")
    state.customer_line = lines.say(
        scenario, "opening", scenario.lines.opening, state.used_lines, rng
    )
    return state


def take_turn(
    state: SessionState, scenario: Scenario, *, move: str, score: Score | None
) -> TurnResult:
    """Apply one trainee reply: move the mood, decide the outcome, choose the answer.

    `score` is None when scoring failed; the customer then reacts to the move alone,
    so the conversation can go on while the error is recorded.
    """
    if state.over:
        raise ValueError(f"session {state.session_id} is already over ({state.outcome})")
    remedy_now = move == "offer_remedy" or bool(score and score.remedy_offered)
    reaction = emotion.react(
        state.frustration,
        scenario,
        move=move,
        acknowledgment=score.acknowledgment if score else NEUTRAL,
        validation=score.validation if score else NEUTRAL,
        calm_tone=score.calm_tone if score else NEUTRAL,
        remedy_offered=remedy_now,
        heard_before=state.heard,
    )
    if score is not None:
        state.heard = state.heard or emotion.felt_heard(score.acknowledgment, score.validation)
    state.turn += 1
    state.frustration = reaction.after
    state.remedy_offered = state.remedy_offered or remedy_now
    state.turns_at_max = state.turns_at_max + 1 if reaction.after >= emotion.AT_MAX else 0

    rng = lines.make_rng(scenario.id, state.turn, move)
    script = scenario.lines
    if emotion.is_calmed(state.frustration, scenario) and state.remedy_offered:
        state.outcome = "resolved"
        text = lines.say(
            scenario, "endings.resolved", script.endings["resolved"], state.used_lines, rng
        )
    elif emotion.walks_away(state.turns_at_max, scenario):
        state.outcome = "escalated"
        text = lines.say(
            scenario, "endings.escalated", script.endings["escalated"], state.used_lines, rng
        )
    elif state.turns_at_max:
        text = lines.say(scenario, "demand_manager", script.demand_manager, state.used_lines, rng)
    else:
        mood = state.mood
        register = register_for(mood)
        move_lines = script.moves.get(move) or script.moves["other"]
        reaction_line = lines.say(
            scenario, f"moves.{move}.{register}", move_lines[register], state.used_lines, rng
        )
        mood_line = lines.say(scenario, f"moods.{mood}", script.moods[mood], state.used_lines, rng)
        text = f"{reaction_line} {mood_line}"
    state.customer_line = text
    return TurnResult(
        customer_text=text, reaction=reaction, outcome=state.outcome, remedy_now=remedy_now
    )


def end_session(state: SessionState, scenario: Scenario) -> str | None:
    """The trainee ends the session: the customer's parting line, or None if already over."""
    if state.over:
        return None
    state.outcome = "ended"
    rng = lines.make_rng(scenario.id, state.turn + 1, "ended")
    text = lines.say(
        scenario, "endings.ended", scenario.lines.endings["ended"], state.used_lines, rng
    )
    state.customer_line = text
    return text
