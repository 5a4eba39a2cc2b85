"""Choosing what the customer says next from the scenario script.

A real customer does not repeat the same sentence every turn, so each chosen line is
remembered by a stable key ("moods.angry#2") and avoided until its pool runs dry; then
the line said longest ago comes back. With COACH_SEED set, choices are repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from coach import config
from coach.scenarios import Scenario, fill_placeholders


def make_rng(scenario_id: str, turn: int, salt: str = "") -> random.Random:
    """Seeded from COACH_SEED when set (tests, demos), otherwise fresh entropy."""
    seed = config.seed()
    if seed is None:
        return random.Random()
    return random.Random(f"{seed}:{scenario_id}:{turn}:{salt}")


def pick(
    pool: str,
    lines: Sequence[str],
    used: list[str],
    rng: random.Random,
) -> tuple[int, str]:
    """Index of an unused line of `pool` (or the least recently used one) and its key."""
    keys = [f"{pool}#{i}" for i in range(len(lines))]
    fresh = [i for i, key in enumerate(keys) if key not in used]
    if fresh:
        index = rng.choice(fresh)
    else:
        # Every line was said: reuse the one said longest ago.
        index = min(range(len(keys)), key=lambda i: _last_use(used, keys[i]))
    return index, keys[index]


def _last_use(used: list[str], key: str) -> int:
    positions = [n for n, k in enumerate(used) if k == key]
    return positions[-1] if positions else -1


def say(
    scenario: Scenario,
    pool: str,
    lines: Sequence[str],
    used: list[str],
    rng: random.Random,
) -> str:
    """Pick a line, record it as used (in place) and fill in the persona's facts."""
    index, key = pick(pool, lines, used, rng)
    used.append(key)
    return fill_placeholders(lines[index], scenario.persona.facts)
