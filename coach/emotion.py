"""How the customer's frustration reacts to a trainee reply.

The model is deliberately simple and explainable, because trainers must be able to tell
a trainee *why* the customer got angrier: empathy (acknowledgment and validation) calms,
a sharp tone inflames, some moves push on their own (being told to calm down makes
anyone angrier), and a concrete remedy lands far better once the feeling was heard.
Difficulty changes the rates, not just a label: hard customers calm down slower,
escalate faster and walk away sooner at maximum frustration.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.scenarios.model import Scenario

MAX_FRUSTRATION = 10.0
# At or above this the customer is "at the end of their rope".
AT_MAX = 9.95


@dataclass(frozen=True)
class DifficultyProfile:
    calm_rate: float  # multiplies frustration decreases
    escalate_rate: float  # multiplies frustration increases
    patience: int  # turns at maximum frustration tolerated before walking away


PROFILES: dict[str, DifficultyProfile] = {
    "easy": DifficultyProfile(calm_rate=1.3, escalate_rate=0.75, patience=3),
    "medium": DifficultyProfile(calm_rate=1.0, escalate_rate=1.0, patience=2),
    "hard": DifficultyProfile(calm_rate=0.7, escalate_rate=1.35, patience=1),
}

# What each move does to frustration on its own, before the reply's scores count.
MOVE_PUSH: dict[str, float] = {
    "greet": 0.0,
    "ask_details": 0.2,
    "acknowledge_feelings": -0.3,
    "apologise": -0.2,
    "explain_policy": 0.4,
    "offer_remedy": -0.5,
    "dismiss": 1.0,
    "blame_customer": 1.3,
    "tell_to_calm_down": 1.3,
    "set_boundary": 0.0,
    "escalate": 0.3,
    "goodbye": 0.6,
    "other": 0.3,
}

EMPATHY_WEIGHT = 1.1  # frustration per unit of (sensitivity x score above 0.5)
# Missing empathy only irritates; active invalidation (the moves below, a harsh tone) angers.
EMPATHY_MISSING_WEIGHT = 0.6
# Moves that invalidate. The NLU's move is a coarse cue and the scorer is the judge: they
# push only when the scorer also found no validation or a harsh tone in the reply.
INVALIDATING_MOVES = frozenset({"dismiss", "blame_customer", "tell_to_calm_down"})
HARSH_TONE_WEIGHT = 5.0  # a harsh reply inflames far more than a calm one soothes
CALM_TONE_WEIGHT = 0.4
REMEDY_RELIEF = 1.5  # a concrete remedy, once the customer has felt heard in this session
REMEDY_RELIEF_UNHEARD = 0.5  # the same remedy offered to someone who feels ignored
BOUNDARY_RESPECT = 0.6  # an abusive customer respects a calm, polite boundary


@dataclass(frozen=True)
class Reaction:
    """The new frustration and the parts it came from, so a report can explain it."""

    before: float
    after: float
    empathy: float
    tone: float
    move: float
    remedy: float

    @property
    def delta(self) -> float:
        return self.after - self.before


def react(
    frustration: float,
    scenario: Scenario,
    *,
    move: str,
    acknowledgment: float,
    validation: float,
    calm_tone: float,
    remedy_offered: bool,
    heard_before: bool = False,
) -> Reaction:
    """Frustration after one reply, given its scores and the move the NLU recognised.

    `heard_before`: an earlier reply in this session already acknowledged and validated
    the customer, so a remedy now lands as it should.
    """
    sens = scenario.sensitivity
    empathy_units = sens["acknowledgment"] * (acknowledgment - 0.5) + sens["validation"] * (
        validation - 0.5
    )
    weight = EMPATHY_WEIGHT if empathy_units > 0 else EMPATHY_MISSING_WEIGHT
    empathy = -weight * empathy_units
    if calm_tone < 0.5:
        tone = sens["calm_tone"] * (0.5 - calm_tone) * HARSH_TONE_WEIGHT
    else:
        tone = -sens["calm_tone"] * (calm_tone - 0.5) * CALM_TONE_WEIGHT
    push = MOVE_PUSH.get(move, MOVE_PUSH["other"])
    if move in INVALIDATING_MOVES and validation >= 0.5 and calm_tone >= 0.5:
        push = 0.0
    if scenario.abusive and move == "set_boundary" and calm_tone >= 0.5:
        push -= BOUNDARY_RESPECT
    remedy = 0.0
    if remedy_offered:
        heard = heard_before or felt_heard(acknowledgment, validation)
        remedy = -(REMEDY_RELIEF if heard else REMEDY_RELIEF_UNHEARD)

    profile = PROFILES[scenario.difficulty]
    delta = empathy + tone + push + remedy
    delta *= profile.calm_rate if delta < 0 else profile.escalate_rate
    after = min(MAX_FRUSTRATION, max(0.0, frustration + delta))
    return Reaction(
        before=frustration,
        after=round(after, 2),
        empathy=empathy,
        tone=tone,
        move=push,
        remedy=remedy,
    )


def felt_heard(acknowledgment: float, validation: float) -> bool:
    return acknowledgment >= 0.5 and validation >= 0.5


def is_calmed(frustration: float, scenario: Scenario) -> bool:
    return frustration <= scenario.calmed_threshold


def walks_away(turns_at_max: int, scenario: Scenario) -> bool:
    """True once the customer has been at maximum frustration longer than they tolerate."""
    return turns_at_max > PROFILES[scenario.difficulty].patience
