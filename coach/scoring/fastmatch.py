"""A small token-pattern matcher for the scorer's own pattern set (speed).

spaCy's `Matcher` runs every pattern's state machine over every token and calls a
Python-level predicate for each set-valued token test; with a few thousand patterns this
cost about a quarter of the parse time per reply. The scorer's patterns use only a few
token tests (LOWER / LEMMA / ORTH equal or in a set, LOWER not in a set, POS in a set,
LIKE_NUM, any token) and the operators `? * +`, so they are compiled here into tuples of
set tests and indexed by the value their first token must have: per reply, one dict
lookup per token finds the few patterns that can start there, and only those are tried.

`FastMatcher(doc)` returns the same (label, start, end) matches as spaCy's
`Matcher(doc)` with `greedy=None` (all matches); tests/test_scorer.py checks the two
agree on the dev replies.
"""

from __future__ import annotations

from spacy.tokens import Doc

# token attributes, by slot in the per-token tuple built in `_rows`
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


def _first_keys(tests: tuple) -> list[tuple[int, object]] | None:
    """Index keys for a first token with one positive equality/set test, else None."""
    if len(tests) != 1:
        return None
    slot, vals, neg = tests[0]
    if neg or slot not in (0, 1, 3):
        return None
    return [(slot, v) for v in vals]


class FastMatcher:
    def __init__(self) -> None:
        # first-token key -> (second-token key -> patterns, patterns tried regardless)
        # entry: (label, compiled tokens, tests of the operator-free head still to check,
        #         length of that head, tokens already checked by the index)
        self._index: dict[tuple[int, object], tuple[dict, list]] = {}
        self._anywhere: list[tuple] = []
        self._count = 0
        self._slots: tuple[int, ...] = ()
        self._slots2: tuple[int, ...] = ()

    def __len__(self) -> int:
        return self._count

    def add(self, label: str, patterns: list[list[dict]]) -> None:
        for pat in patterns:
            toks = tuple(_compile_tok(t) for t in pat)
            self._count += 1
            k = 0
            while k < len(toks) and toks[k][1] is None:
                k += 1
            head = tuple(t[0] for t in toks[:k])
            tests, op = toks[0]
            keys = _first_keys(tests) if op is None else None
            if keys is None:
                self._anywhere.append((label, toks, head, k, 0))
                continue
            keys2 = None
            if len(toks) > 1 and toks[1][1] is None:
                keys2 = _first_keys(toks[1][0])
            for key in keys:
                sub, rest = self._index.setdefault(key, ({}, []))
                if keys2 is None:  # the index checked token 1: test the head from token 2
                    rest.append((label, toks, head[1:], k, 1))
                else:  # ... tokens 1 and 2
                    for k2 in keys2:
                        sub.setdefault(k2, []).append((label, toks, head[2:], k, 2))
        self._slots = tuple(sorted({key[0] for key in self._index}))
        self._slots2 = tuple(sorted({k2[0] for sub, _ in self._index.values() for k2 in sub}))

    @staticmethod
    def rows(doc: Doc) -> list[tuple]:
        return [(t.lower_, t.lemma_, t.pos_, t.text, t.like_num) for t in doc]

    def __call__(self, doc: Doc, rows: list[tuple] | None = None) -> list[tuple[str, int, int]]:
        if rows is None:
            rows = self.rows(doc)
        n = len(rows)
        index = self._index
        slots, slots2 = self._slots, self._slots2
        found: set[tuple[str, int, int]] = set()
        for i in range(n):
            row = rows[i]
            cands = list(self._anywhere) if self._anywhere else []
            nxt = rows[i + 1] if i + 1 < n else None
            for slot in slots:
                entry = index.get((slot, row[slot]))
                if entry is None:
                    continue
                sub, rest = entry
                cands.extend(rest)
                if nxt is not None and sub:
                    for slot2 in slots2:
                        c = sub.get((slot2, nxt[slot2]))
                        if c:
                            cands.extend(c)
            for label, toks, head, k, done in cands:
                j = i + done
                for tests in head:  # the fixed-length head, checked without recursion
                    if j >= n:
                        break
                    r = rows[j]
                    for slot, vals, neg in tests:
                        if (r[slot] in vals) == neg:
                            break
                    else:
                        j += 1
                        continue
                    break
                else:
                    if k == len(toks):
                        if j > i:
                            found.add((label, i, j))
                        continue
                    for e in _ends(toks, k, j, rows, n):
                        if e > i:
                            found.add((label, i, e))
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))


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
