"""What the scorer needs from the customer's side: content words and whether it is emotional.

The customer message (and earlier customer turns) is only *tokenised*, not parsed: its
content words are reduced to stems and concept clusters so that the reply's lemmas can
be compared with them ("charged twice" ~ "you were billed two times"). That keeps the
per-reply cost to one parse of the reply itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.attrs import ORTH
from spacy.lang.en.stop_words import STOP_WORDS

from .lexicon import (
    CONCEPT,
    EMOTION_FAMILIES,
    EMOTION_LEMMAS,
    GENERIC_LEMMAS,
    IRREGULAR,
    NUMBER_WORDS,
    PROCEDURE_LEMMAS,
    WEAK_EMOTION_LEMMAS,
)
from .nlp import get_nlp

# Stop words that carry the story of a complaint and must stay comparable.
KEEP_STOP = frozenset(
    {
        "again",
        "never",
        "still",
        "twice",
        "once",
        "nobody",
        "nothing",
        "three",
        "two",
        "four",
        "five",
        "six",
        "ten",
        "twenty",
        "fifty",
        "hundred",
        "first",
        "third",
        "last",
        "back",
        "empty",
        "whole",
    }
)
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ness",
    "ingly",
    "edly",
    "ing",
    "ies",
    "ied",
    "ed",
    "es",
    "er",
    "ly",
    "s",
    "e",
    "y",
)

_SUFFIXES_BY_LAST: dict[str, tuple[str, ...]] = {}
for _suf in _SUFFIXES:  # same order as _SUFFIXES within each group
    _SUFFIXES_BY_LAST[_suf[-1]] = _SUFFIXES_BY_LAST.get(_suf[-1], ()) + (_suf,)

# Customer-side signals of emotion beyond the emotion lexicon.
CUSTOMER_HEAT = frozenset(
    """
ridiculous unacceptable disgusting disgraceful useless joke pathetic worst terrible awful
rubbish incompetent appalling shocking outrageous absurd insane unbelievable seriously
still again never nobody ignored lied lie promised promise chasing chase waited waiting
manager complaint complain cancel lawyer ombudsman refund broken damaged cracked wrong
missing lost late delayed overcharged charged twice hell damn bloody crap wtf nightmare
fed sick tired enough cannot can't won't wont nothing problem issue hours weeks months
""".split()
)
CALM_CLOSERS = re.compile(
    r"^\s*(ok(ay)?|great|perfect|lovely|brilliant|cool|fine|sure|yes( please)?|no( thanks)?|"
    r"thanks?( you)?( so much| very much| a lot)?|cheers|bye|goodbye|that'?s (all|it|fine|great|"
    r"perfect|everything)|(that'?s|sounds) (good|great|fine|perfect)|got it|understood|"
    r"appreciate it|have a (good|nice|great) (day|one|evening)|nothing else)\b",
    re.I,
)


CLOSING_PHRASE = re.compile(
    r"\b(that'?s (all|everything|it)( for (now|today))?|all (good|sorted|done) now|"
    r"nothing else|that'?s all i needed)\b",
    re.I,
)


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to make charged/charge/charging meet."""
    w = word.lower().strip("'")
    w = IRREGULAR.get(w, w)
    w = NUMBER_WORDS.get(w, w)
    if not w.isalpha():
        return w
    # the first suffix of _SUFFIXES that fits; only those ending in w's last letter can
    for suf in _SUFFIXES_BY_LAST.get(w[-1], ()):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w


# (a number word among them would make every number generic: "one" stems to "1")
GENERIC_STEMS = frozenset(stem(w) for w in GENERIC_LEMMAS if w not in NUMBER_WORDS)
PROCEDURE_STEMS = frozenset(stem(w) for w in PROCEDURE_LEMMAS)


@lru_cache(maxsize=20000)
def word_keys(*forms: str) -> frozenset[str]:
    """Comparison keys of a word: its stem and, if any, its concept cluster."""
    keys: set[str] = set()
    for f in forms:
        low = f.lower()
        if not low:
            continue
        st = stem(low)
        keys.add("s:" + st)
        cid = CONCEPT.get(low) or CONCEPT.get(IRREGULAR.get(low, low))
        if cid:
            keys.add("c:" + cid)
    return frozenset(keys)


@dataclass(frozen=True)
class CustomerInfo:
    keys: frozenset[str]  # comparison keys of the message being answered
    history_keys: frozenset[str]  # ... of earlier customer turns
    items: tuple[str, ...]  # content words, most specific first
    emotional: bool
    text: str = ""  # the message being answered, parsed only if a tip needs its subject
    context_keys: frozenset[str] = frozenset()  # ... of the scenario brief, if given
    feelings: frozenset[str] = frozenset()  # EMOTION_FAMILIES the message shows (words)


_WORD_RE = re.compile(r"[a-z]+")


