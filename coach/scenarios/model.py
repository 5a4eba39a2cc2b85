"""What a scenario is, as the rest of the code sees it (after loading and validation)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# The trainee moves the NLU classifies; every scenario has customer lines for each.
MOVES: tuple[str, ...] = (
    "greet",
    "ask_details",
    "acknowledge_feelings",
    "apologise",
    "explain_policy",
    "offer_remedy",
    "dismiss",
    "blame_customer",
    "tell_to_calm_down",
    "set_boundary",
    "escalate",
    "goodbye",
    "other",
)

# Mood bands from most to least upset, with the lowest frustration (0-10) that is in each.
MOOD_BANDS: tuple[tuple[str, float], ...] = (
    ("furious", 8.5),
    ("angry", 6.5),
    ("annoyed", 4.5),
    ("calming", 2.5),
    ("satisfied", 0.0),
)
MOODS: tuple[str, ...] = tuple(name for name, _ in MOOD_BANDS)

# Move reactions come in two registers: still upset (furious/angry) or settling down.
REGISTERS: tuple[str, ...] = ("upset", "settled")
UPSET_MOODS = frozenset({"furious", "angry"})

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
# Harder customers must start angrier: the validator enforces these ranges.
STARTING_FRUSTRATION_RANGE: dict[str, tuple[float, float]] = {
    "easy": (3.0, 7.0),
    "medium": (5.5, 8.5),
    "hard": (7.5, 10.0),
}
ENDINGS: tuple[str, ...] = ("resolved", "escalated", "ended")
# How much emotion the customer carries; reports use it to tell "no opportunity" apart.
EMOTION_LEVELS: tuple[str, ...] = ("high", "medium", "low")
SENSITIVITY_KEYS: tuple[str, ...] = ("acknowledgment", "validation", "calm_tone")


def mood_for(frustration: float) -> str:
    """The band a frustration level falls in."""
    for name, floor in MOOD_BANDS:
        if frustration >= floor:
            return name
    return MOOD_BANDS[-1][0]


def register_for(mood: str) -> str:
    return "upset" if mood in UPSET_MOODS else "settled"


@dataclass(frozen=True)
class Persona:
    name: str
    situation: str
    facts: dict[str, str]


@dataclass(frozen=True)
class Lines:
    opening: tuple[str, ...]
    moods: dict[str, tuple[str, ...]]  # mood band -> lines
    moves: dict[str, dict[str, tuple[str, ...]]]  # move -> register -> lines
    demand_manager: tuple[str, ...]
    endings: dict[str, tuple[str, ...]]  # ending -> lines


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    business: str
    emotion: str
    difficulty: str
    summary: str
    abusive: bool
    persona: Persona
    starting_frustration: float
    calmed_threshold: float
    sensitivity: dict[str, float]
    lines: Lines
    emotion_level: str = "high"  # one of EMOTION_LEVELS
    version: str = ""  # content hash of the file, set by the loader
    source: str = ""  # path of the file it came from
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def background(self) -> tuple[str, ...]:
        """What the scenario says about this customer's problem (summary, situation, facts,
        opening lines), for the scorer: a reply that names any of it refers to their story
        even when the message being answered is a one-liner ("I'm just so tired of it") and
        the earlier turns that said it are not in the history the scorer was given."""
        facts = " ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.persona.facts.items())
        opening = (
            _PLACEHOLDER.sub(lambda m: str(self.persona.facts.get(m.group(1), "")), line)
            for line in self.lines.opening
        )
        return (self.summary, self.persona.situation, facts, *opening)
