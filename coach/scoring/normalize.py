"""Text normalisation for matching, with a character map back to the original reply.

Trainees type fast: lower case, no apostrophes ("dont", "im"), chat shorthand ("u",
"pls"), emoji, the odd typo in a key word ("frustating"), or a sentence in CAPITALS.
None of that may change the judgement, so the scorer parses a *normalised* copy of the
reply. Evidence must still point at the trainee's own characters, so every character of
the normalised text remembers the span of the original text it came from.

The rules are deliberately small and lexical; shouting is measured on the original text
(see tone.py), not on this copy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import ACRONYMS, KEY_WORDS
from .nlp import known_words

# Chat spellings and apostrophe-less contractions -> what spaCy parses best.
# Only forms that are not ordinary English words in their own right ("its", "were",
# "ill", "wont", "id", "well" are left alone).
SHORTHAND = {
    "dont": "don't",
    "cant": "can't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "couldnt": "couldn't",
    "mustnt": "mustn't",
    "im": "I'm",
    "ive": "I've",
    "youre": "you're",
    "youve": "you've",
    "youll": "you'll",
    "youd": "you'd",
    "thats": "that's",
    "theres": "there's",
    "whats": "what's",
    "theyre": "they're",
    "theyve": "they've",
    "weve": "we've",
    "shouldve": "should've",
    "wouldve": "would've",
    "couldve": "could've",
    "lets": "let's",
    "heres": "here's",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thank you",
    "sry": "sorry",
    "soz": "sorry",
    "apols": "apologies",
    "tbh": "to be honest",
    "idk": "I don't know",
    "b4": "before",
    "2day": "today",
    "ud": "you'd",
    "tmrw": "tomorrow",
    "sory": "sorry",
    "srry": "sorry",
    "sorrry": "sorry",
    "tmr": "tomorrow",
    "appt": "appointment",
    "wud": "would",
    "shud": "should",
    "cud": "could",
    "wudnt": "wouldn't",
    "shudnt": "shouldn't",
    "cudnt": "couldn't",
    "ofc": "of course",
    "coz": "because",
    "cos": "because",
    "bc": "because",
    "rn": "right now",
    "asap": "as soon as possible",
    "i": "I",
}

# After these, "ur"/"your" means "you're" and "its" means "it's" (common typing slips).
_YOURE_NEXT = frozenset(
    """
right welcome not so being going entitled correct absolutely totally completely really very too
upset frustrated angry worried annoyed stressed scared gutted disappointed exhausted furious livid
anxious terrified understandably bound probably definitely still already
""".split()
)
_ITS_NEXT = frozenset(
    """
not so a an been only just really very totally completely going the definitely probably still
already gone been taking taken too way such my your our their split cracked broken late
""".split()
)
# short words `_replacement` may rewrite (longer ones may be typos of the key lexicon)
_SHORT_CANDIDATES = frozenset(SHORTHAND) | {"ur", "your", "its"}
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*[A-Za-z]|[A-Za-z]|\d+")
_MODALS_OF = frozenset(
    "must should could would might shouldnt couldnt wouldnt mustnt shouldn't couldn't "
    "wouldn't mustn't".split()
)
_PARTICIPLES = frozenset(
    """had been done gone known seen told got gotten paid sent made taken given thought left
    put read bought heard kept brought found rung run come forgotten chosen written broken
    spoken shown driven stolen fallen""".split()
)
_WORD_SPLIT_RE = re.compile(r"([A-Za-z][A-Za-z']*[A-Za-z]|[A-Za-z]|\d+)")


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    if cp in (0x200D, 0xFE0F, 0xFE0E, 0x20E3):  # ZWJ, variation selectors, keycap
        return True
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x1F3FB <= cp <= 0x1F3FF:
        return True
    if 0x2B00 <= cp <= 0x2BFF or 0xE0020 <= cp <= 0xE007F:
        return True
    return unicodedata.category(ch) in ("So", "Cs", "Co")


_EMOTICON_RE = re.compile(
    r"(?<![\w])(?:[:;=8][-'^o]?[)(\]\[dpo/\\|*3]+|<3|\^_?\^|xd+)(?![\w])", re.I
)

_QUOTES = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
}


@dataclass(frozen=True)
class Normalised:
    """`text` is what gets parsed; starts[i]/ends[i] give the original span of char i."""

    original: str
    text: str
    starts: tuple[int, ...] | None  # None: identical to the original, char for char
    ends: tuple[int, ...] | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text onto the original text."""
        n = len(self.text)
        if not n:
            return 0, 0
        # clamp: 0 <= start <= n - 1, start + 1 <= end <= n (as max/min would, cheaper)
        if start > n - 1:
            start = n - 1
        if start < 0:
            start = 0
        if end > n:
            end = n
        if end < start + 1:
            end = start + 1
        if self.starts is None:
            o_start, o_end = start, end
        else:
            o_start, o_end = self.starts[start], self.ends[end - 1]
        # Trim whitespace / punctuation at the edges so highlights look right.
        orig = self.original
        while o_end > o_start and (orig[o_end - 1].isspace() or orig[o_end - 1] in ",;:-"):
            o_end -= 1
        while o_start < o_end and orig[o_start].isspace():
            o_start += 1
        return o_start, o_end


