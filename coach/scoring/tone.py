"""Shouting, measured on the trainee's original text (before normalisation).

A word in CAPITALS used for emphasis ("as I ALREADY said") is shouting; an acronym or a
code is not ("UK", "PIN", "SMS", "ORD-55812"). Runs of "!!", "?!" and "!?" are shouting;
a single "!" is not.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from .lexicon import ACRONYMS, KEY_WORDS

# Emoji that mock rather than soften (eye-roll, upside-down face, facepalm, shrug, ...).
MOCKING_EMOJI = frozenset(
    "\U0001f644\U0001f643\U0001f612\U0001f926\U0001f611\U0001f971\U0001f921\U0001f485\U0001f60f\U0001f937"
)
_EMOJI_RE = re.compile("[" + "".join(sorted(MOCKING_EMOJI)) + "]")
# Laughing at an upset customer's message mocks them ("Must have been some weekend 😂").
LAUGHING_EMOJI = frozenset("\U0001f602\U0001f923\U0001f606\U0001f639")
_LAUGH_RE = re.compile("[" + "".join(sorted(LAUGHING_EMOJI)) + "]")
_CAPS_RE = re.compile(r"(?<![\w'])[A-Z][A-Z']*[A-Z](?![\w])")
_PUNCT_RE = re.compile(r"(?:[!?]*!{2,}[!?]*)|(?:[!?]*(?:\?!|!\?)[!?]*)|\?{3,}")
# Short capitalised words that are ordinary words (emphasis), not acronyms.
_EMPHASIS_SHORT = frozenset(
    """
not no did you all now say was are can any yes why how own get set read told said the and
one two ten way its it's won't can't don't i'm you're out off too see put ask got let yet
ever once stop
""".split()
)


def _is_shout_word(word: str, customer_caps: set[str]) -> bool:
    bare = word.replace("'", "")
    if bare in ACRONYMS or word in customer_caps:
        return False
    low = word.lower()
    if len(bare) >= 4:
        return True
    return low in _EMPHASIS_SHORT or low in STOP_WORDS or low in KEY_WORDS


_Hit = None  # features.Hit, bound on first use (features imports this module)


def shout_hits(text: str, cust=None) -> list:
    """Hits for shouting, with offsets into `text` itself (raw=True)."""
    global _Hit
    if _Hit is None:
        from .features import Hit as _Hit
    Hit = _Hit

    customer_caps: set[str] = set()
    out = []
    for m in _CAPS_RE.finditer(text):
        w = m.group(0)
        if _is_shout_word(w, customer_caps) or (w == "AM" and text[: m.start()].endswith("I ")):
            # ("I AM aware": the verb in capitals, not the a.m. of a time)
            out.append(
                Hit(
                    "TONE_SHOUT",
                    m.start(),
                    m.end(),
                    f"'{w}' in capitals reads as shouting",
                    1.0,
                    raw=True,
                )
            )
    if not text.isascii():  # the mocking emoji are not ASCII
        for m in _EMOJI_RE.finditer(text):
            i = m.start()
            out.append(Hit("TONE_SARCASM", i, i + 1, "an eye-roll emoji mocks them", 1.0, raw=True))
        if cust is None or cust.emotional:
            for m in _LAUGH_RE.finditer(text):
                i = m.start()
                why = "laughing at an upset customer's message mocks them"
                out.append(Hit("TONE_SARCASM", i, i + 1, why, 1.0, raw=True))
    if "!" in text or "???" in text:  # every run below has a "!" or three "?"
        for m in _PUNCT_RE.finditer(text):
            out.append(
                Hit(
                    "TONE_SHOUT",
                    m.start(),
                    m.end(),
                    f"'{m.group(0)}' reads as shouting",
                    1.0,
                    raw=True,
                )
            )
    return out
