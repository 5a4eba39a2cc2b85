"""A small token-pattern matcher for the scorer's own pattern set (speed).

spaCy's `Matcher` runs every pattern's state machine over every token and calls a
Python-level predicate for each set-valued token test; with a few thousand patterns this
cost about a quarter of the parse time per reply. The scorer's patterns use only a few
token tests (LOWER / LEMMA / ORTH equal or in a set, LOWER not in a set, POS in a set,
LIKE_NUM, any token) and the operators `? * +`, so they are compiled here into a trie:

* an optional token (`?`) is expanded into the pattern with and without it, so every
  pattern without `*` / `+` is a fixed sequence of token tests;
* the fixed sequences share their prefixes in a trie whose edges are keyed by the value
  a token must have (one dict lookup per attribute per trie node reached), with the few
  other tests (negated sets, several attributes, any token) tried in turn;
* the handful of patterns with `*` / `+` are tried only when every value their fixed
  tokens need occurs in the reply, by a small recursive search.

Matching walks the trie from every token. The walk runs at every token of every reply,
so it is a lazily built automaton: a walk's state is the set of edges still open, shared
by every walk that holds the same edges, and each state keeps, per row of the next token
(the token's attribute values), the outcome of that step: the labels of the patterns that
end there and the next state. A step over a row met before is one dict lookup; the first
step (the root's edges) is kept per row the same way. These per-row tables are what a
long-running process accumulates, like spaCy's own per-word tables, and are emptied past
`_FIRST_MAX` entries.

`FastMatcher(doc)` returns the same (label, start, end) matches as spaCy's
`Matcher(doc)` with `greedy=None` (all matches); tests/test_scorer.py checks the two
agree on the dev replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from spacy.tokens import Doc

# token attributes, by slot in the per-token tuple built in `rows`
_SLOT = {"LOWER": 0, "LEMMA": 1, "POS": 2, "ORTH": 3, "LIKE_NUM": 4}
_FIRST_MAX = 200_000  # per-row step outcomes kept in a matcher before its tables are emptied


def _compile_tok(spec: dict) -> tuple[tuple, str | None]:
    """A spaCy token spec -> (tests, op); a test is (slot, frozenset, negate)."""
    spec = dict(spec)
    op = spec.pop("OP", None)
    tests = []
    for attr, value in spec.items():
        slot = _SLOT[attr]
        if isinstance(value, dict):
            ((kind, vals),) = value.items()
            if kind == "IN":
                tests.append((slot, frozenset(vals), False))
            elif kind == "NOT_IN":
                tests.append((slot, frozenset(vals), True))
            else:  # pragma: no cover - not used by patterns.py
                raise ValueError(f"unsupported predicate {kind}")
        else:
            tests.append((slot, frozenset([value]), False))
    return tuple(tests), op


class _Node:
    """A trie node: its outgoing edges and the labels of the patterns that end here.

    A leaf has neither `keyed` nor `other` edges; the matcher needs no separate flag.
    """

    __slots__ = ("keyed", "other", "labels", "by_test")

    def __init__(self) -> None:
        self.keyed: list[tuple[int, dict]] = []  # (slot, value -> children)
        self.other: list[tuple[tuple, _Node]] = []  # (tests, child)
        self.labels: list[str] = []  # patterns that end here
        self.by_test: dict[tuple, _Node] = {}  # build time: tests -> child

    def child(self, tests: tuple) -> _Node:
        node = self.by_test.get(tests)
        if node is not None:
            return node
        node = self.by_test[tests] = _Node()
        if len(tests) == 1 and not tests[0][2]:
            slot, vals, _ = tests[0]
            d = next((kd for ks, kd in self.keyed if ks == slot), None)
            if d is None:
                d = {}
                self.keyed.append((slot, d))
            for v in vals:
                d.setdefault(v, []).append(node)
        else:
            self.other.append((tests, node))
        return node


class _State:
    """Where a walk stands: the edges still open, and the outcome of the next step per
    row of the next token, filled as rows are met (a lazily built automaton)."""

    __slots__ = ("keyed", "other", "trans")

    def __init__(self, keyed: Sequence, other: Sequence) -> None:
        self.keyed = keyed
        self.other = other
        self.trans: dict[tuple, tuple[tuple[str, ...], _State | None]] = {}


class FastMatcher:
    def __init__(self) -> None:
        self._root = _Node()
        # patterns with "*" / "+": (label, compiled tokens, values their fixed tokens need)
        self._star: list[tuple[str, tuple, tuple]] = []
        self._count = 0
        # where every walk starts: the root's edges (the root's own lists, so patterns added
        # later are in it); its `trans` holds the first step per row
        self._start = _State(self._root.keyed, self._root.other)
        # the walk's other states, by the edges they hold (see _state), and how many
        # per-row outcomes the tables hold in all
        self._states: dict[tuple, _State] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._count

    def add(self, label: str, patterns: list[list[dict]]) -> None:
        self.clear_tables()  # the trie's edges change
        for pat in patterns:
            toks = tuple(_compile_tok(t) for t in pat)
            self._count += 1
            if any(op in ("*", "+") for _, op in toks):
                self._add_star(label, toks)
                continue
            options = [((t,), ()) if op == "?" else ((t,),) for t, op in toks]
            for combo in product(*options):
                seq = [t for part in combo for t in part]
                if not seq:
                    continue  # spaCy never matches an empty span
                node = self._root
                for tests in seq:
                    node = node.child(tests)
                if label not in node.labels:
                    node.labels.append(label)

    def _add_star(self, label: str, toks: tuple) -> None:
        # the values its obligatory tokens need: a doc without one of them cannot match
        required = tuple(
            (tests[0][0], tests[0][1])
            for tests, op in toks
            if op is None and len(tests) == 1 and not tests[0][2]
        )
        self._star.append((label, toks, required))

    @staticmethod
    def rows(doc: Doc) -> list[tuple]:
        return [(t.lower_, t.lemma_, t.pos_, t.text, t.like_num) for t in doc]

    def __call__(
        self, doc: Doc, rows: list[tuple] | None = None, present: dict[int, set] | None = None
    ) -> list[tuple[str, int, int]]:
        """`present`, if given, maps a slot to the set of its values in the doc."""
        if rows is None:
            rows = self.rows(doc)
        n = len(rows)
        found: set[tuple[str, int, int]] = set()
        add = found.add
        start = self._start
        first = start.trans
        for i in range(n):
            row = rows[i]
            step = first.get(row)
            if step is None:
                step = self._advance(start, row)
            labels, state = step
            for label in labels:
                add((label, i, i + 1))
            j = i + 1
            while state is not None and j < n:
                row = rows[j]
                j += 1
                step = state.trans.get(row)
                if step is None:
                    step = self._advance(state, row)
                labels, state = step
                for label in labels:
                    add((label, i, j))
        if self._star:
            self._match_star(rows, n, found, present)
        if not found:
            return []
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))

    def _state(self, kids: list[_Node]) -> _State | None:
        """The walk's state after reaching these nodes: their outgoing edges, shared by
        every walk that reaches the same edges; None when no edge leaves them."""
        keyed = tuple(e for k in kids for e in k.keyed)
        other = tuple(e for k in kids for e in k.other)
        if not keyed and not other:
            return None
        key = (tuple(id(d) for _, d in keyed), tuple(id(kid) for _, kid in other))
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _State(keyed, other)
        return state

    def _advance(self, state: _State, row: tuple) -> tuple[tuple[str, ...], _State | None]:
        """One step of a walk from `state` over a token with this row: (labels of the
        patterns that end at it, the next state), kept in the state per row."""
        reached: list[_Node] = []
        for slot, d in state.keyed:
            kids = d.get(row[slot])
            if kids is not None:
                reached += kids
        for tests, kid in state.other:
            if _ok(tests, row):
                reached.append(kid)
        step = (tuple(label for k in reached for label in k.labels), self._state(reached))
        self._size += 1
        if self._size >= _FIRST_MAX:  # pragma: no cover - a very long-running process
            self.clear_tables()
        state.trans[row] = step
        return step

    def clear_tables(self) -> None:
        """Empty the per-row tables (the trie itself stays)."""
        self._start.trans.clear()
        self._states.clear()
        self._size = 0

    def _match_star(
        self, rows: list[tuple], n: int, found: set, present: dict[int, set] | None
    ) -> None:
        sets: dict[int, set] = {}  # value sets of slots `present` does not give
        for label, toks, required in self._star:
            for slot, vals in required:
                have = present.get(slot) if present else None
                if have is None:
                    have = sets.get(slot)
                    if have is None:
                        have = sets[slot] = {r[slot] for r in rows}
                if have.isdisjoint(vals):
                    break
            else:
                for i in range(n):
                    for e in _ends(toks, 0, i, rows, n):
                        if e > i:
                            found.add((label, i, e))


def _ok(tests: tuple, row: tuple) -> bool:
    for slot, vals, neg in tests:
        if (row[slot] in vals) == neg:
            return False
    return True


def _ends(toks: tuple, k: int, i: int, rows: list[tuple], n: int) -> set[int]:
    """All token positions where pattern toks[k:] can end when it starts at token i."""
    if k == len(toks):
        return {i}
    tests, op = toks[k]
    out: set[int] = set()
    if op is None:
        if i < n and _ok(tests, rows[i]):
            return _ends(toks, k + 1, i + 1, rows, n)
        return out
    if op == "?":
        out |= _ends(toks, k + 1, i, rows, n)
        if i < n and _ok(tests, rows[i]):
            out |= _ends(toks, k + 1, i + 1, rows, n)
        return out
    # "*" or "+": consume j >= 0 (>= 1 for "+") matching tokens
    j = i
    if op == "*":
        out |= _ends(toks, k + 1, j, rows, n)
    while j < n and _ok(tests, rows[j]):
        j += 1
        out |= _ends(toks, k + 1, j, rows, n)
    return out