def _edits1_deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@lru_cache(maxsize=1)
def _delete_index() -> dict[str, set[str]]:
    """SymSpell-style index: every key word and its one-character deletions."""
    index: dict[str, set[str]] = {}
    for w in KEY_WORDS:
        if len(w) < 5:
            continue
        for d in _edits1_deletes(w) | {w}:
            index.setdefault(d, set()).add(w)
    return index


def _damerau1(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@lru_cache(maxsize=20000)
def correct_word(word: str) -> str | None:
    """The key-lexicon word a typo'd token stands for, or None (no change)."""
    low = word.lower()
    if len(low) < 5 or low in KEY_WORDS or not low.isalpha():
        return None
    if low in known_words():  # a real word, not a typo ("relay" is not "relax")
        return None
    index = _delete_index()
    candidates: set[str] = set()
    for probe in _edits1_deletes(low) | {low}:
        candidates |= index.get(probe, set())
    best = sorted(c for c in candidates if c[0] == low[0] and _damerau1(low, c))
    if not best:
        return None
    # Prefer a candidate of the same length (substitution/swap), then the shortest.
    best.sort(key=lambda c: (abs(len(c) - len(low)), c))
    return best[0]


# Characters the first pass rewrites: emoji and symbols (-> space), typographic quotes
# and dashes (-> ASCII), control characters and runs of whitespace (-> one space).
_SPECIAL_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u200d\ufe0e\ufe0f\u20e3"
    "\U000e0020-\U000e007f\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff]+"
    "|[\u2018\u2019\u02bc`\u201c\u201d\u2013\u2014\u2026\x00-\x08\x0b-\x1f\x7f]"
    "|\\s{2,}|[\t\r\n\u00a0\u2000-\u200b\u202f\u205f\u3000]"
)


_SPECIAL_ASCII_RE = re.compile("[`\x00-\x08\x0b-\x1f\x7f]|\\s{2,}|[\t\r\n]")


def _first_pass(text: str):
    """Emoji, emoticons, quotes, whitespace. Returns (flat, starts, ends) or (text, None, None)."""
    ascii_ = text.isascii()
    # the same matches as _SPECIAL_RE: on ASCII text only its ASCII alternatives can match
    specials = list((_SPECIAL_ASCII_RE if ascii_ else _SPECIAL_RE).finditer(text))
    # an emoticon needs one of these characters, or "xd" ("xD", "XD") for laughter
    emoticons = (
        list(_EMOTICON_RE.finditer(text))
        if any(c in text for c in ":;=<^8") or "xd" in text.lower()
        else []
    )
    extra = [m for m in (specials + emoticons)]
    if not extra and ascii_:
        return text, None, None
    if not extra:
        # non-ASCII letters only (accents): still look for other symbols char by char
        if not any(_is_emoji(c) for c in text if not c.isascii()):
            return text, None, None
    spans: list[tuple[int, int, str]] = []
    for m in sorted(extra, key=lambda m: (m.start(), -m.end())):
        st, en = m.span()
        if spans and st < spans[-1][1]:
            continue
        piece = m.group(0)
        if m.re is _EMOTICON_RE or _is_emoji(piece[0]) or (len(piece) == 1 and _is_emoji(piece)):
            before = st > 0 and text[st - 1].isspace()
            after = en < len(text) and text[en].isspace()
            if before and after:
                en += 1  # "upset 😡 im" -> "upset im"
            rep = "" if (before or after) else " "
        elif piece in _QUOTES:
            rep = _QUOTES[piece]
        elif piece.isspace() or unicodedata.category(piece[0]) == "Cc":
            rep = " "
        else:
            rep = piece
        spans.append((st, en, rep))
    # stray symbols the class above does not list (category So)
    flat_parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for st, en, rep in spans:
        if st > pos:
            _identity(text, pos, st, flat_parts, starts, ends)
        if not rep or (rep == " " and flat_parts and flat_parts[-1].endswith(" ")):
            pos = en
            continue
        flat_parts.append(rep)
        starts.extend([st] * len(rep))
        ends.extend([en] * len(rep))
        pos = en
    if pos < len(text):
        _identity(text, pos, len(text), flat_parts, starts, ends)
    flat = "".join(flat_parts)
    if any(not c.isascii() and unicodedata.category(c) == "So" for c in flat):
        chars = [(" " if unicodedata.category(c) == "So" else c) for c in flat]
        flat = "".join(chars)
    return flat, starts, ends


