"""One read of the parse per reply, shared by every rule (speed).

A spaCy `Token` is a view that is rebuilt on every access, and each string attribute
(`lower_`, `lemma_`, `dep_` ...) decodes a new Python string from the string store, so
rules that ask `t.head.dep_` or loop over `t.children` pay for that again and again.
`Toks` reads the attributes the rules use once, with one `doc.to_array` call, into plain
Python lists indexed by token position; the children of every token are derived from
the heads. Values are exactly what the `Token` attributes return (tests/test_scorer.py
checks them on the dev replies).

Most of what a token contributes depends only on its *type*: its word form, lemma, POS,
tag and dependency label (its text, lower case, lexical flags, the four label strings
and the matcher's row). The five hashes of a token, as one 40-byte key cut from the
array by numpy, look that up in a per-process table, so a token of a type seen before
costs one dict lookup and no Python ints are made for its hashes; only the head, the
character offset and the sentence-start flag are converted per token.
"""

from __future__ import annotations

from operator import add

import numpy as np
from spacy.attrs import (
    DEP,
    HEAD,
    IDX,
    LEMMA,
    ORTH,
    POS,
    SENT_START,
    TAG,
)
from spacy.tokens import Doc

# The first _NKEY attributes are the token's type (hashes); the others its place.
_ATTRS = [ORTH, LEMMA, POS, TAG, DEP, HEAD, IDX, SENT_START]
_NKEY = 5
_KEY = np.dtype((np.void, 8 * _NKEY))  # a token's type hashes as one bytes object
# HEAD (an offset from the token) and SENT_START (1, -1 or 0) are signed numbers stored
# as uint64: read as int64 they come out as small Python ints.
_SIGNED = np.dtype(np.int64)
# type key -> (text, lower, lemma, pos, tag, dep, is_punct, is_space, is_stop, like_num,
# row); row is the matcher's (lower, lemma, pos, text, like_num), shared by the tokens.
_TYPES: dict[bytes, tuple] = {}
_STR: dict[int, str] = {}  # hash -> string, to make new types without the string store
_CACHE_MAX = 200_000
_TYPES_MAX = 100_000  # an entry is a few hundred bytes; dev's ~60k tokens have ~7k types


def _string(h: int, strings) -> str:
    s = _STR.get(h)
    if s is None:
        if len(_STR) > _CACHE_MAX:  # pragma: no cover - a very long-running process
            _STR.clear()
        s = _STR[h] = strings[h]
    return s


def _types(keys: list[bytes], arr: np.ndarray, vocab) -> list[tuple]:
    """The type entries of the tokens (`keys`; `arr` the doc's array), adding new types."""
    get = _TYPES.__getitem__
    try:
        return list(map(get, keys))
    except KeyError:
        if len(_TYPES) > _TYPES_MAX:  # pragma: no cover - a very long-running process
            _TYPES.clear()
        strings = vocab.strings
        for k, key in enumerate(keys):
            if key not in _TYPES:
                orth, lemma, pos, tag, dep = arr[k, :_NKEY].tolist()
                lex = vocab[orth]
                text, low, num = lex.orth_, lex.lower_, lex.like_num
                lem, pos_ = _string(lemma, strings), _string(pos, strings)
                _TYPES[key] = (
                    text,
                    low,
                    lem,
                    pos_,
                    _string(tag, strings),
                    _string(dep, strings),
                    lex.is_punct,
                    lex.is_space,
                    lex.is_stop,
                    num,
                    (low, lem, pos_, text, num),
                )
        return list(map(get, keys))


def clear_caches() -> None:
    """Forget the token-type and string tables (benchmarks measure cold work)."""
    _TYPES.clear()
    _STR.clear()