def feeling_families(words) -> frozenset[str]:
    """The EMOTION_FAMILIES any of these (lower-case) words belongs to."""
    return frozenset(name for name, fam in EMOTION_FAMILIES.items() if not fam.isdisjoint(words))


def empty_word(low: str, is_stop: bool, like_num: bool) -> bool:
    """A stop word that carries nothing of their story (the reply's side uses it too)."""
    return (is_stop or low in STOP_WORDS) and low not in KEEP_STOP and not like_num


def _content_word(lex) -> str | None:
    """The word of a lexeme if it is a content word of the story, else None."""
    low = lex.lower_
    if lex.is_punct or lex.is_space:
        return None
    if not (lex.is_alpha or lex.like_num or re.match(r"^[£$€]?\d", low)):
        return None
    if empty_word(low, lex.is_stop, lex.like_num):
        return None
    if low in GENERIC_LEMMAS or stem(low) in GENERIC_STEMS:
        return None
    if len(low) < 3 and not lex.like_num:
        return None
    return lex.orth_


# a piece of text between spaces -> its content words, each with its lower case and its
# comparison keys: spaCy's tokenizer splits a text at its spaces and tokenises each piece
# on its own, so a piece's words are decided once (tests/test_scorer.py checks this gives
# what tokenising the whole text gives)
_PIECES: dict[str, tuple[tuple[str, str, frozenset[str]], ...]] = {}
_PIECES_MAX = 100_000


def _piece_entries(piece: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    doc = get_nlp().make_doc(piece)
    vocab = doc.vocab
    out = []
    for orth in doc.to_array(ORTH).tolist():
        w = _content_word(vocab[orth])
        if w is not None:
            out.append((w, w.lower(), word_keys(w)))
    if len(_PIECES) > _PIECES_MAX:  # pragma: no cover - a very long-running process
        _PIECES.clear()
    entries = _PIECES[piece] = tuple(out)
    return entries


def _content_entries(text: str) -> list[tuple[str, str, frozenset[str]]]:
    """The content words of a text, in order, with their keys (the text is tokenised,
    not parsed)."""
    get = _PIECES.get
    out: list[tuple[str, str, frozenset[str]]] = []
    for piece in text.split(" "):
        if piece:
            entries = get(piece)
            if entries is None:
                entries = _piece_entries(piece)
            out += entries
    return out


def clear_word_table() -> None:
    """Forget the per-word decisions (benchmarks measure cold work)."""
    _PIECES.clear()


@lru_cache(maxsize=2048)
def _keys_of(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    entries = _content_entries(text)
    keys: set[str] = set()
    for _, _, k in entries:
        keys |= k
    items = tuple(dict.fromkeys(low for _, low, _ in entries if low not in PROCEDURE_LEMMAS))
    return frozenset(keys), items


@lru_cache(maxsize=2048)
def is_emotional(text: str) -> bool:
    """Does the customer message carry emotion (vs. "thanks, that's all")?"""
    if not text.strip():
        return False
    letters = [c for c in text if c.isalpha()]
    if "!" in text or (
        len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    ):
        return True
    words = re.findall(r"[a-z']+", text.lower())
    for w in words:
        if w in CUSTOMER_HEAT or (w in EMOTION_LEMMAS and w not in WEAK_EMOTION_LEMMAS):
            return True
        if stem(w) in _EMO_STEMS:
            return True
    if CALM_CLOSERS.match(text) and len(words) <= 12:
        return False
    if CLOSING_PHRASE.search(text) and len(words) <= 16:
        return False  # "Fine. The bill's corrected. That's all."
    # Anything else in a complaint conversation carries the problem ("I need that laptop for
    # Monday ... Sort it out", "So when is someone coming?"): only a closing has no emotion.
    return True


_EMO_STEMS = frozenset(stem(w) for w in EMOTION_LEMMAS - WEAK_EMOTION_LEMMAS)


@lru_cache(maxsize=1024)
def analyse_customer(
    customer: str, history_texts: tuple[str, ...] = (), context: tuple[str, ...] = ()
) -> CustomerInfo:
    """The customer side of a turn. Cached: a session (and a batch) answers the same
    customer message with many replies, and the result is immutable. Earlier turns and
    the scenario's background (`context`) are the rest of their story: words from them
    count, a little less than words from the message being answered."""
    keys, items = _keys_of(customer)
    hist: set[str] = set()
    hist_items: list[str] = []
    for h in history_texts:
        k, it = _keys_of(h)
        hist |= k
        hist_items.extend(it)
    ctx: set[str] = set()
    for c in context:
        ctx |= _keys_of(c)[0]
    return CustomerInfo(
        keys=keys,
        history_keys=frozenset(hist - keys),
        context_keys=frozenset(ctx - hist - keys),
        items=tuple(dict.fromkeys(list(items) + hist_items)),
        emotional=is_emotional(customer),
        text=customer,
        feelings=feeling_families(_WORD_RE.findall(customer.lower())),
    )
