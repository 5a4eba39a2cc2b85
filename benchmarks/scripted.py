"""Scripted trainee sessions for the load tools: varied replies, good, mixed and bad.

A benchmark that sent one sentence over and over would measure a cache, not the bot;
these scripts rotate through replies of different lengths and moves so the scorer,
the customer model and the NLU all do their real work.
"""

from __future__ import annotations

GOOD = (
    "I'm really sorry, that sounds exhausting, and you have every right to be upset.",
    "So you've been let down twice already and nobody called you back. That shouldn't "
    "have happened, and I'm going to stay with this until it's fixed.",
    "I've refunded the fee today and booked the earliest slot tomorrow morning; I'll call "
    "you at ten to confirm.",
    "Anyone would be frustrated after chasing us like this. Let me take it from here.",
    "Thank you for explaining all of that so clearly, it helps me sort it out faster.",
    "I've put a note on your account and I'll email you a written confirmation within the hour.",
)
MIXED = (
    "Can I take your reference number please?",
    "I understand, but that is our policy and I can't change it.",
    "Sorry for any inconvenience caused.",
    "Let me check what happened with your order.",
    "ok i see the problem, give me a sec to look at it",
)
BAD = (
    "Calm down, it's not a big deal.",
    "You should have read the terms before you ordered.",
    "As I already said, there is nothing I can do.",
    "THAT IS NOT MY DEPARTMENT.",
)


def script_for(n: int, length: int = 6) -> list[str]:
    """The n-th scripted session: mostly good replies, a few mixed or bad ones."""
    pools = (GOOD, MIXED, GOOD, BAD, GOOD, GOOD)
    return [pools[i % len(pools)][(n + i) % len(pools[i % len(pools)])] for i in range(length)]
