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

`FastMatcher(doc)` returns the same (label, start, end) matches as spaCy's
`Matcher(doc)` with `greedy=None` (all matches); tests/test_scorer.py checks the two
agree on the dev replies.
"""

from __future__ import annotations

from itertools import product

from spacy.tokens import Doc

# token attributes, by slot in the per-token tuple built in `rows`
_SLOT = {"LOWER": 0, "LEMMA": 1, "POS": 2, "ORTH": 3, "LIKE_NUM": 4}


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
    __slots__ = ("keyed", "other", "labels", "by_test", "leaf")

    def __init__(self) -> None:
        self.keyed: list[tuple[int, dict]] = []  # (slot, value -> children)
        self.other: list[tuple[tuple, _Node]] = []  # (tests, child)
        self.labels: list[str] = []  # patterns that end here
        self.by_test: dict[tuple, _Node] = {}  # build time: tests -> child
        self.leaf = True

    def child(self, tests: tuple) -> _Node:
        node = self.by_test.get(tests)
        if node is not None:
            return node
        node = self.by_test[tests] = _Node()
        self.leaf = False
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


class FastMatcher:
    def __init__(self) -> None:
        self._root = _Node()
        # patterns with "*" / "+": (label, compiled tokens, values their fixed tokens need)
        self._star: list[tuple[str, tuple, tuple]] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, label: str, patterns: list[list[dict]]) -> None:
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
        root = self._root
        found: set[tuple[str, int, int]] = set()
        add = found.add
        root_keyed = root.keyed
        root_other = root.other
        for i in range(n):
            row = rows[i]
            nxt: list[_Node] = []
            for slot, d in root_keyed:  # the patterns that can start here
                kids = d.get(row[slot])
                if kids is not None:
                    nxt.extend(kids)
            for tests, kid in root_other:
                for slot, vals, neg in tests:
                    if (row[slot] in vals) == neg:
                        break
                else:
                    nxt.append(kid)
            j = i + 1
            while nxt:
                frontier = []
                for node in nxt:
                    if node.labels:
                        for label in node.labels:
                            add((label, i, j))
                    if not node.leaf:
                        frontier.append(node)
                if not frontier or j >= n:
                    break
                row = rows[j]
                j += 1
                nxt = []
                for node in frontier:
                    for slot, d in node.keyed:
                        kids = d.get(row[slot])
                        if kids is not None:
                            nxt.extend(kids)
                    for tests, kid in node.other:
                        for slot, vals, neg in tests:
                            if (row[slot] in vals) == neg:
                                break
                        else:
                            nxt.append(kid)
        if self._star:
            self._match_star(rows, n, found, dict(present) if present else {})
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))

    def _match_star(self, rows: list[tuple], n: int, found: set, present: dict) -> None:
        for label, toks, required in self._star:
            for slot, vals in required:
                have = present.get(slot)
                if have is None:
                    have = present[slot] = {r[slot] for r in rows}
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