class Sent:
    """A sentence of the doc: tokens [start, end) (what the rules read of doc.sents)."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


class Toks:
    """Token attributes of one parsed doc, as tuples and lists (index = token position)."""

    __slots__ = (
        "doc",
        "n",
        "low",
        "lem",
        "pos",
        "text",
        "tag",
        "dep",
        "head",
        "idx",
        "punct",
        "space",
        "stop",
        "num",
        "kids",
        "rows",
        "sents",
        "sent_ix",
        "sstart",
        "_ss",
        "_text",
        "_ledge",
        "_redge",
    )

    def __init__(self, doc: Doc, text: str | None = None) -> None:
        """`text`, if given, must be the text the doc was made from (== doc.text)."""
        self.doc = doc
        self._text = text
        self._ledge: dict[int, int] = {}
        self._redge: dict[int, int] = {}
        n = self.n = len(doc)
        if not n:
            self._empty()
            return
        arr = doc.to_array(_ATTRS)
        keys = arr[:, :_NKEY].copy(order="C").view(_KEY).ravel().tolist()
        (
            self.text,
            self.low,
            lem,
            pos,
            tag,
            dep,
            self.punct,
            self.space,
            self.stop,
            self.num,
            rows,
        ) = zip(*_types(keys, arr, doc.vocab), strict=True)
        self.lem, self.pos, self.tag, self.dep = lem, pos, tag, dep
        self.rows = rows  # the rows the token matcher reads
        offset, self.idx, ss = arr[:, _NKEY:].view(_SIGNED).T.tolist()
        head = self.head = list(map(add, range(n), offset))
        kids: list[list[int]] = [[] for _ in range(n)]
        for j, h in enumerate(head):
            if h != j:
                kids[h].append(j)  # ascending, as Token.children yields them
        self.kids = kids
        self._ss = ss  # `sstart` is made from it on first use (a third of replies read it)
        # sentences as doc.sents gives them: a new one at every later token with sent_start
        # (count / index scan in C; a reply has a few sentences)
        later = ss.count(1) - (ss[0] == 1)
        if not later:
            self.sent_ix = [0] * n
            self.sents = [Sent(0, n)]
            return
        bounds = [0]
        for _ in range(later):
            bounds.append(ss.index(1, bounds[-1] + 1))
        bounds.append(n)
        sent_ix: list[int] = []
        for k in range(len(bounds) - 1):
            sent_ix += [k] * (bounds[k + 1] - bounds[k])
        self.sent_ix = sent_ix
        self.sents = [Sent(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]

    def _empty(self) -> None:
        """The tables of a doc without tokens."""
        self.text = self.low = self.punct = self.space = self.stop = self.num = ()
        self.lem = self.pos = self.tag = self.dep = self.rows = ()
        self.head, self.idx, self.kids = [], [], []
        self.sstart, self._ss, self.sent_ix, self.sents = [], [], [], []

    def __getattr__(self, name: str) -> list[bool]:
        """Only reached for an attribute not set yet: `sstart`, made on first use."""
        if name == "sstart":
            sstart = self.sstart = [x == 1 for x in self._ss]  # -1 is False, 0 is None
            return sstart
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def desc(self, i: int) -> list[int]:
        """`i` and all its descendants (in no particular order)."""
        kids = self.kids
        out = [i]
        k = 0
        while k < len(out):
            out.extend(kids[out[k]])
            k += 1
        return out

    def subtree(self, i: int) -> list[int]:
        """Token.subtree, in its order (left children's subtrees, the token, right ones)."""
        kids = self.kids
        out: list[int] = []
        # iterative walk: ("visit", x) expands x; ("emit", x) writes x between its sides
        stack: list[tuple[bool, int]] = [(False, i)]
        while stack:
            emit, x = stack.pop()
            if emit:
                out.append(x)
                continue
            ks = kids[x]
            for c in reversed(ks):
                if c > x:
                    stack.append((False, c))
            stack.append((True, x))
            for c in reversed(ks):
                if c < x:
                    stack.append((False, c))
        return out

    def left_edge(self, i: int) -> int:
        """Token.left_edge.i: the first token of its subtree."""
        return self._edge(i, self._ledge, min)

    def right_edge(self, i: int) -> int:
        """Token.right_edge.i: the last token of its subtree."""
        return self._edge(i, self._redge, max)

    def _edge(self, i: int, cache: dict[int, int], pick) -> int:
        if not self.kids[i]:
            return i
        e = cache.get(i)
        if e is None:
            e = cache[i] = pick(self.desc(i))
        return e

    def has_kid_dep(self, i: int, deps) -> bool:
        dep = self.dep
        for c in self.kids[i]:
            if dep[c] in deps:
                return True
        return False

    def kid_with_dep(self, i: int, deps) -> int | None:
        dep = self.dep
        for c in self.kids[i]:
            if dep[c] in deps:
                return c
        return None

    def span_text(self, start: int, end: int) -> str:
        """`doc[start:end].text`, without building the Span."""
        if end <= start:
            return ""
        if self._text is None:
            self._text = self.doc.text  # Doc.text joins every token: once per doc
        last = end - 1
        return self._text[self.idx[start] : self.idx[last] + len(self.text[last])]
