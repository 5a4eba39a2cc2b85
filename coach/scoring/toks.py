"""One read of the parse per reply, shared by every rule (speed).

A spaCy `Token` is a view that is rebuilt on every access, and each string attribute
(`lower_`, `lemma_`, `dep_` ...) decodes a new Python string from the string store, so
rules that ask `t.head.dep_` or loop over `t.children` pay for that again and again.
`Toks` reads the attributes the rules use once, with one `doc.to_array` call, into plain
Python lists indexed by token position; the children of every token are derived from
the heads. Values are exactly what the `Token` attributes return (tests/test_scorer.py
checks them on the dev replies).
"""

from __future__ import annotations

from itertools import accumulate

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

# Per-token attributes; the lexical ones (text, lower case, punct / space / stop / number
# flags) depend only on the word form and are read from a per-process table keyed by ORTH.
_ATTRS = [ORTH, LEMMA, POS, TAG, DEP, HEAD, IDX, SENT_START]
_STR: dict[int, str] = {}  # hash -> string, shared by all docs of the process
_LEX: dict[int, tuple] = {}  # orth hash -> (text, lower, is_punct, is_space, is_stop, like_num)
_CACHE_MAX = 200_000
_WRAP = 1 << 63
_MOD = 1 << 64


def _strings(col: list[int], strings) -> list[str]:
    get = _STR.__getitem__
    try:
        return list(map(get, col))
    except KeyError:
        if len(_STR) > _CACHE_MAX:  # pragma: no cover - a very long-running process
            _STR.clear()
        for h in col:
            if h not in _STR:
                _STR[h] = strings[h]
        return list(map(get, col))


def _lexemes(col: list[int], vocab) -> list[tuple]:
    get = _LEX.__getitem__
    try:
        return list(map(get, col))
    except KeyError:
        if len(_LEX) > _CACHE_MAX:  # pragma: no cover - a very long-running process
            _LEX.clear()
        for h in col:
            if h not in _LEX:
                lex = vocab[h]
                _LEX[h] = (
                    lex.orth_,
                    lex.lower_,
                    lex.is_punct,
                    lex.is_space,
                    lex.is_stop,
                    lex.like_num,
                )
        return list(map(get, col))


def clear_caches() -> None:
    """Forget the string and lexeme tables (benchmarks measure cold work)."""
    _STR.clear()
    _LEX.clear()


class Sent:
    """A sentence of the doc: tokens [start, end) (what the rules read of doc.sents)."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


class Toks:
    """Token attributes of one parsed doc, as lists (index = token position)."""

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
        "_text",
        "_ledge",
        "_redge",
    )

    def __init__(self, doc: Doc, text: str | None = None) -> None:
        """`text`, if given, must be the text the doc was made from (== doc.text)."""
        self.doc = doc
        n = self.n = len(doc)
        if n:
            cols = doc.to_array(_ATTRS).T.tolist()
            lex = _lexemes(cols[0], doc.vocab)
            self.text, self.low, self.punct, self.space, self.stop, self.num = zip(
                *lex, strict=True
            )
        else:
            cols = [[] for _ in _ATTRS]
            self.text = self.low = self.punct = self.space = self.stop = self.num = ()
        # lemma, POS, tag and dependency strings in one pass over the four columns
        flat = _strings(cols[1] + cols[2] + cols[3] + cols[4], doc.vocab.strings)
        self.lem, self.pos, self.tag, self.dep = (flat[k * n : (k + 1) * n] for k in range(4))
        # HEAD is stored as an offset from the token (unsigned in the array)
        head = [j + (h - _MOD if h >= _WRAP else h) for j, h in enumerate(cols[5])]
        self.head = head
        self.idx = cols[6]
        ss = cols[7]
        self.sstart = [x == 1 for x in ss]  # Token.is_sent_start (-1 wraps, 0 is None)
        kids: list[list[int]] = [[] for _ in range(n)]
        for j, h in enumerate(head):
            if h != j:
                kids[h].append(j)  # ascending, as Token.children yields them
        self.kids = kids
        # the rows the token matcher reads: (lower, lemma, pos, text, like_num)
        self.rows = list(zip(self.low, self.lem, self.pos, self.text, self.num, strict=True))
        # sentences as doc.sents gives them: a new one at every later token with sent_start
        bounds = [i for i, x in enumerate(ss) if x == 1 and i]
        if bounds:
            starts = [False] * n
            for i in bounds:
                starts[i] = True
            self.sent_ix = list(accumulate(starts))
        else:
            self.sent_ix = [0] * n
        bounds = [0, *bounds, n]
        self.sents = [Sent(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)] if n else []
        self._text = text
        self._ledge: dict[int, int] = {}
        self._redge: dict[int, int] = {}

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