def _identity(
    text: str, a: int, b: int, parts: list[str], starts: list[int], ends: list[int]
) -> None:
    parts.append(text[a:b])
    starts.extend(range(a, b))
    ends.extend(range(a + 1, b + 1))


_KNOWN: frozenset[str] | None = None


def _known() -> frozenset[str]:
    """The pipeline's vocabulary snapshot (nlp.known_words), read once."""
    global _KNOWN
    _KNOWN = known_words()
    return _KNOWN


def _replacement(word: str, low: str, nxt: str, gap: str) -> str | None:
    """What a word of the reply becomes in the parsed copy, or None (unchanged)."""
    if low in ("ur", "your") and (nxt in _YOURE_NEXT or (low == "ur" and gap.strip())):
        return "you're" if word[0].islower() else "You're"  # "ur right", "your welcome"
    if low == "its" and nxt in _ITS_NEXT:
        return "it's" if word[0].islower() else "It's"
    if low in SHORTHAND and (low != "i" or word == "i"):
        rep = SHORTHAND[low]
        if word[0].isupper() and rep[0].islower():
            rep = rep[0].upper() + rep[1:]
        return rep if rep != word else None
    if len(word) >= 2 and word.isupper() and word != "I" and word.replace("'", "") not in ACRONYMS:
        # CAPITALS are parsed in lower case (shouting is measured on the original)
        return _replacement(low, low, nxt, gap) or low
    if len(low) >= 5:
        if low in KEY_WORDS or low in (_KNOWN or _known()):
            return None  # what correct_word says for a known word, without the call
        return correct_word(word)
    return None


@lru_cache(maxsize=4096)
def normalise(text: str) -> Normalised:
    """Normalised copy of `text` for parsing, with a per-character map to the original."""
    flat, fstarts, fends = _first_pass(text)
    # [gap, word, gap, word, ..., gap]: the words of _WORD_RE and the text between them
    # (one C call; no match objects)
    pieces = _WORD_SPLIT_RE.split(flat)
    edits: list[tuple[int, int, str]] = []
    pos = len(pieces[0])
    last = len(pieces) - 2  # index of the last word
    for k in range(1, len(pieces), 2):
        word = pieces[k]
        start = pos
        pos += len(word) + len(pieces[k + 1])
        if word == "of" and k >= 3 and k < last:
            # "u must of clicked", "shouldnt of had to": a spelling of "have"
            prev, nxt = pieces[k - 2].lower(), pieces[k + 2].lower()
            if (
                prev in _MODALS_OF
                and pieces[k - 1] == " "
                and (nxt.endswith("ed") or nxt in _PARTICIPLES)
            ):
                edits.append((start, start + 2, "have"))
            continue
        if len(word) < 5 and word.lower() not in _SHORT_CANDIDATES and not word.isupper():
            continue  # nothing in _replacement applies to a short ordinary word (speed)
        if k < last:
            nxt, gap = pieces[k + 2].lower(), pieces[k + 1]
        else:
            nxt, gap = "", "."
        rep = _replacement(word, word.lower(), nxt, gap)
        if rep is not None and rep != word:
            edits.append((start, start + len(word), rep))

    if not edits and fstarts is None:
        out, starts, ends = flat, None, None
    else:
        if fstarts is None:
            fstarts = range(len(flat))
            fends = range(1, len(flat) + 1)
        parts: list[str] = []
        starts_l: list[int] = []
        ends_l: list[int] = []
        pos = 0
        for a, b, rep in edits:
            if a > pos:
                parts.append(flat[pos:a])
                starts_l.extend(fstarts[pos:a])
                ends_l.extend(fends[pos:a])
            parts.append(rep)
            starts_l.extend([fstarts[a]] * len(rep))
            ends_l.extend([fends[b - 1]] * len(rep))
            pos = b
        if pos < len(flat):
            parts.append(flat[pos:])
            starts_l.extend(fstarts[pos:])
            ends_l.extend(fends[pos:])
        out, starts, ends = "".join(parts), starts_l, ends_l

    lead = len(out) - len(out.lstrip())
    trail = len(out.rstrip())
    if starts is None:
        if lead or trail != len(out):
            starts, ends = list(range(len(out))), list(range(1, len(out) + 1))
        else:
            return Normalised(text, out, None, None)
    return Normalised(text, out[lead:trail], tuple(starts[lead:trail]), tuple(ends[lead:trail]))
